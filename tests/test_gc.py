"""`storyboard gc --keep-days N [--dry-run]`: what no storyboard of the folder references and is old goes.

A storyboard built offline (provider `local`, conformed to 24 fps so every clip has a conformed
copy), its first shot's prompt edited and rebuilt twice: two clips (and their conformed copies)
are orphaned. Files are aged with os.utime; each test reads the store afterwards (its files and
its rows in state.db) and, where it matters, rebuilds to show nothing is generated again.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from storyboard import ops
from storyboard.ops import build
from storyboard.plan import make_plan
from storyboard.store import Store
from storyboard.store.garbage import CLIP, GarbageSource, Item
from tests.conftest import Project, compiled_of

BOARD = """
version: 1
settings: {resolution: 480p, duration: 3, fps: 24}
shots:
  - id: open
    prompt: The cafe at dawn.
  - id: pour
    takes: 2
    prompt: Latte art is poured.
  - id: sip
    continues: pour
    prompt: She sips the coffee.
"""
PROMPTS = ("The cafe at dawn.", "The cafe at noon.", "The cafe at dusk.")  # the last one is current
OLD = 30 * 86400.0


@dataclass(frozen=True)
class Edited:
    orphans: list[str]  # the keys of `open` before each edit, oldest first
    current: dict[str, str]  # shot -> its key now


def edit_and_rebuild(project: Project, path: Path) -> Edited:
    orphans = []
    for before, after in zip(PROMPTS, PROMPTS[1:], strict=False):
        result = build(compiled_of(path))
        assert result.ok, {s: r.error for s, r in result.run.shots.items()}
        orphans.append(result.plan.shot("open").key)
        path.write_text(path.read_text().replace(before, after))
    result = build(compiled_of(path))
    assert result.ok and result.cut_method != "up to date"
    return Edited(orphans, {s.id: s.key for s in result.plan.shots})


@pytest.fixture
def edited(built_once) -> tuple[Project, Path, Edited]:
    return built_once.get("test_gc", BOARD, edit_and_rebuild)


def store_dir(project: Project) -> Path:
    return project.root / ".storyboard"


def clip_file(project: Project, key: str, take: int = 1) -> Path:
    return Store(project.root).clip_path(key, take=take)


def conformed_of(project: Project, key: str) -> list[Path]:
    return sorted((store_dir(project) / "conformed").glob(f"{key}.*.mp4"))


def age(paths: Iterable[Path], seconds: float = OLD) -> None:
    when = time.time() - seconds
    for p in paths:
        os.utime(p, (when, when))


def age_store(project: Project, *, except_keys: Sequence[str] = ()) -> None:
    """Every clip and conformed copy made 30 days ago, but those of ``except_keys`` (left as just made)."""
    files = [*(store_dir(project) / "clips").rglob("*.mp4"), *(store_dir(project) / "conformed").glob("*.mp4")]
    age(p for p in files if not any(p.name.startswith(k) for k in except_keys))


def snapshot(project: Project) -> dict[str, str]:
    """Every file under the folder but the database (whose hash cache a read may refresh): its sha256 and mtime."""
    return {
        str(p.relative_to(project.root)): f"{hashlib.sha256(p.read_bytes()).hexdigest()}:{p.stat().st_mtime_ns}"
        for p in project.root.rglob("*")
        if p.is_file() and not p.name.startswith("state.db")
    }


def rows(project: Project, table: str) -> set[tuple[str, int]]:
    with sqlite3.connect(store_dir(project) / "state.db") as db:
        return {(k, t) for k, t in db.execute(f"SELECT key, take FROM {table}")}


def gc_json(project: Project, *args: str) -> dict:
    result = project.cli("gc", str(project.root), "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def orphan_files(project: Project, keys: Iterable[str]) -> set[str]:
    found = set()
    for key in keys:
        found.add(str(clip_file(project, key).relative_to(store_dir(project))))
        found |= {str(p.relative_to(store_dir(project))) for p in conformed_of(project, key)}
    return found


def test_the_edits_orphaned_two_clips_each_with_its_conformed_copy(edited) -> None:
    project, _, e = edited
    assert len(set(e.orphans)) == 2 and not set(e.orphans) & set(e.current.values())
    for key in [*e.orphans, *e.current.values()]:
        assert clip_file(project, key).is_file() and len(conformed_of(project, key)) == 1


def test_dry_run_lists_exactly_the_old_unreferenced_clips_and_removes_nothing(edited) -> None:
    project, _, e = edited
    age_store(project)
    before, records = snapshot(project), rows(project, "clip_files")
    said = gc_json(project, "--keep-days", "7", "--dry-run")
    assert said["dry_run"] is True and said["storyboards"] == ["storyboard.yaml"]
    assert {i["name"] for i in said["removed"]} == orphan_files(project, e.orphans)
    sizes = sum((store_dir(project) / n).stat().st_size for n in orphan_files(project, e.orphans))
    assert said["freed_bytes"] == sizes
    assert snapshot(project) == before and rows(project, "clip_files") == records


def test_gc_removes_exactly_those_and_their_rows_and_the_film_rebuilds_as_a_no_op(edited) -> None:
    project, path, e = edited
    age_store(project)
    before = snapshot(project)
    gone = {str(Path(".storyboard") / n) for n in orphan_files(project, e.orphans)}
    result = project.cli("gc", str(project.root), "--keep-days", "7")
    assert result.exit_code == 0, result.output
    assert set(before) - set(snapshot(project)) == gone
    assert {k: v for k, v in before.items() if k not in gone} == snapshot(project)  # the rest untouched
    assert "freed" in result.output and all(Path(n).name in result.output for n in gone)
    for table in ("clip_files", "clip_info"):
        assert not {k for k, _ in rows(project, table)} & set(e.orphans)
        assert {k for k, _ in rows(project, table)} >= set(e.current.values())
    with sqlite3.connect(store_dir(project) / "state.db") as db:
        assert not {k for (k,) in db.execute("SELECT key FROM conformed")} & set(e.orphans)
    again = build(compiled_of(path))
    statuses = {label: r.status for label, r in again.run.shots.items()}
    assert set(statuses.values()) == {"cached"} and again.cut_method == "up to date", statuses
    assert gc_json(project, "--keep-days", "7")["removed"] == []  # nothing left to remove


def test_a_referenced_old_clip_stays_and_a_young_unreferenced_one_stays(edited) -> None:
    project, _, e = edited
    oldest, younger = e.orphans
    age_store(project, except_keys=[younger])  # the later orphan was made today
    expected = orphan_files(project, [oldest])
    said = gc_json(project, "--keep-days", "7")
    assert {i["name"] for i in said["removed"]} == expected
    assert not clip_file(project, oldest).exists() and not conformed_of(project, oldest)
    assert clip_file(project, younger).is_file() and conformed_of(project, younger)
    for key in e.current.values():  # 30 days old, but referenced
        assert clip_file(project, key).is_file() and conformed_of(project, key)
    assert clip_file(project, e.current["pour"], take=2).is_file()  # a take the cut does not use is referenced


def test_keep_days_zero_removes_every_unreferenced_clip_however_young(edited) -> None:
    project, _, e = edited
    expected = orphan_files(project, e.orphans)
    said = gc_json(project, "--keep-days", "0")
    assert {i["name"] for i in said["removed"]} == expected
    assert not any(clip_file(project, k).exists() for k in e.orphans)
    assert all(clip_file(project, k).is_file() for k in e.current.values())


def test_a_clip_with_an_unfinished_journalled_job_stays(edited) -> None:
    project, _, e = edited
    age_store(project)
    oldest, other = e.orphans
    with Store(project.root) as store:
        store.journal_intent(oldest, "wavespeed", "job-7", "{}")
        store.journal_update(oldest, "submitted", job_id="job-7")
    said = gc_json(project, "--keep-days", "7")
    assert [(i["name"], "unfinished" in i["why"]) for i in said["in_use"]] == [
        (str(clip_file(project, oldest).relative_to(store_dir(project))), True)
    ]
    assert clip_file(project, oldest).is_file() and not clip_file(project, other).exists()
    with Store(project.root) as store:  # a job that ended without a clip protects nothing
        store.journal_update(oldest, "failed", error="refused")
    gc_json(project, "--keep-days", "7")
    assert not clip_file(project, oldest).exists()


def test_a_clip_whose_claim_a_build_holds_stays(edited) -> None:
    project, _, e = edited
    age_store(project)
    oldest, other = e.orphans
    with Store(project.root) as store:
        claim = store.try_claim(oldest)
        assert claim is not None
        try:
            result = project.cli("gc", str(project.root), "--keep-days", "7")
        finally:
            claim.release()
    assert result.exit_code == 0, result.output
    assert "a build holds its claim" in result.output
    assert clip_file(project, oldest).is_file() and not clip_file(project, other).exists()


def test_a_broken_storyboard_in_the_folder_makes_gc_refuse_and_remove_nothing(edited) -> None:
    project, _, e = edited
    age_store(project)
    project.write("version: 1\nsettings: {duration: 2}\nshots:\n  - id: a\n    prompt: x\n", "other.yaml")
    project.write("jobs: {test: {runs-on: ubuntu}}\n", "ci.yml")  # not a storyboard: ignored
    before = snapshot(project)
    result = project.cli("gc", str(project.root), "--keep-days", "7")
    assert result.exit_code == 1
    assert "other.yaml" in result.output and "removed nothing" in result.output and "duration" in result.output
    assert snapshot(project) == before
    (project.root / "other.yaml").write_text("shots: [unclosed\n")  # not even YAML: refused too
    before = snapshot(project)
    result = project.cli("gc", str(project.root), "--keep-days", "7")
    assert (
        result.exit_code == 1
        and "does not compile (other.yaml:" in result.output
        and "removed nothing" in result.output
    )
    assert snapshot(project) == before


def test_another_storyboard_of_the_folder_keeps_what_it_references(edited) -> None:
    project, path, e = edited
    age_store(project)
    oldest, other = e.orphans
    second = project.write(BOARD, "second.yaml")  # the dawn version, as a second storyboard beside the first
    assert make_plan(compiled_of(second)).shot("open").key == oldest
    expected = orphan_files(project, [other])
    said = gc_json(project, "--keep-days", "7")
    assert said["storyboards"] == ["second.yaml", "storyboard.yaml"]
    assert {i["name"] for i in said["removed"]} == expected
    assert clip_file(project, oldest).is_file() and conformed_of(project, oldest)


def test_conformed_copies_in_a_format_no_film_uses_any_more_go_their_clips_stay(edited) -> None:
    project, path, e = edited
    age_store(project)
    path.write_text(path.read_text().replace("fps: 24", "fps: 25"))  # the film's rate: not in any shot's key
    assert {s.key for s in make_plan(compiled_of(path)).shots} == set(e.current.values())
    conformed = {str(p.relative_to(store_dir(project))) for p in (store_dir(project) / "conformed").glob("*.mp4")}
    expected = orphan_files(project, e.orphans) | conformed
    said = gc_json(project, "--keep-days", "7", "--dry-run")
    assert {i["name"] for i in said["removed"]} == expected and len(conformed) == 5  # the cut: open, pour (take 1), sip


def test_every_deliverable_of_a_storyboard_references_its_own_keys(edited) -> None:
    project, _, e = edited
    age_store(project)
    oldest, other = e.orphans
    films = BOARD + 'deliverables:\n  square: {aspect_ratio: "1:1"}\n  wide: {aspect_ratio: "16:9"}\n'
    second = project.write(films, "films.yaml")  # its second film is the dawn version
    plans = ops.plans(second)
    assert [p.deliverable for p in plans.films] == ["square", "wide"]
    assert plans.films[1].shot("open").key == oldest != plans.films[0].shot("open").key
    expected = orphan_files(project, [other])
    said = gc_json(project, "--keep-days", "7")
    assert {i["name"] for i in said["removed"]} == expected
    assert clip_file(project, oldest).is_file() and conformed_of(project, oldest)  # the wide film's format


def test_old_quarantined_replaced_and_segment_files_go_young_ones_stay(edited) -> None:
    project, _, e = edited
    root = store_dir(project)
    key = e.orphans[0]
    (root / "quarantine").mkdir()
    old_q = root / "quarantine" / f"{key}.{time.time_ns() - int(OLD * 1e9)}.mp4"
    new_q = root / "quarantine" / f"{key}.take2.{time.time_ns()}.mp4"
    (root / "segments").mkdir()
    old_s, new_s = root / "segments" / f"{'a' * 32}.mp4", root / "segments" / f"{'b' * 32}.mp4"
    (root / "replaced" / key[:2]).mkdir(parents=True)
    old_r = root / "replaced" / key[:2] / f"{key}.v0.mp4"
    for p in (old_q, new_q, old_s, new_s, old_r):
        p.write_bytes(b"x" * 100)
    age([old_s])
    with sqlite3.connect(root / "state.db") as db:
        db.execute("INSERT INTO meta VALUES (?, ?)", (f"segment:{old_s.name}", "100:x"))
        db.execute(  # superseded 30 days ago: its row's time, not the file's, is its age
            "INSERT INTO replaced_clips VALUES (?, 1, 0, ?, 100, NULL, ?)",
            (key, str(old_r.relative_to(root)), time.time() - OLD),
        )
    said = gc_json(project, "--keep-days", "7")
    kinds = {i["name"]: i["kind"] for i in said["removed"]}
    assert {n: k for n, k in kinds.items() if k in ("quarantine", "segment", "replaced")} == {
        str(old_q.relative_to(root)): "quarantine",
        str(old_s.relative_to(root)): "segment",
        str(old_r.relative_to(root)): "replaced",
    }
    assert not old_q.exists() and not old_s.exists() and not old_r.exists() and new_q.exists() and new_s.exists()
    with sqlite3.connect(root / "state.db") as db:
        assert db.execute("SELECT COUNT(*) FROM meta WHERE name LIKE 'segment:%'").fetchone()[0] == 0
        assert db.execute("SELECT COUNT(*) FROM replaced_clips").fetchone()[0] == 0


@dataclass
class Remote:
    """A store elsewhere, as gc sees one: what it holds, what is busy, what it was asked to remove."""

    held: list[Item]
    busy_keys: set[str] = field(default_factory=set)
    removed: list[Item] = field(default_factory=list)
    where: str = "s3://team/store"

    def list(self) -> Iterable[Item]:
        return list(self.held)

    def busy(self, item: Item) -> str | None:
        return "a live claim" if item.key in self.busy_keys else None

    def remove(self, items: Sequence[Item]) -> list[Item]:
        self.removed += items
        return list(items)


def test_an_extra_source_gets_the_same_rule(edited) -> None:
    project, _, e = edited
    old, young = time.time() - OLD, time.time()
    stale, busy, fresh = "1" * 64, "2" * 64, "3" * 64
    held = [
        Item("s3://team/store", CLIP, f"clips/{k[:2]}/{k}.mp4", 10, when, k, 1)
        for k, when in [(stale, old), (busy, old), (fresh, young), (e.current["open"], old)]
    ]
    remote = Remote(held, busy_keys={busy})
    assert isinstance(remote, GarbageSource)
    result = ops.gc(project.root, keep_days=7, sources=[remote])
    assert [i.key for i in remote.removed] == [stale]
    assert [(i.key, why) for i, why in result.in_use] == [(busy, "a live claim")]
    assert stale in {i.key for i in result.removed}
    remote.removed.clear()
    ops.gc(project.root, keep_days=7, sources=[remote], dry_run=True)
    assert remote.removed == []


@pytest.mark.parametrize("args", [["--keep-days", "-1"], [], ["--keep-days", "seven"]])
def test_usage_errors_exit_2(project: Project, args: list[str]) -> None:
    result = project.cli("gc", str(project.root), *args)
    assert result.exit_code == 2, result.output


def test_a_folder_without_a_store_has_nothing_to_remove(project: Project) -> None:
    project.write(BOARD)
    said = gc_json(project, "--keep-days", "0")
    assert said["removed"] == [] and said["storyboards"] == ["storyboard.yaml"]
    assert not store_dir(project).exists()


# -- a finished cut's pieces (segments/) ---------------------------------------------------
CUT = """
version: 1
settings: {resolution: 480p, duration: 3, fps: 25}
shots:
  - {id: o, prompt: the opening}
  - {id: a, prompt: the first shot}
