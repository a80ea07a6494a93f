"""localkube: an embedded Kubernetes API server and pod runtime for development and tests.

It imports nothing from Django or the rest of the project.
"""
