"""Git operations on one working directory, each a keyword-only function over `run_git`."""
