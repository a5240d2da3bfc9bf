"""`storyboard takes FILE SHOT`: each take's provider, job, time and price, read from the store's own records."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from storyboard.media.probe import probe_clip
from storyboard.ops import takes
from storyboard.ops.building import build
from storyboard.store import Store
from tests.conftest import Project
from tests.test_takes import HOSTED, compiled_of, edit

BOARD = """
version: 1
settings: {resolution: 480p, duration: 3}
shots:
  - id: pour
    takes: 3
    take: 2
    prompt: Latte art is poured.
  - id: sip
    continues: pour
    prompt: She sips the coffee.
"""


def _build(project: Project, path: Path) -> Any:
    result = build(compiled_of(path))
    assert result.ok, {s: r.error for s, r in result.run.shots.items()}
    return result


@pytest.fixture
def built(built_once):
    project, path, _ = built_once.get("test_takes_cli", BOARD, _build)
    return project, path


def listed(project: Project, path: Path, shot: str = "pour") -> dict[str, Any]:
    done = project.cli("takes", str(path), shot, "--format", "json")
    assert done.exit_code == 0, done.output
    report: dict[str, Any] = json.loads(done.output)
    return report


def iso(stamp: float) -> str:
    return datetime.fromtimestamp(stamp, UTC).isoformat(timespec="seconds")


def test_each_local_take_shows_who_made_it_when_how_long_and_its_clip(built) -> None:
    project, path = built
    report = listed(project, path)
    with Store(project.root) as store:
        records = store.builds.takes(path.name)
        key = report["key"]
        clips = [store.clip_path(key, take=k) for k in (1, 2, 3)]
    assert [t["take"] for t in report["takes"]] == [1, 2, 3]
    assert [t["picked"] for t in report["takes"]] == [False, True, False] and report["picked"] == 2
    for take, clip in zip(report["takes"], clips, strict=True):
        record = records[("pour", take["take"])]
        assert record.key == key
        assert (take["state"], take["built"], take["provider"], take["job"]) == ("built", True, "local", None)
        assert take["made"] == iso(record.finished) and take["made_from"] == "record"
        assert take["started"] == iso(record.started)
        assert take["generating_seconds"] == round(record.finished - record.started, 3) > 0
        assert take["paid"] == take["price"] == "0" and record.cost_usd == 0
        assert take["clip"] == str(clip) and take["bytes"] == clip.stat().st_size
        probed = probe_clip(clip)
        assert take["seconds"] == pytest.approx(probed.seconds, abs=0.05) and take["seconds"] == pytest.approx(
            3, abs=0.1
        )
        assert (take["width"], take["height"]) == (probed.width, probed.height)
        assert take["damage"] is None and take["flight"] is None and take["versions"] == []
    assert report["commands"] == {"pick": f"storyboard pick {path} pour K", "build": None}


def test_the_text_is_one_aligned_row_per_take_with_the_commands_to_pick_and_build(built) -> None:
    project, path = built
    with Store(project.root) as store:
        key = takes(path, "pour").key
        store.remove_clip(key, take=3)
    done = project.cli("takes", str(path), "pour")
    assert done.exit_code == 0, done.output
    lines = done.output.splitlines()
    rows = [line for line in lines if line[4:5].isdigit()]
    assert [row[2] for row in rows] == [" ", "*", " "]  # the picked take marked
    assert "* 2  built" in done.output
    assert all(" local " in row for row in rows[:2]) and "not built" in rows[2]
    head = lines[1]
    for column, starts in (("state", ("built", "not built")), ("provider", ("local", "-")), ("made", ("20", "-"))):
        assert all(row[head.index(column) :].startswith(starts) for row in rows), (column, done.output)  # aligned
    assert all("3.00 s" in row and ".mp4" in row for row in rows[:2])
    assert lines[-2].endswith(f"storyboard pick {path} pour K")
    assert lines[-1].endswith(f"storyboard build {path} --only pour#3")


def test_a_damaged_clip_shows_damaged_and_takes_writes_nothing(built) -> None:
    project, path = built
    key = takes(path, "pour").key
    with Store(project.root) as store:
        clip = store.clip_path(key, take=1)
    clip.write_bytes(clip.read_bytes()[:-100])  # cut short where it lies
    report = listed(project, path)
    first = report["takes"][0]
    assert (first["state"], first["built"]) == ("damaged", False)
    assert "damaged" in first["damage"] and first["clip"] == str(clip)
    assert [t["state"] for t in report["takes"][1:]] == ["built", "built"]
    assert report["commands"]["build"] == f"storyboard build {path} --only pour#1"
    assert clip.exists() and not (project.root / ".storyboard" / "quarantine").exists()  # nothing moved aside


def test_a_take_stored_by_another_storyboard_in_the_folder_shows_the_files_time(built) -> None:
    """Clips are shared by the folder, build records are per file: no record, so the clip's own time."""
    project, path = built
    other = project.write(path.read_text(encoding="utf-8"), name="other.yaml")
    mine, theirs = listed(project, path), listed(project, other)
    assert theirs["key"] == mine["key"]
    for take, clip in zip(theirs["takes"], mine["takes"], strict=True):
        assert (take["state"], take["provider"], take["clip"]) == ("built", "local", clip["clip"])
        assert take["made_from"] == "file" and take["made"] == iso(Path(take["clip"]).stat().st_mtime)
        assert take["paid"] is None and take["generating_seconds"] is None  # this file paid for nothing
        assert take["seconds"] == clip["seconds"]


