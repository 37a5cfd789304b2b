"""Export published modules to course files: a folder (CLI) or a zip (editor)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from learnapp.content.published import published_modules
from learnapp.content.snapshot import source_from_db
from learnapp.content.writer import module_files, with_local_images, write_module
from learnapp.models import Module


def _published(slugs: list[str]) -> list[Module]:
    chosen = [m for m in published_modules() if not slugs or m.slug in slugs]
    return sorted(chosen, key=lambda m: m.slug)


def export_modules(root: Path, media_dir: Path, slugs: list[str]) -> dict[str, int]:
    """Write each published module into root/<slug>; return files written per module."""
    written = {}
    for module in _published(slugs):
        source = with_local_images(source_from_db(module), media_dir)
        written[module.slug] = len(write_module(source, root))
    return written


def module_zip(module: Module, media_dir: Path) -> bytes:
    """A zip holding <slug>/... exactly as export_modules would write it."""
    source = with_local_images(source_from_db(module), media_dir)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for relative, data in sorted(module_files(source).items()):
            info = zipfile.ZipInfo(f"{module.slug}/{relative}", date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()
