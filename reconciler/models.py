"""The condition-transition history: append-only, written by the reconciler.

The AgenticSession itself lives only in Kubernetes; this table keeps what status cannot: every
flip of every condition, so a session's story survives after its conditions moved on.
"""

from django.db import models


class ConditionTransition(models.Model):
    namespace = models.CharField(max_length=63)
    session_name = models.CharField(max_length=253)
    # The CR's uid tells a recreated session with the same name from its predecessor.
    session_uid = models.CharField(max_length=64, blank=True, default="")
    condition_type = models.CharField(max_length=64)
    status = models.CharField(max_length=16)
    previous_status = models.CharField(max_length=16, blank=True, default="")
    reason = models.CharField(max_length=128, blank=True, default="")
    message = models.TextField(blank=True, default="")
    observed_generation = models.BigIntegerField(null=True, blank=True)
    transitioned_at = models.DateTimeField()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["transitioned_at", "id"]
        indexes = [models.Index(fields=["namespace", "session_name", "transitioned_at"])]

    def __str__(self) -> str:
        return f"{self.namespace}/{self.session_name} {self.condition_type}={self.status} ({self.reason})"
