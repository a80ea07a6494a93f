"""GitHub credentials for a session's git work: a user's PAT, a GitHub App installation token, or the
project's `GITHUB_TOKEN` (in that order), and the pieces that mint and cache them."""
