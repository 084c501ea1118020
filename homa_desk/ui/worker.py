"""Run service calls off the UI thread, so a database 150 ms away never freezes the desk.

Every view uses `run_in_background`. The call runs on a dedicated thread pool; its result or error comes back on
the UI thread through one dispatcher object. If the widget that asked has been closed meanwhile, the answer is
dropped instead of touching a deleted widget.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QRunnable, QThreadPool, Signal, Slot
from PySide6.QtWidgets import QMessageBox, QWidget

from homa_desk import APP_TITLE
from homa_desk.domain.errors import DomainError

log = logging.getLogger(__name__)

UNEXPECTED_MESSAGE = "Something went wrong; the details are in the log."

SuccessCallback = Callable[[Any], None]
FailureCallback = Callable[[DomainError], None]


@dataclass
class _Call:
    parent: QObject
    on_success: SuccessCallback | None
    on_failure: FailureCallback | None
    name: str


class _Dispatcher(QObject):
    """Lives on the UI thread; worker threads emit `finished` and Qt queues the delivery to the UI thread."""

    finished = Signal(int, object, object)

    def __init__(self) -> None:
        super().__init__()
        self.calls: dict[int, _Call] = {}
        self.finished.connect(self.deliver)

    @Slot(int, object, object)
    def deliver(self, call_id: int, result: object, error: object) -> None:
        call = self.calls.pop(call_id, None)
        if call is None:
            return
        if not shiboken6.isValid(call.parent):
            log.debug("dropped the answer of %s: its window is gone", call.name)
            return
        if error is None:
            if call.on_success is not None:
                call.on_success(result)
            return
        assert isinstance(error, BaseException)
        problem = _as_domain_error(error, call.name)
        if call.on_failure is not None:
            call.on_failure(problem)
        else:
            show_error(call.parent, problem.message)


class _Job(QRunnable):
    def __init__(self, dispatcher: _Dispatcher, call_id: int, fn: Callable[..., Any], args: tuple[Any, ...],
                 kwargs: dict[str, Any]) -> None:
        super().__init__()
        self._dispatcher = dispatcher
        self._call_id = call_id
        self._fn = fn
        self._args = args
        self._kwargs = kwargs

    def run(self) -> None:
        try:
            result = self._fn(*self._args, **self._kwargs)
        except Exception as error:
            self._dispatcher.finished.emit(self._call_id, None, error)
        else:
            self._dispatcher.finished.emit(self._call_id, result, None)


_pool = QThreadPool()
_pool.setMaxThreadCount(4)
_ids = itertools.count(1)
_dispatcher: _Dispatcher | None = None


def _get_dispatcher() -> _Dispatcher:
    global _dispatcher
    if _dispatcher is None or not shiboken6.isValid(_dispatcher):
        _dispatcher = _Dispatcher()
    return _dispatcher


def run_in_background(parent: QObject, fn: Callable[..., Any], *args: Any,
                      on_success: SuccessCallback | None = None, on_failure: FailureCallback | None = None,
                      **kwargs: Any) -> None:
    """Call `fn(*args, **kwargs)` on a worker thread; call back on the UI thread while `parent` still exists.

    `on_failure` receives a DomainError: the service's own, or a stand-in carrying UNEXPECTED_MESSAGE after the
    real exception has been logged with its traceback. Without `on_failure` the message goes to a warning box.
    """
    dispatcher = _get_dispatcher()
    call_id = next(_ids)
    name = getattr(fn, "__qualname__", repr(fn))
    dispatcher.calls[call_id] = _Call(parent, on_success, on_failure, name)
    _pool.start(_Job(dispatcher, call_id, fn, args, kwargs))


def pending_calls() -> int:
    """Calls started whose answers have not yet been delivered (or dropped) on the UI thread."""
    return len(_dispatcher.calls) if _dispatcher is not None else 0


def wait_for_idle(timeout: float = 10.0) -> bool:
    """Let every pending call finish and deliver; for tests and for a clean shutdown. True when all are done."""
    deadline = time.monotonic() + timeout
    while pending_calls():
        _pool.waitForDone(50)
        QCoreApplication.processEvents()
        if time.monotonic() > deadline:
            return False
    return True


def show_error(parent: QObject | None, message: str) -> QMessageBox:
    """A non-blocking warning box: the desk keeps running while it is open."""
    from PySide6.QtCore import Qt  # lazy: cold start (the Qt namespace takes ~15 ms the sign-in can do without)

    window = parent if isinstance(parent, QWidget) else None
    box = QMessageBox(QMessageBox.Icon.Warning, APP_TITLE, message, QMessageBox.StandardButton.Ok, window)
    box.setObjectName("error_box")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


def _as_domain_error(error: BaseException, name: str) -> DomainError:
    if isinstance(error, DomainError):
        return error
    log.error("unexpected error in %s", name, exc_info=(type(error), error, error.__traceback__))
    return DomainError(UNEXPECTED_MESSAGE)


class OneLoadAtATime:
    """A view's load, run in the background one at a time: a load asked for while one runs (a change signalled by
    another view, say) happens once that one has answered, so two answers never race and the last shown is newest.

    `prepare()` runs on the UI thread when a load starts and returns the call for the worker (reading the filters
    then, never from the worker thread)."""

    def __init__(self, parent: QObject, prepare: Callable[[], Callable[[], Any]], *, on_success: SuccessCallback,
                 on_failure: FailureCallback) -> None:
        self._parent = parent
        self._prepare = prepare
        self._on_success = on_success
        self._on_failure = on_failure
        self.loading = False
        self._again = False

    def load(self) -> None:
        if self.loading:
            self._again = True
            return
        self.loading = True
        run_in_background(self._parent, self._prepare(), on_success=self._answered, on_failure=self._failed)

    def _answered(self, result: Any) -> None:
        self.loading = False
        self._on_success(result)
        if self._again:
            self._again = False
            self.load()

    def _failed(self, error: DomainError) -> None:
        self.loading = False
        self._again = False
        self._on_failure(error)
