"""The timeline (OpenTimelineIO) and the review page written beside the film."""

from __future__ import annotations

import os
from pathlib import Path

import opentimelineio as otio
import pytest

from storyboard.media.probe import probe_clip
from tests.conftest import BuiltOnce, Project

BOARD = """
version: 1
title: Review <test>
settings: {resolution: 480p, duration: 3, output: out/film.mp4}
shots:
  - {id: pour, prompt: "Latte art, <b>close-up</b> & steam."}
  - {id: wide, extends: pour, prompt: "@pour The camera pulls back."}
  - {id: last, prompt: The end.}
"""


def build(project: Project) -> str:
    result = project.cli("build", str(project.root / "storyboard.yaml"))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def reviewed(built_once: BuiltOnce) -> tuple[Project, str]:
    """BOARD built once by `storyboard build`; each test gets its own copy and what the build printed."""
    project, _, output = built_once.get("test_review", BOARD, lambda project, _: build(project))
    return project, output


def test_the_timeline_is_the_cut(reviewed: tuple[Project, str]) -> None:
    project, output = reviewed
    path = project.root / "out" / "film.otio"
    assert f"timeline: {path}" in output
    timeline = otio.adapters.read_from_file(str(path))
    assert timeline.name == "Review <test>"
    clips = list(timeline.tracks[0])
    assert [c.name for c in clips] == ["pour", "wide", "last"]
    film = probe_clip(project.root / "out" / "film.mp4").seconds
    assert abs(timeline.duration().to_seconds() - film) < 1 / 32 * len(clips)
    for clip in clips:
        target = Path(clip.media_reference.target_url.removeprefix("file://"))
        assert target.is_file() and target.parent.parent.name == "clips"  # the clip in the store
        assert abs(probe_clip(target).seconds - clip.duration().to_seconds()) < 1 / 32
    assert clips[0].metadata["storyboard"]["prompt"] == "Latte art, <b>close-up</b> & steam."
    assert clips[0].metadata["storyboard"]["provider"] == "local"


def test_the_review_page_shows_every_shot_escaped_with_its_frame(reviewed: tuple[Project, str]) -> None:
    project, _ = reviewed
    page = project.root / "out" / "film.html"
    html = page.read_text()
    assert '<video id="film" src="film.mp4"' in html
    assert "Latte art, &lt;b&gt;close-up&lt;/b&gt; &amp; steam." in html and "<b>close-up</b>" not in html
    assert "<title>Review &lt;test&gt; — review</title>" in html
    for shot in ("pour", "wide", "last"):
        assert f'<tr id="{shot}">' in html
    thumbs = sorted((project.root / "out" / "film.thumbs").iterdir())
    assert len(thumbs) == 3 and all(t.read_bytes()[:2] == b"\xff\xd8" for t in thumbs)  # JPEG frames
    assert all(f'src="film.thumbs/{t.name}"' in html for t in thumbs)
    assert "currentTime=3.0" in html and "currentTime=6.0" in html  # wide starts after pour's 3 s


def test_a_no_op_build_leaves_them_alone_and_a_missing_one_comes_back(reviewed: tuple[Project, str]) -> None:
    project, _ = reviewed
    build(project)  # the copy is the finished build: this one is a no-op already
    page = project.root / "out" / "film.html"
    timeline = project.root / "out" / "film.otio"
    stamps = (page.stat().st_mtime_ns, timeline.stat().st_mtime_ns)
    build(project)
    assert (page.stat().st_mtime_ns, timeline.stat().st_mtime_ns) == stamps
    os.unlink(page)
    build(project)
    assert page.is_file() and timeline.stat().st_mtime_ns != stamps[1]
