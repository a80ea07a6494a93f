"""Request/response handling for the review and token kinds the auth package answers.

Each function takes the decoded JSON body of a create and returns the object kube-apiserver would
return. They validate as kube does and raise ``AuthError`` (400 for a malformed body, 422 for a
field error); the core only routes, checks RBAC for the create itself, and serialises.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from localkube.auth.authenticator import Authenticator
from localkube.auth.constants import DEFAULT_TOKEN_EXPIRATION_SECONDS
from localkube.auth.errors import AuthError, bad_request, invalid
from localkube.auth.rbac import RBACAuthorizer
from localkube.auth.service_account_tokens import check_bound_object
from localkube.interfaces import ObjectReader, RequestAttributes, UserInfo

AUTHENTICATION = "authentication.k8s.io"
AUTHORIZATION = "authorization.k8s.io"
Body = dict[str, Any]


def token_review(authn: Authenticator, body: Body) -> Body:
    """TokenReview: who a token belongs to, for the requested audiences (default: ours)."""
    spec = _spec(body, "TokenReview", AUTHENTICATION)
    token = spec.get("token")
    if not token or not isinstance(token, str):
        raise bad_request("token is required for TokenReview in authentication")
    audiences = _string_list(spec.get("audiences"), "TokenReview", AUTHENTICATION, "spec.audiences")
    result = authn.authenticate_token(token, audiences or None)
    status: Body = {"authenticated": result.authenticated, "user": {}}
    if result.user is not None:
        status["user"] = _user_info(result.user)
        status["audiences"] = list(result.audiences)
    else:
        status["error"] = result.error
    # kube echoes the spec (token included) back to the caller who sent it.
    return _response("TokenReview", AUTHENTICATION, body, spec, status)


def self_subject_access_review(authz: RBACAuthorizer, user: UserInfo, body: Body) -> Body:
    """SelfSubjectAccessReview (``kubectl auth can-i``): may the caller do this?"""
    spec = _spec(body, "SelfSubjectAccessReview", AUTHORIZATION)
    attrs = _attributes(spec, user, "SelfSubjectAccessReview", [])
    return _response("SelfSubjectAccessReview", AUTHORIZATION, body, spec, _decide(authz, attrs))


def subject_access_review(authz: RBACAuthorizer, body: Body) -> Body:
    """SubjectAccessReview: may the user/groups named in the spec do this?"""
    spec = _spec(body, "SubjectAccessReview", AUTHORIZATION)
    attrs = _attributes(spec, _spec_user(spec, "SubjectAccessReview"), "SubjectAccessReview", _user_errors(spec))
    return _response("SubjectAccessReview", AUTHORIZATION, body, spec, _decide(authz, attrs))


def local_subject_access_review(authz: RBACAuthorizer, namespace: str, body: Body) -> Body:
    """LocalSubjectAccessReview: a SubjectAccessReview confined to one namespace."""
    kind = "LocalSubjectAccessReview"
    spec = _spec(body, kind, AUTHORIZATION)
    causes = _user_errors(spec)
    if not isinstance(spec.get("resourceAttributes"), dict):
        causes.append(("spec.resourceAttributes", "Required value"))
    if spec.get("nonResourceAttributes") is not None:
        causes.append(("spec.nonResourceAttributes", "Invalid value: disallowed on this kind of request"))
    if causes:
        raise invalid(kind, AUTHORIZATION, _name(body), causes)
    if (spec["resourceAttributes"].get("namespace") or "") != namespace:
        raise bad_request(f"spec.resourceAttributes.namespace must match namespace: {namespace}")
    attrs = _attributes(spec, _spec_user(spec, kind), kind, [])
    response = _response(kind, AUTHORIZATION, body, spec, _decide(authz, attrs))
    response["metadata"]["namespace"] = namespace
    return response


def self_subject_rules_review(authz: RBACAuthorizer, user: UserInfo, body: Body) -> Body:
    """SelfSubjectRulesReview (``kubectl auth can-i --list``): every rule the caller holds."""
    spec = _spec(body, "SelfSubjectRulesReview", AUTHORIZATION)
    namespace = spec.get("namespace") or ""
    if not isinstance(namespace, str):
        raise invalid("SelfSubjectRulesReview", AUTHORIZATION, "", [("spec.namespace", "must be a string")])
    rules, errors = authz.rules_for(user, namespace)
    resource_rules, non_resource_rules = [], []
    for rule in rules:
        if rule.get("nonResourceURLs"):
            non_resource_rules.append(
                {"verbs": list(rule.get("verbs") or []), "nonResourceURLs": list(rule["nonResourceURLs"])}
            )
            continue
        entry: Body = {"verbs": list(rule.get("verbs") or []), "apiGroups": list(rule.get("apiGroups") or [])}
        entry["resources"] = list(rule.get("resources") or [])
        if rule.get("resourceNames"):
            entry["resourceNames"] = list(rule["resourceNames"])
        resource_rules.append(entry)
    status: Body = {
        "resourceRules": resource_rules,
        "nonResourceRules": non_resource_rules,
        "incomplete": bool(errors),
    }
    if errors:
        status["evaluationError"] = "; ".join(errors)
    return _response("SelfSubjectRulesReview", AUTHORIZATION, body, spec, status)


def self_subject_review(user: UserInfo) -> Body:
    """SelfSubjectReview (``kubectl auth whoami``): the caller's own user info."""
    return {
        "kind": "SelfSubjectReview",
        "apiVersion": f"{AUTHENTICATION}/v1",
        "metadata": {"creationTimestamp": None},
        "status": {"userInfo": _user_info(user)},
    }


