"""Image or PDF bytes -> the letter's text, entirely in memory.

OCR runs Tesseract in-process through tesserocr (no temporary files: the picture of a
personal letter never touches the disk) in a small thread pool, so the event loop and other
residents are never held up; Tesseract releases the GIL while it recognises. Pillow prepares
the photo: EXIF orientation, grey scale, uneven light evened out, contrast, a small skew
corrected, a resolution Tesseract reads well. Text PDFs give their text directly (pypdfium2);
scanned pages are rendered and read like photos.
"""

from __future__ import annotations

import asyncio
import io
import logging
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError

log = logging.getLogger(__name__)

MAX_BYTES = 20 * 1024 * 1024  # what the Bot API lets a bot download
MAX_PIXELS = 50_000_000  # a 12-megapixel photo is fine; a decompression bomb is not
MAX_PDF_PAGES = 4
_TARGET_LONG_SIDE = 2400  # about 250 dpi for an A4 page filling the photo
_MIN_LONG_SIDE = 1600
_TESSDATA_DIRS = (
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
    "/usr/local/share/tessdata",
)
_CONFIDENT = 70  # Tesseract's mean word confidence (0-100) on an upright, readable page
INSTALL_HINT = "apt-get install tesseract-ocr-deu"


class UnreadableFile(Exception):
    """Not an image or PDF we can open, or over a limit; the message is for the log."""


@dataclass(frozen=True, slots=True)
class OcrEngine:
    """Where Tesseract's German model is; built once by ``find_engine``."""

    tessdata: str


def find_engine(tessdata: Path | None = None) -> tuple[OcrEngine | None, str | None]:
    """The engine, or None and what is missing (for the log and the operator)."""
    try:
        import tesserocr  # noqa: F401  (a compiled wheel: may be missing on odd platforms)
    except ImportError:
        return None, "the Python package tesserocr is not installed (pip install tesserocr)"
    candidates = [str(tessdata)] if tessdata else list(_TESSDATA_DIRS)
    for folder in candidates:
        if (Path(folder) / "deu.traineddata").is_file():
            return OcrEngine(folder), None
    where = str(tessdata) if tessdata else ", ".join(_TESSDATA_DIRS)
    return None, f"no German OCR model (deu.traineddata) in {where}: {INSTALL_HINT}"


class Reader:
    """Reads letters on a bounded pool of threads, each with its own Tesseract instance."""

    def __init__(self, engine: OcrEngine, workers: int = 2, timeout: float = 20.0) -> None:
        self.engine = engine
        self.timeout = timeout
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ocr")
        self._local = threading.local()

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    async def read(self, data: bytes, filename: str | None = None) -> str:
        """The text of an image or PDF; raises UnreadableFile or TimeoutError."""
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._pool, self.read_sync, data, filename)
        return await asyncio.wait_for(future, self.timeout)

    def read_sync(self, data: bytes, filename: str | None = None) -> str:
        if len(data) > MAX_BYTES:
            raise UnreadableFile(f"file too large ({len(data)} bytes)")
        if data[:5] == b"%PDF-" or (filename or "").lower().endswith(".pdf"):
            return "\n\n".join(self._pdf_pages(data))
        return self._ocr(prepare(open_image(data)))

    # ------------------------------------------------------------------------------ pdf

    def _pdf_pages(self, data: bytes) -> Iterator[str]:
        import pypdfium2 as pdfium

        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            raise UnreadableFile(f"not a readable PDF: {exc}") from exc
        try:
            for index in range(min(len(pdf), MAX_PDF_PAGES)):
                page = pdf[index]
                text = page.get_textpage().get_text_bounded().strip()
                if len(text) >= 80:  # a text PDF: no OCR, exact characters
                    yield text
                    continue
                scale = 300 / 72  # render a scanned page at 300 dpi
                width, height = page.get_size()
                if width * height * scale * scale > MAX_PIXELS:
                    scale = (MAX_PIXELS / (width * height)) ** 0.5
                image = page.render(scale=scale, grayscale=True).to_pil()
                yield self._ocr(prepare(image))
        finally:
            pdf.close()

    # ------------------------------------------------------------------------------ ocr

    def _api(self):  # type: ignore[no-untyped-def]  # tesserocr ships no type hints
        api = getattr(self._local, "api", None)
        if api is None:
            import tesserocr

            api = tesserocr.PyTessBaseAPI(path=self.engine.tessdata, lang="deu")
            self._local.api = api
        return api

    def _ocr(self, image: Image.Image) -> str:
        api = self._api()
        text, confidence = self._recognise(api, image)
        if confidence >= _CONFIDENT:
            return text
        # Tesseract is unsure: maybe the photo is sideways or upside down.
        turn = _orientation(api, image)
        if turn:
            second, second_confidence = self._recognise(
                api, image.rotate(turn, expand=True, fillcolor=255)
            )
            if second_confidence > confidence:
                return second
        return text

    def _recognise(self, api, image: Image.Image) -> tuple[str, int]:  # type: ignore[no-untyped-def]
        api.SetImage(image)
        api.SetSourceResolution(300)
        if not api.Recognize(timeout=int(self.timeout * 1000)):
            raise TimeoutError("OCR took too long")
        return api.GetUTF8Text(), api.MeanTextConf()