def test_a_shot_edited_since_shows_its_takes_not_built(built) -> None:
    """The build records of the old key are still there: they are not this shot's takes any more."""
    project, path = built
    old = listed(project, path)
    edit(path, "prompt: Latte art is poured.", "prompt: Latte art is poured slowly.")
    report = listed(project, path)
    assert report["key"] != old["key"]
    with Store(project.root) as store:
        assert {r.key for (shot, _), r in store.builds.takes(path.name).items() if shot == "pour"} == {old["key"]}
    for take in report["takes"]:
        assert (take["state"], take["built"], take["provider"], take["job"]) == ("not built", False, None, None)
        assert take["made"] is None and take["clip"] is None and take["paid"] is None
    assert report["commands"]["build"] == f"storyboard build {path} --only pour"
    sip = listed(project, path, "sip")  # continues pour: its key changed with it
    assert [t["state"] for t in sip["takes"]] == ["not built"]


def test_a_hosted_take_shows_its_job_and_what_it_cost(hosted) -> None:
    h = hosted("wavespeed", HOSTED)
    code, output = h.build("--jobs", "1")
    assert code == 0, output
    path = h.project.root / "storyboard.yaml"
    report = listed(h.project, path, "one")
    jobs = [t["job"] for t in report["takes"]]
    assert len(set(jobs)) == 3 and set(jobs) <= set(h.server.jobs)  # each take its own job, one the provider made
    with Store(h.project.root) as store:
        journal = store.jobs.all()
        records = store.builds.takes(path.name)
    for take in report["takes"]:
        record = records[("one", take["take"])]
        assert take["state"] == "built" and take["provider"] == "wavespeed"
        assert take["job"] == record.job == journal[(report["key"], take["take"])].job_id
        # WaveSpeed reports no cost: what was paid is the list price, as plan showed it
        assert (
            Decimal(take["paid"]) == Decimal(str(record.cost_usd))
            and take["paid"] == take["paid_list"] == take["price"]
        )
        assert Decimal(take["paid"]) > 0
    assert h.server.submit_count(created=True) == 4  # listing the takes sent nothing
    # a build that resumed take 1's job after a crash records its own start: the time taken counts from the job's
    first, entry = records[("one", 1)], journal[(report["key"], 1)]
    with Store(h.project.root) as store:
        store.record_build(
            path.name, "one", first.key, first.inputs, first.provider, status="built", job=first.job, clip=first.clip,
            cost_usd=first.cost_usd, list_cost_usd=first.list_cost_usd, started=entry.created + 60,
            finished=entry.created + 70, take=1,
        )  # fmt: skip
    resumed = listed(h.project, path, "one")["takes"][0]
    assert resumed["started"] == iso(entry.created) and resumed["generating_seconds"] == pytest.approx(70, abs=0.01)


