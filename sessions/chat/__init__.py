"""Session chat: messages between users, the API and the session's runner (actions 35 and 36).

Messages live in the database, keyed by project, session name and the session's uid, so a session
re-created under the same name starts with an empty history. The WebSocket consumer and the
`…/messages` routes share the services here; the channel layer (Redis) carries broadcasts between
api processes.
"""
