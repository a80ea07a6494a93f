"""Just enough of Kubernetes' protobuf encoding to read the few bodies kubectl only sends that way.

kubectl's typed clients POST the review kinds (``kubectl auth can-i``, ``auth whoami``) as
``application/vnd.kubernetes.protobuf``: the ``k8s\\0`` magic, a ``runtime.Unknown`` envelope and
the object's own message. Field numbers come from k8s.io/api's generated.proto files.
"""

from __future__ import annotations

import base64
from typing import Any

from localkube.errors import ApiError

MAGIC = b"k8s\x00"
Fields = dict[int, list[Any]]


def _varint(data: bytes, offset: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if offset >= len(data):
            raise ValueError("truncated varint")
        byte = data[offset]
        offset += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, offset
        shift += 7


def fields(data: bytes) -> Fields:
    """Decode one message into field number → values (ints or raw bytes)."""
    decoded: Fields = {}
    offset = 0
    while offset < len(data):
        key, offset = _varint(data, offset)
        number, wire_type = key >> 3, key & 7
        value: Any
        if wire_type == 0:
            value, offset = _varint(data, offset)
        elif wire_type == 2:
            length, offset = _varint(data, offset)
            value = data[offset : offset + length]
            offset += length
        elif wire_type == 1:
            value, offset = data[offset : offset + 8], offset + 8
        elif wire_type == 5:
            value, offset = data[offset : offset + 4], offset + 4
        else:
            raise ValueError(f"unsupported wire type {wire_type}")
        decoded.setdefault(number, []).append(value)
    return decoded


def _text(message: Fields, number: int) -> str:
    values = message.get(number)
    return values[0].decode() if values else ""


def _message(message: Fields, number: int) -> Fields | None:
    values = message.get(number)
    return fields(values[0]) if values else None


_RESOURCE_ATTRIBUTES = ("namespace", "verb", "group", "version", "resource", "subresource", "name")


def _spec_attributes(spec: Fields) -> dict[str, Any]:
    result: dict[str, Any] = {}
    resource = _message(spec, 1)
    if resource is not None:
        result["resourceAttributes"] = {
            key: _text(resource, index + 1) for index, key in enumerate(_RESOURCE_ATTRIBUTES) if resource.get(index + 1)
        }
    non_resource = _message(spec, 2)
    if non_resource is not None:
        result["nonResourceAttributes"] = {"path": _text(non_resource, 1), "verb": _text(non_resource, 2)}
    return result


def _map(message: Fields, number: int, binary: bool = False) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for entry in message.get(number, []):
        pair = fields(entry)
        value = pair.get(2, [b""])[0]
        result[_text(pair, 1)] = base64.b64encode(value).decode() if binary else value.decode()
    return result


def _object_meta(obj: Fields) -> dict[str, Any]:
    meta = _message(obj, 1) or {}
    metadata: dict[str, Any] = {}
    for number, key in ((1, "name"), (2, "generateName"), (3, "namespace")):
        if meta.get(number):
            metadata[key] = _text(meta, number)
    for number, key in ((11, "labels"), (12, "annotations")):
        if meta.get(number):
            metadata[key] = _map(meta, number)
    return metadata


def _simple_object(kind: str, obj: Fields) -> dict[str, Any] | None:
    """``kubectl create namespace|configmap|secret|serviceaccount`` bodies."""
    body: dict[str, Any] = {"metadata": _object_meta(obj)}
    if kind == "ConfigMap":
        body["data"] = _map(obj, 2)
        if obj.get(3):
            body["binaryData"] = _map(obj, 3, binary=True)
    elif kind == "Secret":
        body["data"] = _map(obj, 2, binary=True)
        if obj.get(3):
            body["type"] = _text(obj, 3)
        if obj.get(4):
            body["stringData"] = _map(obj, 4)
    elif kind not in ("Namespace", "ServiceAccount"):
        return None
    return body


def decode(raw: bytes) -> dict[str, Any]:
    """A JSON-shaped dict for the kinds we understand; 415 for anything else."""
    if not raw.startswith(MAGIC):
        raise ApiError(415, "protobuf body without the k8s envelope", "UnsupportedMediaType")
    try:
        envelope = fields(raw[len(MAGIC) :])
        type_meta = _message(envelope, 1) or {}
        api_version, kind = _text(type_meta, 1), _text(type_meta, 2)
        obj = fields(envelope[2][0]) if envelope.get(2) else {}
        spec = _message(obj, 2) or {}
        if kind == "SelfSubjectAccessReview":
            body_spec = _spec_attributes(spec)
        elif kind == "SelfSubjectRulesReview":
            body_spec = {"namespace": _text(spec, 1)}
        elif kind == "SelfSubjectReview":
            body_spec = {}
        elif kind == "TokenRequest":
            body_spec = {"audiences": [value.decode() for value in spec.get(1, [])]}
            if spec.get(2):
                body_spec["expirationSeconds"] = spec[2][0]
        elif (simple := _simple_object(kind, obj)) is not None:
            return {"apiVersion": api_version, "kind": kind, **simple}
        else:
            raise ApiError(
                415,
                f"localkube reads {kind or 'this kind'} only as JSON: the body of the request was "
                "in an unknown format - accepted media types include: application/json, application/yaml",
                "UnsupportedMediaType",
            )
    except (ValueError, IndexError, UnicodeDecodeError) as error:
        raise ApiError(400, f"invalid protobuf body: {error}") from None
    return {"apiVersion": api_version, "kind": kind, "metadata": {}, "spec": body_spec}
