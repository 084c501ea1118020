from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from homa_desk.domain.amount_words import number_in_words, rupees_in_words


@pytest.mark.parametrize("n, words", [
    (0, "Zero"), (7, "Seven"), (15, "Fifteen"), (40, "Forty"), (99, "Ninety-Nine"), (100, "One Hundred"),
    (101, "One Hundred One"), (1000, "One Thousand"), (1_00_000, "One Lakh"), (1_00_00_000, "One Crore"),
    (12_34_56_789, "Twelve Crore Thirty-Four Lakh Fifty-Six Thousand Seven Hundred Eighty-Nine"),
    (5_00_00_00_000, "Five Hundred Crore"),
    (20_05_010, "Twenty Lakh Five Thousand Ten"),
])
def test_indian_numbering(n, words):
    assert number_in_words(n) == words


@pytest.mark.parametrize("amount, words", [
    ("500", "Rupees Five Hundred Only"),
    ("1250.50", "Rupees One Thousand Two Hundred Fifty and Fifty Paise Only"),
    ("0.05", "Rupees Zero and Five Paise Only"),
    ("120000", "Rupees One Lakh Twenty Thousand Only"),
])
def test_rupees(amount, words):
    assert rupees_in_words(Decimal(amount)) == words


@given(st.integers(min_value=0, max_value=10**12))
def test_every_amount_has_words_without_gaps(n):
    words = number_in_words(n)
    assert words and "  " not in words and "_" not in words
    assert (n == 0) == (words == "Zero")
