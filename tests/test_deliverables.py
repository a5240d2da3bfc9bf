"""Deliverables: several films from one file, a shot whose request is the same in two films generated once."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from storyboard.compile import compile_project
from storyboard.load import load
from storyboard.media.probe import probe_clip
from storyboard.ops import build, plans
from tests.conftest import Project, codes

BOARD = """
version: 1
settings: {resolution: 480p, duration: 3}
vars: {cta: Buy now}
deliverables:
  wide: {aspect_ratio: "16:9"}
  vertical: {aspect_ratio: "9:16", vars: {cta: Swipe up}}
  square: {aspect_ratio: "1:1", cut: [logo, open]}
shots:
  - id: open
    prompt: "Open on the cafe. {{ cta }}"
  - id: logo
    aspect_ratio: "16:9"
    prompt: The logo turns.
"""
SIZES = {"wide": (854, 480), "vertical": (480, 854), "square": (480, 480)}


def project_of(path: Path):
    project = compile_project(load(path))
    assert project.ok, [d.message for d in project.diagnostics.errors]
    return project


def _build(project: Project, path: Path):
    result = build(project_of(path))
    assert result.ok, {f.deliverable: {s: r.error for s, r in f.run.shots.items()} for f in result.films}
    return result


@pytest.fixture
def built(built_once):
    return built_once.get("test_deliverables", BOARD, _build)


def clips_in(root: Path) -> list[Path]:
    return sorted((root / ".storyboard" / "clips").rglob("*.mp4"))


def statuses(result) -> dict[str, dict[str, str]]:
    return {f.deliverable: {s: r.status for s, r in f.run.shots.items()} for f in result.films}


def test_three_deliverables_make_three_films_of_their_sizes_and_a_shared_shot_once(built) -> None:
    project, _, result = built
    assert statuses(result) == {
        "wide": {"open": "built", "logo": "built"},
        "vertical": {"open": "built", "logo": "cached"},  # logo keeps 16:9 in every film: one key
        "square": {"open": "built", "logo": "cached"},
    }
    assert len(clips_in(project.root)) == 4  # three `open`s (one per aspect ratio) and one `logo`
    for name, size in SIZES.items():
        film = project.root / "out" / f"storyboard-{name}.mp4"
        info = probe_clip(film)
        assert (info.width, info.height) == size, name
        assert info.seconds == pytest.approx(6.0, abs=0.1)  # two 3 s shots in each film
        assert film.with_suffix(".otio").is_file() and film.with_suffix(".html").is_file()
    assert not (project.root / "out" / "storyboard.mp4").exists()  # the file itself is no film any more


def test_a_rebuild_generates_nothing_and_cuts_nothing(built) -> None:
    project, path, _ = built
    films = sorted((project.root / "out").glob("*.mp4"))
    stamps = [f.stat().st_mtime_ns for f in films]
    again = build(project_of(path))
    assert all(r.status == "cached" for f in again.films for r in f.run.shots.values())
    assert [f.film.method for f in again.films] == ["up to date"] * 3
    assert [f.stat().st_mtime_ns for f in films] == stamps and again.spent == 0


def test_a_deliverables_vars_and_cut_are_its_own(built) -> None:
    project, path, _ = built
    shown = plans(project_of(path))
    prompts = {p.deliverable: p.compiled.shots["open"].request.prompt for p in shown.films}  # type: ignore[union-attr]
    assert prompts == {
        "wide": "Open on the cafe. Buy now",
        "vertical": "Open on the cafe. Swipe up",
        "square": "Open on the cafe. Buy now",
    }
    assert [p.compiled.cut for p in shown.films] == [["open", "logo"], ["open", "logo"], ["logo", "open"]]


def test_changing_one_deliverable_regenerates_only_its_own_shot(built) -> None:
    project, path, _ = built
    text = path.read_text().replace("cta: Swipe up", "cta: Tap now")
    path.write_text(text)
    result = build(project_of(path))
    assert statuses(result) == {
        "wide": {"open": "cached", "logo": "cached"},
        "vertical": {"open": "built", "logo": "cached"},
        "square": {"open": "cached", "logo": "cached"},
    }
    assert [f.film.method for f in result.films][0::2] == ["up to date", "up to date"]


def test_the_review_page_of_each_film_shows_every_film_and_marks_its_own(built) -> None:
    project, _, _ = built
    for name in SIZES:
        page = (project.root / "out" / f"storyboard-{name}.html").read_text()
        assert page.count("data-deliverable=") == 3
        assert f'data-deliverable="{name}" aria-current="page"' in page
        for other in set(SIZES) - {name}:
            assert f'href="storyboard-{other}.html"' in page and f'src="storyboard-{other}.mp4"' in page


def test_outputs_follow_the_files_output_unless_a_deliverable_names_its_own(project: Project) -> None:
    path = project.write("""
        version: 1
        settings: {output: films/ad.mp4}
        deliverables:
          wide: {}
          tall: {aspect_ratio: "9:16", output: social/tall.mp4}
        shots: [{id: a, prompt: x}]
    """)
    outputs = [f.output for f in project_of(path).films]
    assert outputs == [project.root.resolve() / "films/ad-wide.mp4", project.root.resolve() / "social/tall.mp4"]


def test_without_deliverables_nothing_changes(project: Project) -> None:
    path = project.write("version: 1\nshots: [{id: a, prompt: x}]\n")
    compiled = project_of(path)
    assert [f.deliverable for f in compiled.films] == [None]
    assert compiled.films[0].output == project.root.resolve() / "out/storyboard.mp4"
    document = json.loads(project.cli("plan", str(path), "--format", "json").output)
    assert "deliverables" not in document and "deliverable" not in document["shots"][0]


# -- diagnostics name the deliverable and the shot ------------------------------------------------


def test_an_override_a_provider_refuses_is_located_in_the_deliverable_naming_it_and_the_shot(project: Project) -> None:
    diags = project.diagnostics("""
        version: 1
        settings: {provider: wavespeed}
        deliverables:
          wide: {aspect_ratio: "16:9"}
          classic: {aspect_ratio: "4:3"}
        shots: [{id: pour, prompt: Latte art.}]
    """)
    (error,) = [d for d in diags if d.severity.value == "error"]
    assert error.code == "P002" and (error.location.line, error.location.column) == (5, 27)
    assert "deliverable `classic`" in error.message and "`pour`" in error.message and "4:3" in error.message


def test_an_unknown_key_in_a_deliverable_names_it_and_the_other_films_still_compile(project: Project) -> None:
    diags = project.diagnostics("""
        version: 1
        deliverables:
          wide: {aspect_ratio: "16:9"}
          tall: {aspect: "9:16"}
        shots:
          - {id: a, prompt: "{{ nothing }}"}
    """)
    assert sorted(codes(diags)) == ["S001", "T002"]
    unknown = next(d for d in diags if d.code == "S001")
    assert "deliverable `tall`" in unknown.message and "aspect_ratio" in (unknown.help or "")
    assert (unknown.location.line, unknown.location.column) == (4, 10)


def test_a_mistake_every_film_makes_is_said_once_without_naming_a_film(project: Project) -> None:
    diags = project.diagnostics("""
        version: 1
        deliverables: {wide: {}, tall: {aspect_ratio: "9:16"}}
        shots:
          - {id: a, prompt: x, takes: 2, take: 3}
    """)
    (error,) = [d for d in diags if d.code == "R005"]
    assert "deliverable" not in error.message and error.shot == "a"


def test_a_take_beyond_the_takes_a_deliverable_sets_names_the_deliverable(project: Project) -> None:
    diags = project.diagnostics("""
        version: 1
        settings: {takes: 3}
        deliverables: {wide: {}, tall: {aspect_ratio: "9:16", takes: 1}}
        shots:
          - {id: a, prompt: x, take: 2}
    """)
    (error,) = [d for d in diags if d.code == "R005"]
    assert error.message.startswith("deliverable `tall`: shot `a` picks take 2")
    assert "from deliverable `tall`" in error.message and error.location.line == 5


def test_a_cut_naming_no_shot_in_one_deliverable_points_into_that_deliverable(project: Project) -> None:
    diags = project.diagnostics("""
        version: 1
        deliverables:
          short: {cut: [a, b]}
        shots: [{id: a, prompt: x}]
    """)
    (error,) = [d for d in diags if d.code == "R002"]
    assert (error.location.line, error.location.column) == (3, 20) and "deliverable `short`" in error.message


# -- --deliverable ------------------------------------------------------------------------------


def test_deliverable_flag_limits_check_plan_and_build(project: Project) -> None:
    path = project.write(BOARD)
    checked = project.cli("check", str(path), "--deliverable", "square")
    assert checked.exit_code == 0 and "1 films" in checked.output or "films" not in checked.output
    document = json.loads(project.cli("plan", str(path), "--format", "json", "--deliverable", "square").output)
    assert [d["name"] for d in document["deliverables"]] == ["square"]
    built = project.cli("build", str(path), "--deliverable", "square", "--deliverable", "wide")
    assert built.exit_code == 0, built.output
    assert sorted(p.name for p in (project.root / "out").glob("*.mp4")) == [
        "storyboard-square.mp4",
        "storyboard-wide.mp4",
    ]


@pytest.mark.parametrize("command", ["check", "plan", "build"])
def test_an_unknown_deliverable_is_a_usage_error_with_a_suggestion(project: Project, command: str) -> None:
    path = project.write(BOARD)
    result = project.cli(command, str(path), "--deliverable", "verticle")
    assert result.exit_code == 2 and "`vertical`" in result.output
    assert not (project.root / ".storyboard").exists() and not (project.root / "out").exists()


# -- money: takes x deliverables, priced to the cent ----------------------------------------------

PRICED = """
version: 1
settings: {{provider: wavespeed, resolution: {resolution}, tier: {tier}}}
deliverables:
  wide: {{aspect_ratio: "16:9"}}
  vertical: {{aspect_ratio: "9:16"}}
  square: {{aspect_ratio: "1:1", takes: {square_takes}}}
