"""Prompt templates run under a budget of work: a hostile template is a located T diagnostic, fast and small.

Each hostile template goes through the real ``check`` path (``storyboard.ops.check`` in
process; the CLI in a subprocess for the three that once ran for minutes) and must end
in a T diagnostic at the prompt's line and column, within a CPU-time bound (wall time on
a loaded machine measures the neighbours). One subprocess checks the whole corpus and
its peak memory is read from the kernel (``os.wait4``) after it ends. Legitimate
templates must still print exactly what plain Jinja2 prints.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import jinja2
import pytest

from storyboard.compile.templates import PromptRenderer
from storyboard.ops import check

CPU_LIMIT = 1.0  # seconds of CPU for one in-process check; the budget stops every case far sooner
MEMORY_LIMIT_MB = 200
LETTERS = "'abcdefghij'*10"  # a 100-character string, iterated one letter at a time


@dataclass(frozen=True)
class Hostile:
    name: str
    template: str
    codes: frozenset[str] = frozenset({"T005"})  # what a refusal may be; T003 where an older bound stops it first

    def __str__(self) -> str:
        return self.name


T003 = frozenset({"T003"})
HOSTILE = [
    # the three the lead measured: 468 s, 87 s and 9.8 GB, 6.5 s
    Hostile("nested-string-loops", "{% for i in 'x'*100000 %}{% for j in 'x'*100000 %}{% endfor %}{% endfor %}"),
    Hostile("list-of-long-strings", "{{ ['x'*99999]*99999 }}"),
    Hostile(
        "four-nested-letter-loops",
        f"{{% for a in {LETTERS} %}}{{% for b in {LETTERS} %}}{{% for c in {LETTERS} %}}{{% for d in {LETTERS} %}}"
        "{% endfor %}{% endfor %}{% endfor %}{% endfor %}",
    ),
    # loops
    Hostile("nested-list-loops", "{% for a in [0]*99999 %}{% for b in [0]*99999 %}{% endfor %}{% endfor %}"),
    Hostile(
        "nested-dict-loops",
        "{% set d = dict(a=1,b=2,c=3,d=4,e=5,f=6,g=7,h=8,i=9,j=10) %}"
        + "{% for a in d %}" * 6
        + "{{ a }}"
        + "{% endfor %}" * 6,
    ),
    Hostile("nested-ranges", "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}", T003),
    Hostile("filtered-inner-loop", "{% for i in 'x'*99999 %}{% for j in 'x'*99999 if false %}{% endfor %}{% endfor %}"),
    Hostile(
        "dict-items-loops",
        "{% set d = {'a': 'x'*99999} %}{% for k, v in d.items() %}"
        "{% for c in v %}{% for e in v %}{% endfor %}{% endfor %}{% endfor %}",
    ),
    Hostile(
        "loop-cycle",
        "{% for i in 'x'*99999 %}{% for j in 'x'*99999 %}{{ loop.cycle('a', 'b') }}{% endfor %}{% endfor %}",
    ),
    Hostile(
        "recursive-loop",
        "{% for x in 'x'*1000 recursive %}{% if loop.depth < 4 %}{{ loop('x'*1000) }}{% endif %}{% endfor %}",
    ),
    Hostile(
        "whitespace-control-loops", "{%- for i in 'x'*99999 -%}{%- for j in 'x'*99999 -%}{%- endfor -%}{%- endfor -%}"
    ),
    Hostile(
        "filter-block",
        "{% filter upper %}{% for i in 'x'*99999 %}{% for j in 'x'*99 %}yyyyyyyyyy{% endfor %}{% endfor %}{% endfilter %}",
    ),
    # globals
    Hostile(
        "cycler",
        "{% set c = cycler(*('x'*99999)) %}{% for i in 'x'*99999 %}{% for j in 'x'*99 %}{{ c.next() }}{% endfor %}{% endfor %}",
    ),
    Hostile("joiner", "{% set j = joiner('y'*99999) %}{% for i in 'x'*99999 %}{{ j() }}{% endfor %}", T003),
    Hostile("lipsum", "{{ lipsum(10**9) }}", frozenset({"T002", "T003"})),
    # recursion
    Hostile("recursive-macro", "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", frozenset({"T004", "T005"})),
    Hostile(
        "exponential-macro",
        "{% macro f(n) %}{% if n %}{{ f(n-1) }}{{ f(n-1) }}{% else %}x{% endif %}{% endmacro %}{{ f(40) }}",
    ),
    Hostile(
        "exponential-call-blocks",
        "{% macro twice() %}{{ caller() }}{{ caller() }}{% endmacro %}"
        + "{% call twice() %}" * 40
        + "x"
        + "{% endcall %}" * 40,
    ),
    Hostile(
        "macro-text-in-a-loop",
        "{% macro m() %}{% for i in 'x'*99999 %}" + "y" * 2000 + "{% endfor %}{% endmacro %}{{ m()|length }}",
    ),
    # values that grow: the size of what is repeated, joined or concatenated counts
    Hostile("whitespace-control-list", "{{- ['x'*99999]*99999 -}}"),
    Hostile("repeat-then-join", "{{ (['x'*99999]*99999)|join }}"),
    Hostile("join-long-separator", "{{ ('x'*99999)|list|join('y'*99999) }}"),
    Hostile("str-join-method", "{{ ('y'*99999).join('x'*99999) }}"),
    Hostile("batch-fill", "{{ [1]|batch(99999, 'y'*99999)|list }}"),
    Hostile("slice-fill", "{{ ('x'*99999)|list|slice(99999, 'y'*99999)|list }}"),
    Hostile("map-select-chain", "{{ ('x'*99999)|map('center', 99999)|select|map('upper')|join }}"),
    Hostile(
        "namespace-tilde-doubling",
        "{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}",
    ),
    Hostile(
        "namespace-plus-doubling",
        "{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s|length }}",
    ),
    Hostile(
        "namespace-list-nesting",
        "{% set ns = namespace(l=[1]) %}{% for i in range(60) %}{% set ns.l = [ns.l, ns.l] %}{% endfor %}{{ ns.l }}",
    ),
    Hostile(
        "namespace-dict-nesting",
        "{% set ns = namespace(d={}) %}{% for i in range(60) %}{% set ns.d = {'a': ns.d, 'b': ns.d} %}{% endfor %}{{ ns.d|string|length }}",
    ),
    Hostile(
        "set-block-doubling",
        "{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s %}{{ ns.s }}{{ ns.s }}{% endset %}{% endfor %}{{ ns.s|length }}",
    ),
    Hostile(
        "namespace-repr",
        "{% set b = ['x'*99999]*9 %}{% set ns = namespace(a=b,c=b,d=b,e=b,f=b,g=b,h=b,i=b,j=b,k=b,l=b) %}{{ ns }}",
    ),
    Hostile(
        "integer-squaring",
        "{% set ns = namespace(n=99999) %}{% for i in range(40) %}{% set ns.n = ns.n * ns.n %}{% endfor %}{{ ns.n > 1 }}",
    ),
    Hostile(
        "replace-doubling",
        "{% set ns = namespace(s='x') %}{% for i in range(60) %}{% set ns.s = ns.s|replace('x', 'xx') %}{% endfor %}{{ ns.s|length }}",
        T003,
    ),
    Hostile("list-extend-doubling", "{% set l = [0] %}{% for i in range(40) %}{{ l.extend(l) }}{% endfor %}", T003),
    Hostile("sum-of-lists", "{{ [[1]]*99999|sum(start=[]) }}", T003),
    # formatting
    Hostile("percent-of-long-strings", "{{ '%s' * 99 % ((['x'*99999]*99,)*99) }}"),
    Hostile("percent-widths", "{{ ('%999999s' * 1000) % (('x',) * 1000) }}"),
    Hostile("format-repeated-field", "{{ '{0}{0}{0}{0}{0}{0}{0}{0}{0}{0}{0}{0}'.format(['x'*99999]*99) }}"),
    Hostile("format-filter", "{{ '%s%s%s%s%s%s%s%s%s%s'|format(*(['x'*99999]*10)) }}"),
    Hostile("tojson-indent", "{{ [[[[['x']*99]*99]]]|tojson(99999) }}"),
    Hostile("pprint-nested", "{{ ([['x'*999]*999]*9)|pprint }}"),
    # widths
    Hostile("wordwrap-wrapstring", "{{ ('x '*50000)|wordwrap(1, wrapstring='y'*99999) }}", T003),
    Hostile("wordwrap-narrow", "{{ ('x'*99999)|wordwrap(1) }}", T003),
    Hostile("center-in-a-loop", "{% for i in 'x'*99999 %}{{ 'x'|center(99999) }}{% endfor %}", T003),
    Hostile("indent-width", "{{ ('\\n'*99999)|indent(99999, true, true) }}"),
    Hostile("indent-string", "{{ ('\\n'*99999)|indent('y'*99999, true, true) }}"),
    Hostile("urlize-target", "{{ ('a.com '*10000)|urlize(target='x'*99999) }}"),
    # costly comparisons, each one small
    Hostile(
        "compare-in-a-loop",
        "{% set a = 'x'*99999 %}{% set b = 'x'*99999 %}{% for i in range(99999) %}{% if a == b %}{% endif %}{% endfor %}",
    ),
]
BY_NAME = {h.name: h for h in HOSTILE}
MEASURED = ["nested-string-loops", "list-of-long-strings", "four-nested-letter-loops"]

VARS = {"look": "warm amber", "items": [f"i{i}" for i in range(50)], "n": 3}
LEGIT = [
    "{% for i in items %}{{ i }}{% if not loop.last %}, {% endif %}{% endfor %}",
    "{% if look == 'warm amber' %}golden{% else %}blue{% endif %} light",
    "{{ look|upper }} {{ items|length }} {{ items|first }}-{{ items|last }} {{ items[:3]|join('+') }}",
    "{% macro cam(s, lens='35mm') %}{{ s|title }} shot, {{ lens }}{% endmacro %}{{ cam('wide') }}; {{ cam('close up', '85mm') }}",
    "{% set ns = namespace(total=0) %}{% for i in items %}{% set ns.total = ns.total + loop.index %}{% endfor %}{{ ns.total }}",
    "{% for a in items[:20] %}{% for b in items[:20] %}.{% endfor %}{% endfor %}",
    "{%- for i in items[:3] -%} {{ i }} {%- endfor %} / {{- look -}} /",
    "{{ '%s at %d fps'|format(look, 24) }}, {{ '{} light'.format(look) }}, {{ look ~ ' ' ~ n }}",
    "{{ [look, look]|join(' & ') }} {{ dict(a=1, b=2).items()|list }} {{ range(5)|sum }} {{ items|batch(10)|list|length }}",
    "{{ items|map('upper')|select('ne', 'I3')|list|length }} {{ items|slice(3)|list|length }} {{ look|center(20) }}|",
    "{% for x in [[1, [2, 3]], [4]] recursive %}{% if x is iterable %}{{ loop(x) }}{% else %}{{ x }}{% endif %}{% endfor %}",
    "{{ ('x'*9999)|list|sort|unique|list|length }} {{ look|wordwrap(5) }} {{ 'a\nb'|indent(2) }} {{ [look]|tojson }}",
    "{% set c = cycler('left', 'right') %}{% for i in items[:4] %}{{ c.next() }} {% endfor %}{{ 'x' * 3 }}{{ [1, 2] * 2 }}",
    "{% macro twice() %}{{ caller() }}{{ caller() }}{% endmacro %}{% call twice() %}{% call twice() %}ab{% endcall %}{% endcall %}",
    "{% for i in items[:5] %}{{ loop.index }}/{{ loop.length }} {{ loop.revindex }} {{ loop.cycle('a', 'b') }};{% endfor %}",
    "{% for a, b in items|batch(2) if a != 'i2' %}{{ a }}{{ b }}{% else %}none{% endfor %} {% for i in [] %}x{% else %}none{% endfor %}",
    "{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }} {% endfor %}{% with x = items[0] %}{{ x }}{% endwith %}",
]


def board(template: str) -> str:
    """A one-shot storyboard; the prompt's value starts at line 5, column 13."""
    return "version: 1\nvars: {look: warm}\nshots:\n  - id: a\n    prompt: " + json.dumps(template) + "\n"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("hostile")
    paths = {}
    for case in HOSTILE:
        path = folder / f"{case.name}.yaml"
        path.write_text(board(case.template), encoding="utf-8")
        paths[case.name] = path
    return paths


