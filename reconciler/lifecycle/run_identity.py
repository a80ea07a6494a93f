"""Who a run acts for, said where people look: a UserVerified condition and a Warning Event.

A session whose userContext the API did not sign for this spec (written or edited with kubectl)
still runs, but as an unverified user; and variables the environment policy refuses are left out.
"""

from __future__ import annotations

from ambient.contract import ConditionReason, ConditionType
from reconciler.config import ReconcilerConfig
from reconciler.lifecycle.draft import StatusDraft
from reconciler.manifests.environment import refused_user_environment
from sessions.user_context import claimed_user_id, verified_user


def record_run_identity(draft: StatusDraft, config: ReconcilerConfig) -> tuple[str, ...]:
    """Set UserVerified for the run about to start; return the warnings worth an Event."""
    session = draft.observed.session
    user = verified_user(session, config.user_context_key)
    if user is not None:
        draft.condition_true(ConditionType.USER_VERIFIED, ConditionReason.SIGNED_BY_API, f"Runs as {user.user_id}")
    else:
        claimed = claimed_user_id(session)
        claim = f"claims {claimed!r} but " if claimed else ""
        draft.condition_false(
            ConditionType.USER_VERIFIED,
            ConditionReason.UNVERIFIED_USER,
            f"spec.userContext {claim}is not signed by the API for this spec: runs with no user identity",
        )
    refused = refused_user_environment(session, config)
    if not refused:
        return ()
    return (
        f"spec.environmentVariables refused by the environment policy, not given to the runner: {', '.join(refused)}",
    )
