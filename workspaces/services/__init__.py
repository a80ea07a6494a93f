"""Writes of the content service: files, clones, workflow activation, git operations, SDK restart."""
