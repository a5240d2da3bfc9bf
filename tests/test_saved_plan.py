"""`plan --out` then `build --plan`: exactly the approved plan is built, and a stale plan sends nothing.

Through a hosted fake, so what was sent is counted at the provider, and through the local
previewer for the checks that need no provider.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.conftest import Project
from tests.hosted_fixtures import TEXT_ONLY, Hosted

LOCAL = """
version: 1
settings: {duration: 3, resolution: 480p}
characters:
  Mara: {images: [refs/a.png]}
shots:
  - {id: open, prompt: The cafe at dawn.}
  - {id: pour, prompt: "@Mara pours latte art."}
"""


def plan_to(project: Project, board: Path, *args: str) -> dict[str, object]:
    out = project.root / "PLAN.json"
    result = project.cli("plan", str(board), "--out", str(out), *args)
    assert result.exit_code in (0, 3), result.output
    document: dict[str, object] = json.loads(out.read_text(encoding="utf-8"))
    return document


def test_the_plan_file_holds_keys_requests_prices_and_the_inputs_hashes(project: Project) -> None:
    board = project.write(LOCAL)
    doc = plan_to(project, board)
    assert doc["format"] == "storyboard-plan" and doc["version"] == 1 and doc["storyboard"] == "storyboard.yaml"
    shots = doc["shots"]
    assert isinstance(shots, list) and [(s["id"], s["action"]) for s in shots] == [
        ("open", "generate"),
        ("pour", "generate"),
    ]
    assert all(len(s["key"]) >= 16 and s["request"]["prompt"] and "cost_usd" in s and s["reasons"] for s in shots)
    inputs = doc["inputs"]
    assert isinstance(inputs, dict) and set(inputs["files"]) == {"storyboard.yaml", "refs/a.png"}


def test_a_changed_soundtrack_file_is_named(project: Project) -> None:
    board = project.write(LOCAL + "soundtrack:\n  - {file: refs/jingle.wav}\n")
    doc = plan_to(project, board)
    inputs = doc["inputs"]
    assert isinstance(inputs, dict) and "refs/jingle.wav" in inputs["files"]
    (project.root / "refs" / "jingle.wav").write_bytes((project.root / "refs" / "voice.wav").read_bytes())
    result = project.cli("build", str(board), "--plan", str(project.root / "PLAN.json"))
    assert result.exit_code == 4 and "refs/jingle.wav changed" in result.output, result.output
    assert not (project.root / "out").exists()


def test_an_edited_prompt_is_refused_naming_it_and_nothing_is_sent(hosted: Callable[..., Hosted]) -> None:
    h = hosted("wavespeed", TEXT_ONLY)
    board = h.project.root / "storyboard.yaml"
    plan_to(h.project, board)
    board.write_text(board.read_text().replace("Second.", "Second at dusk."))
    code, output = h.build("--plan", str(h.project.root / "PLAN.json"))
    assert code == 4, output
    assert "prompt of shot `two` changed" in output and "nothing was sent" in output
    assert "`one`" not in output  # only what changed is named
    assert h.server.submit_count() == 0 and h.server.requests == []
    assert not (h.project.root / "out" / "film.mp4").exists()


def test_an_unchanged_plan_builds_exactly_its_shots(hosted: Callable[..., Hosted]) -> None:
    h = hosted("wavespeed", TEXT_ONLY)
    doc = plan_to(h.project, h.project.root / "storyboard.yaml")
    code, output = h.build("--plan", str(h.project.root / "PLAN.json"))
    assert code == 0, output
    assert h.server.submit_count() == 3
    report = json.loads((h.project.root / "out" / "film.build.json").read_text())
    shots = doc["shots"]
    assert isinstance(shots, list)
    assert [(r["shot"], r["key"], r["action"]) for r in report["films"][0]["shots"]] == [
        (s["id"], s["key"], "built") for s in shots
    ]


def test_a_selection_saved_in_the_plan_builds_only_those(hosted: Callable[..., Hosted]) -> None:
    h = hosted("wavespeed", TEXT_ONLY)
    doc = plan_to(h.project, h.project.root / "storyboard.yaml", "--only", "two")
    assert doc["selection"] == ["two#1"]  # resolved to takes
    code, output = h.build("--plan", str(h.project.root / "PLAN.json"))
    assert code == 0, output
    assert h.server.submit_count() == 1
    report = json.loads((h.project.root / "out" / "film.build.json").read_text())
    assert {r["shot"]: r["action"] for r in report["films"][0]["shots"]} == {
        "one": "unselected",
        "two": "built",
        "three": "unselected",
    }


def test_a_changed_media_file_is_named(project: Project) -> None:
    board = project.write(LOCAL)
    plan_to(project, board)
    (project.root / "refs" / "a.png").write_bytes((project.root / "refs" / "a.png").read_bytes() + b"\0")
    result = project.cli("build", str(board), "--plan", str(project.root / "PLAN.json"), "--yes")
    assert result.exit_code == 4, result.output
    assert "refs/a.png changed" in result.output
    assert not (project.root / ".storyboard" / "clips").exists()


def test_a_changed_provider_is_named(project: Project) -> None:
    board = project.write(LOCAL)
    plan_to(project, board)
    board.write_text(board.read_text().replace("settings: {", "settings: {provider: wavespeed, "))
    result = project.cli("build", str(board), "--plan", str(project.root / "PLAN.json"), "--yes")
    assert result.exit_code == 4, result.output
    assert "provider changed: local -> wavespeed" in result.output
    assert not (project.root / ".storyboard" / "clips").exists()


def test_a_plan_of_the_local_preview_builds_and_then_is_cached(project: Project) -> None:
    board = project.write(LOCAL)
    plan_to(project, board)
    first = project.cli("build", str(board), "--plan", str(project.root / "PLAN.json"))
    assert first.exit_code == 0, first.output
    assert (project.root / "out" / "storyboard.mp4").is_file()
    again = project.cli("build", str(board), "--plan", str(project.root / "PLAN.json"))
    assert again.exit_code == 0, again.output  # planned shots now cached: less is sent, never more


def test_a_malformed_or_foreign_plan_file_is_a_usage_error(project: Project) -> None:
    board = project.write(LOCAL)
    bad = project.root / "bad.json"
    cases = {
        "not json {": "not JSON",
        '{"format": "terraform", "version": 1}': "not a storyboard plan",
        '{"format": "storyboard-plan", "version": 9}': "version 9",
        '{"format": "storyboard-plan", "version": 1, "storyboard": "x.yaml"}': "damaged",
        "[1, 2]": "not a storyboard plan",
    }
    for text, said in cases.items():
        bad.write_text(text)
        result = project.cli("build", str(board), "--plan", str(bad), "--yes")
        assert result.exit_code == 2, (text, result.output)
        assert said in result.output and "Traceback" not in result.output, result.output
    other = project.write(LOCAL, "other.yaml")
    plan_to(project, other)
    result = project.cli("build", str(board), "--plan", str(project.root / "PLAN.json"), "--yes")
    assert result.exit_code == 2 and "a plan of other.yaml, not of storyboard.yaml" in result.output, result.output
    assert not (project.root / ".storyboard" / "clips").exists()


def test_plan_out_never_overwrites_the_storyboard_an_input_or_the_store(project: Project) -> None:
    board = project.write(LOCAL)
    before = board.read_bytes(), (project.root / "refs" / "a.png").read_bytes()
    for target in ("storyboard.yaml", "refs/a.png", "out/storyboard.build.json", ".storyboard/PLAN.json"):
        result = project.cli("plan", str(board), "--out", str(project.root / target))
        assert result.exit_code == 2 and "write the plan" in result.output, (target, result.output)
    assert (board.read_bytes(), (project.root / "refs" / "a.png").read_bytes()) == before
    assert not (project.root / "out").exists() and not (project.root / ".storyboard").exists()


def test_a_refusal_in_json_says_why_on_stdout(project: Project) -> None:
    board = project.write(LOCAL)
    plan_to(project, board)
    board.write_text(board.read_text().replace("pours latte art.", "pours latte art slowly."))
    result = project.cli("build", str(board), "--plan", str(project.root / "PLAN.json"), "--format", "json")
    assert result.exit_code == 4, result.output
    doc = json.loads(result.stdout)
    assert doc["ok"] is False and doc["sent"] is False and "prompt of shot `pour` changed" in doc["changes"]


DELIVERABLES = """
version: 1
settings: {resolution: 480p, duration: 3}
vars: {cta: Buy now}
deliverables:
  wide: {aspect_ratio: "16:9"}
  vertical: {aspect_ratio: "9:16", vars: {cta: Swipe up}}