def test_the_corpus_is_large_and_distinct() -> None:
    assert len(HOSTILE) >= 30 and len(BY_NAME) == len(HOSTILE)


@pytest.mark.parametrize("case", HOSTILE, ids=str)
def test_a_hostile_template_is_a_located_diagnostic_at_once(corpus: dict[str, Path], case: Hostile) -> None:
    started = time.thread_time()
    checked = check(corpus[case.name])
    spent = time.thread_time() - started
    errors = checked.diagnostics.errors
    assert [e.code for e in errors] in [[c] for c in case.codes], [(e.code, e.message) for e in errors]
    where = errors[0].location
    assert (Path(where.file).name, where.line, where.column) == (f"{case.name}.yaml", 5, 13)
    assert errors[0].shot == "a"
    assert errors[0].help or errors[0].code == "T004"  # T005 says which limit and what to write instead
    assert spent < CPU_LIMIT, f"{case.name}: {spent:.2f} s of CPU"


def test_each_limit_says_which_limit_and_what_to_write_instead(corpus: dict[str, Path]) -> None:
    seen = {}
    for name in ("nested-string-loops", "list-of-long-strings", "set-block-doubling"):
        (error,) = check(corpus[name]).diagnostics.errors
        seen[name] = error
    assert "steps" in seen["nested-string-loops"].message and "short list" in (seen["nested-string-loops"].help or "")
    assert "value larger" in seen["list-of-long-strings"].message
    assert "in all" in seen["set-block-doubling"].message


