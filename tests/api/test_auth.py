"""Token verification edge cases (no database): HS256, RS256 from a PEM file and from a JWKS
(file and loopback HTTP), the claims, and the security settings."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from api.auth import AuthenticationFailed, TokenVerifier, bearer_token, mint_token
from api.auth_settings import AuthSettings, AuthSettingsError, SecretText
from db.principal import Principal, Role
from tests.auth_helpers import TEST_AUTH, TEST_SECRET, claims, raw_token, token_for

VERIFIER = TokenVerifier(TEST_AUTH)


def refused(token: str, verifier: TokenVerifier = VERIFIER) -> str:
    """The message a refused token gets."""
    with pytest.raises(AuthenticationFailed) as caught:
        verifier.verify(token)
    return str(caught.value)


def test_a_minted_token_gives_its_principal() -> None:
    principal = VERIFIER.verify(token_for(Role.PARTNER, partner_id=7, subject="p7-user"))
    assert principal == Principal("p7-user", Role.PARTNER, 7)


def test_alg_none_is_refused() -> None:
    token = jwt.encode(claims(), None, algorithm="none")
    assert refused(token) == "Unsigned tokens (alg none) are not accepted"


def test_a_wrong_signature_is_refused() -> None:
    token = raw_token(claims(), key="another-secret-of-at-least-32-characters!!")
    assert refused(token) == "Token signature verification failed"


def test_a_tampered_payload_is_refused() -> None:
    header, _, signature = raw_token(claims(role="VIEWER")).split(".")
    forged = jwt.utils.base64url_encode(json.dumps(claims(role="ADMIN")).encode()).decode()
    assert refused(f"{header}.{forged}.{signature}") == "Token signature verification failed"


def test_an_expired_token_is_refused() -> None:
    past = int(time.time()) - 3600
    assert refused(raw_token(claims(iat=past - 60, exp=past))) == (
        "Token expired (exp is in the past)"
    )


def test_a_token_without_exp_is_refused() -> None:
    assert refused(raw_token(claims(exp=None))) == "Token has no 'exp' claim"


@pytest.mark.parametrize(
    ("claim", "message"),
    [
        ({"iss": "someone-else"}, "Token issuer (iss) is not 'allot'"),
        ({"iss": None}, "Token has no 'iss' claim"),
        ({"aud": "other-api"}, "Token audience (aud) is not 'allot'"),
        ({"aud": None}, "Token has no 'aud' claim"),
        ({"sub": None}, "Token has no 'sub' claim"),
        ({"nbf": int(time.time()) + 3600}, "Token not valid yet (nbf or iat in the future)"),
    ],
)
def test_issuer_audience_and_required_claims(claim: dict[str, Any], message: str) -> None:
    assert refused(raw_token(claims(**claim))) == message


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", "eyJhbGciOiJIUzI1NiJ9.e30", "x" * 40])
def test_malformed_tokens_are_refused(token: str) -> None:
    assert refused(token) == "Malformed token: not a signed JWT"


def test_other_algorithms_are_refused() -> None:
    token = raw_token(claims(), key="k" * 64, algorithm="HS512")
    assert refused(token) == "Token algorithm HS512 is not accepted (HS256 or RS256 only)"


@pytest.mark.parametrize(
    ("claim", "message"),
    [
        ({"role": "ROOT"}, "Token claim role: must be one of ADMIN, PLANNER, PARTNER, VIEWER"),
        ({"role": None}, "Token claim role: must be one of"),
        ({"role": "PARTNER"}, "Token claim partner_id: required (a positive id) for PARTNER"),
        ({"role": "VIEWER", "partner_id": 3}, "Token claim partner_id: only a PARTNER has one"),
        ({"role": "PARTNER", "partner_id": "3"}, "Token claim partner_id: must be an integer"),
        ({"role": "PARTNER", "partner_id": True}, "Token claim partner_id: must be an integer"),
    ],
)
def test_claims_must_make_a_principal(claim: dict[str, Any], message: str) -> None:
    assert refused(raw_token(claims(**claim))).startswith(message)


def test_bearer_header_parsing() -> None:
    assert bearer_token(None) is None
    assert bearer_token("Bearer abc") == "abc"
    assert bearer_token("bearer  abc ") == "abc"
    for header in ("Basic dXNlcjpwdw==", "Bearer", "abc"):
        with pytest.raises(AuthenticationFailed, match="must be 'Bearer <token>'"):
            bearer_token(header)


# --- RS256 -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _rs256(key: rsa.RSAPrivateKey, kid: str | None = None, **overrides: Any) -> str:
    headers = {"kid": kid} if kid else None
    return jwt.encode(claims(**overrides), key, algorithm="RS256", headers=headers)


def test_rs256_with_a_pem_file(tmp_path: Path, rsa_key: rsa.RSAPrivateKey) -> None:
    pem = tmp_path / "idp.pem"
    pem.write_bytes(_pem(rsa_key))
    verifier = TokenVerifier(AuthSettings(jwt_public_key_file=pem))
    assert verifier.verify(_rs256(rsa_key, role="VIEWER")).role is Role.VIEWER
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert refused(_rs256(other), verifier) == "Token signature verification failed"
    # Algorithm confusion: an HS256 token "signed" with the public key is not accepted.
    assert refused(raw_token(claims(), key=TEST_SECRET), verifier) == (
        "HS256 tokens are not accepted: no shared secret set"
    )


def test_a_bad_pem_file_fails_at_start(tmp_path: Path) -> None:
    pem = tmp_path / "bad.pem"
    pem.write_text("-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n")
    with pytest.raises(AuthSettingsError, match="ALLOT_JWT_PUBLIC_KEY_FILE: not an RSA public"):
        AuthSettings.from_env({"ALLOT_JWT_PUBLIC_KEY_FILE": str(pem)})


def _jwks(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    return {"keys": [{**jwk, "kid": kid, "use": "sig", "alg": "RS256"}]}


def test_rs256_with_a_jwks_file_url(tmp_path: Path, rsa_key: rsa.RSAPrivateKey) -> None:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(_jwks(rsa_key, "k1")))
    verifier = TokenVerifier(AuthSettings(jwks_url=path.as_uri()))
    assert verifier.verify(_rs256(rsa_key, "k1", sub="idp-user")).subject == "idp-user"
    assert refused(_rs256(rsa_key, "k2"), verifier).startswith("No matching key in the JWKS")


@pytest.fixture
def jwks_server(rsa_key: rsa.RSAPrivateKey) -> Iterator[tuple[str, list[str]]]:
    """A JWKS served on loopback; yields its URL and the list of paths requested."""
    body = json.dumps(_jwks(rsa_key, "live")).encode()
    requests: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json", requests
    finally:
        server.shutdown()
        server.server_close()


async def test_rs256_with_a_jwks_url_on_loopback(
    jwks_server: tuple[str, list[str]], rsa_key: rsa.RSAPrivateKey
) -> None:
    url, requests = jwks_server
    verifier = TokenVerifier(AuthSettings(jwks_url=url))
    for _ in range(3):
        principal = await verifier.verify_async(_rs256(rsa_key, "live", role="PLANNER"))
        assert principal.role is Role.PLANNER
    assert requests == ["/.well-known/jwks.json"]  # fetched once, then cached


def test_an_unreachable_jwks_is_a_clear_refusal(rsa_key: rsa.RSAPrivateKey) -> None:
    verifier = TokenVerifier(AuthSettings(jwks_url="http://127.0.0.1:9/jwks.json"))
    assert refused(_rs256(rsa_key, "live"), verifier) == "Token keys (JWKS) could not be fetched"


# --- settings and minting ----------------------------------------------------------------


def test_settings_from_env() -> None:
    settings = AuthSettings.from_env(
        {
            "ALLOT_JWT_SECRET": "s" * 32,
            "ALLOT_JWT_ISSUER": "https://idp.example",
            "ALLOT_JWT_AUDIENCE": "allot-api",
            "ALLOT_ALLOWED_ORIGINS": "https://portal.example, http://localhost:5173/",
            "ALLOT_TRUSTED_DOCUMENTS_ROLES": "partner,viewer",
        }
    )
    assert settings.issuer == "https://idp.example"
    assert settings.audience == "allot-api"
    assert settings.allowed_origins == ("https://portal.example", "http://localhost:5173")
    assert settings.trusted_documents_roles == {Role.PARTNER, Role.VIEWER}
    assert "s" * 32 not in repr(settings)
    assert settings.demo_anonymous_role is None


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"ALLOT_JWT_SECRET": "short"}, "ALLOT_JWT_SECRET: must be at least 32 characters"),
        ({"ALLOT_JWKS_URL": "ftp://x/jwks"}, "ALLOT_JWKS_URL: must be an https://"),
        ({"ALLOT_JWT_PUBLIC_KEY_FILE": "/nonexistent.pem"}, "ALLOT_JWT_PUBLIC_KEY_FILE: no such"),
        ({"ALLOT_DEMO_ANONYMOUS_ROLE": "ROOT"}, "ALLOT_DEMO_ANONYMOUS_ROLE: must be one of"),
        ({"ALLOT_ALLOWED_ORIGINS": "portal.example"}, "ALLOT_ALLOWED_ORIGINS: each origin"),
        ({"ALLOT_JWT_LEEWAY": "-1"}, "ALLOT_JWT_LEEWAY: must be an integer 0..300"),
        ({"ALLOT_TRUSTED_DOCUMENTS_ROLES": "GUEST"}, "ALLOT_TRUSTED_DOCUMENTS_ROLES: comma"),
    ],
)
def test_bad_settings_name_the_variable(values: dict[str, str], message: str) -> None:
    with pytest.raises(AuthSettingsError, match=message.replace("(", r"\(").replace(".", r"\.")):
        AuthSettings.from_env(values)


def test_anonymous_role_is_refused_in_production() -> None:
    with pytest.raises(AuthSettingsError, match="not allowed with ALLOT_PRODUCTION=true"):
        AuthSettings.from_env({"ALLOT_DEMO_ANONYMOUS_ROLE": "ADMIN"}, production=True)


def test_demo_anonymous_admin_only_on_loopback_outside_production() -> None:
    base = AuthSettings()
    assert base.for_demo(demo=True, production=False, host="127.0.0.1").demo_anonymous_role is (
        Role.ADMIN
    )
    assert base.for_demo(demo=False, production=False, host="127.0.0.1").demo_anonymous_role is None
    assert base.for_demo(demo=True, production=True, host="127.0.0.1").demo_anonymous_role is None
    assert base.for_demo(demo=True, production=False, host="0.0.0.0").demo_anonymous_role is None
    viewer = AuthSettings(demo_anonymous_role=Role.VIEWER)
    assert viewer.for_demo(demo=True, production=False, host="::1").demo_anonymous_role is (
        Role.VIEWER
    )


def test_minting_needs_a_secret_and_valid_claims() -> None:
    with pytest.raises(AuthenticationFailed, match="ALLOT_JWT_SECRET is not set"):
        mint_token(AuthSettings(), subject="x", role=Role.ADMIN)
    with pytest.raises(ValueError, match="partner_id: required"):
        mint_token(TEST_AUTH, subject="x", role=Role.PARTNER)
    token = mint_token(
        AuthSettings(jwt_secret=SecretText(TEST_SECRET)), subject="x", role=Role.VIEWER, now=0
    )
    assert jwt.decode(token, options={"verify_signature": False})["exp"] == 8 * 3600
