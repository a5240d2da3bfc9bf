"""Takes: several variants of a shot, each its own clip; `take` picks the one the cut and the dependants use."""

from __future__ import annotations

import json
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from storyboard.media.probe import probe_clip
from storyboard.ops import build
from storyboard.plan import make_plan
from storyboard.store import Store
from tests.conftest import Project, build_clean, codes, compiled_of, ffmpeg_exe

BOARD = """
version: 1
settings: {resolution: 480p, duration: 3}
shots:
  - id: pour
    takes: 3
    prompt: Latte art is poured.
  - id: sip
    continues: pour
    prompt: She sips the coffee.
"""
FRAME = 1 / 32


@pytest.fixture
def built(built_once):
    return built_once.get("test_takes", BOARD, build_clean)


def clips_in(root: Path) -> list[Path]:
    return sorted((root / ".storyboard" / "clips").rglob("*.mp4"))


def first_frame(video: Path) -> bytes:
    args = [ffmpeg_exe(), "-loglevel", "error", "-i", str(video), "-frames:v", "1", "-f", "rawvideo", "-"]
    return subprocess.run(args, check=True, capture_output=True).stdout


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_three_take_shot_stores_three_different_clips(built) -> None:
    project, path, result = built
    assert {sid: r.status for sid, r in result.run.shots.items()} == {
        "pour": "built",
        "pour#2": "built",
        "pour#3": "built",
        "sip": "built",
    }
    plan = make_plan(compiled_of(path))
    key = plan.shot("pour").key
    with Store(project.root) as store:
        takes = [store.clip_path(key, take=k) for k in (1, 2, 3)]
    assert [p.name for p in takes] == [f"{key}.mp4", f"{key}.take2.mp4", f"{key}.take3.mp4"]
    assert len(clips_in(project.root)) == 4  # three takes of pour, one of sip
    contents = [p.read_bytes() for p in takes]
    assert len(set(contents)) == 3
    assert len({first_frame(p) for p in takes}) == 3  # drawn apart, not only muxed apart
    assert result.run.clip("pour") == takes[0]  # the default pick is take 1
    assert all(s.action == "cached" for s in plan.shots)


def test_picking_take_two_regenerates_only_the_dependant_and_changes_the_film(built) -> None:
    project, path, result = built
    film_before, frame_before = result.film.read_bytes(), first_frame(result.film)
    before = clips_in(project.root)
    edit(path, "    takes: 3\n", "    takes: 3\n    take: 2\n")
    plan = make_plan(compiled_of(path))
    rows = {s.label: s for s in plan.shots}
    assert [rows[f].action for f in ("pour", "pour#2", "pour#3")] == ["cached"] * 3
    assert rows["sip"].action == "generate"
    assert any("upstream take changed" in r for r in rows["sip"].reasons), rows["sip"].reasons
    assert plan.shot("pour").label == "pour#2"

    again = build(compiled_of(path))
    assert again.ok
    assert {sid: r.status for sid, r in again.run.shots.items()} == {
        "pour": "cached",
        "pour#2": "cached",
        "pour#3": "cached",
        "sip": "built",
    }
    assert len(clips_in(project.root)) == len(before) + 1  # the new sip; no take of pour again
    assert again.film is not None
    assert again.film.read_bytes() != film_before
    assert first_frame(again.film) != frame_before
    assert first_frame(again.film) == first_frame(again.run.clip("pour"))
    assert abs(probe_clip(again.film).seconds - 6) <= FRAME * 3
    assert all(s.action == "cached" for s in make_plan(compiled_of(path)).shots)


def test_raising_takes_generates_only_the_new_take_and_lowering_deletes_nothing(built) -> None:
    project, path, _ = built
    edit(path, "takes: 3", "takes: 4")
    plan = make_plan(compiled_of(path))
    assert [s.label for s in plan.to_generate] == ["pour#4"]
    assert plan.to_generate[0].reasons == ["new take 4 of 4"]
    raised = build(compiled_of(path))
    assert [sid for sid, r in raised.run.shots.items() if r.status == "built"] == ["pour#4"]
    assert len(clips_in(project.root)) == 5

    kept = clips_in(project.root)
    edit(path, "takes: 4", "takes: 2")
    lowered = make_plan(compiled_of(path))
    assert [s.label for s in lowered.shots] == ["pour", "pour#2", "sip"]
    assert lowered.to_generate == []
    assert not any(r.status == "built" for r in build(compiled_of(path)).run.shots.values())
    assert clips_in(project.root) == kept  # nothing deleted


