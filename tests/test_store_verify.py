"""The store verifies what it hands out: a damaged clip is never cut, it is made (or fetched) again.

Each attack is done on a pristine copy of one local build (three 3 s shots, a 9 s film):
``plan`` must name exactly the damaged shots with the reason, ``build`` must render exactly
those, and the film must be the 9 s planned, with the storyboard and its inputs untouched
and nothing left in ``.storyboard/tmp``.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from storyboard.compile import Compiled, compile_storyboard
from storyboard.errors import StoreError
from storyboard.load import load
from storyboard.media.probe import probe_clip
from storyboard.ops import build
from storyboard.ops.building import BuildResult
from storyboard.plan import Plan, make_plan
from storyboard.store import Store, cliprecords
from tests.conftest import BuiltOnce, Project
from tests.fakes import FakeServer
from tests.hosted_fixtures import KEY, TEXT_ONLY

BOARD = """
version: 1
settings: {resolution: 480p, duration: 3}
shots:
  - {id: a, prompt: The cafe at dawn.}
  - {id: b, prompt: A cup on the table.}
  - {id: c, prompt: Rain on the window.}
"""
PLANNED = 9.0  # seconds: three 3 s shots
FRAME = 1 / 32


def compiled_of(path: Path) -> Compiled:
    compiled = compile_storyboard(load(path))
    assert compiled.ok, [d.message for d in compiled.diagnostics.errors]
    return compiled


def _build(project: Project, path: Path) -> BuildResult:
    result = build(compiled_of(path))
    assert result.ok, {s: r.error for s, r in result.run.shots.items()}
    return result


class Built:
    """A pristine copy of the build, its store's records refreshed by one plan (the stat path is armed)."""

    def __init__(self, project: Project, path: Path) -> None:
        self.project, self.path = project, path
        self.root = project.root / ".storyboard"
        self.inputs = self.fingerprint()
        self.plan = make_plan(compiled_of(path))  # the copy has new inodes: this plan reads each clip once
        assert {s.action for s in self.plan.shots} == {"cached"}

    def clip(self, sid: str) -> Path:
        with Store(self.project.root) as store:
            return store.clip_path(self.plan.shot(sid).key)

    def fingerprint(self) -> dict[str, str]:
        """The storyboard and every input file, by content: the attacks and rebuilds must not touch them."""
        files = [self.path, *sorted((self.project.root / "refs").iterdir())]
        return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in files}

    def replan(self) -> Plan:
        return make_plan(compiled_of(self.path))

    def rebuild_exactly(self, damaged: dict[str, str], *, film_stands: bool = True) -> None:
        """Plan names exactly ``damaged`` (shot -> words of its reason), build renders exactly those, the film is whole."""
        plan = self.replan()
        assert {s.id for s in plan.to_generate} == set(damaged), [(s.id, s.reasons) for s in plan.shots]
        for sid, words in damaged.items():
            assert any(words in r for r in plan.shot(sid).reasons), plan.shot(sid).reasons
        result = build(compiled_of(self.path))
        assert result.ok, {s: r.error for s, r in result.run.shots.items()}
        built = {sid for sid, r in result.run.shots.items() if r.status == "built"}
        assert built == set(damaged)
        assert {r.status for sid, r in result.run.shots.items() if sid not in damaged} <= {"cached"}
        # the film was cut from whole clips, and the previewer renders the same bytes again: it stands
        assert result.film is not None and (result.cut_method == "up to date") == film_stands
        assert abs(probe_clip(result.film).seconds - PLANNED) <= FRAME * 3
        result.film.unlink()  # cut again from the store's clips, every one checked by its sha256
        result = build(compiled_of(self.path))
        assert result.film is not None and result.cut_method != "up to date"
        assert {r.status for r in result.run.shots.values()} == {"cached"}
        assert abs(probe_clip(result.film).seconds - PLANNED) <= FRAME * 3
        assert self.fingerprint() == self.inputs
        assert list((self.root / "tmp").iterdir()) == []
        assert {s.action for s in self.replan().shots} == {"cached"}


