"""`--replace SEL`: a new version of a cached take, the old clip kept under `.storyboard/replaced/`.

Each test reads the store afterwards (which clip is current, what was kept, the version) and,
through the hosted fake, what was paid: a replace sends exactly the takes the plan priced.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from storyboard.ops import build
from storyboard.plan import make_plan
from storyboard.plan.keys import identity_version, split_identity, take_identity
from storyboard.store import Store, replaced_versions
from tests.conftest import Project, build_clean, compiled_of, ffmpeg_exe
from tests.hosted_fixtures import Hosted

BOARD = """
version: 1
settings: {resolution: 480p, duration: 3}
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
HOSTED = """
version: 1
settings: {{provider: {provider}, resolution: 480p, duration: 3, output: out/film.mp4}}
shots:
  - {{id: open, prompt: The cafe at dawn.}}
  - {{id: pour, prompt: Latte art.}}
  - {{id: sip, continues: pour, prompt: She sips.}}
"""


@pytest.fixture
def built(built_once):
    return built_once.get("test_replace", BOARD, build_clean)


def clips(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (root / ".storyboard" / "clips").rglob("*.mp4")}


def kept(root: Path) -> list[Path]:
    return sorted((root / ".storyboard" / "replaced").rglob("*.mp4"))


def first_frame(video: Path) -> bytes:
    args = [ffmpeg_exe(), "-loglevel", "error", "-i", str(video), "-frames:v", "1", "-f", "rawvideo", "-"]
    return subprocess.run(args, check=True, capture_output=True).stdout


def statuses(result) -> dict[str, str]:
    return {label: r.status for label, r in result.run.shots.items()}


def spent(output: str) -> Decimal:
    found = re.search(r"spent \$([0-9.]+)", output)
    assert found, output
    return Decimal(found.group(1))


# -- the local previewer ---------------------------------------------------------------------
def test_replace_makes_one_new_clip_of_the_take_and_keeps_the_old_one(built) -> None:
    project, path, _ = built
    key = make_plan(compiled_of(path)).shot("pour").key
    with Store(project.root) as store:
        current = store.clip_path(key)
        old_record = store.records.get(key)
    old_bytes, old_frame, before = current.read_bytes(), first_frame(current), clips(project.root)
    film = project.root / "out" / "storyboard.mp4"
    old_film = film.read_bytes()

    done = project.cli("build", str(path), "--replace", "pour", "--yes")
    assert done.exit_code == 0, done.output
    assert "2 built, 2 cached, 0 failed" in done.output  # pour's take 1 and sip, which continues it

    assert current.read_bytes() != old_bytes and first_frame(current) != old_frame  # drawn anew, not re-muxed
    assert [p.name for p in kept(project.root)] == [f"{key}.v0.mp4"]
    assert kept(project.root)[0].read_bytes() == old_bytes  # the old clip, whole
    after = clips(project.root)
    assert set(after) - set(before) != set() and set(before) <= set(after)  # nothing removed from clips/
    new = set(after) - set(before)
    assert len(new) == 1  # sip's clip under its new key
    assert {name for name in after if after[name] != before.get(name)} == {current.name} | new  # pour's take 1 in place
    with Store(project.root) as store:
        assert store.versions.get(key) == 1 and store.versions.get(key, take=2) == 0
        (old,) = replaced_versions(store, key)
        assert store.clip_damage(key) is None  # the new clip is recorded: checked whole by a stat
    assert (old.version, old.path, old.size, old.sha256) == (
        0,
        kept(project.root)[0],
        len(old_bytes),
        old_record.sha256,
    )
    assert old.replaced > 0
    assert film.read_bytes() != old_film  # re-cut with the new pour (and sip)


def test_a_plain_build_after_a_replace_generates_nothing(built) -> None:
    project, path, _ = built
    assert project.cli("build", str(path), "--replace", "pour", "--yes").exit_code == 0
    files = clips(project.root)
    plan = make_plan(compiled_of(path))
    assert [s.action for s in plan.shots] == ["cached"] * 4, [(s.label, s.reasons) for s in plan.shots]
    again = project.cli("build", str(path), "--yes")
    assert again.exit_code == 0 and "0 built, 4 cached" in again.output, again.output
    assert clips(project.root) == files and len(kept(project.root)) == 1


