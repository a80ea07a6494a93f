"""DRF viewsets of the session API; each action is validate → one service/selector → respond."""