def test_a_multi_line_template_is_refused_at_its_own_line(tmp_path: Path) -> None:
    loop = "{% for i in 'x'*99999 %}{% for j in 'x'*99999 %}{% endfor %}{% endfor %}"
    path = tmp_path / "storyboard.yaml"
    path.write_text(f"version: 1\nshots:\n  - id: a\n    prompt: |\n      Scene one.\n      {loop}\n", encoding="utf-8")
    (error,) = check(path).diagnostics.errors
    assert (error.code, error.location.line, error.location.column) == ("T005", 6, 7)


def test_the_same_hostile_template_in_many_shots_costs_one_render(tmp_path: Path) -> None:
    shots = "".join(
        f"  - id: s{i}\n    prompt: {json.dumps(BY_NAME['nested-string-loops'].template)}\n" for i in range(60)
    )
    path = tmp_path / "storyboard.yaml"
    path.write_text("version: 1\nshots:\n" + shots, encoding="utf-8")
    started = time.thread_time()
    errors = check(path).diagnostics.errors
    assert time.thread_time() - started < 2 * CPU_LIMIT
    assert [e.code for e in errors] == ["T005"] * 60 and {e.shot for e in errors} == {f"s{i}" for i in range(60)}


@pytest.mark.parametrize("template", LEGIT)
def test_a_legitimate_template_prints_what_jinja_prints(template: str) -> None:
    expected = jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(template).render(VARS).strip()
    rendered = PromptRenderer(VARS).render(template)
    assert rendered.problem is None, rendered.problem
    assert rendered.text == expected


