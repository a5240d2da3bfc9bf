from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING

import click

from ..options import output_format

if TYPE_CHECKING:
    from ...ops.money import Cost, Group

_HEAD = ("jobs", "seconds", "list", "reported", "paid")


class _Since(click.ParamType):  # type: ignore[type-arg]
    """``--since``: an ISO date or datetime, read by ops.money (a bad one is a usage error, exit 2)."""

    name = "DATE"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> float:
        from ...ops.money import parse_since

        if isinstance(value, float):
            return value
        try:
            return parse_since(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


@click.command("cost")
@click.argument("file", required=False, type=click.Path(exists=True, readable=True, allow_dash=False))
@click.option("--since", type=_Since(), default=None, help="Only what was paid from DATE on (ISO; UTC unless it says).")
@click.option(
    "--by",
    type=click.Choice(["storyboard", "shot", "provider", "day"]),
    default="storyboard",
    show_default=True,
    help="Group the spending by this.",
)
@output_format
def command(file: str | None, since: float | None, by: str, fmt: str) -> None:
    """What was spent: each generation paid, list price against what the provider reported, grouped.

    FILE: that storyboard's spending; a folder, or none: every storyboard in the folder's store
    (the current folder's without FILE)."""
    from ...ops.money import cost

    result = cost(file, since=since, by=by)
    if fmt == "json":
        click.echo(json.dumps(result.to_json(), ensure_ascii=False))
        return
    _print(result)


def _print(result: Cost) -> None:
    what = f"`{result.storyboard}`" if result.storyboard is not None else "every storyboard"
    since = f" since {result.to_json()['since']}" if result.since is not None else ""
    click.echo(f"Spent on {what} in {result.store}{since}, by {result.by}:")
    if not result.groups:
        click.echo("  nothing: no generation paid" + (" in that time" if since else " is recorded"))
    else:
        rows = [[g.name, *_cells(g)] for g in result.groups]
        total = ["total", *_cells(result.total)]
        head = [result.by, *_HEAD]
        widths = [max(len(r[i]) for r in [*rows, total, head]) for i in range(len(head))]
        for cells in [head, *rows, total]:
            padded = [c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))]
            line = "  " + "  ".join(padded)
            click.echo(click.style(line, bold=True) if cells is total else line)
        click.echo("  paid: what the provider reported, else the list price; reported: where it reported (n/jobs)")
    if result.backfilled:
        click.echo(
            f"  {result.backfilled} row{'s' if result.backfilled != 1 else ''} copied from the build records of an"
            " older store: each shot's last build only, earlier rebuilds were not kept"
        )
    if result.in_flight:
        n = result.in_flight
        click.echo(f"  {n} job{'s' if n != 1 else ''} journalled, not stored yet, not counted: see `storyboard jobs`")


def _cells(g: Group) -> list[str]:
    reported = f"{money(g.reported_usd)} ({g.reported_jobs}/{g.jobs})" if g.reported_usd is not None else "-"
    return [str(g.jobs), f"{g.seconds:.1f} s", money(g.list_usd), reported, money(g.paid_usd)]


def money(amount: Decimal | None) -> str:
    """Dollars with cents, and every further decimal a provider reported ($0.3325)."""
    if amount is None:
        return "-"
    exponent = amount.normalize().as_tuple().exponent
    places = max(2, -exponent) if isinstance(exponent, int) else 2
    return f"${amount:.{places}f}"
