"""The runner's environment (RUNNER.md): system variables first, then non-conflicting user ones."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from reconciler.config import ReconcilerConfig
from reconciler.manifests.metadata import session_name, session_namespace
from sessions.constants import BOT_TOKEN_PATH, WORKSPACE_PATH

EnvVar = dict[str, Any]


def initial_prompt(spec: Mapping[str, Any]) -> str:
    # `prompt` is the pre-rename field, still accepted on input.
    return str(spec.get("initialPrompt") or spec.get("prompt") or "")


def _flag(value: Any) -> str:
    return "true" if value else "false"


def runner_system_env(session: Mapping[str, Any], config: ReconcilerConfig) -> dict[str, str]:
    """Variables the platform owns; spec.environmentVariables can never replace these."""
    spec = session.get("spec") or {}
    name, namespace = session_name(session), session_namespace(session)
    llm = spec.get("llmSettings") or {}
    workflow = spec.get("activeWorkflow") or {}
    user = spec.get("userContext") or {}
    temperature = llm.get("temperature")
    if temperature is None:
        temperature = config.default_llm_temperature
    return {
        "AGENTIC_SESSION_NAME": name,
        "AGENTIC_SESSION_NAMESPACE": namespace,
        "SESSION_ID": name,
        "PROJECT_NAME": namespace,
        "WORKSPACE_PATH": WORKSPACE_PATH,
        "INITIAL_PROMPT": initial_prompt(spec),
        "INTERACTIVE": _flag(spec.get("interactive")),
        "LLM_MODEL": str(llm.get("model") or config.default_llm_model),
        "LLM_TEMPERATURE": f"{float(temperature):.2f}",
        "LLM_MAX_TOKENS": str(int(llm.get("maxTokens") or config.default_llm_max_tokens)),
        "REPOS_JSON": json.dumps(spec.get("repos") or [], sort_keys=True, separators=(",", ":")),
        "MAIN_REPO_INDEX": str(int(spec.get("mainRepoIndex") or 0)),
        "ACTIVE_WORKFLOW_GIT_URL": str(workflow.get("gitUrl") or ""),
        "ACTIVE_WORKFLOW_BRANCH": str(workflow.get("branch") or ""),
        "ACTIVE_WORKFLOW_PATH": str(workflow.get("path") or ""),
        "AUTO_PUSH_ON_COMPLETE": _flag(spec.get("autoPushOnComplete")),
        "WEBSOCKET_URL": config.url_for(config.websocket_url_template, session=name, namespace=namespace),
        "BACKEND_API_URL": config.url_for(config.backend_api_url_template, session=name, namespace=namespace),
        "BOT_TOKEN_FILE": BOT_TOKEN_PATH,
        "USER_ID": str(user.get("userId") or ""),
        "USER_NAME": str(user.get("displayName") or ""),
    }


def runner_env(session: Mapping[str, Any], config: ReconcilerConfig) -> list[EnvVar]:
    system = runner_system_env(session, config)
    user = (session.get("spec") or {}).get("environmentVariables") or {}
    merged = [{"name": key, "value": value} for key, value in system.items()]
    # User variables come after and only under names the platform does not use, so a session spec
    # cannot redirect the runner's token, workspace or callback URLs.
    merged.extend({"name": str(key), "value": str(value)} for key, value in sorted(user.items()) if key not in system)
    return merged
