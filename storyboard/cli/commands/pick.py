from __future__ import annotations

import sys

import click

from ..options import storyboard_file
from ..render import print_diagnostics, summary


@click.command("pick")
@storyboard_file
@click.argument("shot")
@click.argument("take", type=click.IntRange(min=1))
def command(file: str, shot: str, take: int) -> None:
    """Make take TAKE the one SHOT's cut uses: writes `take: TAKE` into FILE, keeping its comments
    and layout. The next build re-cuts the film from the stored take, generating nothing new."""
    from ... import ops
    from ...errors import InvalidStoryboard, PickError

    try:
        result = ops.pick(file, shot, take)
    except InvalidStoryboard as exc:
        print_diagnostics(exc.diagnostics, None, err=True, include_info=False)
        click.echo(summary(exc.diagnostics, file) + "; nothing was written", err=True)
        sys.exit(1)
    except PickError as exc:
        click.echo(f"storyboard: {exc}", err=True)
        sys.exit(1)
    if not result.changed:
        click.echo(f"{file}: shot `{shot}` already uses take {take} (of {result.takes})")
        return
    click.echo(f"{file}: shot `{shot}` now uses take {take} of {result.takes} (was {result.previous})")
