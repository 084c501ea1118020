"""Contact verification codes: six digits from `secrets`, kept only as a salted SHA-256, 10 minutes, 5 tries."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from homa_desk.domain.validation import ascii_digits

CODE_VALIDITY = timedelta(minutes=10)
MAX_TRIES = 5


def new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def new_salt() -> str:
    return secrets.token_hex(16)


def hash_code(code: str, salt: str) -> str:
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()


def code_matches(code: str, salt: str, code_hash: str) -> bool:
    """False for anything but digits (a code is never anything else), without hashing what cannot be encoded."""
    code = code.strip()
    if not ascii_digits(code):
        return False
    return hmac.compare_digest(hash_code(code, salt), code_hash)
