// Progressive enhancement of the session page: while the session is changing (Pending, Creating,
// Stopping), re-fetch its status, conditions, timeline and pods every few seconds. Without
// JavaScript the page is complete; reload it to see news.
(function () {
  "use strict";
  var live = document.getElementById("live");
  if (!live || !window.fetch) { return; }
  var url = live.getAttribute("data-live-url");
  var every = parseInt(live.getAttribute("data-refresh-ms"), 10) || 2000;
  // A few refreshes after the session settles catch the last transitions and the stop's Events.
  var settledRounds = 0;

  function changing() {
    var content = document.getElementById("live-content");
    return content && content.getAttribute("data-changing") === "true";
  }

  function refresh() {
    fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html !== null) { live.innerHTML = html; }
        settledRounds = changing() ? 0 : settledRounds + 1;
        if (settledRounds < 3) { window.setTimeout(refresh, every); }
      })
      .catch(function () { window.setTimeout(refresh, every * 2); });
  }

  window.setTimeout(refresh, every);
}());
