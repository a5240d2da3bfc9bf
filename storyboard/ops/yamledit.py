"""A located text edit of a storyboard's YAML: set one shot's ``take``, touch nothing else.

Positions come from the node tree libyaml composes (a mark's index counts characters, a
CRLF as two), so the edit replaces one scalar's text or inserts one key where the file's
own layout puts it; comments, quoting, line endings and indentation elsewhere stay as written.
"""

from __future__ import annotations

import re

import yaml

from ..errors import PickError

__all__ = ["set_take"]

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_PROPERTIES = re.compile(r"(?:[&!][^\s,\]}]*\s+)*")  # an anchor or tag before a scalar: kept


def set_take(text: str, index: int, take: int) -> str:
    """``text`` with ``shots[index].take`` set to ``take``, every other character unchanged.

    An existing ``take`` value is replaced where it is written (its anchor kept); otherwise a
    ``take:`` key goes after the shot's ``takes`` (or ``id``) entry: a line of its own, at the
    keys' indentation, in a block mapping; ``, take: K`` in a flow one.
    """
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        raise PickError(f"the file is not YAML: {exc}") from exc
    shot = _item(_value(root, "shots"), index)
    if not isinstance(shot, yaml.MappingNode):
        raise PickError(f"shots[{index}] is not a mapping")
    pairs = [(k, v) for k, v in shot.value if isinstance(k, yaml.ScalarNode)]
    found = {k.value: (k, v) for k, v in pairs}
    if "take" in found:
        key, value = found["take"]
        return _replace_scalar(text, key, value, str(take))
    anchor = found.get("takes") or found.get("id") or (pairs[0] if pairs else None)
    if anchor is None:
        raise PickError(f"shots[{index}] has no key to place `take` beside")
    _, value = anchor
    end = value.end_mark.index
    if shot.flow_style:
        return f"{text[:end]}, take: {take}{text[end:]}"
    column = min(k.start_mark.column for k, _ in pairs)  # the keys' indentation (an explicit `? id` sits further in)
    line = " " * column + f"take: {take}"
    if end > 0 and text[end - 1] not in "\r\n":  # the value ends inside its line (a block scalar ends after it)
        brk = _next_break(text, end)
        if brk < 0:  # the last line of a file without a final newline
            return text + _newline(text) + line
        end = brk + (2 if text.startswith("\r\n", brk) else 1)
    return text[:end] + line + _newline(text, end) + text[end:]


def _value(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key and isinstance(v, yaml.Node):
                return v
    return None


def _item(node: yaml.Node | None, index: int) -> yaml.Node | None:
    if isinstance(node, yaml.SequenceNode) and 0 <= index < len(node.value):
        item = node.value[index]
        return item if isinstance(item, yaml.Node) else None
    return None


def _replace_scalar(text: str, key: yaml.Node, value: yaml.Node, new: str) -> str:
    start, end = value.start_mark.index, value.end_mark.index
    if start < key.end_mark.index:  # an alias (`take: *two`): its node is the anchor's, written earlier
        match = re.compile(r"\s*:\s*(\*[^\s,\]}#]+)").match(text, key.end_mark.index)
        if match is None:
            raise PickError("cannot find the written value of `take`")
        start, end = match.span(1)
    elif not isinstance(value, yaml.ScalarNode):
        raise PickError("`take` is not a number; write it by hand")
    else:
        props = _PROPERTIES.match(text, start)
        start = props.end() if props else start
    return text[:start] + new + text[end:]


def _next_break(text: str, at: int) -> int:
    positions = [p for p in (text.find("\n", at), text.find("\r", at)) if p >= 0]
    return min(positions) if positions else -1


def _newline(text: str, near: int = 0) -> str:
    """The file's own line break: the one before ``near`` (the line just ended), else the first."""
    before = text[:near]
    for candidate in (before[-2:], before[-1:]):
        if candidate in ("\r\n", "\n", "\r"):
            return candidate
    brk = _next_break(text, 0)
    if brk < 0:
        return "\n"
    return "\r\n" if text.startswith("\r\n", brk) else text[brk]
