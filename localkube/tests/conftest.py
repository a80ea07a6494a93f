"""The contract tests share one localkube per session and get a fresh namespace per test.

The repository's root conftest loads ``localkube.pytest_plugin``; load it here only when these
tests run without it (e.g. from another rootdir), so one server serves the whole run.
"""

import pytest

PLUGIN = "localkube.pytest_plugin"


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin(PLUGIN):
        config.pluginmanager.import_plugin(PLUGIN)