shots:
  - {{id: a, duration: 3, takes: 2, prompt: First.}}
  - {{id: b, duration: 5, prompt: Second.}}
  - {{id: c, duration: 4, aspect_ratio: "16:9", prompt: The same everywhere.}}
"""


@pytest.mark.parametrize(
    ("resolution", "tier", "square_takes", "per_film", "total"),
    [
        # a: 2 takes x 3 s in every film; b: 5 s, 1 take (square: square_takes); c: 4 s, paid once (wide)
        ("480p", "std", 1, ["1.65", "1.21", "1.21"], "4.07"),  # 0.11/s: 0.66 + 0.55 (+ 0.44)
        # square's takes: b 3 x 0.55, and c's takes 2 and 3 are square's own (take 1 is wide's): 2 x 0.44
        ("480p", "std", 3, ["1.65", "1.21", "3.19"], "6.05"),
        ("720p", "fast", 2, ["1.65", "1.21", "2.20"], "5.06"),  # 0.11/s, fast 720p: 0.66 + 1.10 + 0.44
        ("1080p", "std", 1, ["5.25", "3.85", "3.85"], "12.95"),  # 0.35/s: 2.10 + 1.75 (+ 1.40)
    ],
)
def test_plan_json_prices_every_take_of_every_deliverable_to_the_cent(
    project: Project, resolution: str, tier: str, square_takes: int, per_film: list[str], total: str
) -> None:
    path = project.write(PRICED.format(resolution=resolution, tier=tier, square_takes=square_takes))
    result = project.cli("plan", str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    films = document["deliverables"]
    assert [f["name"] for f in films] == ["wide", "vertical", "square"]
    assert [Decimal(str(f["total_cost_usd"])).quantize(Decimal("0.01")) for f in films] == [
        Decimal(x) for x in per_film
    ]
    assert Decimal(str(document["total_cost_usd"])).quantize(Decimal("0.01")) == Decimal(total)
    rows = document["shots"]
    assert sum(1 for r in rows if r["deliverable"] == "square" and r["id"] == "b") == square_takes
    shared = [(r["deliverable"], r["id"]) for r in rows if r.get("shared_with")]
    assert shared == [("vertical", "c"), ("square", "c")]
    assert all(r["cost_usd"] == 0 for r in rows if r.get("shared_with"))
    paid = sum((Decimal(str(r["cost_usd"])) for r in rows), Decimal(0))
    assert paid.quantize(Decimal("0.01")) == Decimal(total)  # the rows add up to the total: nothing counted twice


def test_the_text_plan_groups_a_three_film_twenty_shot_three_take_file(project: Project) -> None:
    shots = "".join(f"  - {{id: s{i:02}, prompt: Shot {i}., aspect_ratio: '16:9'}}\n" for i in range(18))
    board = (
        "version: 1\nsettings: {provider: wavespeed, resolution: 480p, duration: 3, takes: 3}\n"
        'deliverables:\n  wide: {}\n  vertical: {aspect_ratio: "9:16"}\n  square: {aspect_ratio: "1:1"}\n'
        "shots:\n" + shots + "  - {id: hero, prompt: Hero.}\n  - {id: end, prompt: End.}\n"
    )
    path = project.write(board)
    result = project.cli("plan", str(path))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    # a line per shot whose takes are alike; wide lists its 20, the others their own 2 and one line for the 18
    films = [line for line in lines if "-> out/" in line]
    shots = [line for line in lines if "3 takes, the cut uses #1" in line]
    assert len(films) == 3 and len(shots) == 20 + 2 + 2 and len(lines) <= 3 * 4 + 24 + 2 + 4
    assert sum("18 shots as in `wide`" in line for line in lines) == 2
    assert "72 to generate" in lines[-3] and lines[-3].endswith("Total: $23.76")  # 24 shots x 3 takes x $0.33


# -- hosted: a shared take is sent once, and never when its first film failed ----------------------

HOSTED = """
version: 1
settings: {{provider: {provider}, resolution: {resolution}, duration: 3}}
deliverables:
  wide: {{aspect_ratio: "16:9"}}
  vertical: {{aspect_ratio: "9:16"}}