cut:
  - o
  - {shot: a, transition: {type: crossfade, seconds: 0.5}}
  - {card: {text: The end, seconds: 2, background: "#ff0000"}, id: endcard, transition: {type: wipeleft, seconds: 0.4}}
"""


def segments(project: Project) -> set[str]:
    return {p.name for p in (store_dir(project) / "segments").glob("*.mp4")}


def cut_then_change_a_transition(project: Project, path: Path) -> tuple[set[str], set[str]]:
    assert build(compiled_of(path)).ok
    first = segments(project)
    path.write_text(path.read_text().replace("type: crossfade", "type: dissolve"))
    assert build(compiled_of(path)).ok
    return first, segments(project) - first  # the pieces the first cut made, those the change made


def test_the_pieces_of_the_current_cut_stay_however_old_and_the_replaced_ones_go(built_once) -> None:
    project, path, (first, made) = built_once.get("test_gc_cut", CUT, cut_then_change_a_transition)
    assert first and made  # the change re-encoded its transition alone: one piece in place of one
    age((store_dir(project) / "segments").glob("*.mp4"))
    said = gc_json(project, "--keep-days", "7")
    removed = {Path(i["name"]).name for i in said["removed"] if i["kind"] == "segment"}
    assert removed and removed <= first and len(removed) == len(made)
    assert segments(project) == (first | made) - removed
    # a change that cuts the film again but leaves its pieces as they were: every piece is found, none encoded
    path.write_text(path.read_text().replace("fps: 25}", "fps: 25, loudness: -16}"))
    kept = {p.name: p.stat().st_mtime_ns for p in (store_dir(project) / "segments").glob("*.mp4")}
    again = build(compiled_of(path))
    assert again.ok and again.cut_method != "up to date"
    assert {p.name: p.stat().st_mtime_ns for p in (store_dir(project) / "segments").glob("*.mp4")} == kept


def test_an_included_part_is_not_a_storyboard_of_its_own_and_its_shots_are_referenced(project: Project) -> None:
    project.write(
        "shots:\n  - {id: two, prompt: Second.}\n", "part.yaml"
    )  # no version: a part, compiled by its includer
    board = project.write(
        "version: 1\nsettings: {resolution: 480p, duration: 3}\ninclude: [part.yaml]\nshots:\n  - {id: one, prompt: First.}\n"
    )
    assert project.cli("build", str(board), "--yes").exit_code == 0
    age_store(project)
    result = project.cli("gc", str(project.root), "--keep-days", "0", "--format", "json")
    assert result.exit_code == 0, result.output
    said = json.loads(result.output)
    assert said["storyboards"] == ["storyboard.yaml"]
    assert [i for i in said["removed"] if i["kind"] == "clip"] == []  # both shots' clips are referenced
