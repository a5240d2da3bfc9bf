"""`--only` / `--exclude` selectors, dbt style (DESIGN "Pipelines"), over one storyboard built once offline.

The board has tags, characters (one declared and unused), a shot with two takes, an `extends`
and a `continues` chain; after the build, one prompt is edited (`cup`: so `cup` and `steam`,
which continues it, are modified) and one shot's tags (`open`: tags are labels, not inputs).
Each selector expression is checked against the exact (shot, take) pairs it selects; what the
build then pays for, and what the spending prompt says, is checked through the hosted fake.
"""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import sys
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path

import pytest

from storyboard.ops import prepare
from storyboard.plan import make_plan
from storyboard.store import Store
from tests.conftest import Project, build_clean, compiled_of
from tests.hosted_fixtures import Hosted

BOARD = """
version: 1
settings: {resolution: 480p, duration: 3}
characters:
  Mara: {images: [refs/a.png]}
  Leo: {images: [refs/b.png]}
  Ghost: {images: [refs/c.png]}
shots:
  - id: open
    tags: [establishing]
    prompt: The cafe at dawn.
  - id: pour
    tags: [hero, product]
    takes: 2
    prompt: "@Mara pours latte art."
  - id: pour-wide
    extends: pour
    tags: [hero]
    prompt: "@pour The camera pulls back."
  - id: cup
    first_frame: refs/d.png
    prompt: The cup turns.
  - id: steam
    continues: cup
    prompt: Steam rises.
  - id: menu
    tags: [product]
    prompt: "@Leo reads the menu."
"""
EVERY = {("open", 1), ("pour", 1), ("pour", 2), ("pour-wide", 1), ("cup", 1), ("steam", 1), ("menu", 1)}
POUR = {("pour", 1), ("pour", 2)}


@pytest.fixture
def edited(built_once) -> tuple[Project, Path]:
    """Built once, then `cup`'s prompt edited and `open` given one more tag."""
    project, path, _ = built_once.get("test_selectors", BOARD, build_clean)
    text = path.read_text(encoding="utf-8")
    text = text.replace("The cup turns.", "The cup turns slowly.").replace("[establishing]", "[establishing, wide]")
    path.write_text(text, encoding="utf-8")
    return project, path


def chosen(path: Path, only: Sequence[str], exclude: Sequence[str] = ()) -> set[tuple[str, int]]:
    selection = prepare(path, only=only, exclude=exclude).selection
    assert selection is not None
    return {(name.split("#")[0], int(name.split("#")[1])) for name in selection}


CASES: list[tuple[list[str], list[str], set[tuple[str, int]]]] = [
    # one selector
    (["open"], [], {("open", 1)}),
    (["pour"], [], POUR),
    (["pour#2"], [], {("pour", 2)}),
    (["pour+"], [], POUR | {("pour-wide", 1)}),
    (["+pour-wide"], [], POUR | {("pour-wide", 1)}),
    (["+steam"], [], {("cup", 1), ("steam", 1)}),
    (["cup+"], [], {("cup", 1), ("steam", 1)}),
    (["tag:hero"], [], POUR | {("pour-wide", 1)}),
    (["tag:product"], [], POUR | {("menu", 1)}),
    (["tag:wide"], [], {("open", 1)}),  # a tag added after the build selects at once
    (["tag:product+"], [], POUR | {("pour-wide", 1), ("menu", 1)}),
    (["+tag:hero"], [], POUR | {("pour-wide", 1)}),
    (["character:Mara"], [], POUR),  # pour-wide extends pour's clip; its prompt names no character
    (["character:Mara+"], [], POUR | {("pour-wide", 1)}),
    (["character:Leo"], [], {("menu", 1)}),
    (["state:modified"], [], {("cup", 1), ("steam", 1)}),  # steam's first frame is cup's (new) last one
    (["+state:modified"], [], {("cup", 1), ("steam", 1)}),
    # unions by comma (or space)
    (["open,tag:hero"], [], {("open", 1)} | POUR | {("pour-wide", 1)}),
    (["pour#2, menu"], [], {("pour", 2), ("menu", 1)}),
    (["state:modified,character:Leo"], [], {("cup", 1), ("steam", 1), ("menu", 1)}),
    # intersections by repeating the flag
    (["tag:hero", "character:Mara"], [], POUR),
    (["tag:product", "character:Leo"], [], {("menu", 1)}),
    (["tag:hero", "tag:product"], [], POUR),
    (["pour+", "pour#1,pour-wide"], [], {("pour", 1), ("pour-wide", 1)}),
    (["open", "menu"], [], set()),  # disjoint: nothing is built, and nothing is said to be everything
    # --exclude removes its union from the selection (from everything without --only)
    (["tag:product"], ["pour#1"], {("pour", 2), ("menu", 1)}),
    ([], ["tag:hero"], {("open", 1), ("cup", 1), ("steam", 1), ("menu", 1)}),
    ([], ["state:modified"], EVERY - {("cup", 1), ("steam", 1)}),
    ([], ["cup+", "pour"], {("open", 1), ("pour-wide", 1), ("menu", 1)}),
    (["tag:hero+"], ["character:Mara"], {("pour-wide", 1)}),
]


