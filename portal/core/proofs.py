"""Transfer proofs: checking an upload by its content, re-encoding it, keeping it private.

A proof is a photo or screenshot of a bank-transfer receipt (JPEG or PNG) or the
bank's PDF receipt. The file's *content* decides what it is; its name only has
to be harmless and end in an allowed extension. Pictures are decoded with
Pillow (pixel count checked from the header, before decoding) and re-encoded,
so metadata (a phone's GPS position) and anything smuggled into the file (an
HTML page glued to a PNG) are not kept. PDFs cannot be re-encoded without a PDF
library, so their structure is checked and any active content (JavaScript,
launch actions, embedded files) is refused.

Files live under ``INSTANCE_DIR/private/proofs/`` – outside the static and
media folders, so no URL reaches them except the permission-checked view –
under a random name; the uploader's file name is never used on disk.
"""
from __future__ import annotations

import io
import os
import re
import secrets
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PROOF_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000
# Receipts stay readable at this size; phone photos are scaled down to it.
MAX_SIDE = 2400
JPEG_QUALITY = 85
EXTENSIONS = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "pdf": "application/pdf"}
STORED_NAME = re.compile(r"^[0-9a-f]{32}\.(jpg|png|pdf)$")

# Markup that has no business in a receipt; browsers sniffing a file would run it.
# (Not "<?xml": cameras embed XMP metadata, which is harmless and re-encoded away.)
_WEB_MARKERS = (b"<script", b"<html", b"<!doctype", b"<svg", b"<?php", b"<iframe", b"<body", b"javascript:")
# PDF names that make a reader run code, open other programs or carry other files.
_PDF_ACTIVE = {b"JavaScript", b"JS", b"Launch", b"EmbeddedFile", b"EmbeddedFiles", b"RichMedia", b"XFA",
               b"SubmitForm", b"ImportData", b"GoToE"}
_PDF_NAME = re.compile(rb"/([A-Za-z0-9#._+\-]+)")
_PDF_STREAM = re.compile(rb"stream\r?\n(.*?)endstream", re.DOTALL)
# Bound the work spent inflating PDF streams (a zip bomb must not fill memory).
_PDF_INFLATE_LIMIT = 4 * 1024 * 1024
_PDF_INFLATE_TOTAL = 24 * 1024 * 1024


class ProofError(ValueError):
    """A refused upload; ``str(error)`` is a message for the person who sent it."""


@dataclass(frozen=True)
class CheckedProof:
    data: bytes
    extension: str
    content_type: str


def proofs_dir() -> Path:
    folder = Path(current_app.config["INSTANCE_DIR"]) / "private" / "proofs"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


# ---------------------------------------------------------------------------
# checks
# ---------------------------------------------------------------------------


def check_filename(filename: str | None) -> str:
    """The lower-case extension of a harmless file name, or :class:`ProofError`."""
    if not filename or not filename.strip():
        raise ProofError(_l("Choose a file to upload."))
    if any(c in filename for c in "/\\") or any(ord(c) < 32 for c in filename) or filename.startswith("."):
        raise ProofError(_l("That file name is not accepted; rename the file and try again."))
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in EXTENSIONS:
        raise ProofError(_l("Only JPEG, PNG or PDF files are accepted."))
    return extension


