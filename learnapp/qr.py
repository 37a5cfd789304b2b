"""QR codes as inline SVG data URIs: no file to serve, nothing fetched from elsewhere."""

from __future__ import annotations

import segno


def qr_data_uri(url: str, scale: int = 3) -> str:
    """The link as a QR code (medium error correction, so a creased paper still scans)."""
    return segno.make(url, error="m").svg_data_uri(scale=scale, border=2)