shots:
  - {{id: open, prompt: Open.}}
  - {{id: logo, aspect_ratio: "16:9", prompt: The logo.}}
"""


def test_hosted_a_shared_shot_is_one_job_and_the_bill_is_the_plans(hosted) -> None:
    h = hosted("wavespeed", HOSTED)
    quoted = json.loads(h.project.cli("plan", str(h.project.root / "storyboard.yaml"), "--format", "json").output)
    code, output = h.build()
    assert code == 0, output
    assert h.server.submit_count(created=True) == 3  # open twice (two aspect ratios), logo once
    assert f"spent ${Decimal(str(quoted['total_cost_usd'])):.2f}" in output
    assert sorted(p.name for p in (h.project.root / "out").glob("*.mp4")) == [
        "storyboard-vertical.mp4",
        "storyboard-wide.mp4",
    ]
    code, output = h.build()
    assert code == 0 and h.server.submit_count(created=True) == 3 and "spent $0.00" in output


def test_hosted_a_shared_take_whose_first_film_failed_is_not_sent_again(hosted) -> None:
    h = hosted("wavespeed", HOSTED.replace("  - {{id: open, prompt: Open.}}\n", ""))
    h.server.inject("poll", "failed")
    code, output = h.build()
    assert code == 1
    assert h.server.submit_count(created=True) == 1  # logo, for wide; vertical waited for it and sent nothing
    assert "`wide/logo` failed" in output and "`vertical/logo` skipped" in output
    assert not list((h.project.root / "out").glob("*.mp4"))


def test_takes_lists_the_named_deliverables_own_takes(built) -> None:
    project, path, _ = built
    wide = json.loads(project.cli("takes", str(path), "open", "--format", "json").output)
    tall = json.loads(project.cli("takes", str(path), "open", "--deliverable", "vertical", "--format", "json").output)
    assert (wide["deliverable"], tall["deliverable"]) == ("wide", "vertical")
    assert wide["key"] != tall["key"] and tall["takes"][0]["clip"] is not None  # 9:16 is a clip of its own
    assert project.cli("takes", str(path), "open", "--deliverable", "tall").exit_code == 2


# -- a deliverable builds what its film shows, and what that is built on ----------------------------

SHORT = """
version: 1
settings: {resolution: 480p, duration: 3}
deliverables:
  full: {}
  teaser: {aspect_ratio: "9:16", cut: [after]}