shots:
  - id: open
    prompt: "Open on the cafe. {{ cta }}"
  - id: logo
    prompt: The logo turns.
"""


def test_a_plan_of_deliverables_names_the_film_whose_shot_changed(project: Project) -> None:
    board = project.write(DELIVERABLES)
    doc = plan_to(project, board)
    shots = doc["shots"]
    assert isinstance(shots, list) and {s["deliverable"] for s in shots} == {"wide", "vertical"}
    board.write_text(board.read_text().replace("cta: Swipe up", "cta: Tap here"))
    result = project.cli("build", str(board), "--plan", str(project.root / "PLAN.json"))
    assert result.exit_code == 4, result.output
    assert "prompt of shot `vertical/open` changed" in result.output
    assert "wide/open" not in result.output and "`vertical/logo`" not in result.output
    assert not (project.root / ".storyboard" / "clips").exists()
    plan_to(project, board)
    built = project.cli("build", str(board), "--plan", str(project.root / "PLAN.json"))
    assert built.exit_code == 0, built.output
    reports = sorted(p.name for p in (project.root / "out").glob("*.build.json"))
    assert reports == ["storyboard-vertical.build.json", "storyboard-wide.build.json"]


def test_an_edited_included_file_and_prompt_template_are_named(project: Project) -> None:
    """A saved plan hashes every file the storyboard reads: its includes and its prompts' templates too."""
    (project.root / "prompts").mkdir()
    (project.root / "prompts" / "mood.j2").write_text("in the rain")
    project.write("shots:\n  - {id: two, prompt: \"Second, {% include 'prompts/mood.j2' %}.\"}\n", "part.yaml")
    board = project.write(
        """
        version: 1
        settings: {resolution: 480p, duration: 3}
        include: [part.yaml]
        shots:
          - {id: one, prompt: First.}
        """
    )
    plan_to(project, board)
    (project.root / "prompts" / "mood.j2").write_text("in the sun")
    result = project.cli("build", str(board), "--plan", str(project.root / "PLAN.json"), "--yes")
    assert result.exit_code == 4, result.output
    assert "prompts/mood.j2 changed" in result.output
    plan_to(project, board)
    project.write("shots:\n  - {id: two, prompt: Second.}\n", "part.yaml")
    result = project.cli("build", str(board), "--plan", str(project.root / "PLAN.json"), "--yes")
    assert result.exit_code == 4 and "part.yaml changed" in result.output, result.output
    assert not (project.root / ".storyboard" / "clips").exists()  # nothing was made
