from __future__ import annotations

import json

import click


@click.command("schema")
def command() -> None:
    """Print the JSON Schema of the storyboard language (for editors and CI)."""
    from ...load.schema import json_schema

    click.echo(json.dumps(json_schema(), indent=2))
