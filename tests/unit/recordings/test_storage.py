from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from recordings.storage import RecordingError, RecordingNotFound, RecordingStore

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> RecordingStore:
    root = tmp_path / "rec"
    root.mkdir()
    return RecordingStore(root, "/var/spool/asterisk/monitor")


def test_asterisk_path_maps_to_the_shared_volume(store: RecordingStore) -> None:
    (store.local_root / "1795326409.0.wav").write_bytes(b"RIFF")
    rec = store.open("/var/spool/asterisk/monitor/1795326409.0.wav")
    assert rec.path == store.local_root / "1795326409.0.wav"
    assert rec.size == 4
    # MixMonitor(${UNIQUEID}.wav) writes a relative name: same file.
    assert store.open("1795326409.0.wav").path == rec.path


@pytest.mark.parametrize(
    "bad",
    [
        "/etc/passwd",
        "/var/spool/asterisk/monitor/../../../etc/shadow.wav",
        "../outside.wav",
        "/var/spool/asterisk/monitor/notes.txt",
        "",
        "a\x00.wav",
    ],
)
def test_paths_outside_the_store_are_refused(store: RecordingStore, bad: str) -> None:
    with pytest.raises(RecordingError):
        store.local_path(bad)


def test_a_symlink_out_of_the_store_is_refused(store: RecordingStore, tmp_path: Path) -> None:
    secret = tmp_path / "secret.wav"
    secret.write_bytes(b"x")
    (store.local_root / "link.wav").symlink_to(secret)
    with pytest.raises(RecordingError):
        store.local_path("link.wav")


def test_missing_recording_is_not_found(store: RecordingStore) -> None:
    with pytest.raises(RecordingNotFound):
        store.open("/var/spool/asterisk/monitor/none.wav")


def test_sweep_removes_only_expired_audio(store: RecordingStore) -> None:
    day = store.local_root / "2025" / "01"
    day.mkdir(parents=True)
    old = day / "old.wav"
    new = store.local_root / "new.wav"
    notes = day / "index.txt"
    for f in (old, new, notes):
        f.write_bytes(b"x")
    old_ts = NOW.timestamp() - 400 * 86400
    os.utime(old, (old_ts, old_ts))
    os.utime(notes, (old_ts, old_ts))
    os.utime(new, (NOW.timestamp(), NOW.timestamp()))
    assert store.sweep(365, NOW) == [old]
    assert new.exists() and notes.exists() and not old.exists()
    with pytest.raises(ValueError):
        store.sweep(0, NOW)
