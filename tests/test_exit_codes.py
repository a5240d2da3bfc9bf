"""Exit codes, one meaning each for every command (DESIGN.md, "Pipelines"; README "Exit codes").

Run through ``storyboard.cli.main.main``, the console script itself, so the codes are the ones
a pipeline sees: 0 success, 1 invalid input or a failed shot, 2 usage, 3 (``plan
--detailed-exitcode``) shots would be generated, 4 a build that refused to spend and sent nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from storyboard.cli import exits
from storyboard.cli.main import main
from tests.conftest import Project
from tests.hosted_fixtures import TEXT_ONLY, Hosted

VALID = """
version: 1
settings: {duration: 3, resolution: 480p}
shots:
  - {id: open, prompt: The cafe at dawn.}
  - {id: pour, prompt: Latte art., takes: 2}
"""
INVALID = """
version: 1
shots:
  - {id: a, prompt: x, duration: 20}
"""


@dataclass
class Ran:
    code: int
    stdout: str
    stderr: str


def run(*args: str) -> Ran:
    """The console script in-process, off a terminal (stdin is not a tty), as a pipeline runs it."""
    runner = CliRunner()
    with runner.isolation() as (out, err, _):
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        stdout, stderr = out.getvalue().decode(), err.getvalue().decode()
    assert "Traceback" not in stdout + stderr, stderr
    return Ran(code, stdout, stderr)


@pytest.fixture
def files(project: Project) -> tuple[Path, Path]:
    return project.write(VALID), project.write(INVALID, "bad.yaml")


def test_the_codes_are_distinct() -> None:
    codes = [exits.OK, exits.FAILED, exits.USAGE, exits.CHANGES, exits.REFUSED, exits.INTERRUPTED]
    assert codes == [0, 1, 2, 3, 4, 130]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["check", "{good}"], exits.OK),
        (["check", "{bad}"], exits.FAILED),
        (["check", "{good}", "--format", "xml"], exits.USAGE),
        (["check", "{missing}"], exits.USAGE),
        (["check", "{good}", "--deliverable", "nope"], exits.USAGE),
        (["plan", "{good}"], exits.OK),
        (["plan", "{bad}"], exits.FAILED),
        (["plan", "{good}", "--only", "nosuch"], exits.USAGE),
        (["plan", "{good}", "--detailed-exitcode"], exits.CHANGES),
        (["plan", "{bad}", "--detailed-exitcode"], exits.FAILED),
        (["build", "{bad}"], exits.FAILED),
        (["build", "{good}", "--only", "nosuch"], exits.USAGE),
        (["build", "{good}", "--jobs", "0"], exits.USAGE),
        (["graph", "{good}"], exits.OK),
        (["graph", "{good}", "--format", "png"], exits.USAGE),
        (["takes", "{good}", "pour"], exits.OK),
        (["takes", "{good}", "nosuch"], exits.FAILED),
        (["takes", "{bad}", "a"], exits.FAILED),
        (["takes", "{good}"], exits.USAGE),
        (["pick", "{good}", "pour", "2"], exits.OK),
        (["pick", "{good}", "pour", "9"], exits.FAILED),
        (["pick", "{bad}", "a", "1"], exits.FAILED),
        (["pick", "{good}", "pour", "zero"], exits.USAGE),
        (["cost", "{good}"], exits.OK),
        (["cost", "{good}", "--since", "not a date"], exits.USAGE),
        (["jobs", "{good}"], exits.OK),
        (["jobs", "{bad}"], exits.FAILED),
        (["jobs", "{good}", "--format", "csv"], exits.USAGE),
        (["gc", "{root}", "--keep-days", "0", "--dry-run"], exits.OK),
        (["gc", "{root}"], exits.USAGE),
        (["schema"], exits.OK),
        (["schema", "extra"], exits.USAGE),
        (["init", "{root}/fresh"], exits.OK),
        (["init", "{root}"], exits.FAILED),  # a storyboard is there already
        (["init"], exits.USAGE),
        (["nosuch-command"], exits.USAGE),
    ],
)
def test_every_command_answers_its_outcome_with_its_code(
    project: Project, files: tuple[Path, Path], args: list[str], expected: int
) -> None:
    good, bad = files
    if args[:1] == ["gc"]:
        bad.unlink()  # gc refuses (1) while a storyboard of the folder does not compile
    names = {"good": str(good), "bad": str(bad), "missing": str(project.root / "none.yaml"), "root": str(project.root)}
    ran = run(*(a.format(**names) for a in args))
    assert ran.code == expected, (args, ran.stdout, ran.stderr)


def test_gc_refuses_with_1_when_a_storyboard_does_not_compile(project: Project, files: tuple[Path, Path]) -> None:
    assert run("gc", str(project.root), "--keep-days", "0").code == exits.FAILED


def test_plan_detailed_exitcode_is_0_once_everything_is_built(project: Project, files: tuple[Path, Path]) -> None:
    good, _ = files
    assert run("plan", str(good), "--detailed-exitcode").code == exits.CHANGES
    assert run("build", str(good)).code == exits.OK  # the local preview is free: no consent needed
    assert run("plan", str(good), "--detailed-exitcode").code == exits.OK
    assert run("plan", str(good), "--detailed-exitcode", "--format", "json").code == exits.OK
    assert run("plan", str(good)).code == exits.OK  # without the flag: 0 either way


def test_an_invalid_file_s_json_is_on_stdout(files: tuple[Path, Path]) -> None:
    _, bad = files
    for command in ("plan", "build", "check"):
        ran = run(command, str(bad), "--format", "json")
        assert ran.code == exits.FAILED
        doc = json.loads(ran.stdout)
        assert doc["ok"] is False and [d["code"] for d in doc["diagnostics"]] == ["V001"], command


def test_build_without_yes_off_a_terminal_refuses_with_4_sending_nothing(hosted: Callable[..., Hosted]) -> None:
    h = hosted("wavespeed", TEXT_ONLY)
    ran = run("build", str(h.project.root / "storyboard.yaml"))
    assert ran.code == exits.REFUSED and "add --yes" in ran.stderr
    assert h.server.submit_count() == 0 and h.server.requests == []
    assert not (h.project.root / ".storyboard" / "clips").exists() and not (h.project.root / "out").exists()


def test_build_over_budget_refuses_with_4_sending_nothing(hosted: Callable[..., Hosted]) -> None:
    h = hosted("wavespeed", TEXT_ONLY)
    ran = run("build", str(h.project.root / "storyboard.yaml"), "--yes", "--budget", "0.10")
    assert ran.code == exits.REFUSED and "over the budget" in ran.stderr
    assert h.server.submit_count() == 0 and h.server.requests == []
    assert run("cost", str(h.project.root / "storyboard.yaml"), "--format", "json").code == exits.OK


def test_a_failed_shot_exits_1_and_the_others_are_built(hosted: Callable[..., Hosted]) -> None:
    h = hosted("wavespeed", TEXT_ONLY)
    h.server.inject("poll", "failed")
    ran = run("build", str(h.project.root / "storyboard.yaml"), "--yes", "--jobs", "1")
    assert ran.code == exits.FAILED, ran.stderr
    assert "1 failed" in ran.stderr
    report = json.loads((h.project.root / "out" / "film.build.json").read_text())
    rows = report["films"][0]["shots"]
    assert sorted(r["action"] for r in rows) == ["built", "built", "failed"]
    assert [bool(r["error"]) for r in rows if r["action"] == "failed"] == [True] and report["ok"] is False


def test_a_built_plan_exits_0(hosted: Callable[..., Hosted]) -> None:
    h = hosted("wavespeed", TEXT_ONLY)
    ran = run("build", str(h.project.root / "storyboard.yaml"), "--yes")
    assert ran.code == exits.OK, ran.stderr
    assert h.server.submit_count() == 3