def _orientation(api, image: Image.Image) -> int:  # type: ignore[no-untyped-def]
    """Degrees to rotate counter-clockwise, from Tesseract's orientation detection (needs osd)."""
    try:
        import tesserocr

        with tesserocr.PyTessBaseAPI(
            path=api.GetDatapath(), lang="osd", psm=tesserocr.PSM.OSD_ONLY
        ) as osd:
            osd.SetImage(image)
            found = osd.DetectOrientationScript()
    except RuntimeError:  # no osd model installed: orientation stays unknown
        return 0
    if not found or found.get("orient_conf", 0) < 2:
        return 0
    return int(found["orient_deg"])


def open_image(data: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError) as exc:
        raise UnreadableFile(f"not an image: {exc}") from exc
    width, height = image.size
    if width * height > MAX_PIXELS:  # checked before decoding: no bomb is unpacked
        raise UnreadableFile(f"image too large ({width}x{height} pixels)")
    try:
        image.load()
    except (OSError, Image.DecompressionBombError) as exc:
        raise UnreadableFile(f"broken image: {exc}") from exc
    return image


def prepare(image: Image.Image) -> Image.Image:
    """A clean grey page for Tesseract from a phone photo."""
    image = ImageOps.exif_transpose(image) or image
    grey = image.convert("L")
    long_side = max(grey.size)
    if long_side > _TARGET_LONG_SIDE or long_side < _MIN_LONG_SIDE:
        factor = _TARGET_LONG_SIDE / long_side
        grey = grey.resize(
            (round(grey.width * factor), round(grey.height * factor)), Image.Resampling.LANCZOS
        )
    grey = _even_light(grey)
    grey = ImageOps.autocontrast(grey, cutoff=1)
    angle = _skew_angle(grey)
    if angle:
        grey = grey.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    return grey


def _even_light(grey: Image.Image) -> Image.Image:
    """Divide by the blurred page: a shadow across the letter no longer swallows the text."""
    small = grey.resize((max(1, grey.width // 8), max(1, grey.height // 8)))
    background = small.filter(ImageFilter.MaxFilter(5)).filter(ImageFilter.GaussianBlur(6))
    background = background.resize(grey.size, Image.Resampling.BILINEAR)
    page = np.asarray(grey, dtype=np.float32)
    light = np.maximum(np.asarray(background, dtype=np.float32), 1.0)
    return Image.fromarray(np.clip(page / light * 255.0, 0, 255).astype(np.uint8))


def _skew_angle(grey: Image.Image) -> float:
    """The small rotation (±6°) that makes text lines horizontal: sharpest row profile wins."""
    small = grey.resize((max(1, grey.width // 3), max(1, grey.height // 3)))
    ink = np.asarray(small) < 128
    if ink.mean() < 0.002:
        return 0.0
    picture = Image.fromarray((ink * 255).astype(np.uint8))
    best_angle, best_score = 0.0, -1.0
    for angle in np.arange(-6.0, 6.01, 0.5):
        rows = np.asarray(picture.rotate(float(angle), expand=False)).sum(axis=1, dtype=np.float64)
        score = float(np.square(np.diff(rows)).sum())
        if score > best_score:
            best_angle, best_score = float(angle), score
    return best_angle if abs(best_angle) >= 0.5 else 0.0