shots:
  - {id: before, prompt: The street.}
  - {id: after, continues: before, prompt: The door.}
  - {id: extra, prompt: "@Mara waves.", aspect_ratio: "4:3"}
characters:
  Mara: {images: [refs/a.png]}
"""


def test_a_deliverables_own_cut_builds_only_its_shots_and_their_ancestors(project: Project) -> None:
    path = project.write(SHORT)
    compiled = project_of(path)
    assert [list(f.shots) for f in compiled.films] == [["before", "after", "extra"], ["before", "after"]]
    assert [d for d in compiled.diagnostics if d.severity.value == "warning"] == []  # extra is full's; Mara too
    result = build(compiled)
    assert statuses(result)["teaser"] == {"before": "built", "after": "built"}  # 9:16: its own clips
    assert len(clips_in(project.root)) == 5  # full's three and teaser's two: no 9:16 `extra`
    assert probe_clip(project.root / "out" / "storyboard-teaser.mp4").seconds == pytest.approx(3.0, abs=0.1)


def test_a_shot_no_film_builds_is_a_warning_said_once(project: Project) -> None:
    diags = project.diagnostics(SHORT.replace("full: {}", "full: {cut: [before]}"))
    (warning,) = [d for d in diags if d.severity.value == "warning" and d.code == "W002"]
    assert warning.shot == "extra" and "no film generates it" in warning.message
    assert "W001" in codes(diags, "warning")  # Mara: only `extra`, which no film builds, mentions her


def test_selectors_hold_in_every_film_that_has_the_shot(project: Project) -> None:
    path = project.write(SHORT.replace("full: {}", "full: {cut: [extra]}"))
    result = project.cli("build", str(path), "--only", "+after")  # only teaser has `after`
    assert result.exit_code == 0, result.output
    assert len(clips_in(project.root)) == 2  # teaser's `before` and `after`; full's `extra` is not selected
    assert project.cli("plan", str(path), "--only", "nothing").exit_code == 2


def test_pick_holds_in_every_film(project: Project) -> None:
    path = project.write("""
        version: 1
        settings: {takes: 3}
        deliverables: {wide: {}, tall: {aspect_ratio: "9:16", takes: 2}}
        shots: [{id: a, prompt: x}]
    """)
    refused = project.cli("pick", str(path), "a", "3")  # tall has two takes of `a`
    assert refused.exit_code == 1 and "has 2 takes" in refused.output and "take:" not in path.read_text()
    assert project.cli("pick", str(path), "a", "2").exit_code == 0 and "take: 2" in path.read_text()


@pytest.mark.slow  # ~9 s: three jobs held in flight
def test_hosted_the_films_run_side_by_side(hosted, monkeypatch) -> None:
    """Three jobs of two films in flight at once: wide's two and vertical's own `open` (one after the
    other, vertical's job could only be sent once wide's were answered)."""
    import threading

    monkeypatch.setenv("WAVESPEED_CONCURRENCY", "3")
    h = hosted("wavespeed", HOSTED)
    hold = h.server.hold("submit")
    seen: list[bool] = []

    def release_when_three_are_in_flight() -> None:
        try:
            h.server.wait_for(lambda: h.server.submit_count(created=True) == 3, timeout=30)
            seen.append(True)
        except TimeoutError:
            seen.append(False)
        finally:
            hold.release()

    waiter = threading.Thread(target=release_when_three_are_in_flight)
    waiter.start()
    code, output = h.build()
    waiter.join()
    assert code == 0, output
    assert seen == [True] and h.server.submit_count(created=True) == 3
