"""Password hashing for local accounts: argon2id, with rehash on parameter upgrades."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


class Argon2Passwords:
    def __init__(self) -> None:
        self._hasher = PasswordHasher()
        # A hash to verify against when the account does not exist, so that the
        # response time does not tell which usernames are real.
        self._decoy = self._hasher.hash("wanjeon-decoy-password")

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash or self._decoy, password) and password_hash is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
