"""Parse a request path into kube-apiserver's RequestInfo: verb, group, version, resource, …"""

from __future__ import annotations

from dataclasses import dataclass

from localkube.interfaces import RequestAttributes, UserInfo

_METHOD_VERBS = {"GET": "get", "POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}


@dataclass
class RequestInfo:
    path: str
    verb: str
    is_resource: bool = False
    group: str = ""
    version: str = ""
    namespace: str | None = None
    resource: str = ""
    name: str = ""
    subresource: str = ""
    rest: str = ""  # what follows a subresource (the proxied path)

    def attributes(self, user: UserInfo) -> RequestAttributes:
        if not self.is_resource:
            return RequestAttributes(user=user, verb=self.verb, path=self.path, resource_request=False)
        namespace = self.namespace or ""
        if (self.group, self.resource) == ("", "namespaces") and self.name:
            namespace = self.name  # kube authorizes a namespace object within itself
        return RequestAttributes(
            user=user,
            verb=self.verb,
            api_group=self.group,
            resource=self.resource,
            subresource=self.subresource,
            namespace=namespace,
            name=self.name,
            path=self.path,
        )


def parse(method: str, path: str, query: dict[str, str]) -> RequestInfo:
    segments = [segment for segment in path.split("/") if segment]
    if len(segments) >= 2 and segments[0] == "api":
        group, version, rest = "", segments[1], segments[2:]
    elif len(segments) >= 3 and segments[0] == "apis":
        group, version, rest = segments[1], segments[2], segments[3:]
    else:
        return RequestInfo(path=path, verb=method.lower())
    if not rest:
        return RequestInfo(path=path, verb=method.lower())
    watch_path = False
    if rest[0] == "watch":  # the deprecated /watch/ prefix
        watch_path = True
        rest = rest[1:]
    namespace: str | None = None
    # /namespaces/{ns}/{resource}… is namespaced, but /namespaces/{ns}/status is the namespace's own.
    if len(rest) >= 3 and rest[0] == "namespaces" and rest[2] not in ("status", "finalize"):
        namespace, rest = rest[1], rest[2:]
    if not rest:
        return RequestInfo(path=path, verb=method.lower())
    resource = rest[0]
    name = rest[1] if len(rest) > 1 else ""
    subresource = rest[2] if len(rest) > 2 else ""
    remainder = "/".join(rest[3:]) if len(rest) > 3 else ""
    verb = _METHOD_VERBS.get(method, method.lower())
    if method == "GET" and not name:
        verb = "watch" if watch_path or query.get("watch") in ("1", "true", "True") else "list"
    elif method == "GET" and watch_path:
        verb = "watch"
    elif method == "DELETE" and not name:
        verb = "deletecollection"
    if path.endswith("/") and remainder:
        remainder += "/"
    return RequestInfo(
        path=path,
        verb=verb,
        is_resource=True,
        group=group,
        version=version,
        namespace=namespace,
        resource=resource,
        name=name,
        subresource=subresource,
        rest=remainder,
    )
