from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING

import click

from ..options import checked_or_usage, output_format, storyboard_file
from ..render import print_diagnostics, summary
from .plan import usd

if TYPE_CHECKING:
    from ...ops.takes import Take

_COLOURS = {"built": "green", "not built": "yellow", "in flight": "cyan", "damaged": "red"}
_HEAD = ("#", "state", "provider", "job", "made (UTC)", "took", "paid", "list")


@click.command("takes")
@storyboard_file
@click.argument("shot")
@output_format
@click.option(
    "--deliverable",
    default=None,
    metavar="NAME",
    help="Whose film's takes (a file with deliverables; default: the first).",
)
def command(file: str, shot: str, fmt: str, deliverable: str | None) -> None:
    """List SHOT's takes: who made each (provider, job), when, how long it took, what it cost, its clip,
    or the job still in flight for it; and which one the cut uses."""
    from ... import ops
    from ...errors import InvalidStoryboard, PickError

    try:
        result = checked_or_usage(lambda: ops.takes(file, shot, deliverable=deliverable))
    except InvalidStoryboard as exc:
        print_diagnostics(exc.diagnostics, None, err=True, include_info=False)
        click.echo(summary(exc.diagnostics, file), err=True)
        sys.exit(1)
    except PickError as exc:
        click.echo(f"storyboard: {exc}", err=True)
        sys.exit(1)
    if fmt == "json":
        click.echo(json.dumps(result.to_json(), ensure_ascii=False))
        return
    film = f", deliverable `{result.deliverable}`" if result.deliverable is not None else ""
    click.echo(f"Takes of `{shot}` in {file}{film} (provider {result.provider}, key {result.key[:12]}):")
    rows = [_cells(t) for t in result.takes]
    widths = [max(len(r[i]) for r in [*rows, _HEAD]) for i in range(len(_HEAD))]
    click.echo("    " + "  ".join(h.ljust(w) for h, w in zip(_HEAD, widths, strict=True)).rstrip())
    for t, cells in zip(result.takes, rows, strict=True):
        padded = [
            c.rjust(w) if i in (0, 5, 6, 7) else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        padded[1] = click.style(padded[1], fg=_COLOURS.get(t.state))
        click.echo((f"  {'*' if t.picked else ' '} " + "  ".join(padded) + "  " + _note(t)).rstrip())
    click.echo(f"* the take the cut uses (take {result.picked}); pick another: {result.pick_command}")
    if result.build_command is not None:
        todo = [t for t in result.takes if t.state != "built"]
        resumed = [  # what the build resumes rather than sends (hosted/client.py's `_start`)
            t
            for t in todo
            if t.flight and t.flight.job and t.flight.status in ("submitted", "done") and t.provider == result.provider
        ]
        names = ", ".join(str(t.number) for t in todo)
        click.echo(f"to make take{'s' if len(todo) > 1 else ''} {names}: {result.build_command}")
        if resumed:
            which = ", ".join(str(t.number) for t in resumed)
            click.echo(f"  (take {which} resumes its journalled job: nothing is paid twice)")


def _cells(t: Take) -> list[str]:
    made = t.made.replace("+00:00", "Z") if t.made else "-"
    took = f"{t.generating_seconds:.1f} s" if t.generating_seconds is not None else "-"
    paid = usd(t.paid) if t.paid is not None else "-"
    return [str(t.number), t.state, t.provider or "-", t.job or "-", made, took, paid, usd(t.price)]


def _note(t: Take) -> str:
    """The clip (path, length, size), or what stands in for it: the job in flight, the damage."""
    if t.state == "in flight" and t.flight is not None:
        return t.flight.summary
    if t.clip is None:
        return t.flight.summary if t.flight is not None else ""
    shown = _shown(t.clip)
    if t.damage is not None:
        return f"{shown}: {t.damage}"
    facts = [f"{t.seconds:.2f} s" if t.seconds is not None else None]
    facts.append(f"{t.width}x{t.height}" if t.width and t.height else None)
    facts.append(_bytes(t.bytes) if t.bytes is not None else None)
    told = ", ".join(f for f in facts if f)
    return f"{shown} ({told})" if told else shown


def _shown(path: str) -> str:
    """A path under the working folder relative to it (shorter to read and to paste), else as it is."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel


def _bytes(n: int) -> str:
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} B"