def test_a_take_beyond_the_takes_is_a_located_error(project: Project) -> None:
    path = project.write(BOARD.replace("    takes: 3\n", "    takes: 3\n    take: 5\n"))
    result = project.cli("check", str(path))
    assert result.exit_code == 1
    assert f"{path}:6:11: error[R005]" in result.output
    assert "shot `pour` picks take 5 but has only 3 takes" in result.output
    diags = project.diagnostics(BOARD.replace("  - id: sip\n", "  - id: sip\n    take: 2\n"))
    assert codes(diags) == ["R005"]  # one take by default
    assert diags[0].shot == "sip"
    assert "has only 1 take (the default)" in diags[0].message


@pytest.mark.parametrize("takes", [1, 2, 3, 4])
def test_plan_json_prices_every_take(project: Project, takes: int) -> None:
    text = BOARD.replace("takes: 3", f"takes: {takes}").replace("480p", "720p").replace("    continues: pour\n", "")
    path = project.write(text)
    result = project.cli("plan", "--provider", "wavespeed", "--format", "json", str(path))
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    pour = [row for row in plan["shots"] if row["id"] == "pour"]
    assert [row["take"] for row in pour] == list(range(1, takes + 1))
    assert [row["picked"] for row in pour] == [True] + [False] * (takes - 1)
    assert {row["action"] for row in pour} == {"generate"}
    assert len({row["key"] for row in pour}) == 1  # one key; the take tells the clips apart
    one = Decimal(str(pour[0]["cost_usd"]))
    assert one > 0 and all(Decimal(str(row["cost_usd"])) == one for row in pour)
    sip = Decimal(str(next(row for row in plan["shots"] if row["id"] == "sip")["cost_usd"]))
    assert Decimal(str(plan["total_cost_usd"])).quantize(Decimal("0.01")) == (one * takes + sip).quantize(
        Decimal("0.01")
    )


def test_plan_text_groups_takes_under_their_shot(project: Project) -> None:
    path = project.write(BOARD.replace("    takes: 3\n", "    takes: 3\n    take: 3\n"))
    out = project.cli("plan", str(path)).output
    assert out.count("pour") == 1  # takes alike (all new): the shot's one line says them
    assert "3 x $0.00  new shot: 3 takes, the cut uses #3" in out
    assert "2 shots (4 takes): 4 takes to generate, 0 cached." in out
    project.cli("build", str(path), "--only", "pour#2")
    out = project.cli("plan", str(path)).output
    assert out.count("pour") == 1  # takes unalike: the shot's line, then one line per take under it
    assert "3 takes, the cut uses #3" in out
    assert "#1 " in out and "#2 " in out and "#3 *" in out


def test_a_one_take_storyboard_keeps_the_keys_it_had_before_takes(project: Project) -> None:
    """These keys were computed by the code before takes existed: a store built then stays cached."""
    text = """
    version: 1
    settings: {resolution: 480p, duration: 3}
    shots:
      - id: a
        prompt: A cup on a table.
      - id: b
        continues: a
        prompt: The cup is lifted.
    """
    path = project.write(text)
    keys = {s.id: s.key for s in make_plan(compiled_of(path)).shots}
    assert keys == {
        "a": "61b98c65e21150f1a3f3e356c350b8d3886f3a4f321c0e9a39d54d71f48318de",
        "b": "fb37c03890c43ab63a711bf0e85718740ba85e17d7891fa96ceca3d8fdd9c738",
    }
    built = build(compiled_of(path))
    assert built.ok
    assert [p.name for p in clips_in(project.root)] == sorted(f"{k}.mp4" for k in keys.values())
    edit(path, "duration: 3}", "duration: 3, takes: 1}")  # saying the default changes nothing
    plan = make_plan(compiled_of(path))
    assert {s.id: s.key for s in plan.shots} == keys
    assert {s.action for s in plan.shots} == {"cached"}


