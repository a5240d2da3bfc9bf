"""Keys and reasons: exactly what changed regenerates, and plan says why."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from storyboard.compile import compile_storyboard
from storyboard.load import load
from storyboard.plan import Plan, make_plan
from storyboard.store import Store

BOARD = """
version: 1
settings: {resolution: 480p}
vars: {look: warm light}
characters:
  Mara: {images: [refs/a.png, refs/b.png]}
  Leo: {images: [refs/c.png]}
shots:
  - id: open
    prompt: "The cafe at dawn, {{ look }}."
  - id: pour
    prompt: "@Mara pours latte art."
  - id: pour-wide
    extends: pour
    prompt: "@pour The camera pulls back."
  - id: leo
    prompt: "@Leo waves."
  - id: cup
    first_frame: refs/d.png
    prompt: The cup turns.
  - id: steam
    continues: cup
    prompt: Steam rises.
"""


def plan_of(path: Path, **overrides: str) -> Plan:
    loaded = load(path)
    compiled = compile_storyboard(loaded, **overrides)
    assert compiled.ok, [d.message for d in compiled.diagnostics.errors]
    return make_plan(compiled)


def fake_build(plan: Plan) -> None:
    """Record a build the way the runner does: a clip under each key and the inputs."""
    with Store(plan.compiled.root, create=True) as store:
        for shot in plan.to_generate:
            tmp = store.temp_path()
            tmp.write_bytes(f"clip {shot.key}".encode())
            store.put_clip(shot.key, tmp)
            store.record_build(plan.storyboard, shot.id, shot.key, shot.inputs, shot.provider, status="built")


def actions(plan: Plan) -> dict[str, str]:
    return {s.id: s.action for s in plan.shots}


@pytest.fixture
def built(project):
    path = project.write(BOARD)
    fake_build(plan_of(path))
    return project, path


def test_fresh_plan_generates_everything(project):
    plan = plan_of(project.write(BOARD))
    assert set(actions(plan).values()) == {"generate"}
    assert all(s.reasons == ["new shot: never built"] for s in plan.shots)


def test_plan_does_not_create_the_store(project):
    plan_of(project.write(BOARD))
    assert not (project.root / ".storyboard").exists()


def test_after_a_build_everything_is_cached(built):
    _, path = built
    plan = plan_of(path)
    assert set(actions(plan).values()) == {"cached"}
    assert plan.total == 0


def test_prompt_edit_regenerates_the_shot_and_its_descendants(built):
    project, path = built
    path.write_text(BOARD.replace("@Mara pours latte art.", "@Mara pours a heart."))
    plan = plan_of(path)
    assert [s.id for s in plan.to_generate] == ["pour", "pour-wide"]
    assert plan.shot("pour").reasons == ["prompt changed"]
    assert plan.shot("pour-wide").reasons == ["upstream shot `pour` regenerates"]
    # reverting brings back all-cached, without any build in between
    path.write_text(BOARD)
    assert set(actions(plan_of(path)).values()) == {"cached"}


def test_vars_edit_regenerates_the_shots_that_render_it(built):
    _, path = built
    path.write_text(BOARD.replace("look: warm light", "look: cold light"))
    plan = plan_of(path)
    assert [s.id for s in plan.to_generate] == ["open"]
    assert plan.shot("open").reasons == ["prompt changed"]


def test_changed_image_bytes_regenerate_exactly_its_users(built):
    project, path = built
    (project.root / "refs" / "a.png").write_bytes((project.root / "refs" / "e.png").read_bytes())
    plan = plan_of(path)
    assert [s.id for s in plan.to_generate] == ["pour", "pour-wide"]
    assert plan.shot("pour").reasons == ["file refs/a.png changed (content)"]


def test_changed_first_frame_regenerates_the_continuation(built):
    project, path = built
    (project.root / "refs" / "d.png").write_bytes((project.root / "refs" / "f.png").read_bytes())
    plan = plan_of(path)
    assert [s.id for s in plan.to_generate] == ["cup", "steam"]
    assert plan.shot("steam").reasons == ["upstream shot `cup` regenerates"]


def test_touch_regenerates_nothing(built):
    project, path = built
    for png in (project.root / "refs").glob("*.png"):
        st = png.stat()
        os.utime(png, ns=(st.st_atime_ns + 10**9, st.st_mtime_ns + 10**9))
    path.touch()
    assert set(actions(plan_of(path)).values()) == {"cached"}


def test_renaming_a_file_or_a_shot_regenerates_nothing(built):
    project, path = built
    (project.root / "refs" / "c.png").rename(project.root / "refs" / "leo.png")
    path.write_text(BOARD.replace("refs/c.png", "refs/leo.png").replace("id: leo", "id: leo-waves"))
    assert set(actions(plan_of(path)).values()) == {"cached"}


def test_deleting_one_clip_regenerates_only_that_shot(built):
    project, path = built
    plan = plan_of(path)
    with Store(project.root) as store:
        store.remove_clip(plan.shot("pour").key)
    plan = plan_of(path)
    assert [s.id for s in plan.to_generate] == ["pour"]
    assert plan.shot("pour").reasons == ["its clip is missing from the store"]


def test_parameter_change_is_named(built):
    _, path = built
    path.write_text(BOARD.replace('    prompt: "@Leo waves."', '    prompt: "@Leo waves."\n    duration: 7'))
    plan = plan_of(path)
    assert [s.id for s in plan.to_generate] == ["leo"]
    assert plan.shot("leo").reasons == ["duration changed: 5 -> 7"]


def test_provider_and_tier_changes_are_named(built):
    _, path = built
    plan = plan_of(path, provider="apimart", tier="fast")
    assert set(actions(plan).values()) == {"generate"}
    reasons = plan.shot("open").reasons
    assert "provider changed: local -> apimart" in reasons
    assert "tier changed: std -> fast" in reasons
    assert plan.shot("pour-wide").reasons[-1] == "upstream shot `pour` regenerates"


def test_keys_ignore_paths_and_ids_but_not_content(project):
    plan = plan_of(project.write(BOARD))
    keys = {s.id: s.key for s in plan.shots}
    assert len(set(keys.values())) == len(keys)
    assert all(len(k) == 64 for k in keys.values())
    assert "refs/a.png" not in repr(keys)


def test_other_storyboard_in_the_folder_shares_clips_but_not_records(built):
    project, path = built
    other = project.root / "other.yaml"
    other.write_text(BOARD)
    plan = plan_of(other)
    # same requests -> same keys -> the clips are shared
    assert set(actions(plan).values()) == {"cached"}
    with Store(project.root) as store:
        assert set(store.last_built("storyboard.yaml")) == {"open", "pour", "pour-wide", "leo", "cup", "steam"}
        assert store.last_built("other.yaml") == {}
