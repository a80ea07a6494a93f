"""Service-account tokens: issue, validate, expiry, audiences, SA lifecycle, tampering, restart."""

from __future__ import annotations

import base64
import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest

from localkube.auth import Authenticator, AuthError
from localkube.auth.constants import DEFAULT_ISSUER, SIGNING_KEY_FILE
from localkube.auth.service_account_tokens import BoundObject
from localkube.auth.tests.support import MemoryReader

T0 = datetime(2030, 1, 1, tzinfo=UTC)
SA_USERNAME = "system:serviceaccount:team:builder"
SA_GROUPS = ("system:serviceaccounts", "system:serviceaccounts:team", "system:authenticated")


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
def authn(reader: MemoryReader, state_dir: Path, clock: Clock) -> Authenticator:
    reader.service_account("team", "builder")
    return Authenticator(None, state_dir, reader, clock=clock)


def sa_uid(reader: MemoryReader) -> str:
    account = reader.get_object("", "serviceaccounts", "team", "builder")
    assert account is not None
    return account["metadata"]["uid"]


def test_issued_token_has_the_claims_of_a_bound_token(authn: Authenticator, reader: MemoryReader) -> None:
    token, expires_at = authn.issue_service_account_token("team", "builder", audiences=None, expiration_seconds=3600)
    assert expires_at == T0 + timedelta(hours=1)
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "RS256"
    assert header["kid"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["iss"] == DEFAULT_ISSUER
    assert claims["sub"] == SA_USERNAME
    assert claims["aud"] == [DEFAULT_ISSUER]
    assert claims["iat"] == claims["nbf"] == int(T0.timestamp())
    assert claims["exp"] == int(expires_at.timestamp())
    assert claims["jti"]
    assert claims["kubernetes.io"] == {
        "namespace": "team",
        "serviceaccount": {"name": "builder", "uid": sa_uid(reader)},
    }


def test_issued_token_authenticates_as_the_service_account(authn: Authenticator, reader: MemoryReader) -> None:
    token, _ = authn.issue_service_account_token("team", "builder", expiration_seconds=3600)
    user = authn.authenticate(token)
    assert user is not None
    assert user.username == SA_USERNAME
    assert user.uid == sa_uid(reader)
    assert user.groups == SA_GROUPS
    jti = jwt.decode(token, options={"verify_signature": False})["jti"]
    assert user.extra["authentication.kubernetes.io/credential-id"] == [f"JTI={jti}"]


def test_expiry_follows_the_clock_with_kube_leeway(authn: Authenticator, clock: Clock) -> None:
    token, expires_at = authn.issue_service_account_token("team", "builder", expiration_seconds=600)
    clock.now = expires_at + timedelta(seconds=59)
    assert authn.authenticate(token) is not None
    clock.now = expires_at + timedelta(seconds=61)
    assert authn.authenticate(token) is None
    assert authn.authenticate_token(token).error == "service account token has expired"


def test_token_issued_for_the_past_is_expired_now(authn: Authenticator) -> None:
    token, _ = authn.issue_service_account_token("team", "builder", expiration_seconds=600, now=T0 - timedelta(hours=2))
    assert authn.authenticate_token(token).error == "service account token has expired"


def test_token_issued_for_the_future_is_not_valid_yet(authn: Authenticator) -> None:
    token, _ = authn.issue_service_account_token(
        "team", "builder", expiration_seconds=3600, now=T0 + timedelta(hours=1)
    )
    assert authn.authenticate_token(token).error == "service account token is not valid yet"


def test_expiration_bounds_match_kube(authn: Authenticator) -> None:
    with pytest.raises(AuthError) as caught:
        authn.issue_service_account_token("team", "builder", expiration_seconds=599)
    assert caught.value.code == 422
    assert caught.value.reason == "Invalid"
    assert "may not specify a duration less than 10 minutes" in caught.value.message
    with pytest.raises(AuthError):
        authn.issue_service_account_token("team", "builder", expiration_seconds=(1 << 32) + 1)


def test_missing_service_account_is_404(authn: Authenticator) -> None:
    with pytest.raises(AuthError) as caught:
        authn.issue_service_account_token("team", "ghost", expiration_seconds=3600)
    assert (caught.value.code, caught.value.reason) == (404, "NotFound")
    assert caught.value.message == 'serviceaccounts "ghost" not found'


def test_custom_audience_is_not_accepted_by_the_api_server(authn: Authenticator) -> None:
    token, _ = authn.issue_service_account_token("team", "builder", audiences=["vault"], expiration_seconds=3600)
    assert authn.authenticate(token) is None
    assert authn.authenticate_token(token).error == (
        f'token audiences ["vault"] is invalid for the target audiences ["{DEFAULT_ISSUER}"]'
    )
    # ...but a TokenReview for that audience (as Vault would send) accepts it.
    for_vault = authn.authenticate_token(token, ["vault", "other"])
    assert for_vault.user is not None
    assert for_vault.audiences == ("vault",)


def test_token_carrying_the_default_among_several_audiences(authn: Authenticator) -> None:
    token, _ = authn.issue_service_account_token(
        "team", "builder", audiences=["vault", DEFAULT_ISSUER], expiration_seconds=3600
    )
    result = authn.authenticate_token(token)
    assert result.user is not None
    assert result.audiences == (DEFAULT_ISSUER,)


def test_deleted_service_account_invalidates_its_tokens(authn: Authenticator, reader: MemoryReader) -> None:
    token, _ = authn.issue_service_account_token("team", "builder", expiration_seconds=3600)
    reader.delete("", "serviceaccounts", "team", "builder")
    assert authn.authenticate(token) is None
    assert authn.authenticate_token(token).error == "service account team/builder has been deleted"


def test_service_account_being_deleted_keeps_tokens_for_a_minute(
    authn: Authenticator, reader: MemoryReader, clock: Clock
) -> None:
    token, _ = authn.issue_service_account_token("team", "builder", expiration_seconds=3600)
    account = reader.get_object("", "serviceaccounts", "team", "builder")
    assert account is not None
    account["metadata"]["deletionTimestamp"] = T0.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert authn.authenticate(token) is not None
    clock.now = T0 + timedelta(minutes=2)
    assert authn.authenticate(token) is None


def test_recreated_service_account_does_not_accept_old_tokens(authn: Authenticator, reader: MemoryReader) -> None:
    old_uid = sa_uid(reader)
    token, _ = authn.issue_service_account_token("team", "builder", expiration_seconds=3600)
    reader.delete("", "serviceaccounts", "team", "builder")
    reader.service_account("team", "builder")
    assert authn.authenticate(token) is None
    assert (
        authn.authenticate_token(token).error
        == f"service account UID ({sa_uid(reader)}) does not match claim ({old_uid})"
    )
    fresh, _ = authn.issue_service_account_token("team", "builder", expiration_seconds=3600)
    assert authn.authenticate(fresh) is not None


def _reencode(token: str, change_claims: dict[str, object]) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(change_claims)
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


def test_tampered_token_is_rejected(authn: Authenticator) -> None:
    token, _ = authn.issue_service_account_token("team", "builder", expiration_seconds=3600)
    forged = _reencode(token, {"sub": "system:serviceaccount:kube-system:admin"})
    assert authn.authenticate(forged) is None
    assert authn.authenticate_token(forged).error == "invalid bearer token"
    header, payload, signature = token.split(".")
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    assert authn.authenticate(f"{header}.{payload}.{flipped}") is None


def test_token_signed_by_another_key_is_rejected(authn: Authenticator, reader: MemoryReader, tmp_path: Path) -> None:
    stranger = Authenticator(None, tmp_path / "other-state", reader)
    token, _ = stranger.issue_service_account_token("team", "builder", expiration_seconds=3600, now=T0)
    assert authn.authenticate(token) is None


def test_foreign_issuer_and_unsigned_tokens_are_not_ours(authn: Authenticator) -> None:
    foreign = jwt.encode({"iss": "https://elsewhere", "sub": "x"}, "k" * 32, algorithm="HS256")
    assert authn.authenticate_token(foreign).error == "invalid bearer token"
    unsigned = jwt.encode({"iss": DEFAULT_ISSUER, "sub": SA_USERNAME}, "", algorithm="none")  # "" is no key
    assert authn.authenticate(unsigned) is None
    assert authn.authenticate("not-a-jwt") is None


def test_tokens_survive_a_new_authenticator_on_the_same_state_dir(
    authn: Authenticator, reader: MemoryReader, state_dir: Path, clock: Clock
) -> None:
    token, _ = authn.issue_service_account_token("team", "builder", expiration_seconds=3600)
    key_file = state_dir / SIGNING_KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key_bytes = key_file.read_bytes()

    restarted = Authenticator(None, state_dir, reader, clock=clock)
    user = restarted.authenticate(token)
    assert user is not None
    assert user.username == SA_USERNAME
    assert key_file.read_bytes() == key_bytes
    assert restarted.jwks() == authn.jwks()


def test_token_bound_to_a_pod_dies_with_the_pod(authn: Authenticator, reader: MemoryReader) -> None:
    pod = reader.put("", "pods", {"metadata": {"namespace": "team", "name": "runner"}})
    bound = BoundObject(kind="Pod", name="runner", uid=pod["metadata"]["uid"])
    token, _ = authn.issue_service_account_token("team", "builder", expiration_seconds=3600, bound_object=bound)
    user = authn.authenticate(token)
    assert user is not None
    assert user.extra["authentication.kubernetes.io/pod-name"] == ["runner"]
    reader.delete("", "pods", "team", "runner")
    assert authn.authenticate_token(token).error == "pod team/runner has been deleted"


def test_naive_now_is_refused(authn: Authenticator) -> None:
    with pytest.raises(ValueError):
        authn.issue_service_account_token(
            "team",
            "builder",
            expiration_seconds=3600,
            now=datetime(2030, 1, 1),  # noqa: DTZ001 - the point of the test
        )


def test_jwks_and_openid_configuration(authn: Authenticator) -> None:
    key = authn.jwks()["keys"][0]
    assert key["kty"] == "RSA"
    assert key["alg"] == "RS256"
    token, _ = authn.issue_service_account_token("team", "builder", expiration_seconds=3600)
    assert jwt.get_unverified_header(token)["kid"] == key["kid"]
    public = jwt.PyJWK(key).key
    claims = jwt.decode(
        token,
        public,
        algorithms=["RS256"],
        audience=DEFAULT_ISSUER,
        options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
    )
    assert claims["sub"] == SA_USERNAME
    config = authn.openid_configuration("https://127.0.0.1:6443/openid/v1/jwks")
    assert config["issuer"] == DEFAULT_ISSUER


def test_tokens_are_never_logged(authn: Authenticator, caplog: pytest.LogCaptureFixture, reader: MemoryReader) -> None:
    with caplog.at_level("DEBUG", logger="localkube.auth"):
        token, _ = authn.issue_service_account_token("team", "builder", expiration_seconds=3600)
        authn.authenticate(token)
        authn.authenticate(token + "x")
        reader.delete("", "serviceaccounts", "team", "builder")
        authn.authenticate(token)
    assert caplog.records
    signature = token.split(".")[2]
    assert signature not in caplog.text
    assert token.split(".")[1] not in caplog.text
