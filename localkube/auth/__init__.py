"""Authentication and RBAC authorization for localkube, behind the seams in ``localkube.interfaces``.

The server core authenticates every request with ``Authenticator``, authorizes it with
``RBACAuthorizer``, and answers the review and TokenRequest kinds through ``reviews``.
"""

from localkube.auth import bootstrap, reviews
from localkube.auth.authenticator import Authenticator
from localkube.auth.errors import AuthError
from localkube.auth.messages import forbidden_message, forbidden_status, unauthorized_status
from localkube.auth.rbac import RBACAuthorizer
from localkube.auth.service_account_tokens import TokenResult
from localkube.auth.static_tokens import TokenFileError

__all__ = [
    "AuthError",
    "Authenticator",
    "RBACAuthorizer",
    "TokenFileError",
    "TokenResult",
    "bootstrap",
    "forbidden_message",
    "forbidden_status",
    "reviews",
    "unauthorized_status",
]
