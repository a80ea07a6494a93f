"""The runner's configuration: what the reconciler put in the container's environment (RUNNER.md)."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ambient.contract import BOT_TOKEN_PATH, WORKSPACE_PATH, RunnerEnv

BACKEND_ECHO = "echo"
BACKEND_CLAUDE = "claude"
BACKENDS = (BACKEND_ECHO, BACKEND_CLAUDE)
# Variables that give the claude backend a way to reach a model; any one of them selects it by default.
CREDENTIAL_VARIABLES = ("ANTHROPIC_API_KEY", "CLAUDE_CODE_USE_VERTEX", "CLAUDE_CODE_USE_BEDROCK")


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes"}


def _float(value: str | None, default: float) -> float:
    try:
        return float(value) if value not in (None, "") else default
    except ValueError:
        return default


def _repos(value: str | None) -> list[dict[str, Any]]:
    try:
        repos = json.loads(value or "[]")
    except ValueError:
        return []
    return [repo for repo in repos if isinstance(repo, dict)] if isinstance(repos, list) else []


def has_credentials(environ: Mapping[str, str]) -> bool:
    """An API key or a cloud provider switch is set: the claude backend can reach a model."""
    return bool(environ.get("ANTHROPIC_API_KEY")) or any(_flag(environ.get(name)) for name in CREDENTIAL_VARIABLES[1:])


def default_backend(environ: Mapping[str, str]) -> str:
    """`claude` when it has credentials, else the offline `echo`."""
    return BACKEND_CLAUDE if has_credentials(environ) else BACKEND_ECHO


@dataclass(frozen=True)
class RunnerConfig:
    session: str
    project: str
    workspace: Path
    backend: str
    interactive: bool = False
    initial_prompt: str = ""
    websocket_url: str = ""
    backend_api_url: str = ""
    token_file: Path = Path(BOT_TOKEN_PATH)
    model: str = ""
    temperature: float | None = None
    max_tokens: int | None = None
    repos: list[dict[str, Any]] = field(default_factory=list)
    main_repo_index: int = 0
    workflow_git_url: str = ""
    workflow_path: str = ""
    # How often the restart flag is looked at while idle, and the reconnect back-off bounds.
    restart_poll_seconds: float = 1.0
    reconnect_initial_seconds: float = 0.5
    reconnect_max_seconds: float = 30.0
    # Extra environment for the agent process (the claude CLI), on top of the runner's own.
    agent_env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> RunnerConfig:
        environ = os.environ if environ is None else environ
        max_tokens = environ.get(RunnerEnv.LLM_MAX_TOKENS, "")
        temperature = environ.get(RunnerEnv.LLM_TEMPERATURE, "")
        return cls(
            session=environ.get(RunnerEnv.SESSION_NAME) or environ.get(RunnerEnv.SESSION_ID, ""),
            project=environ.get(RunnerEnv.SESSION_NAMESPACE) or environ.get(RunnerEnv.PROJECT_NAME, ""),
            workspace=Path(environ.get(RunnerEnv.WORKSPACE_PATH) or WORKSPACE_PATH),
            backend=(environ.get("AGENT_BACKEND") or default_backend(environ)).strip().lower(),
            interactive=_flag(environ.get(RunnerEnv.INTERACTIVE)),
            initial_prompt=environ.get(RunnerEnv.INITIAL_PROMPT, ""),
            websocket_url=environ.get(RunnerEnv.WEBSOCKET_URL, ""),
            backend_api_url=environ.get(RunnerEnv.BACKEND_API_URL, ""),
            token_file=Path(environ.get(RunnerEnv.BOT_TOKEN_FILE) or BOT_TOKEN_PATH),
            model=environ.get(RunnerEnv.LLM_MODEL, ""),
            temperature=_float(temperature, 0.0) if temperature else None,
            max_tokens=int(_float(max_tokens, 0)) or None,
            repos=_repos(environ.get(RunnerEnv.REPOS_JSON)),
            main_repo_index=int(_float(environ.get(RunnerEnv.MAIN_REPO_INDEX), 0)),
            workflow_git_url=environ.get(RunnerEnv.ACTIVE_WORKFLOW_GIT_URL, ""),
            workflow_path=environ.get(RunnerEnv.ACTIVE_WORKFLOW_PATH, ""),
            restart_poll_seconds=_float(environ.get("RUNNER_RESTART_POLL_SECONDS"), 1.0),
            reconnect_initial_seconds=_float(environ.get("RUNNER_RECONNECT_INITIAL_SECONDS"), 0.5),
            reconnect_max_seconds=_float(environ.get("RUNNER_RECONNECT_MAX_SECONDS"), 30.0),
        )

    def read_token(self) -> str:
        """The bot token as mounted now: the kubelet swaps the file when the reconciler refreshes it."""
        try:
            return self.token_file.read_text().strip()
        except OSError:
            return ""