def test_a_dependant_regenerates_as_replaced_and_an_unrelated_shot_stays_cached(built) -> None:
    project, path, _ = built
    plan = make_plan(compiled_of(path), replace={"pour"})
    rows = {s.label: s for s in plan.shots}
    assert {label: s.action for label, s in rows.items()} == {
        "open": "cached",
        "pour": "generate",
        "pour#2": "cached",
        "sip": "generate",
    }
    assert rows["pour"].reasons == ["--replace: a new version of take 1; the old clip is kept"]
    assert rows["sip"].reasons == ["upstream shot `pour` replaced"]
    assert rows["pour"].version == 1 and rows["pour"].key == make_plan(compiled_of(path)).shot("pour").key

    result = build(compiled_of(path), plan=plan)
    assert statuses(result) == {"open": "cached", "pour": "built", "pour#2": "cached", "sip": "built"}
    assert result.run.clip("sip").name == f"{rows['sip'].key}.mp4"  # sip under the key the plan priced


def test_replacing_take_two_replaces_that_take_alone(built) -> None:
    project, path, _ = built
    key = make_plan(compiled_of(path)).shot("pour").key
    before = clips(project.root)
    done = project.cli("build", str(path), "--replace", "pour#2", "--yes")
    assert done.exit_code == 0, done.output
    assert "1 built, 3 cached" in done.output  # sip continues take 1 (the picked one): not regenerated
    after = clips(project.root)
    assert set(after) == set(before)
    assert [name for name in after if after[name] != before[name]] == [f"{key}.take2.mp4"]
    assert [p.name for p in kept(project.root)] == [f"{key}.take2.v0.mp4"]
    assert kept(project.root)[0].read_bytes() == before[f"{key}.take2.mp4"]
    with Store(project.root) as store:
        assert (store.versions.get(key), store.versions.get(key, take=2)) == (0, 1)


@pytest.mark.slow  # builds three times
def test_a_second_replace_keeps_both_older_versions(built) -> None:
    project, path, _ = built
    key = make_plan(compiled_of(path)).shot("pour").key
    versions = [clips(project.root)[f"{key}.mp4"]]
    for _ in range(2):
        assert project.cli("build", str(path), "--replace", "pour", "--yes").exit_code == 0
        versions.append(clips(project.root)[f"{key}.mp4"])
    assert len(set(versions)) == 3
    assert [p.name for p in kept(project.root)] == [f"{key}.v0.mp4", f"{key}.v1.mp4"]
    assert [p.read_bytes() for p in kept(project.root)] == versions[:2]
    with Store(project.root) as store:
        assert [r.version for r in replaced_versions(store, key)] == [0, 1] and store.versions.get(key) == 2


@pytest.mark.parametrize(
    "selector, says",
    [("por", "did you mean `pour`"), ("pour#3", "has takes 1..2"), ("pour#x", "has takes 1..2")],
)
@pytest.mark.parametrize("command", ["plan", "build"])
def test_a_bad_replace_selector_is_a_usage_error(project: Project, command: str, selector: str, says: str) -> None:
    path = project.write(BOARD)
    done = project.cli(command, str(path), "--replace", selector, *(["--yes"] if command == "build" else []))
    assert done.exit_code == 2 and says in done.output and "--replace" in done.output, done.output
    assert not (project.root / ".storyboard").exists() and not (project.root / "out").exists()


def test_replace_selectors_repeat_and_separate_by_commas(built) -> None:
    project, path, _ = built
    done = project.cli("plan", str(path), "--format", "json", "--replace", "open,pour#2", "--replace", "pour")
    assert done.exit_code == 0, done.output
    rows = {(s["id"], s["take"]): s for s in json.loads(done.stdout)["shots"]}
    assert {k for k, s in rows.items() if s["action"] == "generate"} == {
        ("open", 1),
        ("pour", 1),
        ("pour", 2),
        ("sip", 1),
    }
    assert (
        all(rows[k]["version"] == 1 for k in [("open", 1), ("pour", 1), ("pour", 2)])
        and rows[("sip", 1)]["version"] == 0
    )


