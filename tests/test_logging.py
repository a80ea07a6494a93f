"""Log lines carry the request id; secrets never reach a handler."""

import io
import json
import logging
import logging.config

import pytest

from ambient.logging import logging_config, redact, request_id_var


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Authorization: Bearer eyJhbGciOi.abc.def", "Authorization: Bearer [REDACTED]"),
        ("GET /ws?token=s3cr3t&x=1", "GET /ws?token=[REDACTED]&x=1"),
        ("push https://x-access-token:ghs_abc@github.com/o/r.git", "push https://[REDACTED]@github.com/o/r.git"),
        ("client_secret=abc password=hunter2", "client_secret=[REDACTED] password=[REDACTED]"),
        ("nothing to hide", "nothing to hide"),
        # Upper case: the quick check for "bearer" before the searches ignores case, as they do.
        ("AUTHORIZATION: BEARER abc.def", "AUTHORIZATION: BEARER [REDACTED]"),
        (
            "GET /api/projects/p/agentic-sessions/s/workspace/a.txt 200",
            "GET /api/projects/p/agentic-sessions/s/workspace/a.txt 200",
        ),
    ],
)
def test_redact_masks_secrets(raw, clean):
    assert redact(raw) == clean


def _capture(json_lines: bool) -> tuple[logging.Logger, io.StringIO]:
    config = logging_config(level="INFO", json_lines=json_lines)
    config["handlers"]["console"]["stream"] = stream = io.StringIO()
    config["disable_existing_loggers"] = False
    logging.config.dictConfig(config)
    return logging.getLogger("ambient.test"), stream


@pytest.fixture(autouse=True)
def _restore_logging(settings):
    yield
    logging.config.dictConfig(settings.LOGGING)


def test_json_lines_carry_request_id_and_no_token():
    logger, stream = _capture(json_lines=True)
    token = request_id_var.set("req-42")
    try:
        logger.info("calling with %s", "Bearer topsecret")
    finally:
        request_id_var.reset(token)
    record = json.loads(stream.getvalue().strip().splitlines()[-1])
    assert record["request_id"] == "req-42"
    assert record["level"] == "INFO"
    assert "topsecret" not in stream.getvalue()
    assert record["message"] == "calling with Bearer [REDACTED]"


def test_django_records_are_written_once_through_the_masking_handler(settings, capsys):
    # Django applies its DEFAULT_LOGGING first; under DEBUG its bare console handler used to print
    # each "django" record a second time, unformatted and unmasked.
    from django.utils.log import DEFAULT_LOGGING

    settings.DEBUG = True
    logging.config.dictConfig(DEFAULT_LOGGING)
    logger, stream = _capture(json_lines=False)
    assert logging.getLogger("django").handlers == []
    logging.getLogger("django.request").warning("Not Found: /x?token=%s", "s3cr3t")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    assert lines[0].endswith("WARNING django.request [-] Not Found: /x?token=[REDACTED]")
    assert "Not Found" not in capsys.readouterr().err


def test_text_lines_are_readable():
    logger, stream = _capture(json_lines=False)
    logger.warning("hello")
    assert "WARNING ambient.test [-] hello" in stream.getvalue()


def test_a_request_gets_a_new_id_unless_it_brings_a_sane_one(rf):
    from django.http import HttpResponse

    from ambient.logging import RequestIdMiddleware

    seen: list[str] = []

    def view(request):
        seen.append(request_id_var.get())
        return HttpResponse("ok")

    middleware = RequestIdMiddleware(view)
    first, second = middleware(rf.get("/")), middleware(rf.get("/"))
    assert first["X-Request-ID"] != second["X-Request-ID"]
    assert all(len(value) == 32 and int(value, 16) >= 0 for value in (first["X-Request-ID"], second["X-Request-ID"]))
    assert seen == [first["X-Request-ID"], second["X-Request-ID"]]  # what the request's log lines carry
    assert middleware(rf.get("/", HTTP_X_REQUEST_ID="abc-123"))["X-Request-ID"] == "abc-123"
    assert middleware(rf.get("/", HTTP_X_REQUEST_ID="bad id;"))["X-Request-ID"] != "bad id;"