@pytest.mark.parametrize(
    ("only", "exclude", "expected"), CASES, ids=lambda v: ",".join(v) if isinstance(v, list) else ""
)
def test_each_selector_selects_exactly_these_takes(edited, only, exclude, expected) -> None:
    _, path = edited
    assert chosen(path, only, exclude) == expected


def test_tags_are_labels_not_inputs(edited) -> None:
    """`open`'s tags changed since the build: its key is the same, it is cached, and it is not modified."""
    project, path = edited
    plan = make_plan(compiled_of(path), Store(project.root))
    rows = {(s.id, s.take): s for s in plan.shots}
    assert {k for k, s in rows.items() if s.action == "generate"} == {("cup", 1), ("steam", 1)}
    with Store(project.root) as store:
        assert store.builds.takes("storyboard.yaml")[("open", 1)].key == rows[("open", 1)].key
    untagged = path.read_text(encoding="utf-8").replace("    tags: [establishing, wide]\n", "")
    path.write_text(untagged, encoding="utf-8")
    assert make_plan(compiled_of(path), Store(project.root)).shot("open").key == rows[("open", 1)].key


def test_nothing_modified_selects_nothing(edited) -> None:
    """After building what changed, `state:modified` is empty: a pipeline's "nothing changed", not everything."""
    project, path = edited
    done = project.cli("build", str(path), "--only", "state:modified")
    assert done.exit_code == 0, done.output
    assert "2 built" in done.output
    plan = make_plan(compiled_of(path), Store(project.root))
    assert plan.to_generate == []  # cup and steam were built at their new keys; the rest stayed cached
    assert chosen(path, ["state:modified"]) == set()
    again = project.cli("build", str(path), "--only", "state:modified")
    assert again.exit_code == 0 and "0 built" in again.output, again.output


@pytest.mark.parametrize(
    ("flag", "value", "says"),
    [
        ("--only", "", "is empty"),
        ("--only", " , ", "is empty"),
        ("--exclude", "", "is empty"),
        ("--only", "tag:villain", "no shot has the tag `villain`"),
        ("--only", "tag:her", "did you mean `tag:hero`"),
        ("--only", "character:Zed", "no character `Zed` is declared"),
        ("--only", "character:Ghost", "no shot's prompt or references use `@Ghost`"),
        ("--only", "state:new", "the states are state:modified"),
        ("--only", "colour:red", "unknown selector method `colour:`"),
        ("--only", "porr", "did you mean `pour`"),
        ("--only", "pour#3", "has takes 1..2"),
        ("--only", "pour#2+", "not with one take"),
        ("--exclude", "nope", "names no shot"),
    ],
)
def test_an_empty_or_unknown_selector_is_a_usage_error_naming_what_exists(
    project: Project, flag: str, value: str, says: str
) -> None:
    path = project.write(BOARD)
    done = project.cli("build", str(path), flag, value)
    assert done.exit_code == 2, done.output
    error = next(line for line in done.output.splitlines() if line.startswith("Error:"))
    assert says in error and "Traceback" not in done.output
    if "#" in value:  # a take: the shot's takes are what exists
        assert "`pour#1` .. `pour#2`" in error or "`pour+`" in error, error
    elif value.startswith("state:"):
        assert "state:modified" in error
    else:
        listed = ["open", "pour", "pour-wide", "cup", "steam", "menu", "tag:establishing", "tag:hero", "tag:product"]
        assert all(name in error for name in [*listed, "character:Leo", "character:Mara", "state:modified"]), error
        assert "character:Ghost" not in error.split("(")[-1], error  # declared, but it selects nothing
    assert not (project.root / ".storyboard" / "clips").exists() and not (project.root / "out").exists()


# -- what is paid for: the hosted fake counts the jobs -------------------------------------------
HOSTED = """
version: 1
settings: {{provider: {provider}, resolution: 480p, duration: 3, output: out/film.mp4}}
shots:
  - {{id: open, tags: [hero], prompt: The cafe at dawn.}}
  - {{id: pour, takes: 2, prompt: Latte art.}}
  - {{id: sip, continues: pour, prompt: She sips.}}
  - {{id: close, tags: [hero], prompt: The door shuts.}}
"""


def priced(project: Project, *args: str) -> dict[tuple[str, int], Decimal]:
    shown = project.cli("plan", str(project.root / "storyboard.yaml"), "--format", "json", *args)
    assert shown.exit_code == 0, shown.output
    rows = json.loads(shown.stdout)["shots"]
    return {(s["id"], s["take"]): Decimal(str(s["cost_usd"])) for s in rows if s["action"] == "generate"}


def usd(amount: Decimal) -> str:
    return f"${amount:.2f}"


