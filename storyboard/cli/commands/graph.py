from __future__ import annotations

import sys

import click

from ..options import checked_or_usage, storyboard_file
from ..render import print_diagnostics, summary


@click.command("graph")
@storyboard_file
@click.option("--format", "fmt", type=click.Choice(["mermaid", "dot"]), default="mermaid", show_default=True)
@click.option(
    "--deliverable",
    default=None,
    metavar="NAME",
    help="The DAG of this film (a file with deliverables; default: the first).",
)
def command(file: str, fmt: str, deliverable: str | None) -> None:
    """Print the DAG of shots (edges: extends, continues, motion)."""
    from ...compile.graphs import to_dot, to_mermaid
    from ...ops import check
    from ..exits import FAILED

    only = [deliverable] if deliverable is not None else None
    checked = checked_or_usage(lambda: check(file, display=file, deliverables=only))
    compiled = checked.compiled
    if compiled is None:
        print_diagnostics(checked.diagnostics, checked.loaded.source, err=True, include_info=False)
        click.echo(summary(checked.diagnostics, file), err=True)
        sys.exit(FAILED)
    click.echo(to_dot(compiled) if fmt == "dot" else to_mermaid(compiled))
