from __future__ import annotations

import json
import sys
import time
from typing import Any

import click

from ..options import output_format


@click.command("gc")
@click.argument("target", default=".", type=click.Path(exists=True, file_okay=True, dir_okay=True))
@click.option(
    "--keep-days",
    required=True,
    type=click.IntRange(min=0),
    metavar="N",
    help="Keep anything made in the last N days, referenced or not.",
)
@click.option("--dry-run", is_flag=True, help="List what would be removed; remove nothing.")
@click.option(
    "--remote",
    is_flag=True,
    help="Also prune the team store's clips (STORYBOARD_STORE or settings.store), judged by this folder's storyboards.",
)
@output_format
def command(target: str, keep_days: int, dry_run: bool, remote: bool, fmt: str) -> None:
    """Remove the clips, conformed copies, cut pieces and replaced or quarantined clips that no storyboard
    in TARGET's folder references and that are older than N days; never a clip a build is generating
    or whose paid job is unfinished. Refuses (removing nothing) when a storyboard there does not compile."""
    from ... import ops
    from ...errors import GcRefused

    now = time.time()
    try:
        result = ops.gc(target, keep_days=keep_days, dry_run=dry_run, now=now, remote=remote)
    except GcRefused as exc:
        click.echo(f"storyboard: {exc}", err=True)
        sys.exit(1)
    said = result.to_json()
    if fmt == "json":
        click.echo(json.dumps(said, ensure_ascii=False))
        return
    verb = "would remove" if dry_run else "removed"
    boards = ", ".join(result.storyboards) or "none"
    click.echo(f"Store of {len(result.storyboards)} storyboard(s) ({boards}), keeping {keep_days} day(s):")
    for item in said["removed"]:
        click.echo(f"  {verb} {_line(item, now)}")
    for item in said["in_use"]:
        click.echo(f"  kept {_line(item, now)}: {item['why']}")
    for note in result.notes:
        click.echo(f"  note: {note}")
    freed = "would free" if dry_run else "freed"
    n = len(result.removed)
    click.echo(f"{freed} {_bytes(result.freed)} ({n} file{'s' if n != 1 else ''})")


def _line(item: dict[str, Any], now: float) -> str:
    """One file: its kind, its name under the store (and which store, when not the local one), size, age."""
    where = f" ({item['where']})" if item["where"] != "local" else ""
    days = max(0.0, (now - item["modified"]) / 86400)
    return f"{item['kind']} {item['name']}{where}  {_bytes(item['bytes'])}, {days:.0f} days old"


def _bytes(n: int) -> str:
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} B"