def read_limited(stream, limit: int = MAX_PROOF_BYTES) -> bytes:
    data = stream.read(limit + 1)
    if not data:
        raise ProofError(_l("The file is empty."))
    if len(data) > limit:
        raise ProofError(_l("The file is larger than %(mb)s MB.", mb=limit // (1024 * 1024)))
    return data


def _has_web_markup(data: bytes) -> bool:
    lowered = data.lower()
    return any(marker in lowered for marker in _WEB_MARKERS)


def check_upload(upload) -> CheckedProof:
    """Check an uploaded proof (a ``FileStorage``) and return what may be stored.

    :raises ProofError: with a message for the uploader; nothing is written.
    """
    check_filename(getattr(upload, "filename", None))
    data = read_limited(upload.stream if hasattr(upload, "stream") else upload)
    return check_bytes(data)


def check_bytes(data: bytes) -> CheckedProof:
    """Recognise ``data`` by its content and return the re-encoded (or checked) file."""
    if _has_web_markup(data):
        raise ProofError(_l("This file contains web page code and is refused. Upload a photo, screenshot or PDF of the receipt."))
    if data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")):
        return _reencode_image(data)
    if data.startswith(b"%PDF-"):
        _check_pdf(data)
        return CheckedProof(data, "pdf", "application/pdf")
    raise ProofError(_l("This file is not a JPEG, PNG or PDF (its content was checked, not its name)."))


def _open_image(data: bytes) -> Image.Image:
    too_large = _l("The picture has too many pixels (at most %(mp)s megapixels).", mp=MAX_PIXELS // 1_000_000)
    try:
        # Image.open reads only the header; Pillow's bomb check fires here and we
        # turn its warning into a refusal too (only that category is touched).
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=("JPEG", "PNG"))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ProofError(too_large) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise ProofError(_l("The picture is damaged and cannot be read.")) from None
    width, height = image.size
    if width < 1 or height < 1 or width * height > MAX_PIXELS:
        raise ProofError(too_large)
    try:
        image.verify()
        # verify() leaves the image unusable; decode a fresh copy.
        image = Image.open(io.BytesIO(data), formats=("JPEG", "PNG"))
        if image.format == "JPEG":
            image.draft("RGB", (MAX_SIDE, MAX_SIDE))
        image.load()
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError):
        raise ProofError(_l("The picture is damaged and cannot be read.")) from None
    return image


def _reencode_image(data: bytes) -> CheckedProof:
    image = _open_image(data)
    source_format = image.format
    image = ImageOps.exif_transpose(image)  # keep the receipt upright once EXIF is gone
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if source_format == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
        return CheckedProof(out.getvalue(), "jpg", "image/jpeg")
    if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
        image = image.convert("RGBA")
    image.save(out, "PNG", optimize=True)
    return CheckedProof(out.getvalue(), "png", "image/png")


def _inflated_streams(data: bytes):
    budget = _PDF_INFLATE_TOTAL
    for match in _PDF_STREAM.finditer(data):
        if budget <= 0:
            return
        inflater = zlib.decompressobj()
        try:
            chunk = inflater.decompress(match.group(1), min(_PDF_INFLATE_LIMIT, budget))
        except zlib.error:
            continue  # not Flate (an image stream, say): nothing to read in it
        budget -= len(chunk)
        yield chunk


def _pdf_names(blob: bytes):
    for match in _PDF_NAME.finditer(blob):
        # PDF lets names hide letters as #xx escapes (/J#61vaScript).
        yield re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), match.group(1))


def _check_pdf(data: bytes):
    damaged = _l("The PDF is damaged or incomplete.")
    if not re.match(rb"%PDF-[12]\.\d", data):
        raise ProofError(damaged)
    tail = data[-2048:]
    if b"%%EOF" not in tail or b"startxref" not in tail:
        raise ProofError(damaged)
    if not re.search(rb"\d+\s+\d+\s+obj\b", data) or b"endobj" not in data:
        raise ProofError(damaged)
    for blob in (data, *_inflated_streams(data)):
        if any(name in _PDF_ACTIVE for name in _pdf_names(blob)):
            raise ProofError(_l("This PDF contains scripts, actions or attached files and is refused. Upload a plain receipt."))
        if blob is not data and _has_web_markup(blob):
            raise ProofError(_l("This file contains web page code and is refused. Upload a photo, screenshot or PDF of the receipt."))


# ---------------------------------------------------------------------------
# storage
# ---------------------------------------------------------------------------


def store(proof: CheckedProof) -> str:
    """Write ``proof`` under a fresh random name; return that name."""
    name = f"{secrets.token_hex(16)}.{proof.extension}"
    path = proofs_dir() / name
    # "x": never overwrite; write beside and rename so a half file is never served.
    tmp = path.with_suffix(".part")
    with open(tmp, "xb") as fh:
        fh.write(proof.data)
    os.chmod(tmp, 0o600)
    tmp.replace(path)
    return name


def path_for(name: str) -> Path:
    """The file of a stored proof; refuses anything that is not one of our generated names."""
    if not name or not STORED_NAME.match(name):
        raise FileNotFoundError(name)
    return proofs_dir() / name


def delete(name: str | None):
    if not name:
        return
    try:
        path_for(name).unlink(missing_ok=True)
    except FileNotFoundError:
        pass
