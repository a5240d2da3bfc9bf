from __future__ import annotations

import sys

import click

from ..options import compile_file, output_format, storyboard_file
from ..render import diagnostics_json, print_diagnostics, summary


@click.command("check")
@storyboard_file
@output_format
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
def command(file: str, fmt: str, strict: bool) -> None:
    """Check FILE and print every diagnostic, compiler style. Exit 1 if it is not valid."""
    loaded, compiled = compile_file(file)
    diagnostics = loaded.diagnostics
    ok = not diagnostics.has_errors(strict=strict)
    if fmt == "json":
        click.echo(diagnostics_json(diagnostics, ok))
    else:
        print_diagnostics(diagnostics, loaded.source, err=False)
        shots = f" ({len(compiled.shots)} shots)" if compiled is not None else ""
        click.echo(summary(diagnostics, file) + (shots if ok else ""))
    sys.exit(0 if ok else 1)
