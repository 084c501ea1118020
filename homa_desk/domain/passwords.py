"""A list of common passwords (shipped in common_passwords.txt) that a new staff password may not be."""

from __future__ import annotations

from functools import cache
from importlib.resources import files


@cache
def _common() -> frozenset[str]:
    text = files("homa_desk.domain").joinpath("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def is_common_password(password: str) -> bool:
    return password.strip().lower() in _common()


BCRYPT_ROUNDS = 12


def hash_password(password: str) -> str:
    import bcrypt

    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(BCRYPT_ROUNDS)).decode("ascii")


def verify_password(password: str, password_hash: str) -> bool:
    """Constant work whether or not the hash is valid, so a wrong e-mail costs as long as a wrong password."""
    import bcrypt

    candidate = password.encode("utf-8", "surrogatepass")[:72]
    try:
        return bcrypt.checkpw(candidate, password_hash.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        bcrypt.checkpw(candidate, _dummy_hash())
        return False


@cache
def _dummy_hash() -> bytes:
    import secrets

    return hash_password(secrets.token_hex(16)).encode("ascii")
