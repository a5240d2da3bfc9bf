"""A located text edit of a storyboard's YAML: set one shot's ``take``, touch nothing else.

Positions come from libyaml's event stream (a mark's index counts characters, a CRLF as
two), not from a composed node tree: the composer refuses an anchor name used twice (which
the loader accepts) and puts an alias where its anchor is written. The edit replaces one
scalar's text or inserts one key where the file's own layout puts it; comments, quoting,
line endings and indentation elsewhere stay as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import yaml

from ..errors import PickError

if TYPE_CHECKING:
    from ..load.positions import Mark

__all__ = ["set_take"]

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_PROPERTIES = re.compile(r"(?:[&!][^\s,\]}]*\s+)*")  # an anchor or tag before a scalar: kept
_OPEN = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSE = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


@dataclass(frozen=True)
class _Entry:
    """One key of the shot's mapping: the key's column, and where its value is written."""

    key: str
    column: int
    value: yaml.Event
    end: int  # the character index just after the value


def set_take(text: str, index: int, take: int) -> str:
    """``text`` with ``shots[index].take`` set to ``take``, every other character unchanged.

    An existing ``take`` value is replaced where it is written (its anchor kept); otherwise a
    ``take:`` key goes after the shot's ``takes`` (or ``id``) entry: a line of its own, at the
    keys' indentation, in a block mapping; ``, take: K`` in a flow one.
    """
    try:
        flow, entries = _shot(iter(yaml.parse(text, Loader=_LOADER)), index)
    except yaml.YAMLError as exc:
        raise PickError(f"the file is not YAML: {exc}") from exc
    found = {e.key: e for e in entries}
    if "take" in found:
        return _replace(text, found["take"], str(take))
    anchor = found.get("takes") or found.get("id") or (entries[0] if entries else None)
    if anchor is None:
        raise PickError(f"shots[{index}] has no key to place `take` beside")
    end = anchor.end
    if flow:
        return f"{text[:end]}, take: {take}{text[end:]}"
    column = min(e.column for e in entries)  # the keys' indentation (an explicit `? id` sits further in)
    line = " " * column + f"take: {take}"
    if end > 0 and text[end - 1] not in "\r\n":  # the value ends inside its line (a block scalar ends after it)
        brk = _next_break(text, end)
        if brk < 0:  # the last line of a file without a final newline
            return text + _newline(text) + line
        end = brk + (2 if text.startswith("\r\n", brk) else 1)
    return text[:end] + line + _newline(text, end) + text[end:]


def _shot(events: Iterator[yaml.Event], index: int) -> tuple[bool, list[_Entry]]:
    """Whether ``shots[index]`` is a flow mapping, and its scalar-keyed entries in file order."""
    root = next((e for e in events if isinstance(e, _OPEN + (yaml.ScalarEvent,))), None)
    if not isinstance(root, yaml.MappingStartEvent):
        raise PickError("the file is not a mapping")
    for key, value in _pairs(events):
        if isinstance(key, yaml.ScalarEvent) and key.value == "shots" and isinstance(value, yaml.SequenceStartEvent):
            for i, item in enumerate(iter(lambda: next(events), None)):
                if isinstance(item, yaml.SequenceEndEvent):
                    break
                if i != index:
                    _skip(item, events)
                    continue
                if not isinstance(item, yaml.MappingStartEvent):
                    raise PickError(f"shots[{index}] is not a mapping")
                entries = [
                    _Entry(k.value, _mark(k).column, v, _skip(v, events))
                    for k, v in _pairs(events)
                    if isinstance(k, yaml.ScalarEvent)
                ]
                return bool(item.flow_style), entries
            break
        _skip(value, events)
    raise PickError(f"no shots[{index}] in the file")


def _pairs(events: Iterator[yaml.Event]) -> Iterator[tuple[yaml.Event, yaml.Event]]:
    """The (key, value) start events of the mapping just opened; the caller consumes each value."""
    while True:
        key = next(events)
        if isinstance(key, yaml.MappingEndEvent):
            return
        if isinstance(key, _OPEN):  # a complex key: not one of ours
            _skip(key, events)
        yield key, next(events)


def _skip(start: yaml.Event, events: Iterator[yaml.Event]) -> int:
    """Consumes the node that ``start`` opened; the character index just after it."""
    depth = 1 if isinstance(start, _OPEN) else 0
    end = _mark(start, end=True).index
    while depth:
        event = next(events)
        depth += 1 if isinstance(event, _OPEN) else -1 if isinstance(event, _CLOSE) else 0
        end = _mark(event, end=True).index
    return int(end)


def _mark(event: yaml.Event, *, end: bool = False) -> Mark:
    """An event's start (or end) mark; libyaml always gives one, the stubs allow None."""
    mark = event.end_mark if end else event.start_mark
    if mark is None:
        raise PickError("the YAML parser gave no position")
    return mark


def _replace(text: str, entry: _Entry, new: str) -> str:
    value = entry.value
    if not isinstance(value, yaml.ScalarEvent | yaml.AliasEvent):
        raise PickError("`take` is not a number; write it by hand")
    start = int(_mark(value).index)
    if isinstance(value, yaml.ScalarEvent):  # an alias is replaced whole; a scalar keeps its anchor or tag
        props = _PROPERTIES.match(text, start)
        start = props.end() if props else start
    return text[:start] + new + text[entry.end :]


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