@pytest.fixture
def built(built_once: BuiltOnce) -> Built:
    project, path, _ = built_once.get("test_store_verify", BOARD, _build)
    return Built(project, path)


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every clip the store reads to hash it (the stat fast path reads none)."""
    seen: list[str] = []
    real = cliprecords.file_sha256

    def counting(path: Path | str) -> str:
        seen.append(os.fspath(path))
        return real(path)

    monkeypatch.setattr(cliprecords, "file_sha256", counting)
    yield seen


def zero_in_place(clip: Path, *, keep_mtime: bool) -> None:
    """Overwrite every byte with zeros through the same inode; optionally put the old mtime back."""
    before = os.stat(clip)
    with open(clip, "r+b") as fh:
        fh.write(b"\0" * before.st_size)
    if keep_mtime:
        os.utime(clip, ns=(before.st_atime_ns, before.st_mtime_ns))
        after = os.stat(clip)
        assert (after.st_size, after.st_mtime_ns, after.st_ino) == (before.st_size, before.st_mtime_ns, before.st_ino)


# -- the no-op stays a stat per clip ---------------------------------------------------------
def test_a_no_op_plan_and_build_read_no_clip(built: Built, reads: list[str]) -> None:
    assert {s.action for s in built.replan().shots} == {"cached"}
    again = build(compiled_of(built.path))
    assert again.cut_method == "up to date" and {r.status for r in again.run.shots.values()} == {"cached"}
    assert reads == []


def test_a_clip_touched_but_whole_is_read_once_and_trusted(built: Built, reads: list[str]) -> None:
    clip = built.clip("b")
    os.utime(clip, ns=(0, 1_000_000_000))
    assert {s.action for s in built.replan().shots} == {"cached"}
    assert reads == [os.fspath(clip)]
    built.replan()
    assert reads == [os.fspath(clip)]  # re-recorded: a stat again


# -- each attack -------------------------------------------------------------------------------
def test_a_truncated_clip_regenerates_with_its_sizes(built: Built) -> None:
    clip = built.clip("b")
    size = clip.stat().st_size
    os.truncate(clip, size // 2)
    built.rebuild_exactly({"b": f"stored clip damaged (size {size // 2}, recorded {size})"})
    (aside,) = (built.root / "quarantine").iterdir()  # the damaged file is moved aside, not deleted
    assert aside.stat().st_size == size // 2 and aside.name.startswith(clip.stem)


def test_a_clip_zeroed_in_place_regenerates(built: Built) -> None:
    zero_in_place(built.clip("c"), keep_mtime=False)
    built.rebuild_exactly({"c": "stored clip damaged (sha256 "})


def test_a_clip_zeroed_with_its_mtime_put_back_is_caught_by_its_ctime(built: Built, reads: list[str]) -> None:
    """Size, mtime and inode all as recorded: only the ctime (which no utime can set) gives it away."""
    clip = built.clip("a")
    zero_in_place(clip, keep_mtime=True)
    plan = built.replan()
    assert reads == [os.fspath(clip)]  # read because its ctime moved, not because of a full scan
    assert plan.shot("a").action == "generate"
    built.rebuild_exactly({"a": "stored clip damaged (sha256 "})


def test_two_swapped_clips_both_regenerate(built: Built) -> None:
    os.replace(built.clip("a"), built.clip("c"))  # a's clip renamed onto c's
    built.rebuild_exactly({"a": "its clip is missing from the store", "c": "stored clip damaged"})


def test_a_clip_whose_record_was_deleted_regenerates(built: Built) -> None:
    db = sqlite3.connect(built.root / "state.db")
    with db:
        db.execute("DELETE FROM clip_files WHERE key = ?", (built.plan.shot("b").key,))
    db.close()
    built.rebuild_exactly({"b": "stored clip has no record of its size and sha256"})


# -- between plan and cut ------------------------------------------------------------------------
def test_a_clip_damaged_after_the_plan_stops_the_cut_naming_the_shot(built: Built) -> None:
    """The cut hashes every clip it cuts: a StoreError naming the shot and its clip, never ffmpeg's words."""
    plan = built.replan()
    film = built.project.root / "out" / "storyboard.mp4"
    film.unlink()  # the film must be cut again, from the clips
    clip = built.clip("b")
    zero_in_place(clip, keep_mtime=True)
    with pytest.raises(StoreError) as caught:
        build(compiled_of(built.path), plan=plan)
    message = str(caught.value)
    assert "shot `b`" in message and os.fspath(clip) in message and "stored clip damaged (sha256" in message
    assert "Build again" in message
    assert not film.exists() and not clip.exists()
    assert [p.name.split(".")[0] for p in (built.root / "quarantine").iterdir()] == [clip.stem]
    assert list((built.root / "tmp").iterdir()) == []
    built.rebuild_exactly({"b": "its clip is missing from the store"}, film_stands=False)


