from __future__ import annotations

import json

import click


@click.command("schema")
@click.option("--path", "path", is_flag=True, help="Print where the installed package keeps the schema file instead.")
def command(path: bool) -> None:
    """Print the JSON Schema of the storyboard language (for editors and CI)."""
    if path:
        from ...load.schema import schema_path

        click.echo(str(schema_path()))
        return
    from ...load.schema import json_schema

    click.echo(json.dumps(json_schema(), indent=2))
