"""Talking to a session's content service (the sidecar on port 8080): where it is, with which
token, and how requests and streamed bodies travel. Shared by the session API (proxied workspace
and git actions) and the reconciler (repos and workflow sync)."""
