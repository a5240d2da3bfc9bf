"""The operations layer, as the Python API sees it: the same sequence as the CLI, inside or outside a loop."""

from __future__ import annotations

import asyncio

import pytest

import storyboard
from storyboard.errors import BuildError, InvalidStoryboard

from .conftest import Project

# the aurora example in small: an image group, an extension, a continuation, a motion reference
AURORA_LIKE = """
version: 1
title: Aurora in small
settings: {provider: local, resolution: 480p, duration: 3, output: out/aurora.mp4}
vars: {look: warm amber light}
characters:
  Mara: {images: [refs/a.png, refs/b.png]}
assets:
  dance: refs/dance.mp4
shots:
  - id: open
    prompt: "Slow push-in on the cafe at dawn, {{ look }}."
  - id: pour
    prompt: "@Mara pours latte art, {{ look }}."
    sound: true
  - id: pour-wide
    extends: pour
    prompt: "@pour The camera pulls back."
  - id: cup
    first_frame: refs/c.png
    prompt: The cup turns slowly.
  - id: steam
    continues: cup
    prompt: Steam curls up.
  - id: move
    motion: dance
    prompt: "@Mara imitates @dance."
"""


def test_abuild_builds_inside_an_already_running_event_loop(project: Project) -> None:
    path = project.write(AURORA_LIKE)
    checked = storyboard.check(path)
    assert checked.valid and checked.passes()
    quote = storyboard.plan_storyboard(path)
    assert [s.action for s in quote.shots] == ["generate"] * 6 and quote.total == 0

    async def main() -> tuple[storyboard.ops.BuildResult, bool]:
        other = asyncio.Event()

        async def alongside() -> None:  # the caller's own work keeps running during the build
            other.set()

        task = asyncio.create_task(alongside())
        result = await storyboard.abuild(path)
        await task
        return result, other.is_set()

    result, loop_turned = asyncio.run(main())
    assert loop_turned
    assert result.ok and {r.status for r in result.run.shots.values()} == {"built"}
    assert result.film == project.root / "out" / "aurora.mp4" and result.film.is_file()
    assert result.timeline is not None and result.timeline.is_file()
    assert result.review is not None and result.review.is_file()
    again = storyboard.build(path)  # the sync form: abuild in a fresh loop
    assert {r.status for r in again.run.shots.values()} == {"cached"} and again.cut_method == "up to date"
    assert {s.action for s in storyboard.plan_storyboard(path).shots} == {"cached"}


def test_build_inside_a_running_loop_says_to_await_abuild(project: Project) -> None:
    path = project.write(AURORA_LIKE)

    async def main() -> None:
        storyboard.build(path)

    with pytest.raises(BuildError, match="await abuild"):
        asyncio.run(main())
    assert not (project.root / ".storyboard").exists()  # refused before anything ran


def test_an_invalid_storyboard_is_refused_before_anything_runs(project: Project) -> None:
    path = project.write("version: 1\nshots:\n  - {id: open}\n")  # no prompt
    assert not storyboard.check(path).valid
    with pytest.raises(InvalidStoryboard):
        storyboard.plan_storyboard(path)
    with pytest.raises(InvalidStoryboard):
        storyboard.build(path)
    assert not (project.root / ".storyboard").exists()
