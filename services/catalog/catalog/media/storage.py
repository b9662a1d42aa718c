"""Where media files live: an interface and its filesystem backend.

Keys are made here, never taken from a request as they are: ``<media id>/<variant>.<ext>``
with a UUID and a fixed vocabulary, so a key checked by ``is_valid_key`` cannot name
anything outside the store (no ``..``, no absolute path, no other characters).
"""
from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import BinaryIO, Protocol

_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
KEY_PATTERN = re.compile(rf"^({_UUID})/(original|thumb-[0-9]{{1,4}})\.(jpg|png|webp|gif)$")


def media_key(media_id: str, variant: str, extension: str) -> str:
    """The key of one file of a media (``original`` or ``thumb-<size>``)."""
    key = f"{media_id}/{variant}.{extension}"
    if not is_valid_key(key):
        raise ValueError(f"not a valid media key: {key!r}")
    return key


def is_valid_key(key: str) -> bool:
    return bool(KEY_PATTERN.fullmatch(key))


def media_id_of(key: str) -> str:
    match = KEY_PATTERN.fullmatch(key)
    if not match:
        raise ValueError(f"not a valid media key: {key!r}")
    return match.group(1)


class MediaStorage(Protocol):
    """A store of immutable files by key (a later backend could be S3-compatible object storage)."""

    def save(self, key: str, content: bytes) -> None:
        """Store ``content`` under ``key`` (all or nothing)."""

    def open(self, key: str) -> BinaryIO:
        """The file's content; ``FileNotFoundError`` if there is none."""

    def delete(self, key: str) -> None:
        """Remove the file; a missing one is not an error."""

    def exists(self, key: str) -> bool:
        """True when a file is stored under ``key``."""


class FilesystemStorage:
    """Files under a root directory (``CatalogSettings.media_path()``), one folder per media."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        if not is_valid_key(key):
            raise ValueError(f"not a valid media key: {key!r}")
        path = (self.root / key).resolve()
        if self.root not in path.parents:  # belt and braces: the pattern already forbids this
            raise ValueError(f"media key outside the store: {key!r}")
        return path

    def save(self, key: str, content: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename, so a reader never sees half a file.
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(content)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def open(self, key: str) -> BinaryIO:
        return self._path(key).open("rb")

    def delete(self, key: str) -> None:
        path = self._path(key)
        path.unlink(missing_ok=True)
        try:
            path.parent.rmdir()
        except OSError:  # other files of the media are still there
            pass

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()


def storage_for(settings) -> MediaStorage:
    """The store the catalog's settings point at."""
    return FilesystemStorage(settings.media_path())
