"""protobuf bodies → the JSON a JSON body would give (no server: hand-encoded messages)."""

from __future__ import annotations

import pytest

from localkube import protobuf
from localkube.errors import ApiError


def _varint(value: int) -> bytes:
    value &= (1 << 64) - 1
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field(number: int, value: bytes | int | str) -> bytes:
    if isinstance(value, int):
        return _varint(number << 3) + _varint(value)
    data = value.encode() if isinstance(value, str) else value
    return _varint(number << 3 | 2) + _varint(len(data)) + data


def _envelope(api_version: str, kind: str, obj: bytes) -> bytes:
    type_meta = _field(1, api_version) + _field(2, kind)
    return protobuf.MAGIC + _field(1, type_meta) + _field(2, obj) + _field(3, b"") + _field(4, "")


def _meta(**fields: str) -> bytes:
    # Go's encoder writes every plain field, empty or not, and a zero creationTimestamp.
    numbers = {"name": 1, "generateName": 2, "namespace": 3, "selfLink": 4, "uid": 5, "resourceVersion": 6}
    body = b"".join(_field(numbers[key], fields.get(key, "")) for key in numbers)
    return body + _field(7, 0) + _field(8, b"")


def test_empty_plain_fields_are_dropped_as_omitempty_drops_them():
    body = protobuf.decode(
        _envelope("v1", "ConfigMap", _field(1, _meta(name="c")) + _field(2, _field(1, "k") + _field(2, "v")))
    )
    assert body == {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"k": "v"}}


def test_pointer_fields_keep_zero_values_and_negatives_decode():
    spec = _field(1, "aud") + _field(4, 0)  # expirationSeconds: 0 is a value, not "unset"
    body = protobuf.decode(_envelope("authentication.k8s.io/v1", "TokenRequest", _field(1, _meta()) + _field(2, spec)))
    assert body["spec"] == {"audiences": ["aud"], "expirationSeconds": 0}
    job_spec = _field(7, -1 & ((1 << 64) - 1)) + _field(6, _field(1, _meta()) + _field(2, _field(3, "Never")))
    job = protobuf.decode(
        _envelope("batch/v1", "Job", _field(1, _meta(name="j")) + _field(2, job_spec) + _field(3, b""))
    )
    assert job["spec"]["backoffLimit"] == -1
    assert job["spec"]["template"] == {"metadata": {}, "spec": {"restartPolicy": "Never"}}
    assert "status" not in job


def test_int_or_string_and_inlined_volume_source():
    port = _field(3, 80) + _field(4, _field(1, 1) + _field(2, 0) + _field(3, "http"))
    service = protobuf.decode(_envelope("v1", "Service", _field(1, _meta(name="s")) + _field(2, _field(1, port))))
    assert service["spec"]["ports"] == [{"port": 80, "targetPort": "http"}]
    volume = _field(1, "data") + _field(2, _field(10, _field(1, "claim")))
    pod_spec = _field(1, volume) + _field(2, _field(1, "c") + _field(2, "busybox") + _field(8, b""))
    template = _field(1, _meta()) + _field(2, pod_spec)
    job = protobuf.decode(_envelope("batch/v1", "Job", _field(1, _meta(name="j")) + _field(2, _field(6, template))))
    spec = job["spec"]["template"]["spec"]
    assert spec["volumes"] == [{"name": "data", "persistentVolumeClaim": {"claimName": "claim"}}]
    assert spec["containers"] == [{"name": "c", "image": "busybox", "resources": {}}]


def test_an_unknown_field_is_a_415_that_names_it():
    with pytest.raises(ApiError) as error:
        protobuf.decode(_envelope("v1", "ConfigMap", _field(1, _meta(name="c")) + _field(9, "x")))
    assert error.value.code == 415 and "field 9 of ConfigMap" in error.value.message


def test_a_kind_without_a_table_is_a_415():
    with pytest.raises(ApiError) as error:
        protobuf.decode(_envelope("apps/v1", "Deployment", _field(1, _meta(name="d"))))
    assert error.value.code == 415 and "Deployment" in error.value.message


def test_truncated_bodies_are_a_400():
    with pytest.raises(ApiError) as error:
        protobuf.decode(protobuf.MAGIC + b"\x0a\xff")
    assert error.value.code == 400
