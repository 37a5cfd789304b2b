"""Write the app's small PNG icons (no imaging library needed): run once, commit the files."""

from __future__ import annotations

import struct
import sys
import zlib
from pathlib import Path

RED = (178, 34, 34)
YELLOW = (255, 205, 0)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def icon(size: int) -> bytes:
    """A red square with a yellow disc: recognisable on a home screen, a few hundred bytes."""
    centre, radius = size / 2, size * 0.3
    rows = []
    for y in range(size):
        row = bytearray([0])
        for x in range(size):
            inside = (x + 0.5 - centre) ** 2 + (y + 0.5 - centre) ** 2 <= radius**2
            row.extend(YELLOW if inside else RED)
        rows.append(bytes(row))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + _chunk(b"IEND", b"")
    )


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "learnapp/offline/static")
    for size in (32, 192, 512):
        (target / f"icon-{size}.png").write_bytes(icon(size))