HOSTED = """
version: 1
settings: {{provider: {provider}, resolution: 480p, duration: 3, output: out/film.mp4}}
shots:
  - {{id: one, prompt: First., takes: 3, take: 2}}
  - {{id: two, prompt: Second.}}
"""


def test_a_hosted_provider_gets_one_job_per_take_each_journalled_and_stored(hosted) -> None:
    h = hosted("wavespeed", HOSTED)
    code, output = h.build("--jobs", "1")
    assert code == 0, output
    assert h.server.submit_count(created=True) == 4  # three takes of `one`, one of `two`
    path = h.project.root / "storyboard.yaml"
    plan = make_plan(compiled_of(path))
    key = plan.shot("one").key
    with Store(h.project.root) as store:
        assert all(store.has_clip(key, take=k) for k in (1, 2, 3))
        jobs = store.jobs.all()
    assert {take for k, take in jobs if k == key} == {1, 2, 3}
    assert len({jobs[(key, k)].job_id for k in (1, 2, 3)}) == 3  # three jobs, not one resumed thrice
    assert all(s.action == "cached" for s in plan.shots)
    code, output = h.build()
    assert code == 0 and h.server.submit_count(created=True) == 4  # nothing paid twice


@pytest.mark.slow  # a build in its own process, killed: ~15 s
def test_a_build_killed_mid_take_resumes_that_take_and_pays_for_none_twice(hosted) -> None:
    h = hosted("runware", HOSTED)
    h.crash_between_request_and_answer()  # kill -9 once the provider made the first take's job
    code, output = h.build()
    assert code == 0, output
    # the task made before the crash was claimed again by its task id: one task for the three takes of `one`
    # (numberResults 3, tests/test_takes_runware.py), one for `two`
    assert h.server.submit_count(created=True) == 2
    plan = make_plan(compiled_of(h.project.root / "storyboard.yaml"))
    assert all(s.action == "cached" for s in plan.shots) and len(plan.shots) == 4


def test_settings_takes_apply_to_every_shot_and_a_shot_overrides_them(project: Project) -> None:
    text = BOARD.replace("duration: 3}", "duration: 3, takes: 2}").replace("    takes: 3\n", "    takes: 1\n")
    plan = make_plan(project.compile(text))
    assert [s.label for s in plan.shots] == ["pour", "sip", "sip#2"]
    assert [s.label for s in plan.to_generate] == ["pour", "sip", "sip#2"]
    assert plan.total == sum((s.list_price for s in plan.shots), Decimal(0))


def test_only_one_take_builds_that_take_alone(built) -> None:
    """`--only shot#k` (DESIGN's take selector): raising takes to 4 and building `pour#4` renders one clip."""
    project, path, _ = built
    edit(path, "takes: 3", "takes: 4")
    before = clips_in(project.root)
    done = project.cli("build", str(path), "--only", "pour#4", "--yes")
    assert done.exit_code == 0, done.output
    added = sorted(set(clips_in(project.root)) - set(before))
    assert [p.name.split(".", 1)[1] for p in added] == ["take4.mp4"]
    plan = make_plan(compiled_of(path), Store(project.root))
    assert [s.label for s in plan.to_generate] == []


@pytest.mark.parametrize(
    "selector, says",
    [("pour#5", "has takes 1..3"), ("pour#x", "has takes 1..3"), ("+pour#2", "not with one take"), ("por#1", "`pour`")],
)
def test_a_bad_take_selector_is_refused_before_anything_runs(project: Project, selector: str, says: str) -> None:
    path = project.write(BOARD)
    done = project.cli("build", str(path), "--only", selector)
    assert done.exit_code == 2 and says in done.output, done.output  # a usage error, as every bad selector
    assert not (project.root / ".storyboard" / "clips").exists() and not (project.root / "out").exists()
