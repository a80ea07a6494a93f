"""Request validation: legacy shapes converted, field-level messages for each bad field."""

from __future__ import annotations

import pytest

from ambient.contract import (
    ANNOTATION_DESIRED_PHASE,
    ANNOTATION_RUNNER_SA,
    ANNOTATION_TOKEN_REFRESHED_AT,
    LABEL_SESSION,
    MAX_SESSION_NAME_LENGTH,
)
from sessions.serializers.inputs import (
    DisplayNameSerializer,
    SessionCloneSerializer,
    SessionCreateSerializer,
    SessionMetadataPatchSerializer,
    SessionReplaceSerializer,
)


def validated(serializer_class, data):
    serializer = serializer_class(data=data)
    assert serializer.is_valid(), serializer.errors
    return serializer.validated_data


def errors(serializer_class, data):
    serializer = serializer_class(data=data)
    assert not serializer.is_valid()
    return serializer.errors


def test_legacy_prompt_becomes_initial_prompt():
    assert validated(SessionCreateSerializer, {"prompt": "fix it"})["initialPrompt"] == "fix it"


def test_initial_prompt_wins_over_legacy_prompt():
    assert validated(SessionCreateSerializer, {"prompt": "old", "initialPrompt": "new"})["initialPrompt"] == "new"


def test_legacy_parent_session_id_is_accepted():
    assert validated(SessionCreateSerializer, {"parent_session_id": "abc"})["parentSessionId"] == "abc"


def test_nested_repo_shape_is_flattened():
    data = validated(
        SessionCreateSerializer,
        {
            "repos": [
                {
                    "input": {"url": "https://github.com/o/r.git", "branch": "dev"},
                    "output": {"url": "git@github.com:me/r.git"},
                }
            ]
        },
    )
    repo = dict(data["repos"][0])
    assert repo["url"] == "https://github.com/o/r.git"
    assert repo["branch"] == "dev"
    assert dict(repo["output"]) == {"url": "git@github.com:me/r.git"}
    assert "input" not in repo


def test_user_context_in_the_body_is_ignored():
    data = validated(SessionCreateSerializer, {"userContext": {"userId": "root"}})
    assert "userContext" not in data


def test_name_at_the_length_limit_is_accepted_and_one_more_is_refused():
    assert validated(SessionCreateSerializer, {"name": "a" * MAX_SESSION_NAME_LENGTH})
    assert "name" in errors(SessionCreateSerializer, {"name": "a" * (MAX_SESSION_NAME_LENGTH + 1)})


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Bad_Name"}, "name"),
        ({"name": "-x"}, "name"),
        ({"timeout": -1}, "timeout"),
        ({"timeout": "soon"}, "timeout"),
        ({"interactive": "maybe"}, "interactive"),
        ({"displayName": "x" * 201}, "displayName"),
        ({"llmSettings": {"temperature": 5}}, "llmSettings"),
        ({"llmSettings": {"maxTokens": 0}}, "llmSettings"),
        ({"repos": [{"url": "ext::sh -c evil"}]}, "repos"),
        ({"repos": [{"url": "--upload-pack=evil"}]}, "repos"),
        ({"repos": [{"url": "https://github.com/o/r", "name": "../x"}]}, "repos"),
        ({"repos": [{"branch": "main"}]}, "repos"),
        ({"repos": [{"url": "https://github.com/o/r"}], "mainRepoIndex": 1}, "mainRepoIndex"),
        ({"activeWorkflow": {"gitUrl": "https://github.com/o/w", "path": "../up"}}, "activeWorkflow"),
        ({"activeWorkflow": {"branch": "main"}}, "activeWorkflow"),
        ({"environmentVariables": {"1BAD": "x"}}, "environmentVariables"),
        ({"resourceOverrides": {"cpu": "lots"}}, "resourceOverrides"),
        ({"labels": {LABEL_SESSION: "x"}}, "labels"),
        ({"labels": {"team": "no spaces"}}, "labels"),
        ({"annotations": {ANNOTATION_DESIRED_PHASE: "Running"}}, "annotations"),
        ({"annotations": {"bad key!": "x"}}, "annotations"),
        ({"parentSessionId": "Not A Name"}, "parentSessionId"),
    ],
)
def test_each_invalid_create_field_is_named(body, field):
    found = errors(SessionCreateSerializer, body)
    assert field in found, found


def test_file_urls_follow_the_setting(settings):
    settings.AMBIENT_ALLOW_FILE_GIT_URLS = False
    assert "repos" in errors(SessionCreateSerializer, {"repos": [{"url": "file:///srv/git/r"}]})
    settings.AMBIENT_ALLOW_FILE_GIT_URLS = True
    assert validated(SessionCreateSerializer, {"repos": [{"url": "file:///srv/git/r"}]})


@pytest.mark.parametrize("url", ["https://github.com/o/r.git", "ssh://git@host/o/r.git", "git@github.com:o/r.git"])
def test_accepted_git_urls(url):
    assert validated(SessionCreateSerializer, {"repos": [{"url": url}]})


@pytest.mark.parametrize(
    "url",
    ["http://github.com/o/r.git", "git://github.com/o/r.git", "ext::sh -c evil", "--upload-pack=evil", "https://"],
)
def test_refused_git_urls(url):
    assert "repos" in errors(SessionCreateSerializer, {"repos": [{"url": url}]})


def test_put_refuses_create_only_fields():
    found = errors(SessionReplaceSerializer, {"name": "x", "labels": {}})
    assert set(found) == {"name", "labels"}


def test_put_reads_resource_version_from_metadata():
    data = validated(SessionReplaceSerializer, {"initialPrompt": "p", "metadata": {"resourceVersion": "42"}})
    assert data["resourceVersion"] == "42"


@pytest.mark.parametrize("key", [ANNOTATION_DESIRED_PHASE, ANNOTATION_RUNNER_SA, ANNOTATION_TOKEN_REFRESHED_AT])
def test_patch_refuses_system_annotations(key):
    assert "annotations" in errors(SessionMetadataPatchSerializer, {"metadata": {"annotations": {key: "x"}}})


def test_patch_refuses_the_runner_prefix_even_for_unknown_keys():
    assert "annotations" in errors(
        SessionMetadataPatchSerializer, {"metadata": {"annotations": {"ambient-code.io/runner-anything": "x"}}}
    )


def test_patch_accepts_null_to_remove_and_both_shapes():
    nested = validated(SessionMetadataPatchSerializer, {"metadata": {"labels": {"team": None}}})
    flat = validated(SessionMetadataPatchSerializer, {"annotations": {"example.com/note": "hi"}})
    assert nested["labels"] == {"team": None}
    assert flat["annotations"] == {"example.com/note": "hi"}


def test_patch_refuses_spec_changes():
    assert "spec" in errors(SessionMetadataPatchSerializer, {"spec": {"timeout": 5}})
    assert "spec" in errors(SessionMetadataPatchSerializer, {"metadata": {"labels": {}}, "spec": {}})


def test_patch_needs_something_to_change():
    assert "metadata" in errors(SessionMetadataPatchSerializer, {"metadata": {}})


def test_display_name_is_trimmed_and_bounded():
    assert validated(DisplayNameSerializer, {"displayName": "  New name  "})["displayName"] == "New name"
    assert "displayName" in errors(DisplayNameSerializer, {"displayName": "   "})
    assert "displayName" in errors(DisplayNameSerializer, {"displayName": "x" * 201})


def test_clone_validates_names():
    found = errors(SessionCloneSerializer, {"targetProject": "Bad Project", "newSessionName": "UPPER"})
    assert set(found) == {"targetProject", "newSessionName"}
