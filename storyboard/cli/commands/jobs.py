from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import click

from ..options import output_format
from ..render import print_diagnostics, summary

if TYPE_CHECKING:
    from ...ops.money import Jobs

_HEAD = ("shot", "take", "provider", "job", "status", "age", "last answer", "key")


@click.command("jobs")
@click.argument("file", required=False, type=click.Path(exists=True, readable=True, allow_dash=False))
@output_format
def command(file: str | None, fmt: str) -> None:
    """The jobs sent and not stored yet (paid, or being paid): shot, provider, job id, status, age, last error.

    FILE: that storyboard's shots only (as it is now); a folder, or none: every job in the folder's
    store (the current folder's without FILE). The next build resumes them; nothing is paid twice."""
    from ...errors import InvalidStoryboard
    from ...ops.money import jobs

    try:
        result = jobs(file)
    except InvalidStoryboard as exc:
        print_diagnostics(exc.diagnostics, None, err=True, include_info=False)
        click.echo(summary(exc.diagnostics, file or "."), err=True)
        sys.exit(1)
    if fmt == "json":
        click.echo(json.dumps(result.to_json(), ensure_ascii=False))
        return
    _print(result)


def _print(result: Jobs) -> None:
    from ...ops.takes import ago

    what = f" of `{result.storyboard}`" if result.storyboard is not None else ""
    if not result.jobs:
        click.echo(f"No jobs in flight{what} in {result.store}: every job sent has its clip stored.")
    else:
        click.echo(f"Jobs in flight{what} in {result.store} (sent, clip not stored yet):")
        rows = [
            [
                j.shot or "?",
                str(j.take),
                j.provider,
                j.job or "-",
                j.status if j.where == "local" else f"{j.status} on {j.holder}",
                ago(result.now - j.created),
                ago(result.now - j.updated),
                j.key[:12],
            ]
            for j in result.jobs
        ]
        widths = [max(len(r[i]) for r in [*rows, _HEAD]) for i in range(len(_HEAD))]
        for cells in [list(_HEAD), *rows]:
            click.echo("  " + "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())
        for j in result.jobs:
            if j.error:
                click.echo(f"  {j.shot or j.key[:12]}#{j.take}: {j.error}")
    if result.others:
        n = result.others
        click.echo(f"  and {n} job{'s' if n != 1 else ''} of other shots in this store: `storyboard jobs` lists all")
