"""Per-machine settings in the platformdirs config dir. Secrets never go here: they live in the keyring."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import platformdirs

from homa_desk import APP_NAME

log = logging.getLogger(__name__)


def config_dir() -> Path:
    return platformdirs.user_config_path(APP_NAME, appauthor=False)


def config_file() -> Path:
    return config_dir() / "settings.json"


@dataclass
class Settings:
    database_url: str | None = None  # a remote PostgreSQL URL without its password; None = embedded
    # the server itself behind a pooler that is not Neon's (dumps, restores, migrations); None = derived (urls.py)
    database_direct_url: str | None = None
    database_prepared_statements: str = "auto"  # auto | on | off (db/engine.py prepared_statements)
    idle_lock_minutes: int = 10
    language: str = "en"
    keyring_fallback: str | None = None  # "accepted" or "declined" once the user has answered
    gateway: str = "simulator"  # simulator | razorpay | static_upi
    upi_vpa: str = ""  # the clinic's UPI ID, for static UPI
    upi_payee_name: str = ""
    razorpay_key_id: str = ""  # the key id is not secret; its secret is in the keyring
    razorpay_base_url: str = "https://api.razorpay.com"
    poll_interval_seconds: float = 2.0
    # notifications (issue 6): the tokens and the SMTP password are in the keyring
    twilio_account_sid: str = ""
    twilio_from_number: str = ""
    twilio_base_url: str = "https://api.twilio.com"
    sms_provider: str = "twilio"  # twilio | exotel (issue 15: DLT fields passed explicitly)
    exotel_account_sid: str = ""
    exotel_api_key: str = ""  # the API key is not secret; the API token is in the keyring
    exotel_base_url: str = "https://api.exotel.com"  # or https://api.in.exotel.com (Mumbai cluster)
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_from: str = ""
    smtp_starttls: bool = True
    telegram_chat_id: str = ""  # the owner's chat for the daily collection summary
    telegram_base_url: str = "https://api.telegram.org"
    whatsapp_phone_number_id: str = ""  # Meta's WhatsApp Cloud API (issue 15); its access token is in the keyring
    whatsapp_base_url: str = "https://graph.facebook.com"
    outbox_interval_seconds: float = 15.0
    reminder_hour: int = 18  # clinic-local hour after which tomorrow's reminders are queued
    close_of_day_hour: int = 21  # clinic-local hour after which the day's collection goes to Telegram
    # backups (issue 8): "" folder = Documents/Homa Desk backups; "" time = no daily backup
    backup_folder: str = ""
    backup_time: str = "20:00"  # clinic-local HH:MM
    backup_keep: int = 30
    # the nightly off-site copy (issue 14): the URL without its password (that is in the keyring)
    offsite_url: str = ""
    offsite_time: str = "23:30"  # clinic-local HH:MM
    offsite_enabled: bool = False
    # where the receptionist put the customer display on a one-screen desk: [x, y, width, height]; [] = not yet
    customer_display_geometry: list[int] = field(default_factory=list)
    print_token_slips: bool = False  # this desk prints each walk-in's token on the receipt printer
    receipt_paper: str = "a4"  # a4 | a5 | roll80 | roll58 (domain/paper.py); token slips follow a roll's width
    # the main window's normal geometry [x, y, width, height] ([] = not yet) and whether it was maximised
    window_geometry: list[int] = field(default_factory=list)
    window_maximized: bool = False
    # column widths the user dragged, by table name: one width a column, 0 where the desk sizes it
    column_widths: dict[str, list[int]] = field(default_factory=dict)
    # one desk hosts the clinic on its network (issue 14): this computer hosts it, or the pinned host's certificate
    lan_host: bool = False
    lan_fingerprint: str = ""  # SHA-256 of the host's certificate this desk joined; "" = not joined to a host

    @classmethod
    def load(cls, path: Path | None = None) -> Settings:
        path = path or config_file()
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError):
            log.warning("settings file %s is unreadable; using defaults", path)
            return cls()
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in raw.items() if k in known})

    def save(self, path: Path | None = None) -> None:
        from homa_desk.db.urls import without_password  # lazy: cold start

        path = path or config_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        data = asdict(self)
        for name in ("database_url", "database_direct_url", "offsite_url"):
            if data[name]:
                data[name] = without_password(data[name])
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
        os.replace(tmp, path)
