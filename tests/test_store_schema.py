"""state.db: the take column, rows read by name, and the in-place upgrade of schema-2 stores."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from storyboard.errors import StoreError
from storyboard.store import SCHEMA_VERSION, Store
from storyboard.store import state as state_module

KEY = "cd" + "7" * 62

# The schema every store was created with before takes (schema 2), verbatim.
SCHEMA_2 = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS file_hashes (
    path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
    inode INTEGER NOT NULL, sha256 TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS builds (
    storyboard TEXT NOT NULL, shot TEXT NOT NULL, key TEXT NOT NULL,
    inputs TEXT NOT NULL, provider TEXT NOT NULL, job TEXT, status TEXT NOT NULL,
    clip TEXT, cost_usd REAL, list_cost_usd REAL, started REAL, finished REAL,
    PRIMARY KEY (storyboard, shot)
);
CREATE TABLE IF NOT EXISTS clip_info (key TEXT PRIMARY KEY, info TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (
    key TEXT PRIMARY KEY, provider TEXT NOT NULL, job_id TEXT, status TEXT NOT NULL,
    request TEXT NOT NULL, result_urls TEXT, error TEXT, cost_usd REAL,
    created REAL NOT NULL, updated REAL NOT NULL
);
"""


def make_schema_2_store(folder: Path) -> None:
    """A .storyboard/ as today's code leaves it after one hosted build (positional INSERTs, as it wrote them)."""
    root = folder / ".storyboard"
    (root / "clips" / KEY[:2]).mkdir(parents=True)
    (root / "clips" / KEY[:2] / f"{KEY}.mp4").write_bytes(b"old clip")
    db = sqlite3.connect(root / "state.db", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(SCHEMA_2)
    db.execute("PRAGMA user_version=2")
    db.execute("INSERT INTO meta VALUES (?, ?)", ("film:a.yaml", "filmkey:123"))
    db.execute("INSERT INTO file_hashes VALUES (?, ?, ?, ?, ?)", ("/refs/a.png", 10, 20, 30, "digest"))
    db.execute(
        "INSERT INTO builds VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            "a.yaml",
            "pour",
            KEY,
            '{"prompt": "p"}',
            "wavespeed",
            "job-1",
            "built",
            "clips/cd/x.mp4",
            0.3,
            0.33,
            1.0,
            2.0,
        ),
    )
    db.execute("INSERT INTO clip_info VALUES (?, ?)", (KEY, json.dumps({"seconds": 5.0})))
    db.execute(
        "INSERT INTO jobs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ("other-key", "wavespeed", "job-2", "done", "{}", json.dumps(["https://x/y.mp4"]), None, 0.5, 3.0, 4.0),
    )
    db.close()


def columns(folder: Path, table: str) -> list[str]:
    db = sqlite3.connect(folder / ".storyboard" / "state.db")
    try:
        return [row[1] for row in db.execute(f"PRAGMA table_info({table})")]
    finally:
        db.close()


def user_version(folder: Path) -> int:
    db = sqlite3.connect(folder / ".storyboard" / "state.db")
    try:
        version: int = db.execute("PRAGMA user_version").fetchone()[0]
        return version
    finally:
        db.close()


def test_a_schema_2_store_opens_upgraded_with_every_row(tmp_path: Path) -> None:
    make_schema_2_store(tmp_path)
    with Store(tmp_path) as store:
        record = store.last_built("a.yaml")["pour"]
        assert (record.key, record.provider, record.job, record.status, record.clip) == (
            KEY,
            "wavespeed",
            "job-1",
            "built",
            "clips/cd/x.mp4",
        )
        assert (record.cost_usd, record.list_cost_usd, record.started, record.finished) == (0.3, 0.33, 1.0, 2.0)
        assert record.inputs == {"prompt": "p"} and record.take == 1
        entry = store.journal("other-key")
        assert entry is not None
        assert (entry.provider, entry.job_id, entry.status, entry.request) == ("wavespeed", "job-2", "done", "{}")
        assert (entry.result_urls, entry.error, entry.cost_usd, entry.created, entry.updated) == (
            ("https://x/y.mp4",),
            None,
            0.5,
            3.0,
            4.0,
        )
        assert entry.take == 1 and set(store.journal_entries()) == {"other-key"}
        assert store.clip_info(KEY) == {"seconds": 5.0}
        assert store.cached_hash("/refs/a.png", 10, 20, 30) == "digest"
        assert store.db.execute("SELECT value FROM meta WHERE name = 'film:a.yaml'").fetchone() == ("filmkey:123",)
        assert store.has_clip(KEY) and store.clips.open(KEY).read_bytes() == b"old clip"
    assert user_version(tmp_path) == SCHEMA_VERSION == 9
    for table in ("builds", "clip_info", "jobs"):
        assert "take" in columns(tmp_path, table)
    # and it keeps working: new rows beside the old, a second take of the same shot and key
    with Store(tmp_path, create=True) as store:
        store.record_build("a.yaml", "pour", KEY, {"prompt": "p"}, "wavespeed", status="built", take=2)
        store.remember_clip_info(KEY, {"seconds": 6.0}, take=2)
        store.journal_update("other-key", "failed", error="gone")
        assert store.last_built("a.yaml")["pour"].job == "job-1"
        assert store.builds.takes("a.yaml")[("pour", 2)].status == "built"
        assert store.clip_info(KEY) == {"seconds": 5.0} and store.clip_info(KEY, take=2) == {"seconds": 6.0}
        entry = store.journal("other-key")
        assert entry is not None and (entry.status, entry.error, entry.job_id) == ("failed", "gone", "job-2")


