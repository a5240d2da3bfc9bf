from __future__ import annotations

import sys
from pathlib import Path

import click


@click.command("init")
@click.argument("directory", type=click.Path(file_okay=False))
def command(directory: str) -> None:
    """Create a starter project in DIRECTORY with its own small reference images."""
    from ...errors import ScaffoldExists
    from ...load.schema import schema_path
    from ...scaffold import create_project

    try:
        created = create_project(Path(directory), schema=schema_path())
    except ScaffoldExists as exc:
        click.echo(f"storyboard init: {exc}", err=True)
        sys.exit(1)
    target = Path(directory) / "storyboard.yaml"
    click.echo(f"created {len(created)} files in {directory}")
    click.echo(f"next: storyboard check {target}  then  storyboard build {target}")