def test_version_zero_keeps_the_identity_dependants_hold(project: Project) -> None:
    key = "ab" * 32
    assert [take_identity(key, 1), take_identity(key, 2)] == [key, f"{key}.take2"]  # as before versions
    for take, version in [(1, 0), (2, 0), (1, 1), (3, 2)]:
        identity = take_identity(key, take, version)
        assert split_identity(identity) == (key, take) and identity_version(identity) == version
    assert take_identity(key, 1, 1) != take_identity(key, 1)


# -- a hosted provider: what is paid ---------------------------------------------------------
@pytest.mark.slow  # three builds through the fake
def test_replace_pays_for_exactly_what_the_plan_priced(hosted: Callable[..., Hosted]) -> None:
    h = hosted("apimart", HOSTED)
    code, output = h.build()
    assert code == 0, output
    assert h.server.submit_count(created=True) == 3
    path = h.project.root / "storyboard.yaml"

    shown = h.project.cli("plan", str(path), "--format", "json", "--replace", "pour")
    assert shown.exit_code == 0, shown.output
    plan = json.loads(shown.stdout)
    priced = {s["id"]: s for s in plan["shots"] if s["action"] == "generate"}
    assert set(priced) == {"pour", "sip"}
    assert all(s["cost_usd"] == s["list_cost_usd"] > 0 and s["resumes_job"] is None for s in priced.values())
    assert plan["total_cost_usd"] == pytest.approx(sum(s["cost_usd"] for s in priced.values()))
    assert priced["pour"]["reasons"] == ["--replace: a new version of take 1; the old clip is kept"]

    code, output = h.build("--replace", "pour")
    assert code == 0, output
    assert h.server.submit_count(created=True) == 5  # pour anew (not its old job fetched again) and sip
    assert [s.body["prompt"] for s in h.server.submits[3:]] == ["Latte art.", "She sips."]
    assert spent(output) == Decimal(str(plan["total_cost_usd"])).quantize(Decimal("0.01"))
    key = priced["pour"]["key"]
    assert [p.name for p in kept(h.project.root)] == [f"{key}.v0.mp4"]
    code, output = h.build()
    assert code == 0 and h.server.submit_count(created=True) == 5 and spent(output) == 0  # nothing paid twice


@pytest.mark.slow  # three builds through the fake
def test_a_failed_re_roll_keeps_the_old_clip_current(hosted: Callable[..., Hosted]) -> None:
    h = hosted("apimart", HOSTED)
    assert h.build()[0] == 0
    path = h.project.root / "storyboard.yaml"
    key = make_plan(compiled_of(path)).shot("pour").key
    with Store(h.project.root) as store:
        current = store.clip_path(key)
        record = store.records.get(key)
    old = current.read_bytes()

    h.server.inject("poll", "failed")  # the provider ends the re-roll without a clip
    code, output = h.build("--replace", "pour")
    assert code == 1 and "failed" in output, output
    assert h.server.submit_count(created=True) == 4  # the re-roll was sent once; sip waited on it and was not
    assert current.read_bytes() == old and kept(h.project.root) == []
    with Store(h.project.root) as store:
        assert store.versions.get(key) == 0 and store.records.get(key) == record and store.clip_damage(key) is None
    assert all(s.action == "cached" for s in make_plan(compiled_of(path)).shots)  # the old clip still serves

    code, output = h.build("--replace", "pour")  # tried again: paid again (the provider billed no clip)
    assert code == 0, output
    assert h.server.submit_count(created=True) == 6
    assert [p.read_bytes() for p in kept(h.project.root)] == [old]