def token_request(
    authn: Authenticator,
    reader: ObjectReader,
    namespace: str,
    sa_name: str,
    body: Body,
    *,
    now: datetime | None = None,
) -> Body:
    """TokenRequest (POST serviceaccounts/<name>/token): a bound token for a ServiceAccount."""
    spec = _spec(body, "TokenRequest", AUTHENTICATION)
    audiences = _string_list(spec.get("audiences"), "TokenRequest", AUTHENTICATION, "spec.audiences")
    expiration = spec.get("expirationSeconds")
    if expiration is None:
        expiration = DEFAULT_TOKEN_EXPIRATION_SECONDS
    if isinstance(expiration, bool) or not isinstance(expiration, int):
        raise bad_request("spec.expirationSeconds must be an integer")
    expiration = authn.token_lifetime(sa_name, expiration)
    bound_ref = spec.get("boundObjectRef")
    bound = None
    if bound_ref is not None:
        if not isinstance(bound_ref, dict):
            raise bad_request("spec.boundObjectRef must be an object")
        if reader.get_object("", "serviceaccounts", namespace, sa_name) is None:
            raise AuthError(404, "NotFound", f'serviceaccounts "{sa_name}" not found')
        bound = check_bound_object(reader, namespace, bound_ref)
    effective_audiences = audiences or list(authn.api_audiences)
    token, expires_at = authn.issue_service_account_token(
        namespace,
        sa_name,
        audiences=effective_audiences,
        expiration_seconds=expiration,
        now=now,
        bound_object=bound,
    )
    response_spec: Body = {
        "audiences": effective_audiences,
        "expirationSeconds": expiration,
        "boundObjectRef": None,
    }
    if bound is not None:
        response_spec["boundObjectRef"] = {**(bound_ref or {}), "uid": bound.uid}
    return {
        "kind": "TokenRequest",
        "apiVersion": f"{AUTHENTICATION}/v1",
        "metadata": {"name": sa_name, "namespace": namespace, "creationTimestamp": None},
        "spec": response_spec,
        "status": {"token": token, "expirationTimestamp": expires_at.strftime("%Y-%m-%dT%H:%M:%SZ")},
    }


