"""The cut's per-clip work (its conform, the page's frames) is done as each clip is stored (ops/ahead.py)."""

from __future__ import annotations

import asyncio
import re
import shutil
import threading
from pathlib import Path

import pytest

import storyboard.cut.thumbs as thumbs
from storyboard.ops import build
from storyboard.run.job import Generated, Job, Report
from tests.conftest import Project

BOARD = """
version: 1
settings: {resolution: 480p, duration: 3}
shots:
  - {id: head, prompt: The chain begins.}
  - {id: second, extends: head, prompt: It goes on.}
  - {id: aside, prompt: Meanwhile.}
"""


class Copies:
    """A provider whose clips are copies of a real mp4; ``second`` is not answered until ``head``'s frame exists."""

    id = "local"
    concurrency = 3

    def __init__(self, clip: Path, head_frame: threading.Event) -> None:
        self.clip, self.head_frame = clip, head_frame

    async def generate(self, job: Job, report: Report) -> Generated:
        if job.shot == "second":  # the run is still going: the frame must come from the stored clip, now
            assert await asyncio.to_thread(self.head_frame.wait, 30), "head's frame was not taken during the run"
        out = job.work / "clip.mp4"
        shutil.copyfile(self.clip, out)
        return Generated(out)

    async def aclose(self) -> None:
        return None


def test_clips_are_conformed_and_framed_while_the_run_goes_on_so_the_cut_and_page_redo_none(
    project: Project, media_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    compiled = project.compile(BOARD)
    made: list[Path] = []
    head_frame = threading.Event()
    real = thumbs.make_frame

    def make_frame(clip: Path, at: float, width: int, out: Path) -> None:
        real(clip, at, width, out)
        made.append(out)
        if out.name.startswith(head_key[:20]) and not out.name.endswith("poster.jpg"):  # head's row frame
            head_frame.set()

    from storyboard.plan import make_plan

    head_key = make_plan(compiled).shot("head").key
    monkeypatch.setattr(thumbs, "make_frame", make_frame)
    rows: list[tuple[str, str, str]] = []
    provider = Copies(media_dir / "dance.mp4", head_frame)  # not the film's frame: every clip is conformed
    result = build(compiled, available={"local": provider}, report=lambda *row: rows.append(row))
    assert result.ok, result.run.shots
    # conformed as they were stored, into the files the cut looks for: the cut itself conformed none
    assert ("(cut)", "done", "0 conformed, 3 kept") in rows
    page = (project.root / "out" / "storyboard.html").read_text()
    shown = set(re.findall(r'(?:src|poster)="storyboard\.thumbs/([^"]+)"', page))
    folder = project.root / "out" / "storyboard.thumbs"
    assert shown and shown == {p.name for p in folder.iterdir()}  # every frame the page shows is there, no other
    assert sorted(p.name for p in made) == sorted(shown)  # each made once: the page found them all made
