"""Input validation and the documented response shapes of the session and project API."""
