"""Shared pieces of the billing and UPI widget tests: backends with a chosen gateway, QR decoding off a label."""

from __future__ import annotations

import io

import zxingcpp
from PIL import Image
from PySide6.QtCore import QBuffer, QIODevice
from PySide6.QtWidgets import QLabel

from homa_desk.backend import Backend
from homa_desk.domain.upi import UpiRequest, parse_upi_link


def backend_with(backend: Backend, gateway, poll_interval: float = 0.2) -> Backend:
    """The test's backend with another gateway and a short poll interval."""
    return Backend(engine=backend.engine, target=backend.target, gateway=gateway, poll_interval=poll_interval)


def decode_label_qr(label: QLabel) -> tuple[str, UpiRequest]:
    """The text of the QR a label shows, and the UPI request it carries (decoded as a phone's camera would)."""
    pixmap = label.pixmap()
    assert pixmap is not None and not pixmap.isNull(), "the label shows no QR"
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    pixmap.toImage().save(buffer, "PNG")
    [result] = zxingcpp.read_barcodes(Image.open(io.BytesIO(bytes(buffer.data()))))
    return result.text, parse_upi_link(result.text)
