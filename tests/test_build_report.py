"""The build report: `build --format json` on stdout and `<stem>.build.json` beside the film, the same document."""

from __future__ import annotations

import json
from collections.abc import Callable

from tests.conftest import Project
from tests.hosted_fixtures import TEXT_ONLY, Hosted

LOCAL = """
version: 1
settings: {duration: 3, resolution: 480p, output: films/launch.mp4}
shots:
  - {id: open, prompt: The cafe at dawn.}
  - {id: pour, prompt: Latte art.}
"""


def test_a_hosted_build_reports_each_take_with_its_job_and_costs(hosted: Callable[..., Hosted]) -> None:
    h = hosted("wavespeed", TEXT_ONLY)
    code, output = h.build("--format", "json")
    assert code == 0, output
    printed = json.loads(output.splitlines()[-1])
    written = json.loads((h.project.root / "out" / "film.build.json").read_text())
    assert printed == written
    assert written["ok"] is True and written["built"] == 3 and written["failed"] == 0
    rows = written["films"][0]["shots"]
    assert [r["shot"] for r in rows] == ["one", "two", "three"]
    jobs = set(h.server.jobs)
    for row in rows:
        assert row["action"] == "built" and row["provider"] == "wavespeed" and row["error"] is None
        assert row["job_id"] in jobs
        assert row["list_cost_usd"] > 0 and row["seconds"] == 3
        assert (h.project.root / row["clip"]).is_file()
    assert written["spent_usd"] == sum(r["cost_usd"] for r in rows) > 0
    again_code, again = h.build("--format", "json")
    assert again_code == 0, again
    second = json.loads(again.splitlines()[-1])
    assert [r["action"] for r in second["films"][0]["shots"]] == ["cached"] * 3 and second["spent_usd"] == 0
    assert h.server.submit_count() == 3


def test_the_report_is_written_beside_a_custom_output_and_json_stdout_is_only_the_report(project: Project) -> None:
    board = project.write(LOCAL)
    result = project.cli("build", str(board), "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)  # the film's path and progress go to stderr: stdout is one document
    assert doc == json.loads((project.root / "films" / "launch.build.json").read_text())
    assert {r["shot"]: r["action"] for r in doc["films"][0]["shots"]} == {"open": "built", "pour": "built"}
    assert doc["films"][0]["film"] == str(project.root / "films" / "launch.mp4")


def test_the_report_is_an_output_a_build_never_writes_through_a_symlink(project: Project) -> None:
    (project.root / "films").mkdir()
    (project.root / "films" / "launch.build.json").symlink_to(project.root / "refs" / "a.png")
    board = project.write(LOCAL)
    result = project.cli("check", str(board))
    assert result.exit_code == 1 and "error[O005]" in result.output and "launch.build.json" in result.output


def test_plan_json_carries_warnings_and_notes(project: Project) -> None:
    board = project.write(LOCAL.replace("shots:", "characters:\n  Mara: {images: [refs/a.png]}\nshots:"))
    result = project.cli("plan", str(board), "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert [d["code"] for d in doc["warnings"]] == ["W001"]
    assert doc["warnings"][0]["line"] == 4 and doc["warnings"][0]["severity"] == "warning"
    checked = json.loads(project.cli("check", str(board), "--format", "json").stdout)
    assert doc["notes"] == [d for d in checked["diagnostics"] if d["severity"] == "info"]
