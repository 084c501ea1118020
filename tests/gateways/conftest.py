from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.gateways.fake_razorpay import FakeRazorpay


@pytest.fixture
def fake_razorpay() -> Iterator[FakeRazorpay]:
    """A local Razorpay on 127.0.0.1 (see fake_razorpay.py for its controls); stopped after the test."""
    with FakeRazorpay() as server:
        yield server
