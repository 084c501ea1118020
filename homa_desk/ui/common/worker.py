"""Run service calls off the UI thread, so a database 150 ms away never freezes the desk.

Two typed helpers, in the manner of Anki's QueryOp/CollectionOp: `QueryOp(parent, service.read, uow, ...)` for a
read and `CollectionOp(parent, Change.BILLS, service.write, uow, ...)` for a write, then `.success(cb)`,
`.failure(cb)` and `.run_in_background()`. The type of the service's result flows to the success callback, so a
reader (and mypy) can follow a click to the service it calls. A write announces its kinds of change (changes.py)
once it has committed, even when the widget that asked has been closed meanwhile. `run_in_background` is the
same call in one line, for reads.

The call runs on a dedicated thread pool; its result or error comes back on the UI thread through one dispatcher
object. If the widget that asked has been closed meanwhile, the answer is dropped instead of touching a deleted
widget.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, ParamSpec, Self, TypeVar

import shiboken6
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QObject, QRunnable, QThreadPool, Signal, Slot
from PySide6.QtWidgets import QMessageBox, QWidget

from homa_desk import APP_TITLE
from homa_desk.domain.errors import DomainError
from homa_desk.ui.common.changes import Change, announce
from homa_desk.ui.common.service_text import in_desk_language

log = logging.getLogger(__name__)

UNEXPECTED_MESSAGE = QT_TRANSLATE_NOOP("ServiceMessages", "Something went wrong; the details are in the log.")

T = TypeVar("T")
P = ParamSpec("P")

SuccessCallback = Callable[[Any], object]
FailureCallback = Callable[[DomainError], object]
ChangesOf = Callable[[Any], Iterable[Change]]


@dataclass
class _Call:
    parent: QObject
    on_success: SuccessCallback | None
    on_failure: FailureCallback | None
    name: str
    changes_of: ChangesOf | None = None


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
        if error is None and call.changes_of is not None:
            announce(call.changes_of(result))
        if not shiboken6.isValid(call.parent):
            log.debug("dropped the answer of %s: its window is gone", call.name)
            return
        if error is None:
            if call.on_success is not None:
                call.on_success(result)
            return
        assert isinstance(error, BaseException)
        problem = in_desk_language(_as_domain_error(error, call.name))
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


def run_in_background(parent: QObject, fn: Callable[..., T], *args: Any,
                      on_success: Callable[[T], object] | None = None, on_failure: FailureCallback | None = None,
                      **kwargs: Any) -> None:
    """Call `fn(*args, **kwargs)` on a worker thread; call back on the UI thread while `parent` still exists.

    `on_failure` receives a DomainError: the service's own, or a stand-in carrying UNEXPECTED_MESSAGE after the
    real exception has been logged with its traceback. Without `on_failure` the message goes to a warning box.
    """
    op = QueryOp(parent, fn, *args, **kwargs)
    if on_success is not None:
        op.success(on_success)
    if on_failure is not None:
        op.failure(on_failure)
    op.run_in_background()


def _start(call: _Call, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    dispatcher = _get_dispatcher()
    call_id = next(_ids)
    dispatcher.calls[call_id] = call
    _pool.start(_Job(dispatcher, call_id, fn, args, kwargs))


class QueryOp(Generic[T]):
    """A read off the UI thread: `QueryOp(self, patients.search, uow, actor, text).success(self.show)
    .failure(self.show_error).run_in_background()`. The service never touches a widget; without `.failure` its
    error goes to one warning box."""

    def __init__(self, parent: QObject, op: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> None:
        self._parent = parent
        self._op: Callable[[], T] = lambda: op(*args, **kwargs)
        self._name: str = getattr(op, "__qualname__", repr(op))
        self._on_success: Callable[[T], object] | None = None
        self._on_failure: FailureCallback | None = None

    def success(self, callback: Callable[[T], object]) -> Self:
        self._on_success = callback
        return self

    def failure(self, callback: FailureCallback) -> Self:
        self._on_failure = callback
        return self

    def _changes_of(self) -> ChangesOf | None:
        return None

    def run_in_background(self) -> None:
        _start(_Call(self._parent, self._on_success, self._on_failure, self._name, self._changes_of()),
               self._op, (), {})


class CollectionOp(QueryOp[T]):
    """A write off the UI thread that says what it changes: `CollectionOp(self, Change.BILLS, billing.create_bill,
    uow, actor, ...)`. Once the service has returned (its unit of work committed), the changes are announced on the
    UI thread, before the success callback and even when `parent` has been closed meanwhile; a failed write
    announces nothing. `changes` may be a function of the result, for a write whose changes depend on it."""

    def __init__(self, parent: QObject, changes: Change | Iterable[Change] | Callable[[T], Iterable[Change]],
                 op: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> None:
        super().__init__(parent, op, *args, **kwargs)
        if isinstance(changes, Change):
            fixed: tuple[Change, ...] = (changes,)
            self._changes: ChangesOf = lambda _result: fixed
        elif callable(changes):
            self._changes = changes
        else:
            listed = tuple(changes)
            self._changes = lambda _result: listed

    def _changes_of(self) -> ChangesOf | None:
        return self._changes


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
