"""Helpers of the bench scripts (not benches themselves: `make bench` runs bench/*.py only)."""
