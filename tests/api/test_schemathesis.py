"""Property-based check of the generated OpenAPI schema against the live API (bounded examples).

Every operation is called with a valid token (a project admin) on a seeded project and session, with
schema-valid and schema-violating (negative) data, and every schemathesis check runs: no server
error; documented status codes, content types and bodies; schema-valid data accepted (400 tolerated
only where a rule needs code, see below); schema-violating data refused. Ten examples per operation
and phase by default (derandomised, about two minutes on two workers); SCHEMATHESIS_MAX_EXAMPLES
raises the bound (and randomises) for a deeper run.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.generation.meta import ParameterLocation

# django_db: generated cookies for the staff-session scheme make Django look sessions up.
pytestmark = [pytest.mark.localkube, pytest.mark.integration, pytest.mark.slow, pytest.mark.django_db]

SEEDED_SESSION = "seeded"
_tokens: dict[str, str] = {}
# The out-of-the-box workflow catalogue is read from a repository on the local git server (no network).
_catalogue: dict[str, str] = {}


# The schema view needs neither a cluster nor a database, so the schema loads at collection time.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
# SCHEMATHESIS_STRICT=1 drops the 400 allowance below, to list what it covers.
STRICT = bool(os.environ.get("SCHEMATHESIS_STRICT"))
# Schema-valid data may still be refused with 400 where a rule needs code, not a JSON Schema keyword (a
# git URL or ref name, a workspace path, a Kubernetes quantity, an installation's allow-lists), and the
# removed endpoints answer 410 by design; every other refusal of schema-valid data is a finding.
schema.config.checks.positive_data_acceptance.expected_statuses = [
    *schema.config.checks.positive_data_acceptance.expected_statuses,
    *([] if STRICT else ["400"]),
    "410",
]


@pytest.fixture(autouse=True)
def connections_kept_across_requests():
    """Schemathesis calls the WSGI app directly; Django's own test client stops the per-request
    connection cleanup, or the end of the first request closes the connection the test's
    transaction runs on (PostgreSQL), and the next request's session lookup fails."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "10")),
    deadline=None,
    derandomize="SCHEMATHESIS_MAX_EXAMPLES" not in os.environ,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_matches_its_schema(
    case, django_kube, make_user, project, seed_session, settings, git_repository, git_server
):
    if "url" not in _catalogue:
        _catalogue["url"] = git_repository({"workflows/demo/.ambient/ambient.json": '{"name": "Demo"}'})
    if _catalogue["url"] != settings.OOTB_WORKFLOWS_REPO:
        # Once per operation: each assignment stacks an override that lasts until the test item ends,
        # and hypothesis runs many examples in one item.
        settings.OOTB_WORKFLOWS_REPO = _catalogue["url"]
        settings.OOTB_WORKFLOWS_GIT_TOKEN = git_server.token
        settings.GIT_SSL_CA_FILE = str(git_server.ca_path)
    # Function-scoped fixtures are shared by all examples of one operation: seed once per project.
    if project not in _tokens:
        seed_session(project, SEEDED_SESSION, phase="Completed")
        _tokens[project] = make_user("admin", project)[1]
    token = _tokens[project]
    # Point valid names at the seeded project and session, and authenticate; a part schemathesis made
    # invalid on purpose (a negative case) is sent as generated, or the case would no longer be negative.
    if _generated_validly(case, ParameterLocation.PATH):
        if "project" in (case.path_parameters or {}):
            case.path_parameters["project"] = project
        if "session" in (case.path_parameters or {}):
            case.path_parameters["session"] = SEEDED_SESSION
    headers = {"Authorization": f"Bearer {token}"} if _generated_validly(case, ParameterLocation.HEADER) else {}
    # Every check schemathesis has (server errors, status codes, content types, response schemas,
    # schema-valid requests accepted, schema-violating requests refused, ...).
    case.call_and_validate(headers=headers)


def _generated_validly(case: schemathesis.Case, location: ParameterLocation) -> bool:
    component = case.meta.components.get(location) if case.meta is not None else None
    return component is None or component.mode is not GenerationMode.NEGATIVE
