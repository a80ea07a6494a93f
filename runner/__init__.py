"""The agent runner that runs in each session's Job pod (see docs/design/RUNNER.md)."""
