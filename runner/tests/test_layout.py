"""Pure parts of the runner: configuration from the environment, the workspace layout, the restart counter."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runner import restart
from runner.channel import with_after
from runner.config import BACKEND_CLAUDE, BACKEND_ECHO, RunnerConfig
from runner.layout import OutsideWorkspace, confined, layout_read, repo_name


def _config(workspace: Path, **env: str) -> RunnerConfig:
    return RunnerConfig.from_env({"WORKSPACE_PATH": str(workspace), **env})


def test_backend_defaults_to_claude_only_with_credentials(tmp_path: Path) -> None:
    assert _config(tmp_path).backend == BACKEND_ECHO
    assert _config(tmp_path, ANTHROPIC_API_KEY="k").backend == BACKEND_CLAUDE
    assert _config(tmp_path, CLAUDE_CODE_USE_VERTEX="1").backend == BACKEND_CLAUDE
    assert _config(tmp_path, ANTHROPIC_API_KEY="k", AGENT_BACKEND="Echo").backend == BACKEND_ECHO


def test_config_reads_the_reconcilers_variables(tmp_path: Path) -> None:
    config = _config(
        tmp_path,
        AGENTIC_SESSION_NAME="s1",
        AGENTIC_SESSION_NAMESPACE="p1",
        INTERACTIVE="true",
        LLM_MAX_TOKENS="4000",
        LLM_TEMPERATURE="0.70",
        REPOS_JSON="not json",
    )
    assert (config.session, config.project, config.interactive) == ("s1", "p1", True)
    assert (config.max_tokens, config.temperature, config.repos) == (4000, 0.7, [])


def test_token_is_read_from_the_file_each_time(tmp_path: Path) -> None:
    token = tmp_path / "bot-token"
    config = _config(tmp_path, BOT_TOKEN_FILE=str(token))
    assert config.read_token() == ""
    token.write_text("one\n")
    assert config.read_token() == "one"
    token.write_text("two\n")
    assert config.read_token() == "two"


def test_after_replaces_any_earlier_value() -> None:
    assert with_after("ws://h/ws?after=3&x=1", 9) == "ws://h/ws?x=1&after=9"


def test_layout_prefers_workflow_then_main_repo_then_artifacts(tmp_path: Path) -> None:
    assert layout_read(_config(tmp_path)).cwd == tmp_path / "artifacts"
    (tmp_path / "repos" / "alpha").mkdir(parents=True)
    (tmp_path / "repos" / "beta").mkdir()
    repos = json.dumps([{"url": "https://git.example/o/alpha.git"}, {"url": "git@git.example:o/beta.git"}])
    layout = layout_read(_config(tmp_path, REPOS_JSON=repos, MAIN_REPO_INDEX="1"))
    assert layout.cwd == tmp_path / "repos" / "beta"
    assert layout.add_dirs == [tmp_path / "repos" / "alpha", tmp_path / "artifacts"]
    workflow = tmp_path / "workflows" / "triage"
    (workflow / ".ambient").mkdir(parents=True)
    (workflow / ".ambient" / "ambient.json").write_text(
        json.dumps({"systemPrompt": "Be brief.", "startupPrompt": "Go"})
    )
    layout = layout_read(_config(tmp_path, REPOS_JSON=repos))
    assert layout.cwd == workflow
    assert (layout.system_prompt, layout.startup_prompt) == ("Be brief.", "Go")
    assert tmp_path / "repos" / "alpha" in layout.add_dirs


def test_the_marker_file_names_the_active_workflow_among_several(tmp_path: Path) -> None:
    for name in ("one", "two"):
        (tmp_path / "workflows" / name).mkdir(parents=True)
    assert layout_read(_config(tmp_path)).workflow is None
    (tmp_path / ".ambient").mkdir()
    (tmp_path / ".ambient" / "active-workflow.json").write_text('{"name": "two", "gitUrl": "x"}')
    assert layout_read(_config(tmp_path)).workflow == tmp_path / "workflows" / "two"
    url = "https://git.example/o/one.git"
    (tmp_path / ".ambient" / "active-workflow.json").unlink()
    assert layout_read(_config(tmp_path, ACTIVE_WORKFLOW_GIT_URL=url)).workflow == tmp_path / "workflows" / "one"


def test_repo_name_is_the_last_segment_without_git() -> None:
    assert repo_name("https://git.example/org/tool.git/") == "tool"
    assert repo_name("git@git.example:org/tool.git") == "tool"


@pytest.mark.parametrize("path", ["../x", "/etc/passwd", "", "a/../../x"])
def test_confined_refuses_paths_that_leave_the_workspace(tmp_path: Path, path: str) -> None:
    with pytest.raises(OutsideWorkspace):
        confined(tmp_path, path)


def test_confined_refuses_a_symlink_that_leads_out(tmp_path: Path) -> None:
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / "link").symlink_to(tmp_path)
    with pytest.raises(OutsideWorkspace):
        confined(tmp_path / "ws", "link/escape.txt")


def test_restart_counter_is_pending_until_acknowledged(tmp_path: Path) -> None:
    assert restart.pending(tmp_path) == 0
    (tmp_path / restart.REQUESTED_FILE).write_text('{"count": 2, "requestedAt": "2026-12-01T14:00:00Z"}')
    assert restart.pending(tmp_path) == 2
    restart.acknowledge(tmp_path, 2)
    assert restart.pending(tmp_path) == 0
    (tmp_path / restart.REQUESTED_FILE).write_text("3\n")
    assert restart.pending(tmp_path) == 3
    (tmp_path / restart.REQUESTED_FILE).write_text("garbage")
    assert restart.pending(tmp_path) == 0