def test_a_legitimate_loop_compiles_into_the_request(tmp_path: Path) -> None:
    items = ", ".join(f"i{i}" for i in range(50))
    path = tmp_path / "storyboard.yaml"
    path.write_text(
        "version: 1\nvars: {items: ["
        + items
        + "]}\nshots:\n  - id: a\n    prompt: "
        + json.dumps("Props: {% for i in items %}{{ i|upper }}{{ ', ' if not loop.last }}{% endfor %}.")
        + "\n",
        encoding="utf-8",
    )
    checked = check(path)
    assert checked.valid, [(d.code, d.message) for d in checked.diagnostics]
    assert checked.compiled is not None
    request = checked.compiled.shots["a"].request
    assert request is not None and request.prompt == "Props: " + items.upper() + "."


RUNNER = """
import json, sys, time
from storyboard.ops import check
out = {}
for path in sys.argv[1:]:
    started = time.thread_time()
    codes = [d.code for d in check(path).diagnostics.errors]
    out[path] = [codes, time.thread_time() - started]
print(json.dumps(out))
"""


# A small parent between the test and the measured child: Linux counts the memory a child
# had before exec (a fork of this whole pytest worker) in its peak RSS, so the child must
# be forked from a process that holds little.
WRAPPER = """
import json, resource, subprocess, sys
done = subprocess.run(sys.argv[2:])
u = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(sys.argv[1], "w") as report:
    json.dump([done.returncode, u.ru_utime + u.ru_stime, u.ru_maxrss / 1024], report)
"""


