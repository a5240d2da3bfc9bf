"""The command line: output forms, exit codes, and what --help imports."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from storyboard.cli.main import cli

from .conftest import Project

BOARD = """
version: 1
characters:
  Mara: {images: [refs/a.png]}
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
# three independent mistakes in three shots: each is reported, in one run
THREE = """
version: 1
characters:
  Mara: {images: [refs/a.png]}
shots:
  - id: one
    prompt: "@Mara pours."
    durration: 4
  - id: two
    prompt: "@Mra waves."
  - id: three
    prompt: "@Mara holds the cup."
    duration: 20
"""
HEAD = re.compile(
    r"^(?P<file>.+):(?P<line>\d+):(?P<col>\d+): (?P<sev>error|warning|note)\[(?P<code>[A-Z]\d{3})\]: (?P<msg>.+)$"
)
COMMANDS = ("check", "plan", "build", "watch", "graph", "takes", "pick", "cost", "jobs", "gc", "schema", "init")
NO_KEYS = {k: None for k in os.environ if k.endswith("_API_KEY")}  # CliRunner: None removes a variable


def invoke(*args: str, env: dict[str, str | None] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=True)


# -- check -------------------------------------------------------------------------------


def test_check_text_is_compiler_style(project: Project) -> None:
    path = project.write(BAD)
    result = project.cli("check", str(path))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    head = f"{path}:5:15: error[V001]: duration must be a whole number of seconds from 3 to 15, found 20"
    assert lines[0] == head
    assert lines[1] == "  |"
    assert lines[2] == "5 |     duration: 20"
    assert lines[3] == "  |               ^^"
    assert lines[4].startswith("  = help: ")
    assert lines[-1] == f"{path}: 1 error"


def test_check_text_reports_each_diagnostic_with_its_source_line(project: Project) -> None:
    path = project.write(THREE)
    out = project.cli("check", str(path)).stdout
    heads = [HEAD.match(line) for line in out.splitlines()]
    found = [(int(m["line"]), int(m["col"]), m["code"]) for m in heads if m]
    assert found == [(7, 5, "S001"), (9, 14, "R001"), (12, 15, "V001")]
    blocks = out.strip().split("\n\n")
    assert len(blocks) == 4 and blocks[-1] == f"{path}: 3 errors"
    unknown = blocks[0].splitlines()
    assert unknown[2:] == ["7 |     durration: 4", "  |     ^^^^^^^^^", "  = help: did you mean `duration`?"]
    tag = blocks[1].splitlines()
    assert tag[2:] == ['9 |     prompt: "@Mra waves."', "  |              ^^^^", "  = help: did you mean `@Mara`?"]


def test_check_text_on_a_valid_file(project: Project) -> None:
    result = project.cli("check", str(project.write(BOARD)))
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == f"{project.root / 'storyboard.yaml'}: ok (5 shots)"


def test_check_text_on_a_huge_line_shows_a_window_with_the_caret(project: Project) -> None:
    path = project.root / "storyboard.yaml"
    path.write_text('version: 1\nshots: [{id: a, prompt: "' + "x" * 100_000 + '", durration: 4}]\n', encoding="utf-8")
    result = project.cli("check", str(path))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert HEAD.match(lines[0])["code"] == "S001"  # type: ignore[index]
    assert len(result.stdout) < 2000
    source, caret = lines[2], lines[3]
    at = caret.index("^")
    assert source[at : at + len("durration")] == "durration" and caret[at:] == "^" * len("durration")


