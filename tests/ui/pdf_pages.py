"""Reading a PDF the desk saved: page size, text, where the text lies, and the QR codes a phone would read."""

from __future__ import annotations

import io

import zxingcpp
from PIL import Image
from PySide6.QtCore import QBuffer, QIODevice, QRectF, QSize
from PySide6.QtPdf import QPdfDocument

MM_PER_POINT = 25.4 / 72
PIXELS_PER_MM = 8  # about 200 dpi: what a phone's camera sees of a printed QR


class PdfPages:
    def __init__(self, path) -> None:  # type: ignore[no-untyped-def]
        self.document = QPdfDocument()
        assert self.document.load(str(path)) == QPdfDocument.Error.None_

    def __enter__(self) -> PdfPages:
        return self

    def __exit__(self, *exc: object) -> None:
        self.document.close()

    @property
    def count(self) -> int:
        return self.document.pageCount()

    def size_mm(self, page: int = 0) -> tuple[float, float]:
        size = self.document.pagePointSize(page)
        return size.width() * MM_PER_POINT, size.height() * MM_PER_POINT

    def text(self) -> str:
        text = " ".join(self.document.getAllText(page).text() for page in range(self.count))
        return " ".join(text.split())

    def text_bounds_mm(self, page: int = 0) -> QRectF:
        """The rectangle around every character on the page, in millimetres from the top left."""
        box = self.document.getAllText(page).boundingRectangle()
        return QRectF(box.x() * MM_PER_POINT, box.y() * MM_PER_POINT, box.width() * MM_PER_POINT,
                      box.height() * MM_PER_POINT)

    def qr_texts(self, page: int = 0) -> list[str]:
        width, height = self.size_mm(page)
        image = self.document.render(page, QSize(round(width * PIXELS_PER_MM), round(height * PIXELS_PER_MM)))
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "PNG")
        picture = Image.open(io.BytesIO(bytes(buffer.data()))).convert("L")
        return [found.text for found in zxingcpp.read_barcodes(picture)
                if found.format == zxingcpp.BarcodeFormat.QRCode]
