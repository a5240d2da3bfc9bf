"""The timeline (OpenTimelineIO) and the review page written beside the film."""

from __future__ import annotations

import contextlib
import html
import itertools
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import opentimelineio as otio
import pytest

from storyboard.cut.review import write_review
from storyboard.cut.review_dag import BOX_H, BOX_W, GAP_X, PER_LINE, Dag, draw
from storyboard.cut.timeline import FilmShot
from storyboard.media.probe import probe_clip, probe_media
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
    assert len(thumbs) == 3 + 1 and all(t.read_bytes()[:2] == b"\xff\xd8" for t in thumbs)  # JPEG frames
    (poster,) = [t for t in thumbs if t.name.endswith("-poster.jpg")]  # the film's first frame, for the player
    assert f'poster="film.thumbs/{poster.name}"' in html
    assert all(f'src="film.thumbs/{t.name}"' in html for t in thumbs if t != poster)
    info = probe_media(poster)
    assert not isinstance(info, str) and (info.width, info.height) == (854, 480)  # at the film's size
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
    return chromium(probe)


def chromium(probe: Path, *flags: str) -> dict[str, Any]:
    """Open ``probe`` in headless Chromium and read back the JSON it wrote into its ``<pre id="out">``."""
    found = shutil.which("chromium")
    if found is None:  # .ci/run installs it where it can; the page's structure is tested without it below
        pytest.skip("headless Chromium (Debian's `chromium`) is not installed: apt-get install chromium")
    done = subprocess.run(
        [found, "--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files",
         f"--user-data-dir={probe.parent / 'chromium-profile'}", "--virtual-time-budget=10000", *flags,
         "--dump-dom", probe.as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    match = re.search(r'<pre id="out">(.*?)</pre>', done.stdout, re.S)
    assert match is not None and match.group(1), done.stdout[-2000:] + done.stderr[-2000:]
    seen: dict[str, Any] = json.loads(html.unescape(match.group(1)))
    return seen


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
    assert len(before) == 9 + 1 + 1  # 3 takes x 3 frames (pour's own is take 2's middle one), last's, the poster
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
    after = {t.name: t.stat().st_mtime_ns for t in thumbs.iterdir()}
    assert {n: after[n] for n in before} == before  # every frame was there already, untouched
    (made,) = set(after) - set(before)
    assert made.endswith("-take3-poster.jpg") and f'poster="film.thumbs/{made}"' in page.read_text()  # the player's


FILMS = """
version: 1
title: Shapes
settings: {resolution: 480p, duration: 3}
deliverables:
  wide: {aspect_ratio: "16:9"}
  vertical: {aspect_ratio: "9:16"}
  square: {aspect_ratio: "1:1"}
shots:
  - {id: open, prompt: Open on the cafe.}
  - {id: pour, continues: open, prompt: Latte art.}
"""
SIZES = {"wide": (854, 480), "vertical": (480, 854), "square": (480, 480)}
VIEW = (1400, 1000)  # the window a director opens the page in: the player and the first shot in it

# every film's page in a frame of the window's size (vh inside is the frame's), measured once all of
# its videos have their metadata: where the player and the first shot row are, what the nav links to
# and the size each video turned out to have; and every address the page names, resolved
GEOMETRY = """<!doctype html><html><body style="margin:0"><pre id="out"></pre>
<script>
let tries = 0;
const box = e => e && (({top, bottom, left, right}) => ({top, bottom, left, right}))(e.getBoundingClientRect());
function report() {
  const frames = [...document.querySelectorAll('iframe')];
  const docs = frames.map(f => f.contentDocument);
  const ready = docs.every(d => d && d.readyState === 'complete'
    && [...d.querySelectorAll('video')].every(v => v.readyState >= 1 || v.error));
  if (!ready && ++tries < 400) { setTimeout(report, 25); return; }
  const pages = {};
  frames.forEach((f, i) => {
    const d = docs[i];
    pages[f.dataset.name] = {
      url: d.URL, width: d.documentElement.clientWidth, height: d.documentElement.clientHeight,
      player: box(d.getElementById('film')), row: box(d.querySelector('table.shots tr[id]')),
      videos: [...d.querySelectorAll('video')].map(v => ({src: v.currentSrc, size: [v.videoWidth, v.videoHeight]})),
      links: [...d.querySelectorAll('nav a[href]')].map(a => a.href),
      current: [...d.querySelectorAll('[aria-current=page]')].map(e => e.dataset.deliverable),
      refs: [...d.querySelectorAll('[src], [href], [poster]')].flatMap(e => ['src', 'href', 'poster']
        .filter(a => e.hasAttribute(a)).map(a => new URL(e.getAttribute(a), d.baseURI).href)),
    };
  });
  document.getElementById('out').textContent = JSON.stringify(pages);
}
window.addEventListener('load', report);
</script>
%s
</body></html>
"""


@pytest.fixture
def shapes(built_once: BuiltOnce) -> tuple[Project, dict[str, Any]]:
    """FILMS built once (three films of two 3 s shots each) and its three pages as Chromium laid them out."""

    def make(project: Project, _: Path) -> dict[str, Any]:
        build(project)
        out = project.root / "out"
        frames = "".join(
            f'<iframe data-name="{name}" src="storyboard-{name}.html" '
            f'style="width:{VIEW[0]}px;height:{VIEW[1]}px;border:0;display:block"></iframe>'
            for name in SIZES
        )
        probe = out / "geometry.html"
        probe.write_text(GEOMETRY % frames, encoding="utf-8")
        try:
            return chromium(probe, f"--window-size={VIEW[0]},{VIEW[1]}")
        finally:
            shutil.rmtree(out / "chromium-profile", ignore_errors=True)
            probe.unlink()

    project, _, seen = built_once.get("test_review_shapes", FILMS, make)
    return project, seen


@pytest.mark.slow
def test_the_player_and_the_first_shot_fit_one_view_whatever_the_films_shape(
    shapes: tuple[Project, dict[str, Any]],
) -> None:
    _, pages = shapes
    assert set(pages) == set(SIZES)
    for name, (width, height) in SIZES.items():
        page = pages[name]
        assert page["height"] == VIEW[1], name  # the frame is the window
        player, row = page["player"], page["row"]
        assert 0 <= player["top"] < player["bottom"] <= row["top"] < row["bottom"] <= VIEW[1], (name, page)
        shown = (player["right"] - player["left"], player["bottom"] - player["top"])
        assert shown[0] / shown[1] == pytest.approx(width / height, rel=0.02), (name, shown)  # its own shape
        assert shown[1] >= VIEW[1] / 3, (name, shown)  # and big enough to judge the shot
        middle = (player["left"] + player["right"]) / 2
        assert middle == pytest.approx(page["width"] / 2, abs=2), (name, player)  # centred


@pytest.mark.slow
def test_the_films_nav_links_each_sibling_page_and_its_films_load_at_their_sizes(
    shapes: tuple[Project, dict[str, Any]],
) -> None:
    project, pages = shapes
    out = project.root / "out"
    urls = {name: page["url"] for name, page in pages.items()}
    for name, page in pages.items():
        assert page["current"] == [name]
        assert sorted(page["links"]) == sorted(url for other, url in urls.items() if other != name)
        assert all(Path(url.removeprefix("file://")).is_file() for url in page["links"])
        sizes = {Path(v["src"]).name: tuple(v["size"]) for v in page["videos"]}
        assert sizes == {f"storyboard-{n}.mp4": size for n, size in SIZES.items()}, name  # nav and player
        assert len(page["videos"]) == len(SIZES) + 1
        assert all(u.startswith(out.as_uri() + "/") for u in page["refs"]), name  # nothing from elsewhere
        assert len(page["refs"]) >= 2 * len(SIZES) + 2 + 2  # the films, the links, the frames, the DAG's boxes


class Nodes(HTMLParser):
    """The DAG drawn on a page: its boxes (shot, link) and its edges (parent, child, kind)."""

    def __init__(self) -> None:
        super().__init__()
        self.boxes: dict[str, str | None] = {}
        self.edges: list[tuple[str, str, str]] = []
        self.rows: list[str] = []
        self.refs: list[str] = []
        self.inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.refs += [v for k, v in attrs if k in ("src", "href", "poster") and v is not None]
        if tag == "svg":
            self.inside = True
        elif self.inside and "node" in (a.get("class") or "").split():
            self.boxes[a["data-shot"] or ""] = a.get("href")
        elif self.inside and tag == "path" and "edge" in (a.get("class") or "").split():
            self.edges.append((a["data-from"] or "", a["data-to"] or "", a["data-kind"] or ""))
        elif tag == "tr" and a.get("id"):
            self.rows.append(a["id"] or "")

    def handle_endtag(self, tag: str) -> None:
        self.inside = self.inside and tag != "svg"


def drawn(page: Path) -> Nodes:
    nodes = Nodes()
    nodes.feed(page.read_text(encoding="utf-8"))
    return nodes


def test_the_dag_on_the_page_is_the_boards_and_each_box_links_to_its_row(reviewed: tuple[Project, str]) -> None:
    project, _ = reviewed
    seen = drawn(project.root / "out" / "film.html")
    compiled = project.compile()
    assert sorted(seen.boxes) == sorted(compiled.shots)  # one box per shot
    assert sorted(seen.edges) == sorted((p, c, d["kind"]) for p, c, d in compiled.graph.edges(data=True))
    assert seen.edges == [("pour", "wide", "extends")]
    assert seen.boxes == {sid: f"#{sid}" for sid in seen.rows}  # each box is a link to its row


@pytest.mark.slow
def test_the_dag_of_every_films_page_has_each_edge_kind_its_cut_needs(shapes: tuple[Project, dict[str, Any]]) -> None:
    project, _ = shapes
    for name in SIZES:
        seen = drawn(project.root / "out" / f"storyboard-{name}.html")
        assert seen.edges == [("open", "pour", "continues")] and set(seen.boxes) == {"open", "pour"}
        assert all(not ref.startswith(("/", "file:", "http:", "https:")) for ref in seen.refs), seen.refs  # relative


@dataclass(frozen=True)
class Entry:
    """A cut entry as the language may give it: read by name, whatever its class."""

    shot: str | None = None
    card: dict[str, Any] | None = None
    id: str | None = None
    transition: Any = None
    trim: tuple[float, float] | None = None


def test_cards_transitions_trims_soundtrack_and_captions_are_shown_where_the_cut_has_them(
    tmp_path: Path, media_dir: Path
) -> None:
    clip = media_dir / "dance.mp4"  # 3 s
    shots = [
        FilmShot(sid, clip, start, 3.0, Fraction(16), f"{sid} <i>prompt</i>", "local", f"{sid:0<64}",
                 Decimal("0.5"), "built")
        for sid, start in (("open", 0.0), ("pour", 3.0), ("sing", 6.0))
    ]  # fmt: skip
    entries = [
        "open",
        Entry(card={"text": "Aurora <Coffee>", "seconds": 2, "background": "#1b1b1b"}, id="endcard"),
        Entry(shot="pour", transition={"type": "crossfade", "seconds": 0.5}, trim=(0.5, 2.5)),
        {"card": {"text": "Tail", "seconds": 1, "background": "red; background-image: url(http://x/)"}},
        Entry(shot="sing", transition={"type": "wipeleft", "seconds": 0.25}),
    ]
    dag = Dag(("open", "pour", "sing", "plate"), (("open", "pour", "extends"), ("plate", "sing", "motion")))
    page = write_review(
        shots, tmp_path / "film.mp4", tmp_path / "film.html", "Cards", size=(854, 480), dag=dag, entries=entries,
        soundtrack=[{"file": "refs/music.mp3", "volume": -12, "duck": -9}, {"file": "refs/vo.wav", "at": 4.0}],
        captions={"file": "refs/captions.srt", "burn": False},
    )  # fmt: skip
    text = page.read_text(encoding="utf-8")
    seen = drawn(page)
    assert seen.rows == ["open", "endcard", "pour", "card-4", "sing"]  # a card is a row, in its place
    starts = [float(t) for t in re.findall(r"currentTime=([\d.]+)", text)]
    # open 0-3; the card 3-5; pour trimmed to 2 s from 5 - 0.5 = 4.5 (overlapping the card); the tail
    # card at 6.5 for 1 s; sing from 7.5 - 0.25
    assert starts == [0.0, 3.0, 4.5, 6.5, 7.25]
    assert "10.25 s" in text  # the film: the entries' 3 + 2 + 2 + 1 + 3 s less the 0.75 s of overlaps
    assert re.findall(r'data-into="(\w+)" data-transition="(\w+)"', text) == [
        ("pour", "crossfade"),
        ("sing", "wipeleft"),
    ]
    assert "trim 0.50–2.50 s" in text
    assert "Aurora &lt;Coffee&gt;" in text and "<Coffee>" not in text and "&lt;i&gt;prompt" in text
    assert 'style="background: #1b1b1b"' in text and "url(http" not in text  # a colour, or nothing
    assert "3 shots, 2 cards" in text and "$1.50" in text  # the cards are free
    assert re.findall(r'<tr data-file="([^"]+)">', text) == ["refs/music.mp3", "refs/vo.wav"]
    assert "-12 dB" in text and "-9 dB" in text and "4.00 s" in text
    assert "refs/captions.srt</code>, a subtitle track" in text
    assert sorted(seen.boxes) == sorted(dag.nodes) and sorted(seen.edges) == sorted(dag.edges)
    assert seen.boxes["plate"] is None  # a shot the film leaves out: drawn, not linked to a row it lacks
    assert "aspect-ratio: 854 / 480" in text
    assert re.search(r'poster="film.thumbs/open0+-poster.jpg"', text)  # the film opens on open's first frame
    opens_on_a_card = write_review(shots, tmp_path / "film.mp4", tmp_path / "film.html", "Card first",
                                   size=(854, 480), entries=entries[1:]).read_text()  # fmt: skip
    assert "poster=" not in opens_on_a_card and drawn(tmp_path / "film.html").rows[0] == "endcard"


def test_sixty_shots_wrap_into_lines_of_a_layer_and_every_edge_points_down() -> None:
    chain = [f"chain-{i}" for i in range(10)]  # each continues the one before: ten layers
    fan = [f"angle-{i}" for i in range(12)]  # each follows the motion of chain-0: one wide layer
    alone = [f"alone-{i}" for i in range(38)]  # built on nothing, and nothing on them
    edges = [(a, b, "continues") for a, b in itertools.pairwise(chain)] + [("chain-0", f, "motion") for f in fan]
    dag = Dag(tuple(alone[:19] + chain + fan + alone[19:]), tuple(edges))
    drawing = draw(dag, [*chain, *fan])
    assert len(drawing.boxes) == 60 and len(drawing.lines) == len(edges) and drawing.layers == 10
    assert drawing.width <= PER_LINE * (BOX_W + GAP_X) + 12  # it fits the page's column: no sideways scroll
    boxes = {b.id: b for b in drawing.boxes}
    spots = [(b.x, b.y) for b in drawing.boxes]
    assert len(set(spots)) == 60 and all(0 <= x <= drawing.width - BOX_W for x, _ in spots)
    for a, b in itertools.combinations(drawing.boxes, 2):  # no two boxes overlap
        assert abs(a.x - b.x) >= BOX_W or abs(a.y - b.y) >= BOX_H, (a, b)
    assert all(boxes[child].y > boxes[parent].y + BOX_H for parent, child, _ in edges)  # down, past the parent
    assert len({boxes[f].y for f in fan}) == 2  # twelve in a layer: two lines of at most PER_LINE
    assert min(boxes[n].y for n in alone) > max(boxes[n].y for n in chain + fan)  # the loose ones last
    assert drawing.loose is not None and all(not boxes[n].linked for n in alone)


def test_a_page_without_entries_is_the_shots_as_before(tmp_path: Path, media_dir: Path) -> None:
    shots = [
        FilmShot("a", media_dir / "dance.mp4", 0.0, 3.0, Fraction(16), "A.", "local", "a" * 64, Decimal(0), "cached")
    ]
    text = write_review(shots, tmp_path / "film.mp4", tmp_path / "film.html", "Plain", dag=Dag(("a",), ())).read_text()
    assert drawn(tmp_path / "film.html").rows == ["a"]
    assert "<svg" not in text and "Soundtrack" not in text and "Captions" not in text  # nothing to draw or list
    assert "1 shot, 3.00 s" in text


def test_a_renamed_shot_is_renamed_on_the_page_though_the_film_is_up_to_date(reviewed: tuple[Project, str]) -> None:
    project, _ = reviewed
    film = project.root / "out" / "film.mp4"
    stamp = film.stat().st_mtime_ns
    project.write(BOARD.replace("id: last", "id: final"))
    build(project)
    assert film.stat().st_mtime_ns == stamp  # the same clips: the film is not cut again
    seen = drawn(project.root / "out" / "film.html")
    assert seen.rows == ["pour", "wide", "final"] and "final" in seen.boxes and "last" not in seen.boxes
