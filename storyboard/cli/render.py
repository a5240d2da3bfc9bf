"""Diagnostics as a compiler prints them: ``file:line:col: error[CODE]: message``.

Printed with ``click.echo``, never wrapped to a width: the head is one line however long (a
300-character id stays on it), so a CI log can be grepped by file, code or message.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING

import click

from ..diagnostics import Diagnostic, Diagnostics, Severity

if TYPE_CHECKING:  # a type only: importing load/ here would cost every --help the pydantic model
    from ..load.yamlsource import Source

_COLOURS = {Severity.error: "red", Severity.warning: "yellow", Severity.info: "cyan"}
_WORDS = {Severity.error: "error", Severity.warning: "warning", Severity.info: "note"}


def format_diagnostic(d: Diagnostic, source: Source | None) -> str:
    """The head line, then the source line with a caret under the span and the help; with no ``source``
    (or no such line) the head and the help alone."""
    loc = d.location
    head = (
        f"{loc.file}:{loc.line}:{loc.column}: "
        + click.style(f"{_WORDS[d.severity]}[{d.code}]", fg=_COLOURS[d.severity], bold=True)
        + f": {_one_line(d.message)}"
    )
    lines = [head]
    text = _source_line(source.for_display(loc.file) if source is not None else None, loc.line)
    if text is not None:
        gutter = " " * len(str(loc.line))
        shown, column = _excerpt(text.expandtabs(1), loc.column)
        width = max(1, min(loc.length, max(1, len(shown) - column + 1)))
        lines.append(f"{gutter} |")
        lines.append(f"{loc.line} | {shown}")
        lines.append(f"{gutter} | " + " " * (column - 1) + click.style("^" * width, fg=_COLOURS[d.severity], bold=True))
        if d.help:
            lines.append(f"{gutter} = help: {_one_line(d.help)}")
    elif d.help:
        lines.append(f"  = help: {_one_line(d.help)}")
    return "\n".join(lines)


def _one_line(text: str) -> str:
    """A message's line breaks (a parser's multi-line text) made spaces: one diagnostic, one head line."""
    return " ".join(text.splitlines())


def _source_line(source: Source | None, line: int) -> str | None:
    if source is None or not source.text:
        return None
    lines = source.lines
    if 1 <= line <= len(lines):
        return lines[line - 1]
    return None


def _excerpt(text: str, column: int, width: int = 300) -> tuple[str, int]:
    """At most ``width`` characters of a long line around ``column``, and the column in them.

    A minified or generated file can hold megabytes on one line; the caret must still
    land under the mistake without printing the whole line (or as many spaces).
    """
    if len(text) <= width:
        return text, column
    start = max(0, min(column - 1 - width // 5, len(text) - width))
    piece = text[start : start + width]
    if start + width < len(text):
        piece += "..."
    if start > 0:
        return "..." + piece, column - start + 3
    return piece, column


def summary(diagnostics: Diagnostics, name: str) -> str:
    """``name: ok`` or ``name: N errors, M warnings``: notes (info) are not counted."""
    errors, warnings = len(diagnostics.errors), len(diagnostics.warnings)
    if not errors and not warnings:
        return f"{name}: ok"
    parts = []
    if errors:
        parts.append(f"{errors} error{'s' if errors != 1 else ''}")
    if warnings:
        parts.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
    return f"{name}: {', '.join(parts)}"


def print_diagnostics(
    diagnostics: Iterable[Diagnostic], source: Source | None, *, err: bool, include_info: bool = True
) -> None:
    """Each diagnostic and a blank line, on stderr when ``err``; ``include_info=False`` leaves out the notes."""
    for d in diagnostics:
        if d.severity is Severity.info and not include_info:
            continue
        click.echo(format_diagnostic(d, source), err=err)
        click.echo("", err=err)


def diagnostics_json(diagnostics: Diagnostics, ok: bool) -> str:
    """The ``--format json`` document; ``ok`` is the caller's verdict (``--strict`` counts warnings), not recomputed."""
    return json.dumps({"ok": ok, "diagnostics": [d.to_json() for d in diagnostics]}, indent=2, ensure_ascii=False)
