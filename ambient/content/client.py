"""Requests to one session's content service: token lookup, bounded timeouts, streamed bodies.

Failures to reach it become `Unavailable` (503) with a hint of what to check; answers of the
content service itself (2xx and its own 4xx errors) are handed back for the caller to relay.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

import urllib3
from django.conf import settings
from urllib3.exceptions import HTTPError, ReadTimeoutError

from ambient.content.endpoint import ROUTE_SERVICE_PROXY, ContentEndpoint, TokenReader, content_endpoint
from ambient.exceptions import Unavailable

logger = logging.getLogger(__name__)

CODE_CONTENT_UNAVAILABLE = "content_service_unavailable"
CODE_CONTENT_TIMEOUT = "content_service_timeout"
CODE_NO_CONTENT_TOKEN = "content_token_missing"  # noqa: S105 - an error code
STREAM_CHUNK_BYTES = 64 * 1024
# Statuses with which the API server's service proxy says the Service has no ready endpoint.
_PROXY_UNAVAILABLE_STATUSES = frozenset({404, 500, 502, 503})

# (namespace, session) → (monotonic expiry, token); a token lives as long as its session's run.
_tokens: dict[tuple[str, str], tuple[float, str]] = {}
_tokens_lock = threading.Lock()
_MAX_CACHED_TOKENS = 4096


def forget_content_tokens() -> None:
    """Tests (and a 401 from the content service): read tokens from their Secrets again."""
    with _tokens_lock:
        _tokens.clear()


def content_unavailable(
    endpoint: ContentEndpoint | None, session: str, why: str, *, code: str = CODE_CONTENT_UNAVAILABLE
):
    route = f" (via {endpoint.route})" if endpoint else ""
    return Unavailable(
        f"The content service of session {session!r} did not answer{route}: {why}. It runs in the session's pod: "
        "its condition ContentServiceReady (and GET .../k8s-resources) says why; retry once the session is Ready.",
        code=code,
        details={"session": session},
    )


class ContentService:
    """The content service of one session, as seen by the control plane."""

    def __init__(self, *, namespace: str, session: str, token_reader: TokenReader) -> None:
        self.namespace = namespace
        self.session = session
        self._token_reader = token_reader

    def cached_token(self) -> str | None:
        """The content token when it is cached (no I/O), else None."""
        with _tokens_lock:
            cached = _tokens.get((self.namespace, self.session))
        return cached[1] if cached and cached[0] > time.monotonic() else None

    def token(self, *, fresh: bool = False) -> str:
        """The content token: cached, else read from the session's token Secret (blocking I/O)."""
        return self._token(fresh=fresh)

    def _token(self, *, fresh: bool = False) -> str:
        cached = None if fresh else self.cached_token()
        if cached:
            return cached
        token = self._token_reader(self.namespace, self.session)
        if not token:
            raise Unavailable(
                f"Session {self.session!r} has no content token yet: it is written when the session's pod is "
                "created; wait for the session's Ready condition and retry.",
                code=CODE_NO_CONTENT_TOKEN,
            )
        with _tokens_lock:
            if len(_tokens) >= _MAX_CACHED_TOKENS:
                _tokens.clear()
            _tokens[(self.namespace, self.session)] = (time.monotonic() + settings.CONTENT_TOKEN_CACHE_SECONDS, token)
        return token

    def endpoint(self, *, fresh_token: bool = False) -> ContentEndpoint:
        token = self._token(fresh=fresh_token)
        return content_endpoint(namespace=self.namespace, session=self.session, content_token=token)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json_body: Any = None,
        body: bytes | Iterable[bytes] | None = None,
        headers: Mapping[str, str] | None = None,
        read_timeout: float | None = None,
        stream: bool = False,
    ) -> urllib3.BaseHTTPResponse:
        """Send one request; the response is the content service's own (any status but 401).

        A streamed `body` (an iterable of chunks) cannot be replayed, so it is never retried.
        """
        extra = dict(headers or {})
        if json_body is not None:
            body = json.dumps(json_body).encode()
            extra["Content-Type"] = "application/json"
        replayable = body is None or isinstance(body, bytes)
        response = self._send(method, path, params, body, extra, read_timeout, stream, fresh_token=False)
        if response.status == 401 and replayable:
            # The token rotated since we cached it (the session was restarted): read it again once.
            response.drain_conn()
            response = self._send(method, path, params, body, extra, read_timeout, stream, fresh_token=True)
        if response.status == 401:
            response.drain_conn()
            raise content_unavailable(None, self.session, "it refused the session's content token")
        return response

    def _send(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None,
        body: bytes | Iterable[bytes] | None,
        headers: Mapping[str, str],
        read_timeout: float | None,
        stream: bool,
        *,
        fresh_token: bool,
    ) -> urllib3.BaseHTTPResponse:
        endpoint = self.endpoint(fresh_token=fresh_token)
        url = endpoint.url(path)
        if params:
            url += "?" + urlencode(dict(params))
        timeout = urllib3.Timeout(
            connect=settings.CONTENT_SERVICE_CONNECT_TIMEOUT_SECONDS,
            read=read_timeout or settings.CONTENT_SERVICE_READ_TIMEOUT_SECONDS,
        )
        try:
            response = endpoint.pool.request(
                method,
                url,
                body=body,
                headers={**endpoint.headers, **headers},
                timeout=timeout,
                retries=False,
                redirect=False,
                preload_content=not stream,
            )
        except ReadTimeoutError as error:
            raise content_unavailable(
                endpoint, self.session, f"no answer within {timeout.read_timeout} s", code=CODE_CONTENT_TIMEOUT
            ) from error
        except HTTPError as error:
            logger.info("content service of %s/%s unreachable: %s", self.namespace, self.session, type(error).__name__)
            raise content_unavailable(endpoint, self.session, "the connection failed") from error
        if endpoint.route == ROUTE_SERVICE_PROXY and response.status in _PROXY_UNAVAILABLE_STATUSES:
            reason = _api_server_refusal(response)
            if reason is not None:
                raise content_unavailable(endpoint, self.session, reason)
        return response


def _api_server_refusal(response: urllib3.BaseHTTPResponse) -> str | None:
    """The API server's own `Status` answer (no ready endpoint, Service gone), not the content service's."""
    if "json" not in (response.headers.get("Content-Type") or ""):
        return None
    data = response.data  # an error answer is small; reading it whole is fine
    try:
        parsed = json.loads(data or b"{}")
    except ValueError:
        return None
    if isinstance(parsed, dict) and parsed.get("kind") == "Status":
        return str(parsed.get("message") or parsed.get("reason") or "the API server could not reach it")
    return None


def response_json(response: urllib3.BaseHTTPResponse) -> Any:
    """The JSON body of a (preloaded) content-service answer; a non-JSON body becomes an error shape."""
    return json_answer(response.data, status=response.status)


def json_answer(raw: bytes | None, *, status: int) -> Any:
    """A content-service answer's JSON body; a non-JSON body becomes an error shape."""
    try:
        return json.loads(raw) if raw else {}
    except ValueError:
        return {
            "error": f"The content service answered {status} without JSON.",
            "code": "content_service_bad_answer",
            "details": {},
        }
