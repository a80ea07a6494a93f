"""Local stand-ins for what the runner talks to: the Anthropic Messages API and the api's WebSocket."""