def test_a_failed_upgrade_leaves_the_schema_2_store_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_schema_2_store(tmp_path)
    real = state_module._rebuild
    done: list[str] = []

    def rebuild_then_fail(db: sqlite3.Connection, table: str, old: Any) -> None:
        real(db, table, old)
        done.append(table)
        if len(done) == 2:
            raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(state_module, "_rebuild", rebuild_then_fail)
    with pytest.raises(StoreError, match="disk I/O error"):
        Store(tmp_path).last_built("a.yaml")
    assert user_version(tmp_path) == 2
    for table in ("builds", "clip_info", "jobs"):
        assert "take" not in columns(tmp_path, table)
    monkeypatch.undo()
    with Store(tmp_path) as store:
        assert store.last_built("a.yaml")["pour"].key == KEY
    assert user_version(tmp_path) == SCHEMA_VERSION


def test_a_store_from_a_newer_storyboard_is_refused_untouched(tmp_path: Path) -> None:
    Store(tmp_path, create=True).close()
    db = sqlite3.connect(tmp_path / ".storyboard" / "state.db")
    db.execute("PRAGMA user_version=99")
    db.close()
    with pytest.raises(StoreError, match="newer storyboard"):
        Store(tmp_path).last_built("a.yaml")
    assert user_version(tmp_path) == 99


def test_a_new_store_has_the_take_in_every_clip_identity(tmp_path: Path) -> None:
    with Store(tmp_path, create=True) as store:
        store.record_build("a.yaml", "s1", "k1", {}, "local", status="built")
        store.record_build("a.yaml", "s1", "k1", {}, "local", status="failed", take=2)
        store.journal_intent("k1", "wavespeed", None, "{}")
        store.journal_intent("k1", "wavespeed", "job-t2", "{}", take=2)
        store.journal_update("k1", "submitted", job_id="job-t1")
        assert store.last_built("a.yaml")["s1"].status == "built"
        assert set(store.builds.takes("a.yaml")) == {("s1", 1), ("s1", 2)}
        one, two = store.journal("k1"), store.journal("k1", take=2)
        assert one is not None and two is not None
        assert (one.job_id, one.status, two.job_id, two.status) == ("job-t1", "submitted", "job-t2", "submitting")
        assert set(store.journal_entries()) == {"k1"} and set(store.jobs.all()) == {("k1", 1), ("k1", 2)}
        store.journal_forget("k1", take=2)
        assert store.journal("k1", take=2) is None and store.journal("k1") is not None
    assert user_version(tmp_path) == SCHEMA_VERSION


def test_rows_are_read_by_name_whatever_the_column_order(tmp_path: Path) -> None:
    """A store whose tables list their columns in another order (say, a hand repair) reads the same."""
    root = tmp_path / ".storyboard"
    root.mkdir()
    db = sqlite3.connect(root / "state.db", isolation_level=None)
    reordered = SCHEMA_2.replace(
        "storyboard TEXT NOT NULL, shot TEXT NOT NULL, key TEXT NOT NULL,",
        "key TEXT NOT NULL, shot TEXT NOT NULL, storyboard TEXT NOT NULL,",
    )
    db.executescript(reordered)
    db.execute("PRAGMA user_version=2")
    db.execute(
        "INSERT INTO builds (storyboard, shot, key, inputs, provider, status) VALUES (?, ?, ?, ?, ?, ?)",
        ("a.yaml", "pour", KEY, "{}", "local", "built"),
    )
    db.close()
    with Store(tmp_path) as store:
        record = store.last_built("a.yaml")["pour"]
        assert (record.storyboard, record.shot, record.key) == ("a.yaml", "pour", KEY)


def _open_old_store(folder: str, barrier: Any, results: Any) -> None:
    barrier.wait()
    try:
        with Store(Path(folder)) as store:
            results.put(store.last_built("a.yaml")["pour"].job or "none")
    except Exception as exc:  # reported to the test, which names it
        results.put(repr(exc))


