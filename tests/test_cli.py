"""The command line: output forms, exit codes, and what --help imports."""

from __future__ import annotations

import json
import os
import subprocess
import sys

BOARD = """
version: 1
characters:
  Mara: {images: [refs/a.png]}
assets:
  dance: refs/dance.mp4
shots:
  - id: pour
    prompt: "@Mara pours."
  - id: pour-wide
    extends: pour
    prompt: "@pour The camera pulls back."
  - id: cup
    prompt: The cup.
  - id: steam
    continues: cup
    prompt: Steam.
  - id: copy
    motion: pour
    prompt: "@Mara repeats @pour."
"""
BAD = """
version: 1
shots:
  - id: a
    prompt: x
    duration: 20
"""


def test_check_text_is_compiler_style(project):
    path = project.write(BAD)
    result = project.cli("check", str(path))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    head = f"{path}:5:15: error[V001]: duration must be a whole number of seconds from 3 to 15, found 20"
    assert lines[0] == head
    assert lines[2] == "5 |     duration: 20"
    assert lines[3] == "  |               ^^"
    assert lines[4].startswith("  = help: ")
    assert lines[-1] == f"{path}: 1 error"


def test_check_json_form(project):
    path = project.write(BAD)
    result = project.cli("check", str(path), "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    (d,) = report["diagnostics"]
    assert set(d) == {"severity", "code", "message", "file", "line", "column", "shot", "help"}
    assert (d["severity"], d["code"], d["line"], d["column"], d["shot"]) == ("error", "V001", 5, 15, "a")
    ok = project.cli("check", str(project.write(BOARD)), "--format", "json")
    assert ok.exit_code == 0 and json.loads(ok.stdout)["ok"] is True


def test_exit_codes_and_strict(project):
    assert project.cli("check", str(project.root / "missing.yaml")).exit_code == 2
    assert project.cli("check", str(project.write(BOARD)), "--format", "xml").exit_code == 2
    warn = project.write(BOARD + "cut: [pour, pour-wide, cup, steam]\n")
    assert project.cli("check", str(warn)).exit_code == 0
    strict = project.cli("check", str(warn), "--strict")
    assert strict.exit_code == 1 and "warning[W002]" in strict.stdout


def test_plan_json_form_and_overrides(project):
    path = project.write(BOARD)
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    result = project.runner.invoke(__import__("storyboard.cli.main", fromlist=["cli"]).cli,
                                   ["plan", str(path), "--format", "json", "--provider", "qingbo", "--tier", "fast"], env=env)
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert set(plan) == {"provider", "shots", "total_cost_usd"} and plan["provider"] == "qingbo"
    for shot in plan["shots"]:
        assert {"id", "action", "reasons", "cost_usd", "request"} <= set(shot)
        assert shot["action"] == "generate" and shot["request"]["tier"] == "fast"
    assert [s["id"] for s in plan["shots"]] == ["pour", "pour-wide", "cup", "steam", "copy"]
    assert plan["total_cost_usd"] > 0
    assert project.cli("plan", str(project.write(BAD))).exit_code == 1


def test_graph_mermaid_and_dot(project):
    path = project.write(BOARD)
    mermaid = project.cli("graph", str(path)).stdout
    assert mermaid.startswith("flowchart LR")
    assert "s0 -->|extends| s1" in mermaid and "s2 -->|continues| s3" in mermaid and "s0 -->|motion| s4" in mermaid
    dot = project.cli("graph", str(path), "--format", "dot").stdout
    assert '"pour" -> "pour-wide" [label="extends"];' in dot
    assert '"cup" -> "steam" [label="continues"];' in dot
    assert '"pour" -> "copy" [label="motion"];' in dot


def test_schema_command(project):
    schema = json.loads(project.cli("schema").stdout)
    assert {"version", "settings", "characters", "assets", "shots", "cut"} <= set(schema["properties"])


def test_help_lists_commands_and_imports_nothing_heavy():
    code = (
        "import sys\n"
        "from storyboard.cli.main import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('networkx', 'httpx', 'ffmpeg', 'av', 'pydantic', 'jinja2', 'rich') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "HEAVY []" in done.stdout, done.stdout
    for command in ("check", "plan", "build", "graph", "schema", "init"):
        assert command in done.stdout


def test_plan_does_not_import_networkx_or_httpx(project):
    path = project.write(BOARD)
    code = (
        "import sys\nfrom storyboard.cli.main import main\n"
        f"try:\n    main(['plan', {str(path)!r}, '--format', 'json'])\nexcept SystemExit:\n    pass\n"
        "print('HEAVY', [m for m in ('networkx', 'httpx', 'rich') if m in sys.modules], file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "HEAVY []" in done.stderr, done.stderr
