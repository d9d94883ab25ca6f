"""Sending a research bundle: streamed from the bundle store (a local folder or a bucket).

The web process never needs the file on its own disk: with an S3-compatible store
the bytes come from the bucket in pieces (surveys/storage.py), so any web process
serves a bundle any worker built.
"""

from __future__ import annotations

from flask import Response, stream_with_context

from surveys.db.models import ExportRequest
from webapp import current


def send_bundle(export: ExportRequest, name: str) -> Response:
    """The zip as an attachment, never cached."""
    store = current.settings().bundles
    response = Response(
        stream_with_context(store.chunks(name)),
        mimetype="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="flipside-export-{export.id}.zip"',
            "Content-Length": str(store.size(name)),
            "Cache-Control": "no-store",
        },
    )
    return response
