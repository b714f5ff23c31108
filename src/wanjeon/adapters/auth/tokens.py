"""Bearer tokens: wanjeon's own (HS256) for local accounts, OIDC tokens checked
against a configured JWKS, and opaque service tokens for integrations.

A token resolves to a ``Principal`` or raises ``Unauthenticated``; what the
principal may then do is ``accounts.policy``'s business, not this module's.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from wanjeon.accounts.model import Account, Principal, Role, Scope
from wanjeon.errors import WanjeonError

SERVICE_PREFIX = "wjs_"


class Unauthenticated(WanjeonError):
    """No valid credentials (HTTP 401)."""


def hash_service_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_service_token() -> str:
    return SERVICE_PREFIX + secrets.token_urlsafe(32)


class VerifiedTokens:
    """Tokens whose signature and claims were checked, kept until they expire.

    A client sends the same token with every request, and checking an HMAC or RSA
    signature and decoding the claims again costs more than the rest of a small read. A
    kept token is answered from here only before its ``exp``; the oldest is dropped when
    ``size`` are kept. Thread-safe. So an identity provider's token once accepted stays
    accepted until its ``exp`` even if its signing key is withdrawn from the JWKS meanwhile
    (PyJWKClient's own key cache already allowed some minutes of that).
    """

    def __init__(self, size: int = 4096, clock: Callable[[], float] = time.time) -> None:
        self._size = size
        self._clock = clock
        self._kept: dict[str, tuple[Principal, float]] = {}
        self._lock = threading.Lock()

    def get(self, token: str) -> Principal | None:
        kept = self._kept.get(token)
        if kept is None:
            return None
        principal, expires = kept
        if self._clock() < expires:
            return principal
        with self._lock:
            self._kept.pop(token, None)
        return None

    def keep(self, token: str, principal: Principal, claims: dict[str, Any]) -> Principal:
        with self._lock:
            while len(self._kept) >= self._size:
                del self._kept[next(iter(self._kept))]
            self._kept[token] = (principal, float(claims["exp"]))
        return principal


class LocalTokens:
    """Tokens wanjeon issues itself after a password login."""

    def __init__(self, secret: str, ttl: timedelta, issuer: str = "wanjeon") -> None:
        self._secret = secret
        self._ttl = ttl
        self._issuer = issuer
        self._verified = VerifiedTokens()

    def issue(self, account: Account, now: datetime | None = None) -> str:
        now = now or datetime.now(UTC)
        claims = {
            "iss": self._issuer,
            "sub": account.username,
            "role": account.role.value,
            "branch": account.branch,
            "scope": account.effective_scope.value,
            "iat": int(now.timestamp()),
            "exp": int((now + self._ttl).timestamp()),
        }
        return jwt.encode(claims, self._secret, algorithm="HS256")

    def principal(self, token: str) -> Principal:
        known = self._verified.get(token)
        if known is not None:
            return known
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=["HS256"],
                issuer=self._issuer,
                options={"require": ["exp", "sub", "role"]},
            )
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"invalid token: {exc}") from None
        return self._verified.keep(token, _principal(claims, "role", "branch", via="local"), claims)


class OidcTokens:
    """Tokens from the bank's identity provider, verified with its published keys."""

    def __init__(
        self,
        jwks_url: str,
        issuer: str,
        audience: str,
        role_claim: str,
        branch_claim: str,
        client: Callable[[str], jwt.PyJWKClient] = jwt.PyJWKClient,
    ) -> None:
        self._keys = client(jwks_url)
        self._issuer = issuer
        self._audience = audience
        self._role_claim = role_claim
        self._branch_claim = branch_claim
        self._verified = VerifiedTokens()

    def principal(self, token: str) -> Principal:
        known = self._verified.get(token)
        if known is not None:
            return known
        try:
            key = self._keys.get_signing_key_from_jwt(token)
            claims = jwt.decode(
                token,
                key.key,
                algorithms=["RS256", "ES256", "PS256"],
                issuer=self._issuer,
                audience=self._audience,
                options={"require": ["exp", "sub"]},
            )
        except (jwt.PyJWTError, jwt.PyJWKClientError) as exc:
            raise Unauthenticated(f"invalid identity-provider token: {exc}") from None
        principal = _principal(claims, self._role_claim, self._branch_claim, via="oidc")
        return self._verified.keep(token, principal, claims)


def _principal(claims: dict[str, Any], role_claim: str, branch_claim: str, *, via: str) -> Principal:
    raw = claims.get(role_claim)
    if isinstance(raw, list):
        raw = next((r for r in raw if r in {x.value for x in Role}), None)
    try:
        role = Role(str(raw))
    except ValueError:
        raise Unauthenticated(f"token carries no wanjeon role in claim {role_claim!r}") from None
    branch = str(claims.get(branch_claim) or "")
    scope_claim = claims.get("scope")
    default = Account(str(claims["sub"]), role, branch).effective_scope
    scope = Scope(scope_claim) if scope_claim in {s.value for s in Scope} else default
    return Principal(str(claims["sub"]), role, branch, scope, via=via)