@pytest.mark.parametrize(
    "status, state, says",
    [
        ("submitted", "in flight", "submitted to wavespeed, job abc, 4 min ago"),
        ("done", "in flight", "finished at wavespeed, not stored yet, job abc, 4 min ago"),
        ("failed", "not built", "failed at wavespeed, job abc, 4 min ago (no clip)"),
    ],
)
def test_a_journalled_job_shows_the_take_in_flight(project: Project, status: str, state: str, says: str) -> None:
    path = project.write(HOSTED.format(provider="wavespeed"))
    key = takes(path, "one").key
    with Store(project.root, create=True) as store:
        store.journal_intent(key, "wavespeed", None, "{}", take=2)
        store.journal_update(key, status, job_id="abc", error="no clip" if status == "failed" else None, take=2)
        store.journal_intent("0" * 64, "wavespeed", "old", "{}", take=3)  # a job of another key: not this take
        created = store.journal(key, take=2).created  # type: ignore[union-attr]
    report = takes(path, "one", now=created + 4 * 60 + 5)
    second = report.takes[1]
    assert second.state == state and second.flight is not None and second.flight.summary == says
    assert (second.provider, second.job, second.clip, second.built) == ("wavespeed", "abc", None, False)
    assert [t.state for t in (report.takes[0], report.takes[2])] == ["not built", "not built"]
    assert report.takes[2].flight is None
    data = listed(project, path, "one")
    assert data["takes"][1]["state"] == state and data["takes"][1]["flight"]["job"] == "abc"
    assert data["takes"][1]["flight"]["status"] == status
    assert data["commands"]["build"] == f"storyboard build {path} --only one"
    text = project.cli("takes", str(path), "one")
    assert text.exit_code == 0 and f"{state}" in text.output and "job abc" in text.output
    resumed = "take 2 resumes its journalled job" in text.output  # the build polls it: nothing paid twice
    assert resumed == (status != "failed"), text.output  # a failed job is sent anew


def test_a_take_another_build_is_generating_shows_in_flight_until_its_claim_is_dropped(project: Project) -> None:
    path = project.write(BOARD)
    key = takes(path, "pour").key
    assert not (project.root / ".storyboard").exists()  # listing takes creates no store
    with Store(project.root, create=True) as store:
        claim = store.try_claim(key, take=3)  # as a running build holds it (the local provider journals nothing)
        assert claim is not None
        try:
            during = takes(path, "pour")
        finally:
            claim.release()
        again = store.try_claim(key, take=3)
        assert again is not None  # the look left the claim free
        again.release()
    assert [t.state for t in during.takes] == ["not built", "not built", "in flight"]
    assert during.takes[2].flight is not None
    assert during.takes[2].flight.summary == "a build is generating it with local now"
    assert [t.state for t in takes(path, "pour").takes] == ["not built"] * 3


def test_a_lost_job_asks_for_resubmit(project: Project) -> None:
    path = project.write(HOSTED.format(provider="wavespeed"))
    key = takes(path, "two").key
    with Store(project.root, create=True) as store:
        store.journal_intent(key, "wavespeed", "gone", "{}")
        store.journal_update(key, "lost", error="wavespeed answered that it has no job gone")
    report = takes(path, "two")
    assert report.takes[0].state == "not built" and report.takes[0].flight is not None
    assert report.build_command == f"storyboard build {path} --only two --resubmit"


def test_errors_stay_located_and_exit_codes_hold(project: Project, tmp_path: Path) -> None:
    path = project.write(BOARD)
    wrong = project.cli("takes", str(path), "pout", "--format", "json")
    assert wrong.exit_code == 1
    assert re.search(rf"{re.escape(str(path))}:\d+:\d+: no shot `pout`", wrong.output), wrong.output
    assert "did you mean `pour`" in wrong.output
    assert project.cli("takes", str(path)).exit_code == 2  # no SHOT: usage
    assert project.cli("takes", str(path), "pour", "--format", "yaml").exit_code == 2
    broken = project.write(BOARD.replace("take: 2", "take: 7"), name="broken.yaml")
    done = project.cli("takes", str(broken), "pour")
    assert done.exit_code == 1 and "broken.yaml:" in done.output
