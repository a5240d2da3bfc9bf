"""The store: atomic clips, the hash cache, the build record."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from storyboard.store import FileHasher, Store


def test_put_clip_is_atomic_and_content_addressed(tmp_path):
    store = Store(tmp_path, create=True)
    key = "ab" + "0" * 62
    src = store.temp_path()
    src.write_bytes(b"video bytes")
    final = store.put_clip(key, src)
    assert final == tmp_path / ".storyboard" / "clips" / "ab" / f"{key}.mp4"
    assert final.read_bytes() == b"video bytes"
    assert not src.exists()  # moved, not copied
    assert store.has_clip(key)
    assert list(store.tmp.iterdir()) == []


def test_put_clip_from_outside_the_store_copies_through_tmp(tmp_path):
    store = Store(tmp_path, create=True)
    outside = tmp_path / "rendered.mp4"
    outside.write_bytes(b"x" * 1000)
    store.put_clip("cd" + "1" * 62, outside, move=False)
    assert outside.exists()
    assert store.clip_path("cd" + "1" * 62).read_bytes() == b"x" * 1000
    assert list(store.tmp.iterdir()) == []


def test_build_record_round_trips(tmp_path):
    with Store(tmp_path, create=True) as store:
        store.record_build("a.yaml", "s1", "k1", {"prompt": "p", "duration": 5}, "local", status="built", cost_usd=0.0)
        store.record_build("a.yaml", "s1", "k2", {"prompt": "q"}, "local", status="built")
        store.record_build("b.yaml", "s1", "k3", {}, "qingbo", status="failed")
    with Store(tmp_path) as store:
        rec = store.last_built("a.yaml")
        assert set(rec) == {"s1"}
        assert rec["s1"].key == "k2" and rec["s1"].inputs == {"prompt": "q"}
        assert store.last_built("b.yaml")["s1"].status == "failed"


def test_hash_cache_is_keyed_by_stat_not_trusted_blindly(tmp_path, monkeypatch):
    target = tmp_path / "img.png"
    target.write_bytes(b"one")
    store = Store(tmp_path, create=True)
    first = FileHasher(store).sha256(target)
    # same stat: served from the cache even if we lie about the content
    st = target.stat()
    store.remember_hash(os.fspath(target), st.st_size, st.st_mtime_ns, st.st_ino, "cached-digest")
    assert FileHasher(store).sha256(target) == "cached-digest"
    # content and mtime change: hashed again
    target.write_bytes(b"two")
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns + 5 * 10**9))
    second = FileHasher(store).sha256(target)
    assert second not in (first, "cached-digest")


def test_touch_rehashes_to_the_same_digest(tmp_path):
    target = tmp_path / "img.png"
    target.write_bytes(b"same")
    store = Store(tmp_path, create=True)
    first = FileHasher(store).sha256(target)
    st = target.stat()
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert FileHasher(store).sha256(target) == first


def test_opening_a_missing_store_creates_nothing(tmp_path):
    store = Store(tmp_path)
    assert store.last_built("x.yaml") == {}
    assert not store.has_clip("ab" * 32)
    assert not (tmp_path / ".storyboard").exists()


def _open_store_and_write(folder: str, barrier: Any, results: Any) -> None:
    barrier.wait()
    try:
        with Store(Path(folder), create=True) as store:
            store.journal_intent(f"key-{os.getpid()}", "wavespeed", None, "{}")
        results.put("ok")
    except Exception as exc:  # reported to the test, which names it
        results.put(repr(exc))


def test_builds_that_start_together_open_a_new_store_together(tmp_path: Path) -> None:
    """Two builds of a fresh folder create its store at once: neither may fail 'database is locked'."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    failures = []
    for round_ in range(12):
        folder = tmp_path / str(round_)
        folder.mkdir()
        barrier, results = context.Barrier(6), context.Queue()
        workers = [
            context.Process(target=_open_store_and_write, args=(str(folder), barrier, results)) for _ in range(6)
        ]
        for w in workers:
            w.start()
        outcomes = [results.get(timeout=60) for _ in workers]
        for w in workers:
            w.join(timeout=60)
        failures += [o for o in outcomes if o != "ok"]
        with Store(folder) as store:
            assert len(store.journal_entries()) == 6 - sum(o != "ok" for o in outcomes)
    assert failures == []