def test_check_json_form(project: Project) -> None:
    path = project.write(BAD)
    result = project.cli("check", str(path), "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert set(report) == {"ok", "diagnostics"} and report["ok"] is False
    (d,) = report["diagnostics"]
    assert set(d) <= {"severity", "code", "message", "file", "line", "column", "shot", "help"}
    assert {"severity", "code", "message", "file", "line", "column", "shot"} <= set(d)
    assert (d["severity"], d["code"], d["file"], d["line"], d["column"], d["shot"]) == (
        "error",
        "V001",
        str(path),
        5,
        15,
        "a",
    )
    assert d["message"] == "duration must be a whole number of seconds from 3 to 15, found 20"
    ok = project.cli("check", str(project.write(BOARD)), "--format", "json")
    assert ok.exit_code == 0
    clean = json.loads(ok.stdout)
    assert clean["ok"] is True and {d["severity"] for d in clean["diagnostics"]} <= {"info"}


def test_check_json_types_and_a_diagnostic_without_a_shot(project: Project) -> None:
    path = project.write("version: 1\ntitel: x\nshots: [{id: a, prompt: x}]\ncut: [a]\n")
    report = json.loads(project.cli("check", str(path), "--format", "json").stdout)
    (d,) = report["diagnostics"]
    assert d["shot"] is None and d["code"] == "S001" and d["help"] == "did you mean `title`?"
    types = {k: type(v) for k, v in d.items() if k not in ("shot", "help")}
    assert types == {"severity": str, "code": str, "message": str, "file": str, "line": int, "column": int}


def test_check_json_for_three_mistakes(project: Project) -> None:
    path = project.write(THREE)
    result = project.cli("check", str(path), "--format", "json")
    assert result.exit_code == 1
    found = [
        (d["code"], d["line"], d["shot"]) for d in json.loads(result.stdout)["diagnostics"] if d["severity"] == "error"
    ]
    assert found == [("S001", 7, "one"), ("R001", 9, "two"), ("V001", 12, "three")]


def test_exit_codes(project: Project) -> None:
    board = str(project.write(BOARD))
    assert project.cli("check", board).exit_code == 0
    assert project.cli("check", str(project.write(BAD))).exit_code == 1
    usage = [
        ("check", str(project.root / "missing.yaml")),
        ("check", str(project.root)),  # a folder
        ("check",),
        ("check", board, "--format", "xml"),
        ("check", board, "--no-such-option"),
        ("plan", board, "--provider", "nobody"),
        ("plan", board, "--tier", "slow"),
        ("graph", board, "--format", "png"),
        ("no-such-command",),
    ]
    for args in usage:
        result = project.cli(*args)
        assert result.exit_code == 2, (args, result.output)
        assert "Traceback" not in result.output and "Error" in result.stderr


def test_strict_turns_a_warning_into_a_failure(project: Project) -> None:
    warn = project.write(BOARD + "cut: [pour, pour-wide, cup, steam]\n")  # `copy` is never shown
    plain = project.cli("check", str(warn))
    assert plain.exit_code == 0 and "warning[W002]" in plain.stdout
    strict = project.cli("check", str(warn), "--strict")
    assert strict.exit_code == 1 and "warning[W002]" in strict.stdout
    report = json.loads(project.cli("check", str(warn), "--strict", "--format", "json").stdout)
    assert report["ok"] is False
    assert [d["code"] for d in report["diagnostics"] if d["severity"] != "info"] == ["W002"]


# -- plan --------------------------------------------------------------------------------


class Listener:
    """A loopback port that counts connections: a plan must make none."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.setblocking(False)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def connections(self) -> int:
        n = 0
        while True:
            try:
                conn, _ = self.sock.accept()
            except BlockingIOError:
                return n
            conn.close()
            n += 1


def test_plan_json_form_sends_nothing_and_needs_no_key(project: Project) -> None:
    path = project.write(BOARD)
    listener = Listener()
    env = {
        **NO_KEYS,
        **{f"{p.upper()}_BASE_URL": listener.url for p in ("wavespeed", "eachlabs", "runware", "qingbo", "apimart")},
    }
    try:
        result = invoke("plan", str(path), "--format", "json", "--provider", "apimart", env=env)
        assert result.exit_code == 0, result.output
        assert listener.connections() == 0
    finally:
        listener.sock.close()
    assert not (project.root / ".storyboard").exists()  # nor writes anything
    plan = json.loads(result.stdout)
    assert (
        set(plan) == {"provider", "shots", "total_cost_usd", "needs", "warnings", "notes"}
        and plan["provider"] == "apimart"
    )
    assert plan["needs"] == ["APIMART_API_KEY: your apimart API key"]  # the bucket is set (conftest)
    assert [s["id"] for s in plan["shots"]] == ["pour", "pour-wide", "cup", "steam", "copy"]
    for shot in plan["shots"]:
        assert {"id", "action", "reasons", "cost_usd", "request"} <= set(shot)
        assert shot["action"] == "generate" and shot["reasons"] and all(isinstance(r, str) for r in shot["reasons"])
        assert isinstance(shot["cost_usd"], float) and shot["cost_usd"] > 0
        assert isinstance(shot["request"], dict) and shot["request"]["tier"] == "std"
    assert isinstance(plan["total_cost_usd"], float)
    assert plan["total_cost_usd"] == pytest.approx(sum(s["cost_usd"] for s in plan["shots"]))


def test_plan_overrides_provider_and_tier(project: Project) -> None:
    path = project.write(BOARD.replace("version: 1\n", "version: 1\nsettings: {provider: local, resolution: 720p}\n"))
    local = json.loads(invoke("plan", str(path), "--format", "json", env=NO_KEYS).stdout)
    assert local["provider"] == "local" and local["total_cost_usd"] == 0
    std = json.loads(invoke("plan", str(path), "--format", "json", "--provider", "apimart", env=NO_KEYS).stdout)
    assert std["provider"] == "apimart" and {s["request"]["tier"] for s in std["shots"]} == {"std"}
    result = invoke("plan", str(path), "--format", "json", "--provider", "apimart", "--tier", "fast", env=NO_KEYS)
    assert result.exit_code == 0, result.output
    fast = json.loads(result.stdout)
    assert fast["provider"] == "apimart" and {s["request"]["tier"] for s in fast["shots"]} == {"fast"}
    assert 0 < fast["total_cost_usd"] < std["total_cost_usd"]  # fast is cheaper per second


def test_plan_text(project: Project) -> None:
    path = project.write(BOARD)
    result = invoke("plan", str(path), "--provider", "apimart", env=NO_KEYS)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == f"Plan for {path} (provider apimart):"
    assert [line.split()[1] for line in lines[1:6]] == ["pour", "pour-wide", "cup", "steam", "copy"]
    assert all(line.split()[0] == "generate" for line in lines[1:6])
    assert lines[6] == "" and lines[7].startswith("5 shots: 5 to generate, 0 cached. Total: ")
    assert lines[8:] == ["Before building, set:", "  APIMART_API_KEY: your apimart API key"]


def test_plan_on_an_invalid_file_exits_1_with_the_diagnostics(project: Project) -> None:
    path = project.write(BAD)
    text = project.cli("plan", str(path))
    assert text.exit_code == 1 and text.stdout == ""
    assert f"{path}:5:15: error[V001]" in text.stderr
    as_json = project.cli("plan", str(path), "--format", "json")
    assert as_json.exit_code == 1  # JSON always on stdout, even for an invalid file
    report = json.loads(as_json.stdout)
    assert report["ok"] is False and [d["code"] for d in report["diagnostics"]] == ["V001"]
    broken = project.root / "broken.yaml"
    broken.write_text("version: 1\nshots: [\n")
    assert project.cli("plan", str(broken)).exit_code == 1


# -- graph, schema, init ------------------------------------------------------------------


def test_graph_mermaid(project: Project) -> None:
    result = project.cli("graph", str(project.write(BOARD)))
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "flowchart LR"
    nodes = dict(re.findall(r'^\s+(s\d+)\["([^<"]+)<br/>', result.stdout, re.M))
    ids = {v: k for k, v in nodes.items()}
    assert set(ids) == {"pour", "pour-wide", "cup", "steam", "copy"}
    edges = {tuple(e) for e in re.findall(r"^\s+(s\d+) -->\|(\w+)\| (s\d+)$", result.stdout, re.M)}
    assert edges == {
        (ids["pour"], "extends", ids["pour-wide"]),
        (ids["cup"], "continues", ids["steam"]),
        (ids["pour"], "motion", ids["copy"]),
    }


def test_graph_dot(project: Project) -> None:
    result = project.cli("graph", str(project.write(BOARD)), "--format", "dot")
    assert result.exit_code == 0
    dot = result.stdout
    assert dot.startswith("digraph storyboard {") and dot.rstrip().endswith("}")
    edges = set(re.findall(r'^\s+"([^"]+)" -> "([^"]+)" \[label="(\w+)"\];$', dot, re.M))
    assert edges == {("pour", "pour-wide", "extends"), ("cup", "steam", "continues"), ("pour", "copy", "motion")}
    assert '"steam" [label="steam (5s)"];' in dot


def test_graph_of_an_unreadable_file_exits_1(project: Project) -> None:
    path = project.root / "storyboard.yaml"
    path.write_text("version: 1\nshots: {\n")
    result = project.cli("graph", str(path))
    assert result.exit_code == 1 and result.stdout == "" and "error[Y001]" in result.stderr


def test_schema_command(project: Project) -> None:
    result = project.cli("schema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert {"version", "settings", "characters", "assets", "shots", "cut"} <= set(schema["properties"])
    assert {"version", "shots"} <= set(schema["required"])
    assert schema["additionalProperties"] is False


def test_init_creates_a_project_that_checks_clean(tmp_path: Path) -> None:
    target = tmp_path / "new" / "film"
    result = invoke("init", str(target))
    assert result.exit_code == 0, result.output
    board = target / "storyboard.yaml"
    assert board.is_file() and any((target / "refs").glob("*.png"))
    first = board.read_text().splitlines()[0]  # the editor's way to the schema: the installed package's file
    assert first.startswith("# yaml-language-server: $schema=/")
    assert json.loads(Path(first.split("=", 1)[1]).read_text())["$id"].endswith("storyboard.schema.json")
    check = invoke("check", str(board), "--strict", "--format", "json")
    assert check.exit_code == 0, check.stdout
    assert json.loads(check.stdout)["ok"] is True
    plan = invoke("plan", str(board), "--format", "json")
    assert plan.exit_code == 0 and json.loads(plan.stdout)["provider"] == "local"


def test_init_refuses_an_existing_project(tmp_path: Path) -> None:
    assert invoke("init", str(tmp_path)).exit_code == 0
    board = tmp_path / "storyboard.yaml"
    board.write_text("# mine\n")
    again = invoke("init", str(tmp_path))
    assert again.exit_code == 1 and "already exists" in again.stderr
    assert board.read_text() == "# mine\n"  # untouched


# -- the command group -------------------------------------------------------------------


def test_help_lists_the_commands() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    listed = re.findall(r"^  (\w+)\s", result.stdout.split("Commands:")[1], re.M)
    assert listed == list(COMMANDS)
    for command in COMMANDS:
        sub = invoke(command, "--help")
        assert sub.exit_code == 0 and sub.stdout.startswith("Usage: ") and f" {command} " in sub.stdout.splitlines()[0]


def test_version() -> None:
    from storyboard import __version__

    result = invoke("--version")
    assert result.exit_code == 0 and __version__ in result.stdout


HEAVY = ("networkx", "httpx", "ffmpeg", "imageio_ffmpeg", "av", "pydantic", "jinja2", "yaml", "rich")


@pytest.mark.slow
def test_help_imports_nothing_heavy() -> None:
    code = (
        "import sys\n"
        "from storyboard.cli.main import main\n"
        "sys.argv = ['storyboard', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print('HEAVY', sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "HEAVY []" in done.stdout, done.stdout
    for command in COMMANDS:
        assert f"  {command} " in done.stdout


@pytest.mark.slow
def test_help_imports_nothing_heavy_by_importtime() -> None:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "storyboard", "--help"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and "check" in done.stdout
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "click" in imported and "storyboard.cli.main" in imported  # the parse sees the imports
    tops = {name.split(".")[0] for name in imported}
    assert not tops & set(HEAVY), sorted(tops & set(HEAVY))


@pytest.mark.slow
def test_plan_imports_only_what_a_quote_needs(project: Project) -> None:
    """A quote runs no event loop, no job and no cut: their modules stay unimported (plan's start-up time)."""
    path = project.write(BOARD)
    unused = ("networkx", "httpx", "rich", "asyncio", "storyboard.run", "storyboard.cut", "storyboard.ops.building")
    code = (
        "import sys\nfrom storyboard.cli.main import main\n"
        f"try:\n    main(['plan', {str(path)!r}, '--format', 'json'])\nexcept SystemExit:\n    pass\n"
        f"print('HEAVY', [m for m in {unused!r} if m in sys.modules], file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert json.loads(done.stdout)["provider"] == "local"
    assert "HEAVY []" in done.stderr, done.stderr


@pytest.mark.slow
def test_plan_and_check_processes_end_with_their_status_and_all_their_output(project: Project) -> None:
    """A read-only command's process skips the interpreter's teardown (cli/main.py QUICK_EXIT): its exit
    status and every byte it printed still arrive, through a pipe far larger than a pipe's buffer too."""
    from storyboard.cli.exits import CHANGES, FAILED

    shots = "".join(f"  - id: s{i}\n    prompt: Shot {i} of a long film, the light low.\n" for i in range(400))
    good = project.write(f"version: 1\nshots:\n{shots}")
    planned = subprocess.run(
        [sys.executable, "-m", "storyboard", "plan", str(good), "--format", "json", "--detailed-exitcode"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert planned.returncode == CHANGES, planned.stderr
    assert len(planned.stdout) > 65536 and len(json.loads(planned.stdout)["shots"]) == 400
    bad = project.write("version: 1\nshots:\n  - id: a\n    prompt: A.\n    duration: 99\n", name="bad.yaml")
    checked = subprocess.run(
        [sys.executable, "-m", "storyboard", "check", str(bad)], capture_output=True, text=True, timeout=60
    )
    assert checked.returncode == FAILED and "bad.yaml:5:15: error[V001]" in checked.stdout, (
        checked.stdout + checked.stderr
    )
    assert checked.stdout.endswith("bad.yaml: 1 error\n")


def test_the_console_script_turns_usage_errors_into_exit_2(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    """In-process: the console script is ``main``; a traceback would escape it as an exception, not exit 2."""
    from storyboard.cli.main import main

    with pytest.raises(SystemExit) as exit_info:
        main(["check", str(project.root / "missing.yaml")])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and "Traceback" not in err and "missing.yaml" in err
