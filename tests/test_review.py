"""The timeline (OpenTimelineIO) and the review page written beside the film."""

from __future__ import annotations

import contextlib
import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

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
        target = path.parent / clip.media_reference.target_url  # relative to the timeline, named by the shot
        assert target.is_file() and target == project.root / "out" / "film" / "media" / f"{clip.name}.mp4"
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


TAKES_BOARD = """
version: 1
title: Takes
settings: {resolution: 480p, duration: 3, output: out/film.mp4}
shots:
  - {id: pour, prompt: "Latte art, close-up.", takes: 3, take: 2}
  - {id: last, prompt: The end.}
"""

# what the test reads off the page once Chromium has rendered it: the page itself is untouched,
# loaded in a frame of a wrapper page that writes what it sees into its own DOM for --dump-dom
PROBE = """<!doctype html><html><body><pre id="out"></pre>
<iframe id="page" src="%s" onload="
  const d = this.contentDocument;
  const takes = [...d.querySelectorAll('[data-shot=pour] .take')].map(t => ({
    take: t.dataset.take, picked: t.dataset.picked, current: t.getAttribute('aria-current'),
    label: t.querySelector('figcaption').textContent, command: t.querySelector('code.pick').textContent,
    images: [...t.querySelectorAll('img')].map(i => ({src: i.getAttribute('src'), width: i.naturalWidth})),
  }));
  const rows = [...d.querySelectorAll('tr[id]')].map(r => r.id);
  const all = [...d.querySelectorAll('img')].map(i => i.complete && i.naturalWidth > 0);
  document.getElementById('out').textContent = JSON.stringify({takes, rows, all});
"></iframe></body></html>
"""


def rendered(page: Path) -> dict[str, Any]:
    """What headless Chromium's DOM holds of ``page`` once it and its images have loaded."""
    probe = page.with_name("probe.html")
    probe.write_text(PROBE % page.name, encoding="utf-8")
    chromium = shutil.which("chromium")
    if chromium is None:  # .ci/run installs it where it can; the page's structure is tested without it below
        pytest.skip("headless Chromium (Debian's `chromium`) is not installed: apt-get install chromium")
    done = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files",
         f"--user-data-dir={page.parent / 'chromium-profile'}", "--virtual-time-budget=10000",
         "--dump-dom", probe.as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    match = re.search(r'<pre id="out">(.*?)</pre>', done.stdout, re.S)
    assert match is not None and match.group(1), done.stdout[-2000:] + done.stderr[-2000:]
    found: dict[str, Any] = json.loads(html.unescape(match.group(1)))
    return found


@pytest.fixture
def takes_reviewed(built_once: BuiltOnce) -> Project:
    project, _, _ = built_once.get("test_review_takes", TAKES_BOARD, lambda project, _: build(project))
    return project


def test_the_review_page_shows_a_shots_takes_side_by_side(takes_reviewed: Project) -> None:
    project = takes_reviewed
    page = project.root / "out" / "film.html"
    seen = rendered(page)
    assert seen["rows"] == ["pour", "last"]  # one row per shot of the cut, as before
    takes = seen["takes"]
    assert [t["take"] for t in takes] == ["1", "2", "3"]
    assert [t["picked"] for t in takes] == ["false", "true", "false"]
    assert [t["current"] for t in takes] == [None, "true", None]
    assert ["picked" in t["label"] for t in takes] == [False, True, False]
    assert [t["command"] for t in takes] == [f"storyboard pick storyboard.yaml pour {k}" for k in (1, 2, 3)]
    assert all(len(t["images"]) == 3 and all(i["width"] > 0 for i in t["images"]) for t in takes)
    assert seen["all"] and all(seen["all"])  # every image on the page loaded, the shots' frames too
    files = [[page.parent / i["src"] for i in t["images"]] for t in takes]
    assert len({f for per in files for f in per}) == 9  # no two takes (or frames) share a file
    middles = [per[1].read_bytes() for per in files]
    assert len(set(middles)) == 3  # the takes are different clips, so are their frames
    assert all(m[:2] == b"\xff\xd8" for m in middles)


def test_a_take_not_built_says_so_and_a_no_op_build_makes_no_thumbnail(takes_reviewed: Project) -> None:
    project = takes_reviewed
    thumbs = project.root / "out" / "film.thumbs"
    before = {t.name: t.stat().st_mtime_ns for t in thumbs.iterdir()}
    assert len(before) == 9 + 1  # 3 takes x 3 frames (pour's own frame is take 2's middle one), and last's
    build(project)
    assert {t.name: t.stat().st_mtime_ns for t in thumbs.iterdir()} == before
    project.write(TAKES_BOARD.replace("takes: 3", "takes: 4"))
    result = project.cli("build", "--only", "last", str(project.root / "storyboard.yaml"))  # take 4 stays unbuilt
    assert result.exit_code == 0, result.output
    page = (project.root / "out" / "film.html").read_text()
    assert page.count('class="take"') == 4
    fourth = page[page.index('data-take="4"') :]
    assert "not built" in fourth.split("</figure>")[0] and "storyboard pick storyboard.yaml pour 4" in fourth
    assert {t.name: t.stat().st_mtime_ns for t in thumbs.iterdir()} == before  # nothing made again


def test_the_command_on_the_page_picks_that_take_and_the_page_follows(takes_reviewed: Project) -> None:
    project = takes_reviewed
    page = project.root / "out" / "film.html"
    thumbs = project.root / "out" / "film.thumbs"
    before = {t.name: t.stat().st_mtime_ns for t in thumbs.iterdir()}
    command = re.findall(r'<code class="pick">([^<]*)</code>', page.read_text())[2].split()
    assert command[:2] == ["storyboard", "pick"]
    with contextlib.chdir(project.root):  # the command names the storyboard by its name, run beside it
        picked = project.cli(*command[1:])
    assert picked.exit_code == 0, picked.output
    build(project)
    takes = re.findall(r'data-take="(\d)" data-picked="(\w+)"', page.read_text())
    assert takes == [("1", "false"), ("2", "false"), ("3", "true")]
    frame = re.search(r'<tr id="pour">\s*<td><img src="([^"]+)"', page.read_text())
    assert frame is not None and "take3" in frame.group(1)  # the shot's frame is the picked take's
    assert {t.name: t.stat().st_mtime_ns for t in thumbs.iterdir()} == before  # every frame was there already
