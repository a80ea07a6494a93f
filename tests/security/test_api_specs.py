"""The session spec at the API: what a project editor may put into a run, and as whom it runs.

Environment variables that steer the runner's interpreter, network, provider or credentials are
refused; userContext is the signed identity of whoever last set the spec or started the run;
resource overrides stay within the server's allow-lists and maxima; git values never read as options.
"""

from __future__ import annotations

import pytest

from sessions.user_context import user_context_signing_key, verified_user
from tests.api.support import client_with, sessions_url

pytestmark = [pytest.mark.localkube, pytest.mark.integration]


def _refusal(response, field: str) -> str:
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"error", "code", "details"}
    return str(body["details"]["fields"][field])


@pytest.mark.parametrize(
    "variables",
    [
        {"PYTHONWARNINGS": "ignore::antigravity.Foo", "BROWSER": "sh -c id"},
        {"ANTHROPIC_BASE_URL": "https://evil.example"},
        {"ANTHROPIC_API_KEY": "mine"},
        {"PATH": "/tmp/evil"},
        {"LD_PRELOAD": "/tmp/evil.so"},
        {"PYTHONPATH": "/tmp/evil"},
        {"https_proxy": "http://evil.example:3128"},
        {"WORKSPACE_PATH": "/tmp"},
    ],
    ids=lambda variables: next(iter(variables)),
)
def test_environment_variables_that_steer_the_runner_are_refused_by_name(project, make_user, variables):
    _, token = make_user("edit", project)
    response = client_with(token).post(
        sessions_url(project), {"environmentVariables": {**variables, "FEATURE_FLAG": "1"}}, format="json"
    )
    message = _refusal(response, "environmentVariables")
    for name in variables:
        assert repr(name) in message
    assert "FEATURE_FLAG" not in message


def test_user_context_is_signed_for_the_caller_and_re_signed_by_whoever_puts_or_starts(
    project, make_user, seed_session
):
    key = user_context_signing_key()
    creator, creator_token = make_user("edit", project)
    editor, editor_token = make_user("edit", project)

    created = client_with(creator_token).post(sessions_url(project), {"name": "mine"}, format="json")
    assert created.status_code == 201, created.content
    assert verified_user(created.json(), key).user_id == creator

    # A session whose userContext was written around the API (kubectl) vouches for nobody ...
    seed_session(project, "forged", phase="Completed", userContext={"userId": creator, "signature": "v1:00"})
    # ... and an editor who edits and starts it does so as themself, never as the claimed creator.
    replaced = client_with(editor_token).put(
        sessions_url(project, "forged"), {"initialPrompt": "something else"}, format="json"
    )
    assert replaced.status_code == 200, replaced.content
    assert verified_user(replaced.json(), key).user_id == editor

    seed_session(project, "theirs", phase="Stopped", userContext={"userId": creator})
    started = client_with(editor_token).post(sessions_url(project, "theirs", "start"), format="json")
    assert started.status_code == 202, started.content
    assert started.json()["spec"]["userContext"]["userId"] == editor
    assert verified_user(started.json(), key).user_id == editor


@pytest.mark.parametrize(
    ("overrides", "limit"),
    [
        ({"cpu": "1000000"}, "8"),
        ({"memory": "4000Gi"}, "32Gi"),
        ({"priorityClass": "system-cluster-critical"}, "allowed: none"),
        ({"storageClass": "local-path-of-someone-else"}, "allowed: none"),
    ],
    ids=lambda value: next(iter(value)) if isinstance(value, dict) else value,
)
def test_resource_overrides_beyond_the_servers_limits_are_refused(project, make_user, overrides, limit):
    _, token = make_user("edit", project)
    response = client_with(token).post(sessions_url(project), {"resourceOverrides": overrides}, format="json")
    assert limit in _refusal(response, "resourceOverrides")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"repos": [{"url": "https://github.com/o/r.git", "branch": "--upload-pack=id"}]}, "repos"),
        ({"repos": [{"url": "ssh://-oProxyCommand=id/x"}]}, "repos"),
        ({"repos": [{"url": "ssh://-oProxyCommand=id@github.com/o/r.git"}]}, "repos"),
        ({"repos": [{"url": "git@-oProxyCommand:o/r.git"}]}, "repos"),
        (
            {
                "repos": [
                    {"url": "https://github.com/o/r.git", "output": {"url": "git@github.com:me/r.git", "branch": "-f"}}
                ]
            },
            "repos",
        ),
        ({"activeWorkflow": {"gitUrl": "https://github.com/o/w.git", "branch": "--output=/etc/x"}}, "activeWorkflow"),
        ({"activeWorkflow": {"gitUrl": "https://github.com/o/w.git", "path": "-rf"}}, "activeWorkflow"),
        ({"activeWorkflow": {"gitUrl": "https://github.com/o/w.git", "path": "flows/--exec=id"}}, "activeWorkflow"),
    ],
    ids=["branch", "ssh-host", "ssh-user", "scp-host", "output-branch", "workflow-branch", "path", "path-part"],
)
def test_option_like_git_values_are_refused_before_any_git_reads_them(project, make_user, body, field):
    _, token = make_user("edit", project)
    response = client_with(token).post(sessions_url(project), body, format="json")
    assert "'-'" in _refusal(response, field) or "option" in _refusal(response, field)
