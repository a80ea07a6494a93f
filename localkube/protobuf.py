"""Read the protobuf bodies kubectl's typed clients send, into the JSON shape a JSON body has.

kubectl POSTs some kinds only as ``application/vnd.kubernetes.protobuf``: the ``k8s\\0`` magic, a
``runtime.Unknown`` envelope (type meta, raw object) and the object's own message. The message
layouts are in ``protobuf_types``. Go's protobuf encoder writes every plain field, empty or not, so
empty strings, zeros and empty lists are dropped here exactly as ``omitempty`` drops them from
JSON (an object created from protobuf then looks like one created from JSON); pointer fields keep
their zero values. A hand-written reader because the only Python protobuf runtime needs compiled
descriptors of k8s.io/api, which no maintained package ships.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from localkube.errors import ApiError
from localkube.protobuf_types import (
    BOOL,
    BYTES,
    INT,
    INT_OR_STRING,
    MAP,
    MESSAGES,
    POINTER,
    QUANTITY,
    REPEATED,
    SKIP,
    STRING,
    TIME,
    TOP_LEVEL,
)

MAGIC = b"k8s\x00"
Fields = dict[int, list[Any]]
_SIGN = 1 << 63


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
    """Decode one message into field number → values (ints or raw bytes), in wire order."""
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
            if offset + length > len(data):
                raise ValueError("truncated length-delimited field")
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


def _signed(value: int) -> int:
    # int32/int64 negatives travel as 64-bit two's complement varints.
    value &= (1 << 64) - 1
    return value - (1 << 64) if value & _SIGN else value


def _time(raw: bytes) -> str | None:
    message = fields(raw)
    seconds = _signed(message.get(1, [0])[0])
    if not seconds:
        return None  # Go's zero time: JSON writes null, which means "unset"
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _int_or_string(raw: bytes) -> int | str | None:
    message = fields(raw)
    if message.get(1, [0])[0] == 1:
        return message.get(3, [b""])[0].decode() or None
    return _signed(message.get(2, [0])[0]) or None


def _scalar(kind: str, raw: Any) -> Any:
    if kind == STRING:
        return raw.decode()
    if kind == BYTES:
        return base64.b64encode(raw).decode()
    if kind == INT:
        return _signed(raw)
    if kind == BOOL:
        return bool(raw)
    if kind == TIME:
        return _time(raw)
    if kind == QUANTITY:
        return fields(raw).get(1, [b""])[0].decode()
    if kind == INT_OR_STRING:
        return _int_or_string(raw)
    return message_to_json(kind, raw)


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == 0 or value is False or value == [] or value == {}


def _repeated_ints(values: list[Any]) -> list[int]:
    """Repeated ints arrive unpacked (one varint each) or packed into one length-delimited field."""
    result: list[int] = []
    for value in values:
        if isinstance(value, bytes):
            offset = 0
            while offset < len(value):
                item, offset = _varint(value, offset)
                result.append(_signed(item))
        else:
            result.append(_signed(value))
    return result


def message_to_json(message_name: str, raw: bytes) -> dict[str, Any]:
    layout = MESSAGES[message_name]
    result: dict[str, Any] = {}
    for number, values in fields(raw).items():
        spec = layout.get(number)
        if spec is None:
            raise ApiError(
                415,
                f"localkube cannot read field {number} of {message_name} from a protobuf body; "
                "send this object as JSON (application/json)",
                "UnsupportedMediaType",
            )
        name, kind, flags = spec
        if kind == SKIP:
            continue
        value: Any
        if flags & MAP:
            value = {}
            for entry in values:
                pair = fields(entry)
                key = pair.get(1, [b""])[0].decode()
                value[key] = _scalar(kind, pair.get(2, [b""])[0])
        elif flags & REPEATED:
            value = _repeated_ints(values) if kind == INT else [_scalar(kind, item) for item in values]
        else:
            value = _scalar(kind, values[-1])
        if name == "":  # an inlined struct (Volume's VolumeSource): its fields join this object
            result.update(value)
            continue
        if value is None or (_empty(value) and not flags & POINTER and kind not in MESSAGES):
            continue
        result[name] = value
    return result


def decode(raw: bytes) -> dict[str, Any]:
    """A JSON-shaped dict for the kinds in ``protobuf_types.TOP_LEVEL``; 415 for anything else."""
    if not raw.startswith(MAGIC):
        raise ApiError(415, "protobuf body without the k8s envelope", "UnsupportedMediaType")
    try:
        envelope = fields(raw[len(MAGIC) :])
        type_meta = fields(envelope[1][0]) if envelope.get(1) else {}
        api_version = type_meta.get(1, [b""])[0].decode()
        kind = type_meta.get(2, [b""])[0].decode()
        if kind not in TOP_LEVEL:
            raise ApiError(
                415,
                f"localkube reads {kind or 'this kind'} only as JSON: the body of the request was "
                "in an unknown format - accepted media types include: application/json, application/yaml",
                "UnsupportedMediaType",
            )
        body = message_to_json(kind, envelope[2][0] if envelope.get(2) else b"")
    except (ValueError, IndexError, UnicodeDecodeError) as error:
        raise ApiError(400, f"invalid protobuf body: {error}") from None
    return {"apiVersion": api_version, "kind": kind, **body}
