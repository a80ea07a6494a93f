"""Everything a request handler needs, built once by the server."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from localkube.deletion import Deleter
from localkube.discovery import OpenAPICache
from localkube.faults import FaultSwitch, RequestLog
from localkube.operations import ObjectService
from localkube.registry import Registry
from localkube.store import Store


@dataclass
class ApiContext:
    store: Store
    registry: Registry
    service: ObjectService
    deleter: Deleter
    openapi: OpenAPICache
    authenticator: Any  # localkube.auth.Authenticator (or the fallback while auth is absent)
    authorizer: Any  # localkube.auth.RBACAuthorizer
    reviews: Any  # the localkube.auth.reviews module
    faults: FaultSwitch
    request_log: RequestLog
    state_dir: Path
    admission: Any = None  # localkube.write_admission.WriteAdmission: checks that depend on the writer
    server_address: str = "127.0.0.1:6443"
    bookmark_interval: float = 10.0
    max_body_bytes: int = 3 * 1024 * 1024 // 2  # etcd's 1.5 MiB object limit


@dataclass
class ControllerContext:
    """What a background controller (the runtime) gets: it talks to the API like any client."""

    base_url: str
    admin_token: str
    ca_file: Path
    state_dir: Path
    image_map_file: Path | None
    reader: Store
    # The same API over plain HTTP on a Unix socket in the state dir (owner-only), for controllers
    # in this process: None when the path is too long for a socket address.
    socket_path: Path | None = None
