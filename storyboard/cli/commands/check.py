from __future__ import annotations

import sys

import click

from ..options import checked_or_usage, deliverable_option, output_format, storyboard_file
from ..render import diagnostics_json, print_diagnostics, summary


@click.command("check")
@storyboard_file
@output_format
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@deliverable_option
def command(file: str, fmt: str, strict: bool, deliverables: tuple[str, ...]) -> None:
    """Check FILE and print every diagnostic, compiler style. Exit 1 if it is not valid."""
    from ...ops import check
    from ..exits import FAILED, OK

    checked = checked_or_usage(lambda: check(file, display=file, deliverables=deliverables))
    diagnostics = checked.diagnostics
    ok = checked.passes(strict=strict)
    if fmt == "json":
        click.echo(diagnostics_json(diagnostics, ok))
    else:
        print_diagnostics(diagnostics, checked.loaded.source, err=False)
        project = checked.project
        shots = ""
        if project is not None:
            count = len({sid for film in project.films for sid in film.shots})
            films = f", {len(project.films)} films" if project.deliverables else ""
            shots = f" ({count} shots{films})"
        click.echo(summary(diagnostics, file) + (shots if ok else ""))
    sys.exit(OK if ok else FAILED)
