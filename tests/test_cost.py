"""`storyboard cost`: the spend ledger against what the fake providers billed.

Each test builds through an in-process fake that reports what it charged (eachlabs: its
``metrics.cost``, set here 10% under storyboard's list price so "reported" and "list" differ)
and compares `cost` with the sum of the jobs the fake made, the money a real provider bills.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from storyboard.ops import cost
from storyboard.store import Spend, Store
from tests.hosted_fixtures import TEXT_ONLY, Hosted

PROMPTS = {"First.": "one", "Second.": "two", "Third.": "three"}
LIST_PER_SHOT = Decimal("0.33")  # std 480p, no video input, 3 s at $0.11 (DESIGN.md "Price")
PREVIEW = """
version: 1
settings: {provider: local, resolution: 480p, duration: 3, output: out/preview.mp4}
shots:
  - {id: sketch, prompt: A sketch.}
  - {id: board, prompt: A board.}
"""


@pytest.fixture(autouse=True)
def discounted(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The eachlabs fake bills 90% of the list price (rounded as it rounds), so a report is not the list price."""
    from tests.fakes import eachlabs

    for rate, (plain, video) in list(eachlabs.RATES.items()):
        monkeypatch.setitem(eachlabs.RATES, rate, (round(plain * 0.9, 4), round(video * 0.9, 4)))
    yield


def billed(h: Hosted, prompts: dict[str, str] = PROMPTS) -> dict[str, Decimal]:
    """What the fake charged for each shot (summed over its jobs), found by the prompt each job was sent with."""
    out: dict[str, Decimal] = {}
    for job in h.server.jobs.values():
        text = json.dumps(job.body)
        (shot,) = [s for p, s in prompts.items() if p in text]
        out[shot] = out.get(shot, Decimal(0)) + Decimal(str(job.extra["cost"]))
    return out