def run_measured(args: list[str], folder: Path) -> tuple[str, int, float, float]:
    """Run a Python child; its stdout, exit code, CPU seconds and peak RSS in MB, read after it ends."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    out, err, report = folder / "stdout", folder / "stderr", folder / "report.json"
    with out.open("wb") as o, err.open("wb") as e:
        command = [sys.executable, "-c", WRAPPER, str(report), sys.executable, *args]
        try:
            subprocess.run(command, stdout=o, stderr=e, env=env, timeout=120)  # the old templates ran for minutes
        except subprocess.TimeoutExpired:
            pytest.fail(f"{args[:2]} ran for more than two minutes")
    assert b"Traceback" not in err.read_bytes(), err.read_text()[-2000:]
    code, cpu, rss = json.loads(report.read_text())
    return out.read_text(), code, cpu, rss


@pytest.mark.slow
def test_the_whole_corpus_checks_in_one_process_under_the_memory_limit(corpus: dict[str, Path], tmp_path: Path) -> None:
    stdout, code, cpu, rss = run_measured(["-c", RUNNER, *map(str, corpus.values())], tmp_path)
    assert code == 0
    results = json.loads(stdout)
    for case in HOSTILE:
        codes, spent = results[str(corpus[case.name])]
        assert codes in [[c] for c in case.codes], (case.name, codes)
        assert spent < CPU_LIMIT, (case.name, spent)
    assert rss < MEMORY_LIMIT_MB, f"the corpus peaked at {rss:.0f} MB"


@pytest.mark.slow
def test_the_cli_refuses_the_measured_attacks_in_well_under_two_seconds(
    corpus: dict[str, Path], tmp_path: Path
) -> None:
    """Each once ran for minutes (one took 9.8 GB); now each costs about what checking a plain storyboard costs."""
    plain = tmp_path / "plain.yaml"
    plain.write_text(board("Scene one, {{ look }}."), encoding="utf-8")
    _, code, base_cpu, base_rss = run_measured(["-m", "storyboard", "check", str(plain)], tmp_path)
    assert code == 0
    for name in MEASURED:
        stdout, code, cpu, rss = run_measured(["-m", "storyboard", "check", str(corpus[name])], tmp_path)
        assert code == 1
        assert f"{name}.yaml:5:13: error[T005]" in stdout, stdout[-2000:]
        assert cpu - base_cpu < CPU_LIMIT, (name, cpu, base_cpu)  # interpreter start and imports are the baseline's
        assert rss < MEMORY_LIMIT_MB, (name, rss, base_rss)