# -- a full disk while storing -----------------------------------------------------------------------
def test_a_full_disk_while_storing_a_clip_leaves_nothing_behind(built: Built, monkeypatch: pytest.MonkeyPatch) -> None:
    clip = built.clip("b")
    os.truncate(clip, 10)
    real = os.fsync

    def full(fd: int) -> None:
        if os.path.dirname(os.readlink(f"/proc/self/fd/{fd}")).startswith(os.fspath(built.root / "tmp")):
            raise OSError(28, "No space left on device")
        real(fd)

    monkeypatch.setattr(os, "fsync", full)
    result = build(compiled_of(built.path))
    monkeypatch.undo()
    assert result.run.shots["b"].status == "failed" and "No space left" in (result.run.shots["b"].error or "")
    assert result.film is None and result.missing == ["b"]
    assert not clip.exists() and list((built.root / "tmp").iterdir()) == []
    built.rebuild_exactly({"b": "its clip is missing from the store"})


# -- a hosted clip is fetched again, not paid again ------------------------------------------------
@pytest.fixture
def wavespeed(project: Project, fake_net: Callable[..., FakeServer], monkeypatch: pytest.MonkeyPatch) -> Any:
    server = fake_net("wavespeed", key=KEY)
    for name, value in {
        "WAVESPEED_BASE_URL": server.base_url,
        "WAVESPEED_API_KEY": KEY,
        "WAVESPEED_SUBMITS_PER_MINUTE": "1000",
        "STORYBOARD_POLL_SECONDS": "0.01",
        "STORYBOARD_RETRY_SECONDS": "0.01",
    }.items():
        monkeypatch.setenv(name, value)
    path = project.write(TEXT_ONLY.format(provider="wavespeed"))
    result = project.cli("build", str(path), "--yes")
    assert result.exit_code == 0, result.output
    assert server.submit_count(created=True) == 3
    return project, path, server


def test_a_damaged_hosted_clip_is_fetched_again_from_its_job_at_no_cost(wavespeed: Any) -> None:
    project, path, server = wavespeed
    plan = make_plan(compiled_of(path))
    clip = Store(project.root).clip_path(plan.shot("two").key)
    size = clip.stat().st_size
    os.truncate(clip, 100)
    again = make_plan(compiled_of(path))
    two = again.shot("two")
    assert [s.id for s in again.to_generate] == ["two"] and two.cost == 0 and two.resumes
    assert two.reasons[0] == f"stored clip damaged (size 100, recorded {size})"
    assert "already paid, not sent again" in two.reasons[1]
    result = project.cli("build", str(path), "--yes")
    assert result.exit_code == 0, result.output
    assert server.submit_count(created=True) == 3  # not one job more
    assert clip.stat().st_size == size
    assert abs(probe_clip(project.root / "out" / "film.mp4").seconds - PLANNED) <= FRAME * 3
    assert list((project.root / ".storyboard" / "tmp").iterdir()) == []


def test_a_damaged_hosted_clip_whose_result_is_gone_is_never_paid_silently(wavespeed: Any) -> None:
    project, path, server = wavespeed
    clip = Store(project.root).clip_path(make_plan(compiled_of(path)).shot("one").key)
    os.truncate(clip, 100)
    server.inject("download", "404")  # the result URL expired; polling the job gives the same URL
    result = project.cli("build", str(path), "--yes")
    assert result.exit_code == 1 and "--resubmit" in result.output and "`one`" in result.output, result.output
    assert server.submit_count(created=True) == 3  # nothing sent without being asked
    assert not clip.exists() and list((project.root / ".storyboard" / "tmp").iterdir()) == []
    asked = project.cli("build", str(path), "--only", "one", "--resubmit")  # no --yes: the price is shown, not paid
    assert asked.exit_code == 4 and "add --yes to spend it" in asked.output, asked.output
    assert "--resubmit: wavespeed job" in asked.output and "a new one is paid" in asked.output
    assert server.submit_count(created=True) == 3
    paid = project.cli("build", str(path), "--yes", "--only", "one", "--resubmit")
    assert paid.exit_code == 0, paid.output
    assert server.submit_count(created=True) == 4  # asked for: one new job
    assert abs(probe_clip(project.root / "out" / "film.mp4").seconds - PLANNED) <= FRAME * 3


def test_cutting_a_clip_file_that_is_gone_names_the_file(built: Built) -> None:
    """The cut's own API: a missing clip is named, not ffmpeg's temporary list file."""
    from storyboard.cut import cut_film
    from storyboard.errors import RenderError

    clips = [built.clip(s) for s in "abc"]
    gone = clips[1]
    gone.unlink()
    with pytest.raises(RenderError, match="no clip file " + str(gone)):
        cut_film(clips, built.project.root / "out" / "again.mp4", (854, 480))
    assert not (built.project.root / "out" / "again.mp4").exists()
