"""The clip store interface: has / open / put, atomic, content-addressed, by (key, take)."""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
from pathlib import Path

import pytest

from storyboard.errors import StoreError
from storyboard.store import DEFAULT_TAKE, ClipStore, LocalClipStore, Store

KEY = "ab" + "0" * 62


def test_the_local_store_is_a_clip_store_and_the_facade_hands_it_out(tmp_path: Path) -> None:
    store = Store(tmp_path, create=True)
    assert isinstance(store.clips, ClipStore)
    assert isinstance(LocalClipStore(tmp_path / ".storyboard"), ClipStore)
    assert DEFAULT_TAKE == 1


def test_put_then_has_and_open_give_the_bytes_back(tmp_path: Path) -> None:
    store = Store(tmp_path, create=True)
    clips = store.clips
    assert not clips.has(KEY)
    outside = tmp_path / "render.mp4"
    outside.write_bytes(b"frames")
    final = clips.put(KEY, outside, move=False)
    assert clips.has(KEY) and store.has_clip(KEY)
    opened = clips.open(KEY)
    assert opened == final == store.clip_path(KEY)
    assert opened.read_bytes() == b"frames"
    assert outside.read_bytes() == b"frames"  # move=False: a copy
    assert list(store.tmp.iterdir()) == []


def test_open_of_a_missing_clip_is_a_store_error(tmp_path: Path) -> None:
    clips = Store(tmp_path, create=True).clips
    with pytest.raises(StoreError, match=f"no clip {KEY}.mp4"):
        clips.open(KEY)


def test_a_put_that_fails_while_copying_leaves_no_partial_clip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(tmp_path, create=True)
    outside = tmp_path / "render.mp4"
    outside.write_bytes(b"x" * 10_000)

    def half_copy(src: Path, dst: Path) -> None:
        Path(dst).write_bytes(Path(src).read_bytes()[:100])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(shutil, "copyfile", half_copy)
    with pytest.raises(OSError, match="No space left"):
        store.put_clip(KEY, outside)
    assert not store.has_clip(KEY)
    assert not store.clip_path(KEY).exists()
    assert list(store.tmp.iterdir()) == []  # the staged half-copy is gone
    assert outside.read_bytes() == b"x" * 10_000  # the source is untouched


def test_a_put_that_fails_before_the_rename_leaves_no_clip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(tmp_path, create=True)
    staged = store.temp_path()
    staged.write_bytes(b"whole clip")

    def no_fsync(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", no_fsync)
    with pytest.raises(OSError, match="Input/output"):
        store.put_clip(KEY, staged)
    monkeypatch.undo()
    assert not store.has_clip(KEY)
    assert list(store.local.folder.rglob("*.mp4")) == []
    # a file the caller staged in tmp/ stays theirs: the put can be retried with it
    assert staged.read_bytes() == b"whole clip"
    store.put_clip(KEY, staged)
    assert store.clips.open(KEY).read_bytes() == b"whole clip" and not staged.exists()


def test_putting_a_stored_key_again_replaces_it_whole(tmp_path: Path) -> None:
    store = Store(tmp_path, create=True)
    first = store.temp_path()
    first.write_bytes(b"first render")
    store.put_clip(KEY, first)
    before = store.clips.open(KEY)
    second = store.temp_path()
    second.write_bytes(b"second")
    assert store.put_clip(KEY, second) == before
    assert store.clips.open(KEY).read_bytes() == b"second"
    assert not first.exists() and not second.exists()
    assert list(store.tmp.iterdir()) == []
    assert [p.name for p in store.local.folder.rglob("*.mp4")] == [f"{KEY}.mp4"]


def test_takes_are_separate_clips_and_the_first_keeps_todays_name(tmp_path: Path) -> None:
    store = Store(tmp_path, create=True)
    for take, body in ((1, b"one"), (2, b"two"), (3, b"three")):
        src = store.temp_path()
        src.write_bytes(body)
        store.put_clip(KEY, src, take=take)
    folder = tmp_path / ".storyboard" / "clips" / "ab"
    assert sorted(p.name for p in folder.iterdir()) == sorted([f"{KEY}.mp4", f"{KEY}.take2.mp4", f"{KEY}.take3.mp4"])
    assert store.clip_path(KEY) == folder / f"{KEY}.mp4"
    assert store.clips.open(KEY, take=2).read_bytes() == b"two"
    store.remove_clip(KEY, take=2)
    assert not store.has_clip(KEY, take=2)
    assert store.has_clip(KEY) and store.has_clip(KEY, take=3)
    assert not store.has_clip(KEY, take=4)
    with pytest.raises(ValueError, match="from 1"):
        store.clip_path(KEY, take=0)


def test_a_clip_stored_before_takes_existed_is_the_first_take(tmp_path: Path) -> None:
    folder = tmp_path / ".storyboard" / "clips" / "ab"
    folder.mkdir(parents=True)
    (folder / f"{KEY}.mp4").write_bytes(b"old clip")
    store = Store(tmp_path)
    assert store.has_clip(KEY) and store.clips.has(KEY, take=1)
    assert store.clips.open(KEY).read_bytes() == b"old clip"
    assert not store.has_clip(KEY, take=2)


def test_claims_are_per_take(tmp_path: Path) -> None:
    store = Store(tmp_path, create=True)
    first = store.try_claim(KEY)
    assert first is not None
    assert store.try_claim(KEY) is None
    second = store.try_claim(KEY, take=2)
    assert second is not None
    assert sorted(p.name for p in (tmp_path / ".storyboard" / "locks").iterdir()) == [
        f"{KEY}.lock",
        f"{KEY}.take2.lock",
    ]
    first.release()
    again = store.try_claim(KEY)
    assert again is not None
    again.release()
    second.release()


def test_a_put_records_the_clips_size_and_sha256_and_its_check_is_a_stat(tmp_path: Path) -> None:
    store = Store(tmp_path, create=True)
    work = store.tmp / "shot-x"  # a render's own folder under tmp/: renamed, not copied
    work.mkdir()
    render = work / "out.mp4"
    render.write_bytes(b"frames" * 100)
    inode = render.stat().st_ino
    final = store.put_clip(KEY, render)
    assert final.stat().st_ino == inode and not render.exists()
    record = store.records.get(KEY)
    assert record is not None and record.size == 600
    assert record.sha256 == hashlib.sha256(b"frames" * 100).hexdigest()
    assert store.clip_damage(KEY) is None and store.clip_damage(KEY, full=True) is None
    final.write_bytes(b"frames" * 99 + b"FRAMES")
    assert store.clip_damage(KEY) == (
        f"stored clip damaged (sha256 {hashlib.sha256(b'frames' * 99 + b'FRAMES').hexdigest()[:12]}, "
        f"recorded {record.sha256[:12]})"
    )
    moved = store.quarantine_clip(KEY)
    assert moved is not None and moved.parent == store.root / "quarantine" and not store.has_clip(KEY)
    assert store.records.get(KEY) is None
    with pytest.raises(FileNotFoundError):
        store.clip_damage(KEY)


def test_a_full_disk_during_a_put_leaves_no_record_and_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(tmp_path, create=True)
    outside = tmp_path / "render.mp4"
    outside.write_bytes(b"x" * 10_000)

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError, match="No space left"):
        store.put_clip(KEY, outside, move=False)
    monkeypatch.undo()
    assert list(store.tmp.iterdir()) == [] and [p for p in store.local.folder.rglob("*") if p.is_file()] == []
    assert store.records.get(KEY) is None and outside.read_bytes() == b"x" * 10_000
