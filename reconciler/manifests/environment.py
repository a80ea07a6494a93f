"""The runner's environment (RUNNER.md): system variables first, then the user's the policy allows."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from typing import Any

from ambient.contract import BOT_TOKEN_PATH, WORKSPACE_PATH, RunnerEnv
from reconciler.config import ReconcilerConfig
from reconciler.manifests.metadata import session_name, session_namespace
from sessions.user_context import verified_user

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
    # Only a userContext the API signed names the user; anything else runs as nobody in particular.
    user = verified_user(session, config.user_context_key)
    temperature = llm.get("temperature")
    if temperature is None:
        temperature = config.default_llm_temperature
    return {
        RunnerEnv.SESSION_NAME: name,
        RunnerEnv.SESSION_NAMESPACE: namespace,
        RunnerEnv.SESSION_ID: name,
        RunnerEnv.PROJECT_NAME: namespace,
        RunnerEnv.WORKSPACE_PATH: WORKSPACE_PATH,
        RunnerEnv.INITIAL_PROMPT: initial_prompt(spec),
        RunnerEnv.INTERACTIVE: _flag(spec.get("interactive")),
        RunnerEnv.LLM_MODEL: str(llm.get("model") or config.default_llm_model),
        RunnerEnv.LLM_TEMPERATURE: f"{float(temperature):.2f}",
        RunnerEnv.LLM_MAX_TOKENS: str(int(llm.get("maxTokens") or config.default_llm_max_tokens)),
        RunnerEnv.REPOS_JSON: json.dumps(spec.get("repos") or [], sort_keys=True, separators=(",", ":")),
        RunnerEnv.MAIN_REPO_INDEX: str(int(spec.get("mainRepoIndex") or 0)),
        RunnerEnv.ACTIVE_WORKFLOW_GIT_URL: str(workflow.get("gitUrl") or ""),
        RunnerEnv.ACTIVE_WORKFLOW_BRANCH: str(workflow.get("branch") or ""),
        RunnerEnv.ACTIVE_WORKFLOW_PATH: str(workflow.get("path") or ""),
        RunnerEnv.AUTO_PUSH_ON_COMPLETE: _flag(spec.get("autoPushOnComplete")),
        RunnerEnv.WEBSOCKET_URL: config.url_for(config.websocket_url_template, session=name, namespace=namespace),
        RunnerEnv.BACKEND_API_URL: config.url_for(config.backend_api_url_template, session=name, namespace=namespace),
        RunnerEnv.BOT_TOKEN_FILE: BOT_TOKEN_PATH,
        RunnerEnv.USER_ID: user.user_id if user else "",
        RunnerEnv.USER_NAME: user.display_name if user else "",
        RunnerEnv.USER_VERIFIED: _flag(user),
    }


def _user_variables(session: Mapping[str, Any]) -> Mapping[str, Any]:
    variables = (session.get("spec") or {}).get("environmentVariables") or {}
    return variables if isinstance(variables, Mapping) else {}


def _shadows(name: str, copied_secret_keys: Collection[str]) -> bool:
    # Upper-cased like the policy: a lower-case twin is as good as the key to a tool that accepts both.
    return name.upper() in {key.upper() for key in copied_secret_keys}


def user_environment(
    session: Mapping[str, Any], config: ReconcilerConfig, copied_secret_keys: Collection[str] = ()
) -> dict[str, str]:
    """spec.environmentVariables minus what the policy refuses (a CR written with kubectl skips the API)
    and minus every name a copied platform secret provides, so the secret's value is the one the runner sees."""
    return {
        str(name): str(value)
        for name, value in _user_variables(session).items()
        if config.environment_policy.denied_by(str(name)) is None and not _shadows(str(name), copied_secret_keys)
    }


def refused_user_environment(session: Mapping[str, Any], config: ReconcilerConfig) -> list[str]:
    """The names in spec.environmentVariables the policy refuses, for Events and status."""
    return sorted(config.environment_policy.refused(_user_variables(session)))


def shadowing_user_environment(
    session: Mapping[str, Any], config: ReconcilerConfig, copied_secret_keys: Collection[str]
) -> list[str]:
    """The names the policy allows but a copied secret provides: left out so the secret wins."""
    return sorted(
        str(name)
        for name in _user_variables(session)
        if config.environment_policy.denied_by(str(name)) is None and _shadows(str(name), copied_secret_keys)
    )


def shadowing_warnings(
    session: Mapping[str, Any], config: ReconcilerConfig, copied_secret_keys: Collection[str]
) -> tuple[str, ...]:
    """The Warning Event text for shadowing names (names only: a secret's values never leave it)."""
    shadowing = shadowing_user_environment(session, config, copied_secret_keys)
    if not shadowing:
        return ()
    return (
        "spec.environmentVariables named like keys of the copied platform secrets, not given to the runner "
        f"(the secrets' values win): {', '.join(shadowing)}",
    )


def runner_env(
    session: Mapping[str, Any], config: ReconcilerConfig, copied_secret_keys: Collection[str]
) -> list[EnvVar]:
    system = runner_system_env(session, config)
    user = user_environment(session, config, copied_secret_keys)
    merged = [{"name": key, "value": value} for key, value in system.items()]
    # User variables come after and only under names neither the platform, the policy nor a copied
    # secret reserves: an explicit `env` entry wins over `envFrom`, so a user value under a copied
    # secret's key would replace the platform's (its provider URL or key) for the runner.
    merged.extend({"name": key, "value": value} for key, value in sorted(user.items()) if key not in system)
    return merged