def _spec(body: Any, kind: str, group: str) -> Body:
    if not isinstance(body, dict):
        raise bad_request(f"the body of a {kind} must be a JSON object")
    if body.get("kind") not in (None, "", kind):
        raise bad_request(f"expected kind {kind}, got {body.get('kind')!r}")
    api_version = body.get("apiVersion")
    if api_version not in (None, "") and not str(api_version).startswith(f"{group}/"):
        raise bad_request(f"expected apiVersion {group}/v1 for {kind}, got {api_version!r}")
    spec = body.get("spec")
    if spec is None:
        return {}
    if not isinstance(spec, dict):
        raise bad_request(f"spec of a {kind} must be an object")
    return spec


def _attributes(spec: Body, user: UserInfo, kind: str, causes: list[tuple[str, str]]) -> RequestAttributes:
    resource, non_resource = spec.get("resourceAttributes"), spec.get("nonResourceAttributes")
    causes = list(causes)
    if resource is not None and non_resource is not None:
        causes.append(
            (
                "spec.nonResourceAttributes",
                "Invalid value: cannot be specified in combination with resourceAttributes",
            )
        )
    if resource is None and non_resource is None:
        causes.append(
            (
                "spec.resourceAttributes",
                "Invalid value: exactly one of nonResourceAttributes or resourceAttributes must be specified",
            )
        )
    for field, value in (("spec.resourceAttributes", resource), ("spec.nonResourceAttributes", non_resource)):
        if value is not None and not isinstance(value, dict):
            causes.append((field, "Invalid value: must be an object"))
    if causes:
        raise invalid(kind, AUTHORIZATION, "", causes)
    if resource is not None:
        return RequestAttributes(
            user=user,
            verb=str(resource.get("verb") or ""),
            api_group=str(resource.get("group") or ""),
            resource=str(resource.get("resource") or ""),
            subresource=str(resource.get("subresource") or ""),
            namespace=str(resource.get("namespace") or ""),
            name=str(resource.get("name") or ""),
        )
    assert non_resource is not None  # exactly one of the two was required above
    return RequestAttributes(
        user=user,
        verb=str(non_resource.get("verb") or ""),
        path=str(non_resource.get("path") or ""),
        resource_request=False,
    )


def _decide(authz: RBACAuthorizer, attrs: RequestAttributes) -> Body:
    allowed, reason = authz.authorize(attrs)
    status: Body = {"allowed": allowed}
    if reason:  # omitempty, as kube serialises it
        status["reason"] = reason
    return status


def _user_errors(spec: Body) -> list[tuple[str, str]]:
    if not spec.get("user") and not spec.get("groups"):
        return [("spec.user", 'Invalid value: "": at least one of user or group must be specified')]
    return []


def _spec_user(spec: Body, kind: str) -> UserInfo:
    groups = _string_list(spec.get("groups"), kind, AUTHORIZATION, "spec.groups")
    extra = spec.get("extra") or {}
    if not isinstance(extra, dict):
        raise invalid(kind, AUTHORIZATION, "", [("spec.extra", "Invalid value: must be an object")])
    return UserInfo(
        username=str(spec.get("user") or ""),
        uid=str(spec.get("uid") or ""),
        groups=tuple(groups),
        extra={str(key): [str(item) for item in values or []] for key, values in extra.items()},
    )


def _string_list(value: Any, kind: str, group: str, field: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise invalid(kind, group, "", [(field, "Invalid value: must be a list of strings")])
    return value


def _user_info(user: UserInfo) -> Body:
    info: Body = {"username": user.username, "groups": list(user.groups)}
    if user.uid:
        info["uid"] = user.uid
    if user.extra:
        info["extra"] = {key: list(values) for key, values in user.extra.items()}
    return info


def _name(body: Body) -> str:
    return str((body.get("metadata") or {}).get("name") or "")


def _response(kind: str, group: str, body: Body, spec: Body, status: Body) -> Body:
    metadata = dict(body.get("metadata") or {})
    metadata.setdefault("creationTimestamp", None)
    return {"kind": kind, "apiVersion": f"{group}/v1", "metadata": metadata, "spec": spec, "status": status}