def test_builds_that_open_an_old_store_together_upgrade_it_once(tmp_path: Path) -> None:
    """Several processes meet a schema-2 store at once: one upgrades (under state.lock), all read it."""
    import multiprocessing

    make_schema_2_store(tmp_path)
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(4), context.Queue()
    workers = [context.Process(target=_open_old_store, args=(os.fspath(tmp_path), barrier, results)) for _ in range(4)]
    for w in workers:
        w.start()
    outcomes = [results.get(timeout=60) for _ in workers]
    for w in workers:
        w.join(timeout=60)
    assert outcomes == ["job-1"] * 4
    assert user_version(tmp_path) == SCHEMA_VERSION


# -- schema 4: each clip's size and sha256 -------------------------------------------------
def test_the_upgrade_records_each_old_clip_then_its_first_check_hashes_it(tmp_path: Path) -> None:
    """Clips stored before records existed are trusted on first use, and only as the upgrade saw them."""
    make_schema_2_store(tmp_path)
    other = "ef" + "1" * 62
    clips = tmp_path / ".storyboard" / "clips"
    (clips / other[:2]).mkdir()
    (clips / other[:2] / f"{other}.take2.mp4").write_bytes(b"second take")
    (clips / other[:2] / "notes.txt").write_text("not a clip")
    with Store(tmp_path) as store:
        first = store.records.get(KEY)
        assert first is not None and (first.size, first.sha256) == (len(b"old clip"), None)
        assert store.records.get(other, take=2) is not None and store.records.get(other) is None
        assert store.clip_damage(KEY) is None  # read once, found as the upgrade saw it, recorded
        hashed = store.records.get(KEY)
        assert hashed is not None and hashed.sha256 == hashlib.sha256(b"old clip").hexdigest()
        # the take-2 clip changed after the upgrade: with no digest to check it against, it is not trusted
        (clips / other[:2] / f"{other}.take2.mp4").write_bytes(b"rewritten!!")
        why = store.clip_damage(other, take=2)
        assert why is not None and "changed since the store was upgraded" in why
    assert user_version(tmp_path) == SCHEMA_VERSION == 9


def test_a_schema_3_store_gains_the_records_and_keeps_its_rows(tmp_path: Path) -> None:
    with Store(tmp_path, create=True) as store:
        store.record_build("a.yaml", "s1", KEY, {}, "local", status="built")
    db = sqlite3.connect(tmp_path / ".storyboard" / "state.db", isolation_level=None)
    db.execute("DROP TABLE clip_files")
    db.execute("PRAGMA user_version=3")
    db.close()
    (tmp_path / ".storyboard" / "clips" / KEY[:2]).mkdir(parents=True)
    (tmp_path / ".storyboard" / "clips" / KEY[:2] / f"{KEY}.mp4").write_bytes(b"v3 clip")
    with Store(tmp_path) as store:
        assert store.last_built("a.yaml")["s1"].key == KEY
        record = store.records.get(KEY)
        assert record is not None and record.size == len(b"v3 clip") and record.sha256 is None
    assert user_version(tmp_path) == SCHEMA_VERSION
    assert "sha256" in columns(tmp_path, "clip_files")


def test_a_schema_4_store_gains_the_versions_and_keeps_its_records(tmp_path: Path) -> None:
    """Schema 5 adds clip_versions and replaced_clips (store/versions.py); every clip of a 4 stays version 0."""
    clip = tmp_path / "made.mp4"
    clip.write_bytes(b"v4 clip")
    with Store(tmp_path, create=True) as store:
        store.put_clip(KEY, clip)
        record = store.records.get(KEY)
    db = sqlite3.connect(tmp_path / ".storyboard" / "state.db", isolation_level=None)
    db.execute("DROP TABLE clip_versions")
    db.execute("DROP TABLE replaced_clips")
    db.execute("PRAGMA user_version=4")
    db.close()
    with Store(tmp_path) as store:
        assert store.records.get(KEY) == record and store.clip_damage(KEY) is None
        assert store.versions.get(KEY) == 0 and store.versions.all() == {} and store.versions.replaced(KEY) == []
    assert user_version(tmp_path) == SCHEMA_VERSION
    assert "version" in columns(tmp_path, "clip_versions") and "path" in columns(tmp_path, "replaced_clips")