def cost_json(h: Hosted, *args: str) -> dict[str, Any]:
    result = h.project.cli("cost", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    parsed: dict[str, Any] = json.loads(result.output)
    return parsed


def groups(report: dict[str, Any], field: str = "paid_usd") -> dict[str, Any]:
    return {g["name"]: g[field] for g in report["groups"]}


def money(value: float) -> Decimal:
    return Decimal(str(value))


def test_totals_equal_what_the_fake_billed_in_every_grouping(
    hosted: Callable[..., Hosted], monkeypatch: pytest.MonkeyPatch
) -> None:
    h = hosted("eachlabs", TEXT_ONLY)
    code, output = h.build()
    assert code == 0, output
    preview = h.project.write(PREVIEW, "preview.yaml")
    done = h.project.cli("build", str(preview), "--yes")
    assert done.exit_code == 0, done.output
    charged = billed(h)
    spent = sum(charged.values(), Decimal(0))
    assert len(h.server.jobs) == 3 and spent == 3 * Decimal("0.297")
    board = str(h.project.root / "storyboard.yaml")

    mine = cost_json(h, board, "--by", "shot")  # FILE: only that storyboard's rows
    assert mine["by"] == "shot" and mine["since"] is None and mine["storyboard"] == "storyboard.yaml"
    assert {n: money(v) for n, v in groups(mine).items()} == {f"storyboard.yaml:{s}": c for s, c in charged.items()}
    assert money(mine["total"]["paid_usd"]) == spent == money(mine["total"]["reported_usd"])
    assert money(mine["total"]["list_usd"]) == 3 * LIST_PER_SHOT and mine["total"]["reported_jobs"] == 3
    assert mine["total"]["jobs"] == 3 and mine["total"]["seconds"] == 9.0 and "name" not in mine["total"]
    assert set(mine["groups"][0]) == {
        "name",
        "jobs",
        "seconds",
        "list_usd",
        "reported_usd",
        "reported_jobs",
        "paid_usd",
    }

    folder = cost_json(h, str(h.project.root), "--by", "provider")  # a folder: every storyboard in its store
    assert {n: money(v) for n, v in groups(folder).items()} == {"eachlabs": spent, "local": Decimal(0)}
    assert groups(folder, "jobs") == {"eachlabs": 3, "local": 2}
    assert groups(folder, "reported_usd") == {"eachlabs": float(spent), "local": None}  # the previewer reports nothing
    assert money(folder["total"]["paid_usd"]) == spent and folder["total"]["jobs"] == 5

    monkeypatch.chdir(h.project.root)  # no FILE: the current folder's store
    by_board = cost_json(h)
    assert by_board["by"] == "storyboard"
    assert {n: money(v) for n, v in groups(by_board).items()} == {"storyboard.yaml": spent, "preview.yaml": Decimal(0)}
    today = datetime.now(UTC).date().isoformat()
    by_day = cost_json(h, "--by", "day")
    assert groups(by_day, "jobs") == {today: 5} and money(by_day["total"]["paid_usd"]) == spent

    text = h.project.cli("cost", "--by", "provider")
    assert text.exit_code == 0, text.output
    lines = {line.split()[0]: line for line in text.output.splitlines() if line.strip()}
    assert "$0.891" in lines["total"] and "$0.99" in lines["total"] and "(3/5)" in lines["total"]
    assert "$0.00" in lines["local"] and lines["local"].split()[1] == "2"


def test_a_rebuilt_shot_keeps_both_spends_and_since_splits_them(hosted: Callable[..., Hosted]) -> None:
    h = hosted("eachlabs", TEXT_ONLY)
    code, output = h.build()
    assert code == 0, output
    first = sum(billed(h).values(), Decimal(0))
    between = datetime.fromtimestamp(time.time(), UTC)  # after every row of the first build
    board = h.project.root / "storyboard.yaml"
    board.write_text(board.read_text().replace("Second.", "Second in the rain."))
    code, output = h.build()
    assert code == 0, output
    charged = billed(h, {**PROMPTS, "Second in the rain.": "two"})
    assert len(h.server.jobs) == 4  # the edit made one job more
    total = sum(charged.values(), Decimal(0))
    report = cost_json(h, str(board), "--by", "shot")
    assert report["total"]["jobs"] == 4 and money(report["total"]["paid_usd"]) == total
    assert groups(report, "jobs")["storyboard.yaml:two"] == 2  # the build record kept only the last of them
    assert money(groups(report)["storyboard.yaml:two"]) == charged["two"]

    later = cost_json(h, str(board), "--since", between.isoformat())  # a datetime with its offset
    assert later["total"]["jobs"] == 1 and money(later["total"]["paid_usd"]) == total - first
    assert later["since"] == between.isoformat(timespec="seconds")
    naive = cost_json(h, str(board), "--since", between.replace(tzinfo=None).isoformat())  # no offset: UTC
    assert naive["total"]["jobs"] == 1
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    assert cost_json(h, str(board), "--since", yesterday)["total"]["jobs"] == 4
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    nothing = cost_json(h, str(board), "--since", tomorrow)
    assert nothing["groups"] == [] and nothing["total"]["jobs"] == 0 and nothing["total"]["paid_usd"] == 0

    for bad in ("last week", "2026-13-01", "30/11/2026"):
        result = h.project.cli("cost", str(board), "--since", bad)
        assert result.exit_code == 2, result.output
        assert "2026-11-30" in result.output and "--since" in result.output and "Traceback" not in result.output
    wrong = h.project.cli("cost", str(board), "--by", "week")
    assert wrong.exit_code == 2


def test_a_resumed_job_is_counted_once(hosted: Callable[..., Hosted]) -> None:
    """A clip whose download failed stays journalled; the next build fetches it again unpaid: one ledger row."""
    h = hosted("eachlabs", TEXT_ONLY)
    h.server.inject("download", "html")
    code, output = h.build("--jobs", "1")
    assert code == 1 and "stays journalled" in output
    board = str(h.project.root / "storyboard.yaml")
    before = cost_json(h, board)
    assert before["total"]["jobs"] == 2 and before["in_flight"] == 1  # the third is paid, its clip not stored
    code, output = h.build()
    assert code == 0, output
    assert "spent $0.00" in output and len(h.server.jobs) == 3
    after = cost_json(h, board, "--by", "shot")
    assert after["total"]["jobs"] == 3 and after["in_flight"] == 0
    assert groups(after, "jobs") == {f"storyboard.yaml:{s}": 1 for s in PROMPTS.values()}
    assert money(after["total"]["paid_usd"]) == sum(billed(h).values(), Decimal(0))


def test_a_team_stores_rows_merge_and_a_job_in_both_counts_once(tmp_path: Path) -> None:
    """The seam for a remote store: `extra` rows of the same dataclass, deduplicated by (key, take, job)."""
    with Store(tmp_path, create=True) as store:
        store.record_spend(
            "a.yaml", "s1", "k1", "wavespeed", "job-1", list_usd=Decimal("0.33"), reported_usd=None, seconds=3.0
        )
        assert not store.record_spend(  # the same job stored again (a resumed job): no second row
            "a.yaml", "s1", "k1", "wavespeed", "job-1", list_usd=Decimal("0.33"), reported_usd=None, seconds=3.0
        )
        (mine,) = store.spending()
    now = time.time()
    remote = [
        Spend(now, "a.yaml", "s1", 1, "k1", "wavespeed", "job-1", Decimal("0.33"), None, 3.0, "ci-7", "remote"),
        Spend(now, "a.yaml", "s2", 1, "k2", "runware", "t-9", Decimal("0.50"), Decimal("0.45"), 5.0, "ci-7", "remote"),
        Spend(now, "b.yaml", "x", 1, "k3", "runware", "t-10", Decimal("1"), None, 5.0, "ci-8", "remote"),
    ]
    report = cost(tmp_path / "a.yaml", by="provider", extra=remote)
    assert report.total.jobs == 2 and report.total.paid_usd == Decimal("0.78")
    assert report.total.list_usd == Decimal("0.83") and report.total.reported_usd == Decimal("0.45")
    assert [r.host for r in report.rows] == [mine.host, "ci-7"]  # the local row kept, the remote duplicate dropped
    everything = cost(tmp_path, extra=remote)
    assert everything.total.jobs == 3 and {g.name: g.jobs for g in everything.groups} == {"a.yaml": 2, "b.yaml": 1}