def test_budget_is_held_against_the_selection_and_only_it_is_paid(hosted: Callable[..., Hosted]) -> None:
    h = hosted("apimart", HOSTED)
    prices = priced(h.project)
    whole, hero = sum(prices.values()), prices[("open", 1)] + prices[("close", 1)]
    assert hero < whole
    budget = str(hero - Decimal("0.01"))
    code, output = h.build("--only", "tag:hero", "--budget", budget)
    assert code != 0 and h.server.submit_count(created=True) == 0, output
    assert f"the plan costs {usd(hero)}, over the budget" in output and "nothing was sent" in output
    assert f"Total: {usd(hero)}" in output and f"Total: {usd(whole)}" not in output
    code, output = h.build("--only", "tag:hero", "--budget", str(hero))  # over the whole plan's, not the selection's
    assert code == 0, output
    assert h.server.submit_count(created=True) == 2
    assert sorted(s.body["prompt"] for s in h.server.submits) == ["The cafe at dawn.", "The door shuts."]
    assert re.search(rf"spent \{usd(hero)}", output), output


def test_exclude_leaves_its_takes_unpaid(hosted: Callable[..., Hosted]) -> None:
    h = hosted("apimart", HOSTED)
    code, output = h.build("--exclude", "pour+,close")
    assert code == 0, output
    assert [s.body["prompt"] for s in h.server.submits] == ["The cafe at dawn."]


def test_replace_adds_a_take_and_pays_only_for_it(hosted: Callable[..., Hosted]) -> None:
    """`--replace pour#2` (not the picked take: nothing is built on it) sends one job, at its list price."""
    h = hosted("apimart", HOSTED)
    code, output = h.build()
    assert code == 0, output
    sent = h.server.submit_count(created=True)
    assert sent == 5
    quote = priced(h.project, "--replace", "pour#2")
    assert list(quote) == [("pour", 2)]
    code, output = h.build("--replace", "pour#2")
    assert code == 0, output
    assert h.server.submit_count(created=True) == sent + 1 and h.server.submits[-1].body["prompt"] == "Latte art."
    assert re.search(rf"spent \{usd(quote[('pour', 2)])}", output), output
    kept = sorted((h.project.root / ".storyboard" / "replaced").rglob("*.mp4"))
    assert [p.name.split(".", 1)[1] for p in kept] == ["take2.v0.mp4"]  # the old take 2, kept
    code, output = h.build()
    assert code == 0 and h.server.submit_count(created=True) == sent + 1, output  # sip, on take 1, stays cached


def test_the_spending_prompt_states_the_selections_total(project: Project) -> None:
    """On a terminal, the table and the question say what `--only` selected; answering no sends nothing."""
    path = project.write(HOSTED.format(provider="apimart"))
    whole = priced(project)
    hero = whole[("open", 1)] + whole[("close", 1)]
    env = {
        **os.environ,
        "APIMART_API_KEY": "k-prompt",
        "APIMART_BASE_URL": "https://127.0.0.1:9",  # nothing listens: nothing may be sent
        "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
    }
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "storyboard", "build", str(path), "--only", "tag:hero"],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=env,
        cwd=project.root,
    )
    os.close(follower)
    seen = b""
    answered = False
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        if not ready:
            proc.kill()
            pytest.fail(f"no prompt: {seen!r}")
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
        if not answered and b"?" in seen.rsplit(b"\n", 1)[-1]:
            os.write(leader, b"n\n")
            answered = True
    os.close(leader)
    assert proc.wait(timeout=60) != 0
    text = re.sub(r"\x1b\[[0-9;]*m", "", seen.decode())
    assert f"Spend {usd(hero)} on 2 shots?" in text, text
    assert f"Total: {usd(hero)}" in text and f"Total: {usd(sum(whole.values()))}" not in text, text
    assert "nothing was sent" in text
    assert "pour" not in text.split("Spend")[0].split("Plan for", 1)[1], text  # the unselected rows are not shown
    assert not (project.root / ".storyboard" / "clips").exists() or not any(
        (project.root / ".storyboard" / "clips").rglob("*.mp4")
    )


def test_plan_shows_the_selection_build_would_price(edited) -> None:
    """`plan --only/--exclude` lists exactly the selected takes, and its total is theirs."""
    project, path = edited
    done = project.cli(
        "plan", str(path), "--format", "json", "--only", "state:modified+,tag:hero", "--exclude", "pour#2"
    )
    assert done.exit_code == 0, done.output
    shown = json.loads(done.stdout)
    assert {(s["id"], s["take"]) for s in shown["shots"]} == {("pour", 1), ("pour-wide", 1), ("cup", 1), ("steam", 1)}
    assert {(s["id"], s["action"]) for s in shown["shots"]} >= {("cup", "generate"), ("pour", "cached")}
    text = project.cli("plan", str(path), "--only", "character:Leo")
    assert text.exit_code == 0, text.output
    rows = [line.split()[1] for line in text.stdout.splitlines() if line.split()[:1] in (["cached"], ["generate"])]
    assert rows == ["menu"], text.output
    assert project.cli("plan", str(path), "--only", "").exit_code == 2


@pytest.mark.parametrize("command", ["plan", "build"])
def test_an_empty_replace_is_a_usage_error_too(project: Project, command: str) -> None:
    path = project.write(BOARD)
    done = project.cli(command, str(path), "--replace", "")
    assert done.exit_code == 2 and "--replace `` is empty" in done.output, done.output
    assert not (project.root / ".storyboard" / "clips").exists()
