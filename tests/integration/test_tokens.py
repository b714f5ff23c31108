"""Bearer tokens: wanjeon's own, an identity provider's (checked against its JWKS), service tokens."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from wanjeon.accounts.model import Account, Principal, Role, Scope
from wanjeon.adapters.auth.tokens import LocalTokens, OidcTokens, Unauthenticated, VerifiedTokens

ISSUER = "https://idp.bank.example"
AUDIENCE = "wanjeon"


@pytest.fixture(scope="module")
def keypair() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def jwks_url(keypair: rsa.RSAPrivateKey) -> Iterator[str]:
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(keypair.public_key()))
    body = json.dumps({"keys": [{**public, "kid": "k1", "use": "sig", "alg": "RS256"}]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/jwks.json"
    server.shutdown()
    server.server_close()


def idp_token(key: rsa.RSAPrivateKey, **claims: Any) -> str:
    now = datetime.now(UTC)
    base = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "kim.reviewer",
        "wanjeon_role": "reviewer",
        "branch": "강남",
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=5)).timestamp()),
    }
    return jwt.encode({**base, **claims}, key, algorithm="RS256", headers={"kid": "k1"})


def test_an_identity_provider_token_becomes_a_principal_with_its_role_and_branch(
    keypair: rsa.RSAPrivateKey, jwks_url: str
) -> None:
    oidc = OidcTokens(jwks_url, ISSUER, AUDIENCE, "wanjeon_role", "branch")
    principal = oidc.principal(idp_token(keypair))
    assert (principal.subject, principal.role, principal.branch, principal.scope, principal.via) == (
        "kim.reviewer",
        Role.REVIEWER,
        "강남",
        Scope.BRANCH,
        "oidc",
    )


@pytest.mark.parametrize(
    "claims",
    [{"aud": "someone-else"}, {"iss": "https://evil.example"}, {"exp": 1}, {"wanjeon_role": "superuser"}],
)
def test_an_identity_provider_token_with_wrong_claims_is_refused(
    keypair: rsa.RSAPrivateKey, jwks_url: str, claims: dict[str, Any]
) -> None:
    oidc = OidcTokens(jwks_url, ISSUER, AUDIENCE, "wanjeon_role", "branch")
    with pytest.raises(Unauthenticated):
        oidc.principal(idp_token(keypair, **claims))


def test_a_token_signed_by_another_key_is_refused(jwks_url: str) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(Unauthenticated):
        OidcTokens(jwks_url, ISSUER, AUDIENCE, "wanjeon_role", "branch").principal(idp_token(other))


def test_a_local_token_round_trips_and_expires() -> None:
    tokens = LocalTokens("x" * 32, timedelta(minutes=5))
    account = Account("seller1", Role.SELLER, "강남")
    assert tokens.principal(tokens.issue(account)).subject == "seller1"
    old = tokens.issue(account, now=datetime.now(UTC) - timedelta(hours=1))
    with pytest.raises(Unauthenticated, match="expired"):
        tokens.principal(old)
    with pytest.raises(Unauthenticated):
        LocalTokens("y" * 32, timedelta(minutes=5)).principal(tokens.issue(account))


def test_a_token_verified_once_is_refused_from_the_moment_it_expires() -> None:
    tokens = LocalTokens("x" * 32, timedelta(minutes=5))
    account = Account("seller1", Role.SELLER, "강남")
    # issued 5 minutes less 1.5 seconds ago: valid now, expired in about a second
    token = tokens.issue(account, now=datetime.now(UTC) - timedelta(minutes=5) + timedelta(seconds=1.5))
    assert tokens.principal(token).subject == "seller1"
    assert tokens.principal(token).subject == "seller1"  # answered from the verified tokens
    time.sleep(1.6)
    with pytest.raises(Unauthenticated, match="expired"):
        tokens.principal(token)


def test_verified_tokens_are_kept_until_their_expiry_and_at_most_size_of_them() -> None:
    now = [1000.0]
    kept = VerifiedTokens(size=2, clock=lambda: now[0])
    people = {name: Principal(name, Role.SELLER, "강남", Scope.OWN) for name in ("a", "b", "c")}
    for name, principal in people.items():
        kept.keep(f"token-{name}", principal, {"exp": 1010})
    assert kept.get("token-a") is None  # the oldest made room for the third
    assert kept.get("token-b") == people["b"] and kept.get("token-c") == people["c"]
    now[0] = 1010.0
    assert kept.get("token-b") is None and kept.get("token-c") is None
