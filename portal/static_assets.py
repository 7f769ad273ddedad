"""Static files under content-hashed names, cached for a year, and compressed responses.

``url_for('static', filename='css/portal.css')`` becomes
``/static/css/portal.3f2a1b9c0d.css``: the name changes whenever the content does,
so browsers may keep a file forever (``immutable``) and still never run stale CSS or
JavaScript after an upgrade. The unhashed name keeps working with a short cache
lifetime (for anything linking a file by hand).

Text responses (pages, fragments, CSS, JS, SVG) are compressed with Brotli or gzip
by Flask-Compress when the browser accepts it: a first visit on a slow phone
connection carries about a fifth of the bytes.
"""
from __future__ import annotations

import gzip
import hashlib
import mimetypes
import re
from pathlib import Path

import brotli
from flask import Flask, Response, abort, request, send_from_directory
from flask_compress import Compress

HASHED = re.compile(r"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{10})(?P<ext>\.[A-Za-z0-9]+)$")
YEAR = 365 * 24 * 3600
SHORT = 300
COMPRESSIBLE = {".css", ".js", ".svg", ".json", ".txt", ".map"}


class StaticAssets:
    def __init__(self, app: Flask):
        self.folder = Path(app.static_folder)
        self._digests: dict[str, tuple[float, str]] = {}
        self._packed: dict[tuple[str, str, str], bytes] = {}
        app.url_defaults(self._hash_name)
        app.view_functions["static"] = self.serve

    def digest(self, filename: str) -> str | None:
        path = self.folder / filename
        try:
            mtime = path.stat().st_mtime
        except (OSError, ValueError):
            return None
        cached = self._digests.get(filename)
        if cached is None or cached[0] != mtime:
            # Re-read only when the file changed (mtime), so editing CSS in development just works.
            cached = (mtime, hashlib.sha256(path.read_bytes()).hexdigest()[:10])
            self._digests[filename] = cached
        return cached[1]

    def _hash_name(self, endpoint, values):
        if endpoint != "static" or "filename" not in values:
            return
        filename = values["filename"]
        digest = self.digest(filename)
        if digest is None:
            return
        stem, dot, ext = filename.rpartition(".")
        if dot:
            values["filename"] = f"{stem}.{digest}.{ext}"

    def _compressed(self, filename: str, digest: str) -> tuple[str, bytes] | None:
        """The file compressed once at the best level (Brotli, else gzip), if the browser takes it."""
        if Path(filename).suffix not in COMPRESSIBLE:
            return None
        accepted = request.accept_encodings
        encoding = "br" if accepted["br"] else "gzip" if accepted["gzip"] else None
        if encoding is None:
            return None
        key = (filename, digest, encoding)
        if key not in self._packed:
            raw = (self.folder / filename).read_bytes()
            self._packed[key] = brotli.compress(raw, quality=11) if encoding == "br" else gzip.compress(raw, 9)
        return encoding, self._packed[key]

    def serve(self, filename: str):
        match = HASHED.match(filename)
        if match:
            original = f"{match['stem']}{match['ext']}"
            if self.digest(original) == match["digest"]:
                packed = self._compressed(original, match["digest"])
                if packed is not None:
                    encoding, body = packed
                    response = Response(body, mimetype=mimetypes.guess_type(original)[0] or "application/octet-stream")
                    response.headers["Content-Encoding"] = encoding
                    response.vary.add("Accept-Encoding")
                    response.cache_control.public = True
                    response.cache_control.max_age = YEAR
                else:
                    response = send_from_directory(self.folder, original, max_age=YEAR)
                response.cache_control.immutable = True
                return response
            if (self.folder / filename).is_file():
                return send_from_directory(self.folder, filename, max_age=SHORT)
            abort(404)  # an old hash: the page that asked for it is stale, not this file
        return send_from_directory(self.folder, filename, max_age=SHORT)


def init_app(app: Flask):
    StaticAssets(app)
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_BR_LEVEL", 5)
    app.config.setdefault("COMPRESS_MIMETYPES", ["text/html", "text/css", "text/javascript", "application/javascript",
                                                 "application/json", "image/svg+xml", "text/csv", "text/plain"])
    # Server-sent event streams must never be buffered for compression.
    app.config.setdefault("COMPRESS_STREAMS", False)
    Compress(app)
