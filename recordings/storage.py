"""Where call recordings live and how long they stay.

Asterisk's MixMonitor writes into its spool directory (`HOTLINE_ASTERISK_RECORDINGS_DIR`), which the
backend sees mounted at `HOTLINE_RECORDINGS_DIR` (a shared volume in docker/). Call records carry the
path as Asterisk wrote it; this module maps it to the local file and refuses anything that would
escape the recordings directory, because the path comes from the softswitch, i.e. from outside.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

AUDIO_SUFFIXES = frozenset({".wav", ".wav49", ".gsm", ".mp3", ".ogg"})


class RecordingError(Exception):
    """A recording path that cannot be served (outside the store, wrong type)."""


class RecordingNotFound(RecordingError):
    """The recording is not (or no longer) in the store."""


@dataclass(frozen=True)
class StoredRecording:
    path: Path
    size: int
    modified: datetime


class RecordingStore:
    def __init__(self, local_root: Path, asterisk_root: str) -> None:
        self.local_root = local_root.resolve()
        self.asterisk_root = PurePosixPath(asterisk_root)

    def local_path(self, recording: str) -> Path:
        """Maps a path as Asterisk wrote it (absolute, or relative to its monitor dir) to a local file."""
        if not recording or "\x00" in recording:
            raise RecordingError("empty or invalid recording path")
        posix = PurePosixPath(recording)
        if posix.is_absolute():
            try:
                relative = posix.relative_to(self.asterisk_root)
            except ValueError as exc:
                raise RecordingError(f"{recording!r} is not under {self.asterisk_root}") from exc
        else:
            relative = posix
        if any(part == ".." for part in relative.parts):
            raise RecordingError(f"{recording!r} leaves the recordings directory")
        if relative.suffix.lower() not in AUDIO_SUFFIXES:
            raise RecordingError(f"{recording!r} is not an audio file")
        candidate = (self.local_root / Path(*relative.parts)).resolve()
        if not candidate.is_relative_to(self.local_root):
            raise RecordingError(f"{recording!r} leaves the recordings directory")
        return candidate

    def open(self, recording: str) -> StoredRecording:
        path = self.local_path(recording)
        try:
            st = path.stat()
        except FileNotFoundError as exc:
            raise RecordingNotFound(recording) from exc
        if not path.is_file():
            raise RecordingNotFound(recording)
        return StoredRecording(path, st.st_size, datetime.fromtimestamp(st.st_mtime, UTC))

    def sweep(self, retention_days: int, now: datetime) -> list[Path]:
        """Deletes recordings older than the retention period; returns what was deleted."""
        if retention_days < 1:
            raise ValueError("retention must be at least one day")
        cutoff = now.timestamp() - retention_days * 86400
        removed: list[Path] = []
        if not self.local_root.is_dir():
            return removed
        for dirpath, _dirnames, filenames in os.walk(self.local_root):
            for name in filenames:
                path = Path(dirpath) / name
                if path.suffix.lower() not in AUDIO_SUFFIXES:
                    continue
                try:
                    if path.stat().st_mtime < cutoff:
                        path.unlink()
                        removed.append(path)
                except FileNotFoundError:
                    continue
        return sorted(removed)
