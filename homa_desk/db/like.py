"""LIKE patterns built from what someone typed: `%`, `_` and the escape character itself match only themselves.

Every search that puts typed text into LIKE goes through `containing`, with `ESCAPE` set to `LIKE_ESCAPE`.
"""

from __future__ import annotations

LIKE_ESCAPE = "\\"


def like_escaped(fragment: str) -> str:
    """`fragment` with LIKE's wildcards and the escape character escaped."""
    return fragment.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", LIKE_ESCAPE + "%").replace(
        "_", LIKE_ESCAPE + "_")


def containing(fragment: str) -> str:
    """A LIKE pattern matching any text that contains `fragment` as typed."""
    return f"%{like_escaped(fragment)}%"