@pytest.mark.slow  # three builds through the fake
def test_a_re_roll_cut_short_is_resumed_not_paid_again(hosted: Callable[..., Hosted], monkeypatch) -> None:
    h = hosted("apimart", HOSTED)
    assert h.build()[0] == 0
    path = h.project.root / "storyboard.yaml"
    h.server.min_polls = 10**9  # the re-roll keeps running...
    monkeypatch.setenv("STORYBOARD_JOB_TIMEOUT", "0.2")  # ...past the build's patience
    code, output = h.build("--replace", "pour")
    assert code == 1 and "still running" in output, output
    assert h.server.submit_count(created=True) == 4

    shown = h.project.cli("plan", str(path), "--format", "json", "--replace", "pour")
    pour = next(s for s in json.loads(shown.stdout)["shots"] if s["id"] == "pour")
    assert pour["action"] == "generate" and pour["cost_usd"] == 0 and pour["resumes_job"]  # the re-roll, paid

    h.server.min_polls = 1
    monkeypatch.delenv("STORYBOARD_JOB_TIMEOUT")
    code, output = h.build("--replace", "pour")
    assert code == 0, output
    assert h.server.submit_count(created=True) == 5  # the re-roll resumed; only sip sent
    assert len(kept(h.project.root)) == 1


RUNWARE = """
version: 1
settings: {{provider: {provider}, resolution: 480p, duration: 3, output: out/film.mp4}}
shots:
  - {{id: one, prompt: First., takes: 3, take: 2}}
  - {{id: two, prompt: Second.}}
"""


def test_runware_re_rolls_two_takes_as_one_new_task(hosted: Callable[..., Hosted]) -> None:
    h = hosted("runware", RUNWARE)
    assert h.build()[0] == 0
    made = h.server.submit_count(created=True)
    key = make_plan(compiled_of(h.project.root / "storyboard.yaml")).shot("one").key
    with Store(h.project.root) as store:
        old_task = store.journal(key, take=1).job_id

    code, output = h.build("--replace", "one#1,one#3")
    assert code == 0 and "2 built, 2 cached" in output, output  # take 2 is the picked one: nothing depends anew
    assert h.server.submit_count(created=True) == made + 1  # one task for both takes, not the old one fetched again
    (task,) = [t for t in h.server.submits[-1].body if t.get("taskType") == "videoInference"]
    assert task.get("numberResults") == 2
    assert sorted(p.name for p in kept(h.project.root)) == [f"{key}.take3.v0.mp4", f"{key}.v0.mp4"]
    with Store(h.project.root) as store:
        assert [store.versions.get(key, take=k) for k in (1, 2, 3)] == [1, 0, 1]
        assert {store.journal(key, take=k).job_id for k in (1, 3)} == {task["taskUUID"]} != {old_task}


FILMS = """
version: 1
settings: {resolution: 480p, duration: 3}
deliverables:
  full: { cut: [open, pour, sip] }
  short: { cut: [pour, sip] }
shots:
  - id: open
    prompt: The cafe at dawn.
  - id: pour
    prompt: Latte art is poured.
  - id: sip
    continues: pour
    prompt: She sips the coffee.
"""


@pytest.mark.slow  # three builds of two films
def test_a_take_two_deliverables_share_is_replaced_once(project: Project) -> None:
    from storyboard import ops

    path = project.write(FILMS)
    assert ops.build(path).ok
    plans = ops.plans(path, replace="pour")
    assert [(s.label, s.action, s.shared) for s in plans.to_generate if s.shared is None] == [
        ("pour", "generate", None),
        ("sip", "generate", None),
    ]  # made by the first film; the second shows them shared, at $0
    done = ops.build(path, replace={"pour"})
    assert done.ok
    built = [(f.plan.deliverable, label) for f in done.films for label, r in f.run.shots.items() if r.status == "built"]
    assert built == [("full", "pour"), ("full", "sip")]
    assert len(kept(project.root)) == 1  # one new version, one old clip kept
    again = ops.build(path)
    assert not [r for f in again.films for r in f.run.shots.values() if r.status == "built"]
