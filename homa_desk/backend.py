"""The connection of one desk process to its database: what the UI holds and hands to every service call."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from sqlalchemy import Engine
from sqlalchemy.engine import URL

from homa_desk.db.embedded import EmbeddedServer
from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.gateways.base import PaymentGateway
from homa_desk.gateways.polling import DEFAULT_INTERVAL
from homa_desk.gateways.simulator import SimulatorGateway

if TYPE_CHECKING:
    from homa_desk.db.lan.host import LanHost


@dataclass(frozen=True)
class DatabaseTarget:
    """Where the desk's data lives. `url` is the desk's own (the application role's); `owner_url` the schema
    owner's, for what changes the schema or swaps the database (restore), when this desk knows it."""

    kind: Literal["embedded", "remote", "lan"]  # lan: the database of the clinic's host computer
    url: URL = field(repr=False)  # may carry the password: never log or show it
    owner_url: URL | None = field(default=None, repr=False)
    direct: URL | None = field(default=None, repr=False)  # the server itself when `url` is a pooler's

    @property
    def tools_url(self) -> URL:
        """For dumps and restores: the server itself, never a transaction pooler (urls.direct_url)."""
        return self.direct or self.url

    @property
    def schema_url(self) -> URL:
        """The owner's URL when known, else the desk's own."""
        return self.owner_url or self.url

    @property
    def label(self) -> str:
        if self.kind == "lan":
            return f"Clinic host ({self.url.host})"
        return "Embedded database" if self.kind == "embedded" else f"Remote database ({self.url.host})"


@dataclass
class Backend:
    """What every view is handed: the database, and the payment gateway this desk confirms UPI payments with."""

    engine: Engine
    target: DatabaseTarget
    embedded: EmbeddedServer | None = None
    gateway: PaymentGateway = field(default_factory=SimulatorGateway)
    poll_interval: float = DEFAULT_INTERVAL
    lan_host: LanHost | None = None  # a db.lan.host.LanHost while this desk hosts the clinic on its network

    def uow(self) -> UnitOfWork:
        """A new unit of work; services take one per call."""
        return UnitOfWork(self.engine)

    def close(self) -> None:
        if self.lan_host is not None:
            self.lan_host.stop()
            self.lan_host = None
        self.engine.dispose()
        if self.embedded is not None:
            self.embedded.stop()
