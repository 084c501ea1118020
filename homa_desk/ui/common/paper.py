"""Printing HTML on the desk's paper: a sheet (A4, A5) or a receipt roll as long as its content.

The document is laid out on the printer itself (its paint device), so a 9 pt font prints 9 pt on every computer,
whatever the screen's scaling; pictures are given in millimetres and scaled to whole printer dots per pixel, which
keeps a QR's modules sharp on a 203 dpi thermal head.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QMarginsF, QSizeF, Qt, QUrl
from PySide6.QtGui import QGuiApplication, QImage, QPageLayout, QPageSize, QTextDocument
from PySide6.QtPrintSupport import QPrinter

from homa_desk.config import Settings
from homa_desk.domain.paper import Paper

MM_PER_INCH = 25.4
ROLL_SLACK_MM = 2.0  # below the content, so rounding never pushes the last line onto a second page
RULE = "paper:rule"  # <img src="paper:rule"/>: a line across the printable width (an <hr/> prints a hairline)
RULE_MM = 0.3


@dataclass(frozen=True)
class TypeSizes:
    """Font sizes in points: thermal rolls get the sizes their 203 dpi heads print clearly (42 characters a line
    on 80 mm, 32 on 58 mm)."""

    body: int
    title: int
    big: int
    small: int


TYPE_SIZES = {Paper.A4: TypeSizes(10, 16, 13, 9), Paper.A5: TypeSizes(9, 14, 11, 8),
              Paper.ROLL_80: TypeSizes(9, 12, 11, 8), Paper.ROLL_58: TypeSizes(8, 10, 10, 7)}


@dataclass(frozen=True)
class Picture:
    """An image for the document's `<img src="name">`, printed `width_mm` wide; a sharp one (a QR) is enlarged by
    whole dots per pixel, never smoothed."""

    image: QImage
    width_mm: float
    sharp: bool = False


def desk_paper() -> Paper:
    """This computer's receipt paper (settings.json `receipt_paper`)."""
    return Paper.parse(Settings.load().receipt_paper)


def page_layout(paper: Paper, height_mm: float | None = None) -> QPageLayout:
    """The paper with its margins; a roll `height_mm` long (a first guess until the content is measured)."""
    height = paper.height_mm or height_mm or 200.0
    size = (QPageSize(QPageSize.PageSizeId.A4) if paper is Paper.A4 else
            QPageSize(QPageSize.PageSizeId.A5) if paper is Paper.A5 else
            QPageSize(QSizeF(paper.width_mm, height), QPageSize.Unit.Millimeter, f"Roll {paper.width_mm:g} mm",
                      QPageSize.SizeMatchPolicy.ExactMatch))
    side, end = paper.side_margin_mm, paper.end_margin_mm
    return QPageLayout(size, QPageLayout.Orientation.Portrait, QMarginsF(side, end, side, end),
                       QPageLayout.Unit.Millimeter)


def new_printer(paper: Paper, pdf_path: str | Path | None = None) -> QPrinter:
    """A printer set to the paper: the system's default printer, or a PDF file at `pdf_path`."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    if pdf_path is not None:
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(pdf_path))
    printer.setPageLayout(page_layout(paper))
    return printer


def print_html(html: str, printer: QPrinter, paper: Paper, pictures: Mapping[str, Picture] | None = None) -> None:
    """Lay the HTML out on the printer's page and print it; on a roll the page is first cut to the content.
    Fonts in points print at their size; CSS pixels are the screen's (Qt scales them, as it does images)."""
    printer.setPageLayout(page_layout(paper))
    dpi = printer.resolution()
    document = QTextDocument()
    document.documentLayout().setPaintDevice(printer)
    document.setDocumentMargin(0)
    line = QImage(max(1, round(paper.printable_width_mm / RULE_MM)), 1, QImage.Format.Format_RGB32)
    line.fill(Qt.GlobalColor.black)
    for name, picture in {RULE: Picture(line, paper.printable_width_mm), **(pictures or {})}.items():
        document.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), _scaled(picture, dpi))
    document.setHtml(html)
    document.setTextWidth(printer.pageLayout().paintRectPixels(dpi).width())
    if paper.is_roll:
        content_mm = document.size().height() / dpi * MM_PER_INCH
        printer.setPageLayout(page_layout(paper, content_mm + 2 * paper.end_margin_mm + ROLL_SLACK_MM))
    document.setPageSize(QSizeF(printer.pageLayout().paintRectPixels(dpi).size()))
    document.print_(printer)


def _scaled(picture: Picture, dpi: int) -> QImage:
    """The picture in printer dots. QTextDocument takes an image's pixels for the screen's and enlarges them by
    printer dpi / screen dpi; the device pixel ratio undoes that, so each pixel is one dot."""
    image = _in_dots(picture, dpi)
    image.setDevicePixelRatio(dpi / _layout_dpi())
    return image


def _layout_dpi() -> float:
    """The dpi QTextDocument lays images out in (Qt's qt_defaultDpiY)."""
    if QCoreApplication.testAttribute(Qt.ApplicationAttribute.AA_Use96Dpi):
        return 96.0
    screen = QGuiApplication.primaryScreen()
    return float(round(screen.logicalDotsPerInchY())) if screen else 100.0


def _in_dots(picture: Picture, dpi: int) -> QImage:
    image = picture.image
    wanted = picture.width_mm / MM_PER_INCH * dpi
    if not picture.sharp:
        return image.scaledToWidth(max(1, round(wanted)), Qt.TransformationMode.SmoothTransformation)
    factor = max(1, round(wanted / max(image.width(), 1)))
    if factor * image.width() > wanted * 1.15 and factor > 1:
        factor -= 1
    return image.scaled(image.width() * factor, image.height() * factor, Qt.AspectRatioMode.IgnoreAspectRatio,
                        Qt.TransformationMode.FastTransformation)
