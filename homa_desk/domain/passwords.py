"""A list of common passwords (shipped in common_passwords.txt) that a new staff password may not be."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

import bcrypt


@cache
def _common() -> frozenset[str]:
    text = files("homa_desk.domain").joinpath("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def is_common_password(password: str) -> bool:
    return password.strip().lower() in _common()


BCRYPT_ROUNDS = 12


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(BCRYPT_ROUNDS)).decode("ascii")


def verify_password(password: str, password_hash: str) -> bool:
    """Constant work whether or not the hash is valid, so a wrong e-mail costs as long as a wrong password: one
    bcrypt check either way (pass "" for an e-mail that is no one's)."""
    candidate = password.encode("utf-8", "surrogatepass")[:72]
    if not password_hash:
        bcrypt.checkpw(candidate, _dummy_hash())
        return False
    try:
        return bcrypt.checkpw(candidate, password_hash.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        bcrypt.checkpw(candidate, _dummy_hash())
        return False


def _dummy_hash() -> bytes:
    """A well-formed bcrypt hash at today's cost that no password matches: checking against it costs what a real
    check costs, with no hashing beforehand (a first unknown e-mail must not take twice as long)."""
    return f"$2b${BCRYPT_ROUNDS:02d}$HomaDeskDummySaltHomaOHomaDeskDummyHashHomaDeskDummyH".encode("ascii")
