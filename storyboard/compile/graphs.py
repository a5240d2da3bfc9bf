"""The compiled DAG as Mermaid or Graphviz DOT text."""

from __future__ import annotations

import json

from .result import Compiled


def to_mermaid(compiled: Compiled) -> str:
    """Nodes get positional ids (s0, s1, ...): a shot id that is a Mermaid keyword (``end``) cannot break the chart."""
    ids = {sid: f"s{i}" for i, sid in enumerate(compiled.shots)}
    lines = ["flowchart LR"]
    for sid, shot in compiled.shots.items():
        seconds = f"{shot.seconds:g}s"
        lines.append(f'    {ids[sid]}["{_mermaid_text(sid)}<br/>{seconds}"]')
    for parent, child, data in compiled.graph.edges(data=True):
        lines.append(f"    {ids[parent]} -->|{data['kind']}| {ids[child]}")
    return "\n".join(lines)


def to_dot(compiled: Compiled) -> str:
    """Left to right; ids and labels are JSON-quoted, which DOT reads as its own quoted strings (shot ids are ASCII)."""
    lines = ["digraph storyboard {", "    rankdir=LR;", "    node [shape=box];"]
    for sid, shot in compiled.shots.items():
        lines.append(f"    {json.dumps(sid)} [label={json.dumps(f'{sid} ({shot.seconds:g}s)')}];")
    for parent, child, data in compiled.graph.edges(data=True):
        lines.append(f"    {json.dumps(parent)} -> {json.dumps(child)} [label={json.dumps(data['kind'])}];")
    lines.append("}")
    return "\n".join(lines)


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;")
