from __future__ import annotations

import json
import sys

import click

from ..options import output_format, storyboard_file
from ..render import print_diagnostics, summary
from .plan import usd


@click.command("takes")
@storyboard_file
@click.argument("shot")
@output_format
def command(file: str, shot: str, fmt: str) -> None:
    """List SHOT's takes: whether each clip is built, its price, and which one the cut uses."""
    from ... import ops
    from ...errors import InvalidStoryboard, PickError

    try:
        result = ops.takes(file, shot)
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
    click.echo(f"Takes of `{shot}` in {file} (provider {result.provider}, key {result.key[:12]}):")
    for t in result.takes:
        mark = "*" if t.picked else " "
        state = click.style("built    ", fg="green") if t.built else click.style("not built", fg="yellow")
        click.echo(
            f"  {mark} {t.number}  {state}  {usd(t.price):>8}{'  ' + (t.made or '') + '  ' + t.clip if t.clip else ''}"
        )
    click.echo("* the take the cut uses; `storyboard pick FILE SHOT K` picks another")
