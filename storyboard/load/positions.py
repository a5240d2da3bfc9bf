"""Where a value of a storyboard is written: line and column for any path, found lazily.

Reading records no positions (that keeps big files fast); a diagnostic that needs one
asks :meth:`Source.locate`, which composes the node tree once and walks it. Inside a
scalar the characters YAML decoded (escapes, folding, block indentation) are matched
back to the written ones, so an ``@Tag`` deep in a prompt is underlined where it stands.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

import yaml

from ..diagnostics import Location

if TYPE_CHECKING:
    from yaml._yaml import Mark as _CMark
    from yaml.error import Mark as _PyMark

    # libyaml's events carry its own Mark class, PyYAML's nodes the pure-Python one
    Mark: TypeAlias = _PyMark | _CMark

__all__ = ["Path_", "Source", "mark_location"]

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MERGE = "tag:yaml.org,2002:merge"

Path_: TypeAlias = tuple[str | int, ...]


@dataclass
class Source:
    """The text of one storyboard file, with lazy position lookup.

    One object serves both reading and every later diagnostic, so the file is read
    once and its node tree composed at most once, only when a position is asked for.
    """

    path: Path  # absolute
    display: str  # the name diagnostics show, as the user typed it
    text: str
    _root: yaml.Node | None = field(default=None, repr=False)
    _composed: bool = field(default=False, repr=False)
    _lines: list[str] | None = field(default=None, repr=False)
    # with `include:`, where each merged entry was written: (section, index or name) -> (its file, its path there)
    routes: dict[tuple[str | int, ...], tuple[Source, Path_]] = field(default_factory=dict, repr=False)
    included: list[Source] = field(default_factory=list, repr=False)  # every included file, in merge order

    def route(self, path: Path_) -> tuple[Source, Path_]:
        """The file and the path in it where the merged ``path`` was written (itself when nothing was included)."""
        if self.routes and len(path) >= 2:
            found = self.routes.get(path[:2])
            if found is not None:
                return found[0], found[1] + path[2:]
        return self, path

    def for_display(self, display: str) -> Source:
        """The file (this one or an included one) a location names, to show its line."""
        return next((s for s in self.included if s.display == display), self)

    @property
    def lines(self) -> list[str]:
        """The text split once: every location lookup reads lines, not the whole text."""
        if self._lines is None:
            self._lines = self.text.splitlines()
        return self._lines

    def at(self, line: int, column: int, length: int = 1) -> Location:
        """A location in this file (1-based), never zero characters wide."""
        return Location(self.display, line, column, max(1, length))

    def start(self) -> Location:
        """The top of the file: where a problem with the file as a whole is shown."""
        return self.at(1, 1)

    def _node(self) -> yaml.Node | None:
        if not self._composed:
            self._composed = True
            try:  # safe: read_source already proved depth and size are within limits
                self._root = yaml.compose(self.text, Loader=_LOADER)
            except yaml.YAMLError:
                self._root = None
        return self._root

    def node_at(self, path: Path_) -> tuple[yaml.Node | None, yaml.Node | None]:
        """The (key node, value node) at ``path``; the deepest existing ones if it is missing."""
        src, path = self.route(path)
        return src._node_here(path)

    def _node_here(self, path: Path_) -> tuple[yaml.Node | None, yaml.Node | None]:
        node = self._node()
        key_node: yaml.Node | None = None
        if node is None:
            return None, None
        for part in path:
            found = _child(node, part)
            if found is None:
                return key_node, node
            key_node, node = found
        return key_node, node

    def locate(self, path: Path_, *, key: bool = False) -> Location:
        """Where ``path`` is written: its value, or its key with ``key=True``.

        A path that does not exist (a missing key) points at the nearest enclosing node.
        """
        src, path = self.route(path)
        return src._locate_here(path, key)

    def _locate_here(self, path: Path_, key: bool = False) -> Location:
        key_node, node = self._node_here(path)
        target = key_node if (key and key_node is not None) else node
        if target is None:
            return self.start()
        return self._span(target)

    def locate_in_value(self, path: Path_, offset: int, length: int) -> Location:
        """The position of character ``offset`` inside the scalar at ``path``.

        The value is what YAML made of the text (escapes decoded, lines folded, block
        indentation removed), so its characters are matched back to the written ones.
        """
        src, path = self.route(path)
        return src._in_value_here(path, offset, length)

    def _in_value_here(self, path: Path_, offset: int, length: int) -> Location:
        _, node = self._node_here(path)
        if not isinstance(node, yaml.ScalarNode):
            return self._locate_here(path)
        if 0 <= offset <= len(node.value):
            place = self._direct_place(node, offset)
            if place is not None:
                return self.at(place[0] + 1, place[1] + 1, length)
        places = _value_places(node, self.lines, offset + max(1, length))
        if offset >= len(places):
            return self._span(node)
        line, column = places[offset]
        last = places[min(len(places), offset + max(1, length)) - 1]
        if last[0] == line and last[1] >= column:
            length = last[1] - column + 1
        return self.at(line + 1, column + 1, length)

    def _direct_place(self, node: yaml.ScalarNode, offset: int) -> tuple[int, int] | None:
        """The common layouts by arithmetic (a prompt can hold thousands of tags): a
        one-line scalar without escapes, or a literal block; None for anything else."""
        mark, end, value, lines = node.start_mark, node.end_mark, node.value, self.lines
        if node.style in (None, "", '"', "'") and mark.line == end.line < len(lines):
            quote = node.style or ""
            if lines[mark.line][mark.column : end.column].endswith(quote + value + quote):
                return mark.line, end.column - len(quote) - len(value) + offset
            return None
        if node.style == "|":
            row = value.count("\n", 0, offset)
            start = value.rfind("\n", 0, offset) + 1
            stop = value.find("\n", offset)
            text = value[start : stop if stop >= 0 else len(value)]
            line = mark.line + 1 + row
            written = lines[line] if line < len(lines) else ""
            indent = len(written) - len(text)
            if text and written.endswith(text) and not written[:indent].strip(" "):  # indentation, then the text
                return line, indent + offset - start
        return None

    def _span(self, node: yaml.Node) -> Location:
        s, e = node.start_mark, node.end_mark
        length = e.column - s.column if (e.line == s.line and e.column > s.column) else 1
        if isinstance(node, yaml.ScalarNode) and s.line == e.line:
            return self.at(s.line + 1, s.column + 1, length)
        return self.at(s.line + 1, s.column + 1, 1)


def _child(node: yaml.Node, part: str | int) -> tuple[yaml.Node | None, yaml.Node] | None:
    if isinstance(node, yaml.MappingNode):
        merged: list[yaml.Node] = []
        for k, v in node.value:
            if k.tag == _MERGE:
                merged.extend(v.value if isinstance(v, yaml.SequenceNode) else [v])
            elif isinstance(k, yaml.ScalarNode) and k.value == part:
                return k, v
        for m in merged:
            found = _child(m, part)
            if found is not None:
                return found
        return None
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int):
        if 0 <= part < len(node.value):
            return None, node.value[part]
    return None


_ESCAPES = {
    "0": "\0",
    "a": "\x07",
    "b": "\x08",
    "t": "\t",
    "\t": "\t",
    "n": "\n",
    "v": "\x0b",
    "f": "\x0c",
    "r": "\r",
    "e": "\x1b",
    " ": " ",
    '"': '"',
    "/": "/",
    "\\": "\\",
    "N": "\x85",
    "_": "\xa0",
    "L": "\u2028",
    "P": "\u2029",
}
_HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}


def _written(node: yaml.ScalarNode, lines: list[str]) -> Iterator[tuple[str, int, int]]:
    """The characters of a scalar as written, a line break as ``\\n``, escapes decoded."""
    chars = _raw(node, lines)
    ch, li, ci = next(chars, ("", 0, 0))
    while ch and ch in "&!":  # an anchor or a tag before the value
        while ch and not ch.isspace():
            ch, li, ci = next(chars, ("", 0, 0))
        while ch and ch.isspace():
            ch, li, ci = next(chars, ("", 0, 0))
    style = node.style
    if style in ("|", ">"):  # the header line, then the content
        while ch and ch != "\n":
            ch, li, ci = next(chars, ("", 0, 0))
        yield from chars
        return
    if style not in ('"', "'"):
        if ch:
            yield ch, li, ci
        yield from chars
        return
    pending: tuple[str, int, int] | None = None  # one character of look-ahead
    for ch, li, ci in chars:  # after the opening quote
        if pending is not None:
            (prev, pli, pci), pending = pending, None
            if prev == "\\":
                if ch == "\n":  # an escaped line break joins the lines
                    continue
                size = _HEX_ESCAPES.get(ch)
                if size:
                    digits = "".join(c for c, _, _ in islice(chars, size))
                    try:
                        yield chr(int(digits, 16)), pli, pci
                    except ValueError:
                        return
                else:
                    yield _ESCAPES.get(ch, ch), pli, pci
                continue
            if ch != "'":  # a lone closing quote
                return
            yield "'", pli, pci  # '' is one quote
            continue
        if ch == style or (ch == "\\" and style == '"'):
            pending = (ch, li, ci)
        else:
            yield ch, li, ci


def _raw(node: yaml.Node, lines: list[str]) -> Iterator[tuple[str, int, int]]:
    """The characters between a node's marks with their 0-based line and column."""
    end = (node.end_mark.line, node.end_mark.column)
    for li in range(node.start_mark.line, min(end[0], len(lines) - 1) + 1):
        text = lines[li]
        first = node.start_mark.column if li == node.start_mark.line else 0
        last = end[1] if li == end[0] else len(text)
        for ci in range(first, min(last, len(text))):
            yield text[ci], li, ci
        if li < end[0]:
            yield "\n", li, len(text)


def _value_places(node: yaml.ScalarNode, lines: list[str], count: int) -> list[tuple[int, int]]:
    """Where the first ``count`` characters of a scalar's value are written (0-based).

    Every character of the value appears in the written text in order, except that a
    folded line break reads as a space; the written text has extra characters only
    where YAML drops them (indentation, folding, quotes), so a greedy match is exact
    for everything but whitespace. Stops early if the value cannot be matched.
    """
    places: list[tuple[int, int]] = []
    written = _written(node, lines)
    for ch in node.value[:count]:
        for w, li, ci in written:
            if w == ch or (ch == " " and w == "\n"):
                places.append((li, ci))
                break
        else:
            break
    return places


def mark_location(source: Source, mark: Mark | None) -> Location:
    """Where a libyaml mark points, as the user counts lines (the reader's errors carry marks)."""
    if mark is None:
        return source.start()
    lines = source.lines
    if lines and mark.line >= len(lines) and not source.text.endswith(("\n", "\r")):
        # libyaml puts the end of a file without a final newline on a line of its own
        return source.at(len(lines), len(lines[-1]) + 1)
    return source.at(mark.line + 1, mark.column + 1)
