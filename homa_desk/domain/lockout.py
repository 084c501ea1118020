"""How many wrong passwords in a row lock a staff account, and for how long (the sign-in refusal quotes both)."""

from __future__ import annotations

MAX_FAILED_SIGN_INS = 5
LOCKOUT_MINUTES = 15
