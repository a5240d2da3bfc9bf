"""No input makes the CLI print a traceback: each gets a located diagnostic and exit 1."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

LOCATED = re.compile(r"storyboard\.yaml:\d+:\d+: error\[([A-Z]\d{3})\]")

HOSTILE: list[tuple[str, bytes, str]] = [
    ("unclosed-bracket", b"version: 1\nshots: [\n", "Y001"),
    ("bad-indentation", b"version: 1\nshots:\n  - id: a\n   prompt: x\n", "Y001"),
    ("tab-indentation", b"version: 1\nshots:\n\t- id: a\n", "Y001"),
    ("shots-mapping", b"version: 1\nshots: {id: a}\n", "S002"),
    ("duration-string", b"version: 1\nshots:\n  - {id: a, prompt: x, duration: long}\n", "S002"),
    ("prompt-list", b"version: 1\nshots:\n  - {id: a, prompt: [x]}\n", "S002"),
    ("unknown-key", b"version: 1\nshots:\n  - {id: a, prompt: x, durration: 4}\n", "S001"),
    ("empty", b"", "Y002"),
    ("comments-only", b"# nothing\n# here\n", "Y002"),
    ("png-bytes", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "Y005"),
    ("invalid-utf8", b"version: 1\ntitle: \xff\xfe\n", "Y005"),
    ("ten-megabytes", b"version: 1\n" + b"#" * (10 * 1024 * 1024), "Y003"),
    ("top-level-list", b"- a\n- b\n", "S002"),
    ("top-level-scalar", b"hello\n", "S002"),
    ("two-documents", b"version: 1\n---\nversion: 1\n", "Y001"),
    ("python-tag", b"version: 1\nshots: !!python/object/apply:os.system [ls]\n", "Y007"),
    ("escaping-path", b"version: 1\nshots:\n  - {id: a, prompt: x, first_frame: ../../etc/passwd.png}\n", "M002"),
    ("absolute-path", b"version: 1\nshots:\n  - {id: a, prompt: x, first_frame: /etc/passwd.png}\n", "M003"),
    ("python-internals", b"version: 1\nshots:\n  - {id: a, prompt: \"{{ ''.__class__.__mro__[1].__subclasses__() }}\"}\n", "T003"),
    ("globals", b"version: 1\nshots:\n  - {id: a, prompt: \"{{ cycler.__init__.__globals__ }}\"}\n", "T003"),
    ("huge-string", b"version: 1\nshots:\n  - {id: a, prompt: \"{{ 'x' * 10**9 }}\"}\n", "T003"),
    ("huge-loop", b"version: 1\nshots:\n  - {id: a, prompt: \"{% for i in range(10**9) %}{% endfor %}x\"}\n", "T003"),
    ("undefined", b"version: 1\nvars: {look: warm}\nshots:\n  - {id: a, prompt: \"{{ lok }}\"}\n", "T002"),
]
BOMB = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(9)
)
HOSTILE += [("alias-bomb", BOMB.encode(), "Y004"), ("deep-nesting", b"a: " + b"[" * 100_000 + b"]" * 100_000, "Y004")]


@pytest.mark.parametrize(("data", "code"), [h[1:] for h in HOSTILE], ids=[h[0] for h in HOSTILE])
def test_hostile_input_gets_a_located_error(project, data, code):
    path = project.root / "storyboard.yaml"
    path.write_bytes(data)
    result = project.cli("check", str(path))
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert code in LOCATED.findall(result.output), result.output[:2000]


@pytest.mark.parametrize("name", ["deep-nesting", "alias-bomb", "png-bytes", "python-internals"])
def test_hostile_input_in_a_real_process(project, name):
    data = next(h[1] for h in HOSTILE if h[0] == name)
    path = project.root / "storyboard.yaml"
    path.write_bytes(data)
    done = subprocess.run([sys.executable, "-m", "storyboard", "check", str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "Traceback" not in done.stdout + done.stderr
    assert LOCATED.search(done.stdout)


def _check_json(project, text: str):
    path = project.root / "storyboard.yaml"
    path.write_text(text, encoding="utf-8")
    result = project.cli("check", str(path), "--format", "json")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code in (0, 1), result.output
    report = json.loads(result.stdout)
    for d in report["diagnostics"]:
        assert d["line"] >= 1 and d["column"] >= 1 and d["code"] and d["message"]
    assert report["ok"] == (result.exit_code == 0)
    return report


scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 30), st.floats(allow_nan=False, width=32),
                    st.text(max_size=20), st.sampled_from(["@Mara", "{{ look }}", "{{", "refs/a.png", "720p", "fast"]))
values = st.recursive(scalars, lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=8), kids, max_size=3), max_leaves=8)
SHOT_KEYS = ["id", "prompt", "duration", "extends", "continues", "motion", "audio", "first_frame", "keyframes", "tier", "promt", "sound"]
shots = st.lists(st.dictionaries(st.sampled_from(SHOT_KEYS), values, max_size=6), max_size=4)
boards = st.fixed_dictionaries(
    {"version": st.sampled_from([1, 1, 2, "1"]), "shots": shots},
    optional={"settings": values, "vars": values, "characters": values, "assets": values, "cut": values, "titel": values},
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(board=boards)
def test_generated_storyboards_never_crash(project, board):
    _check_json(project, yaml.safe_dump(board, allow_unicode=True))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=300))
def test_random_text_never_crashes(project, text):
    _check_json(project, text)
