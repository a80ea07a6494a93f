"""Which `spec.environmentVariables` a session may hand the runner.

A deny-list of name patterns: variables that make an interpreter, the dynamic loader, git or ssh
run code or load files of the sender's choosing, that redirect or intercept network traffic (and
with it the model provider's API key), that configure the agent or its provider, or that look like
credentials. The API refuses such names with a 400; the reconciler drops them from a CR written
around the API. Operators add patterns (`SESSION_ENV_DENIED_PATTERNS`) or exempt exact names
(`SESSION_ENV_ALLOWED_NAMES`). Names are compared upper-cased: proxies honour lower-case twins.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase

from ambient.contract import RunnerEnv

# Set by the reconciler for every run (RUNNER.md); a user value would only be ignored, so say so.
PLATFORM_ENVIRONMENT_NAMES: frozenset[str] = frozenset(RunnerEnv)
PLATFORM_REASON = "set by the platform"

# Shell-style patterns (fnmatch), matched against the upper-cased name.
DENIED_ENVIRONMENT_PATTERNS: tuple[str, ...] = (
    # Loaders and interpreters: each of these runs code or loads libraries named by its value.
    "LD_*",
    "DYLD_*",
    "PYTHON*",
    "PERL*",
    "RUBY*",
    "NODE_*",
    "NPM_CONFIG_*",
    "JAVA_TOOL_OPTIONS",
    "_JAVA_OPTIONS",
    "JDK_JAVA_OPTIONS",
    "BASH_ENV",
    "ENV",
    "SHELLOPTS",
    "BASHOPTS",
    "PS4",
    "PROMPT_COMMAND",
    "IFS",
    "PATH",
    "HOME",
    "SHELL",
    "BROWSER",
    "EDITOR",
    "VISUAL",
    "PAGER",
    "LESSOPEN",
    "LESSCLOSE",
    "GIT_*",
    "SSH_*",
    # Network path: proxies and CA bundles redirect or intercept every request, the provider's too.
    "*_PROXY",
    "SSL_CERT_*",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    # The agent, its model providers and the platform's own clients.
    "ANTHROPIC_*",
    "CLAUDE_*",
    "OPENAI_*",
    "AWS_*",
    "GOOGLE_*",
    "GCLOUD_*",
    "CLOUDSDK_*",
    "CLOUD_ML_*",
    "VERTEX_*",
    "AZURE_*",
    "LANGFUSE_*",
    "AGENT_BACKEND",
    "IS_SANDBOX",
    "KUBERNETES_*",
    "KUBECONFIG",
    "GITHUB_*",
    "GH_*",
    "GITLAB_*",
    # Credentials by the shape of their name.
    "*TOKEN*",
    "*SECRET*",
    "*PASSWORD*",
    "*PASSWD*",
    "*CREDENTIAL*",
    "*APIKEY*",
    "*API_KEY*",
    "*_KEY",
)


@dataclass(frozen=True)
class EnvironmentPolicy:
    """The deny-list plus an operator's extra patterns and exempted exact names."""

    denied_patterns: tuple[str, ...] = DENIED_ENVIRONMENT_PATTERNS
    allowed_names: frozenset[str] = frozenset()

    @classmethod
    def configured(cls, *, extra_denied: Iterable[str] = (), allowed: Iterable[str] = ()) -> EnvironmentPolicy:
        extra = tuple(pattern.strip().upper() for pattern in extra_denied if pattern.strip())
        return cls(
            denied_patterns=DENIED_ENVIRONMENT_PATTERNS + extra,
            allowed_names=frozenset(name.strip() for name in allowed if name.strip()),
        )

    def denied_by(self, name: str) -> str | None:
        """Why `name` is refused (the matching pattern), or None when it may be set."""
        if name in PLATFORM_ENVIRONMENT_NAMES:
            return PLATFORM_REASON
        if name in self.allowed_names:
            return None
        upper = name.upper()
        return next((pattern for pattern in self.denied_patterns if fnmatchcase(upper, pattern)), None)

    def refused(self, variables: Mapping[str, object]) -> dict[str, str]:
        """Each refused name with the reason it is refused."""
        found = {name: self.denied_by(str(name)) for name in variables}
        return {str(name): pattern for name, pattern in found.items() if pattern is not None}


def environment_policy_from_settings() -> EnvironmentPolicy:
    from django.conf import settings

    return EnvironmentPolicy.configured(
        extra_denied=settings.SESSION_ENV_DENIED_PATTERNS, allowed=settings.SESSION_ENV_ALLOWED_NAMES
    )
