"""The widget tests' fixtures (a Backend on the test's database, no call left running) for the fault tests too."""

from tests.ui.conftest import _no_call_left_running, backend

__all__ = ["_no_call_left_running", "backend"]