# -- schema 7: the spend ledger ----------------------------------------------------------
def test_a_schema_2_store_gains_a_ledger_backfilled_from_its_build_records(tmp_path: Path) -> None:
    """What an old store's records know becomes ledger rows marked `backfill`; `cost` shows them and says so."""
    from decimal import Decimal

    from click.testing import CliRunner

    from storyboard.cli.main import cli

    make_schema_2_store(tmp_path)
    with Store(tmp_path) as store:
        (row,) = store.spending()
        assert (row.storyboard, row.shot, row.take, row.key, row.provider, row.job) == (
            "a.yaml",
            "pour",
            1,
            KEY,
            "wavespeed",
            "job-1",
        )
        # the record's 0.3 is not its list price 0.33: the provider reported it; the clip's probe gives the seconds
        assert (row.list_usd, row.reported_usd, row.paid_usd, row.seconds) == (
            Decimal("0.33"),
            Decimal("0.3"),
            Decimal("0.3"),
            5.0,
        )
        assert (row.time, row.source) == (2.0, "backfill")
    assert user_version(tmp_path) == SCHEMA_VERSION == 9
    with Store(tmp_path) as store:  # opened again: nothing copied twice
        assert len(store.spending()) == 1
    shown = CliRunner().invoke(cli, ["cost", str(tmp_path), "--format", "json"])
    assert shown.exit_code == 0, shown.output
    report = json.loads(shown.output)
    assert report["backfilled"] == 1 and report["total"]["paid_usd"] == 0.3 and report["total"]["jobs"] == 1
    text = CliRunner().invoke(cli, ["cost", str(tmp_path)])
    assert "copied from the build records of an older store" in text.output


def test_a_schema_6_store_backfills_built_records_only_then_appends(tmp_path: Path) -> None:
    from decimal import Decimal

    with Store(tmp_path, create=True) as store:
        store.record_build("a.yaml", "s1", "k1", {}, "local", status="built", cost_usd=0.0, list_cost_usd=0.0,
                           started=10.0, finished=11.0)  # fmt: skip
        store.record_build("a.yaml", "s2", "k2", {}, "qingbo", status="built", job="t-1", cost_usd=0.33,
                           list_cost_usd=0.33, started=12.0, finished=13.0, take=2)  # fmt: skip
        store.record_build("a.yaml", "s3", "k3", {}, "qingbo", status="failed", job="t-2", started=14.0)
    db = sqlite3.connect(tmp_path / ".storyboard" / "state.db", isolation_level=None)
    db.execute("DROP TABLE spend")
    db.execute("PRAGMA user_version=6")
    db.close()
    with Store(tmp_path) as store:
        rows = store.spending()
        assert [(r.shot, r.take, r.job, r.paid_usd, r.reported_usd, r.source) for r in rows] == [
            ("s1", 1, None, Decimal("0.0"), None, "backfill"),
            ("s2", 2, "t-1", Decimal("0.33"), None, "backfill"),  # equal to the list price: not known to be reported
        ]
        assert store.spending(since=12.5) == [rows[1]]
        # a build of the same job after the upgrade adds nothing; a new job is appended
        assert not store.record_spend("a.yaml", "s2", "k2", "qingbo", "t-1", take=2, list_usd=Decimal("0.33"),
                                      reported_usd=Decimal("0.33"), seconds=3.0)  # fmt: skip
        assert store.record_spend("a.yaml", "s2", "k2", "qingbo", "t-3", take=2, list_usd=Decimal("0.33"),
                                  reported_usd=Decimal("0.30"), seconds=3.0)  # fmt: skip
        assert [r.job for r in store.spending()] == [None, "t-1", "t-3"]
    assert user_version(tmp_path) == SCHEMA_VERSION


# -- schema 8: the generation a no-op plan compares (ops/memo.py) ----------------------------
def test_a_schema_7_store_gains_a_generation_counted_by_its_writes(tmp_path: Path) -> None:
    """The upgrade adds the counter at 0 and its triggers; rows kept, and every row written to a plan's tables
    counts, also with plain SQL (another tool): the triggers live in the file, not in this code."""
    from storyboard.store.state import read_generation

    with Store(tmp_path, create=True) as store:
        store.record_build("a.yaml", "s1", "k1", {}, "local", status="built")
    path = tmp_path / ".storyboard" / "state.db"
    db = sqlite3.connect(path, isolation_level=None)
    for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        db.execute(f"DROP TRIGGER {name}")
    db.execute("DELETE FROM meta WHERE name = 'generation'")
    db.execute("PRAGMA user_version=7")
    db.close()
    assert read_generation(path) is None  # not this schema: no memo trusts it
    with Store(tmp_path) as store:
        assert store.builds.takes("a.yaml")  # the record kept
    assert user_version(tmp_path) == SCHEMA_VERSION and read_generation(path) == 0
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("UPDATE builds SET status = 'failed'")
    db.execute("INSERT INTO jobs (key, provider, status, request, created, updated) VALUES ('k', 'p', 's', '{}', 0, 0)")
    db.execute("DELETE FROM clip_files")  # no row: nothing changed, nothing counted (row triggers)
    db.execute("INSERT INTO file_hashes VALUES ('/x', 1, 2, 3, 'f')")  # the hash cache decides no answer
    db.close()
    assert read_generation(path) == 2
