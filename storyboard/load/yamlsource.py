"""Read a storyboard's YAML safely into plain data, and locate any path in it later.

libyaml's event stream is turned into Python values directly (an iterative loop, so no
input can exhaust the stack), with the limits a tool fed by untrusted files needs: a
size cap, a nesting cap and an alias-expansion cap (billion laughs). Positions are not
recorded while reading, which keeps big files fast; when a diagnostic needs a line and
column, :meth:`Source.locate` composes the node tree once and walks it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

import yaml

from ..diagnostics import Diagnostics, Location

MAX_BYTES = 8 * 1024 * 1024
MAX_DEPTH = 64
MAX_EXPANDED_NODES = 1_000_000

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_resolver = yaml.resolver.Resolver()
_constructor = yaml.constructor.SafeConstructor()
# a scalar tag's own constructor, called directly: construct_object would remember every node
# it ever built in the shared instance (a leak across parses) and costs a generator per value
_SCALAR_CONSTRUCTORS = yaml.constructor.SafeConstructor.yaml_constructors
# first characters a plain scalar needs to be anything but a string (bool, null, number...)
_IMPLICIT_FIRST = frozenset(k for k in _resolver.yaml_implicit_resolvers if k is not None) | {""}
_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_STANDARD_SCALAR_TAGS = {"tag:yaml.org,2002:" + t for t in ("str", "int", "float", "bool", "null", "timestamp")}

Path_ = tuple[str | int, ...]


class _Abort(Exception):
    """Stop reading: the file cannot be turned into data at all."""


@dataclass
class Source:
    """The text of one storyboard file, with lazy position lookup."""

    path: Path  # absolute
    display: str  # the name diagnostics show, as the user typed it
    text: str
    _root: Any = field(default=None, repr=False)
    _composed: bool = field(default=False, repr=False)
    _lines: list[str] | None = field(default=None, repr=False)

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = self.text.splitlines()
        return self._lines

    def at(self, line: int, column: int, length: int = 1) -> Location:
        return Location(self.display, line, column, max(1, length))

    def start(self) -> Location:
        return self.at(1, 1)

    def _node(self) -> Any:
        if not self._composed:
            self._composed = True
            try:  # safe: read_source already proved depth and size are within limits
                self._root = yaml.compose(self.text, Loader=_Loader)
            except yaml.YAMLError:
                self._root = None
        return self._root

    def node_at(self, path: Path_) -> tuple[Any, Any]:
        """The (key node, value node) at ``path``; the deepest existing ones if it is missing."""
        node, key_node = self._node(), None
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
        key_node, node = self.node_at(path)
        target = key_node if (key and key_node is not None) else node
        if target is None:
            return self.start()
        return self._span(target)

    def locate_in_value(self, path: Path_, offset: int, length: int) -> Location:
        """The position of character ``offset`` inside the scalar at ``path``.

        The value is what YAML made of the text (escapes decoded, lines folded, block
        indentation removed), so its characters are matched back to the written ones.
        """
        _, node = self.node_at(path)
        if not isinstance(node, yaml.ScalarNode):
            return self.locate(path)
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

    def _direct_place(self, node: Any, offset: int) -> tuple[int, int] | None:
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

    def _span(self, node: Any) -> Location:
        s, e = node.start_mark, node.end_mark
        length = e.column - s.column if (e.line == s.line and e.column > s.column) else 1
        if isinstance(node, yaml.ScalarNode) and s.line == e.line:
            return self.at(s.line + 1, s.column + 1, length)
        return self.at(s.line + 1, s.column + 1, 1)


def _child(node: Any, part: str | int) -> tuple[Any, Any] | None:
    if isinstance(node, yaml.MappingNode):
        merged: list[Any] = []
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


def _written(node: Any, lines: list[str]) -> Iterator[tuple[str, int, int]]:
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


def _raw(node: Any, lines: list[str]) -> Iterator[tuple[str, int, int]]:
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


def _value_places(node: Any, lines: list[str], count: int) -> list[tuple[int, int]]:
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


def _mark_location(source: Source, mark: Any) -> Location:
    if mark is None:
        return source.start()
    lines = source.lines
    if lines and mark.line >= len(lines) and not source.text.endswith(("\n", "\r")):
        # libyaml puts the end of a file without a final newline on a line of its own
        return source.at(len(lines), len(lines[-1]) + 1)
    return source.at(mark.line + 1, mark.column + 1)


_DEPTH_HELP = "a storyboard needs only a few levels of nesting"
_DEPTH_WINDOW = 8192  # libyaml's scanner runs at most ~1 KiB ahead of the events we count


def _too_deep_before(source: Source, mark: Any) -> Location | None:
    """Where the nesting passes MAX_DEPTH just before libyaml stopped, if it does.

    libyaml (0.2.6 on) caps nesting itself and its scanner reads a little ahead of the
    events, so a compact ``[[[[...`` can stop it before our own count in
    :class:`_Builder` reaches MAX_DEPTH. The line up to where it stopped is re-read with
    PyYAML's pure-Python parser (no cap of its own), counting depth as the builder does;
    the window is small, so this costs milliseconds and only on the error path.
    """
    if mark is None or not isinstance(getattr(mark, "index", None), int):
        return None
    end = min(mark.index + 1, len(source.text))
    begin = max(source.text.rfind("\n", 0, end) + 1, end - _DEPTH_WINDOW)
    depth = 0
    try:
        for ev in yaml.parse(source.text[begin:end], Loader=yaml.SafeLoader):
            if isinstance(ev, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    before = source.text[:begin]
                    line = before.count("\n") + ev.start_mark.line
                    column = ev.start_mark.column + (begin - before.rfind("\n") - 1 if ev.start_mark.line == 0 else 0)
                    return source.at(line + 1, column + 1)
            elif isinstance(ev, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.YAMLError:
        pass  # the window ends where libyaml stopped: an error here is expected
    return None


def read_source(
    path: str | os.PathLike[str], diagnostics: Diagnostics, display: str | None = None
) -> tuple[Source, Any]:
    """Read and parse ``path``. Returns the source and its data (``None`` when unusable)."""
    p = Path(path)
    shown = display if display is not None else str(path)
    source = Source(p.resolve(), shown, "")
    try:
        size = p.stat().st_size
        if size > MAX_BYTES:
            diagnostics.add(
                "Y003",
                f"the file is {size:,} bytes; a storyboard may be at most {MAX_BYTES:,} bytes",
                source.start(),
                help="split the film into several storyboards",
            )
            return source, None
        raw = p.read_bytes()
    except OSError as exc:
        diagnostics.add("Y005", f"cannot read the file: {exc.strerror or exc}", source.start())
        return source, None
    text = _decode(raw, source, diagnostics)
    if text is None:
        return source, None
    source.text = text
    return source, parse_text(source, diagnostics)


def _decode(raw: bytes, source: Source, diagnostics: Diagnostics) -> str | None:
    nul = raw.find(b"\x00")
    if nul >= 0:
        line = raw.count(b"\n", 0, nul) + 1
        col = nul - (raw.rfind(b"\n", 0, nul) + 1) + 1
        diagnostics.add(
            "Y005",
            "expected UTF-8 YAML text, found binary data (a NUL byte)",
            source.at(line, col),
            help="a storyboard is a YAML text file; did you pass an image or a video?",
        )
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        diagnostics.add(
            "Y005",
            f"expected UTF-8 text, found the byte 0x{raw[exc.start]:02x} that is not UTF-8",
            source.at(line, col),
            help="save the file as UTF-8",
        )
        return None
    return text


def parse_text(source: Source, diagnostics: Diagnostics) -> Any:
    """Turn YAML text into plain Python data, reporting problems as diagnostics."""
    if not source.text.strip() or all(not ln.strip() or ln.lstrip().startswith("#") for ln in source.text.splitlines()):
        diagnostics.add(
            "Y002",
            "the file is empty; expected a storyboard mapping with `version` and `shots`",
            source.start(),
            help="run `storyboard init DIR` for a starter storyboard",
        )
        return None
    builder = _Builder(source, diagnostics)
    try:
        return builder.run()
    except _Abort:
        return None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        deep = _too_deep_before(source, mark)
        if deep is not None:  # libyaml's own nesting cap noticed it first: the rule is still ours
            diagnostics.add("Y004", f"the document nests deeper than {MAX_DEPTH} levels", deep, help=_DEPTH_HELP)
            return None
        what = exc.problem or "invalid YAML"
        if exc.context:
            what = f"{what} ({exc.context})"
        diagnostics.add("Y001", f"YAML syntax error: {what}", _mark_location(source, mark))
        return None
    except yaml.YAMLError as exc:
        position = getattr(exc, "position", None)
        loc = source.start()
        if isinstance(position, int):
            before = source.text[:position]
            loc = source.at(before.count("\n") + 1, position - (before.rfind("\n") + 1) + 1)
        diagnostics.add("Y001", f"YAML error: {exc}".splitlines()[0], loc)
        return None


class _Builder:
    """Builds plain data from libyaml events without recursion."""

    def __init__(self, source: Source, diagnostics: Diagnostics) -> None:
        self.source = source
        self.diagnostics = diagnostics
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.expanded = 0
        self.aliased = False  # whether any alias was used, for the Y004 wording

    def _loc(self, mark: Any) -> Location:
        return _mark_location(self.source, mark)

    def _scalar(self, ev: Any) -> Any:
        tag = ev.tag
        if tag is None or tag == "!":
            if not ev.implicit[0] or ev.value[:1] not in _IMPLICIT_FIRST:  # quoted, or plainly text
                return ev.value
            tag = _resolver.resolve(yaml.ScalarNode, ev.value, ev.implicit)
        elif tag not in _STANDARD_SCALAR_TAGS:
            self.diagnostics.add(
                "Y007",
                f"unsupported YAML tag `{tag}`; a storyboard holds plain strings, numbers, lists and mappings",
                self._loc(ev.start_mark),
                help="remove the tag",
            )
            return ev.value
        if tag == _STR:
            return ev.value
        node = yaml.ScalarNode(tag, ev.value, ev.start_mark, ev.end_mark, ev.style)
        try:
            return _SCALAR_CONSTRUCTORS[tag](_constructor, node)
        except (yaml.YAMLError, ValueError) as exc:
            shown = ev.value if len(ev.value) <= 40 else ev.value[:37] + "..."  # a 5,000-digit number
            self.diagnostics.add(
                "Y001", f"invalid {tag.rsplit(':', 1)[-1]} value `{shown}`: {exc}", self._loc(ev.start_mark)
            )
            return ev.value

    def _count(self, n: int, mark: Any) -> None:
        self.expanded += n
        if self.expanded > MAX_EXPANDED_NODES:
            if self.aliased:
                message = f"the document expands to more than {MAX_EXPANDED_NODES:,} values through aliases"
                hint = "this looks like an alias bomb; write the values out or use fewer nested aliases"
            else:  # a huge file without a single alias is no bomb: say what it is
                message = f"the document holds more than {MAX_EXPANDED_NODES:,} values"
                hint = "a storyboard needs far fewer; split the film into several storyboards"
            self.diagnostics.add("Y004", message, self._loc(mark), help=hint)
            raise _Abort

    def run(self) -> Any:
        # Each open container is [kind, value, size, anchor, pending_key, key_mark, merges, explicit_keys]
        stack: list[list[Any]] = []
        documents = 0
        result: Any = None
        events = yaml.parse(self.source.text, Loader=_Loader)
        for ev in events:
            cls = type(ev)
            if cls is yaml.ScalarEvent:
                self._count(1, ev.start_mark)
                if stack and stack[-1][0] == "map" and stack[-1][4] is _NO_KEY:
                    # keys keep their text: `yes:` names the key "yes", not True
                    merge = ev.tag == _MERGE or (ev.tag is None and ev.implicit[0] and ev.value == "<<")
                    stack[-1][4] = _MERGE_KEY if merge else ev.value
                    stack[-1][5] = ev.start_mark
                    if ev.anchor:
                        self.anchors[ev.anchor] = (ev.value, 1)
                    continue
                value = self._scalar(ev)
                if ev.anchor:
                    self.anchors[ev.anchor] = (value, 1)
                result = self._attach(stack, value, 1, ev.start_mark)
            elif cls is yaml.AliasEvent:
                self.aliased = True
                if ev.anchor not in self.anchors:
                    self.diagnostics.add("Y001", f"unknown alias `*{ev.anchor}`", self._loc(ev.start_mark))
                    raise _Abort
                value, size = self.anchors[ev.anchor]
                self._count(size, ev.start_mark)
                if stack and stack[-1][0] == "map" and stack[-1][4] is _NO_KEY:
                    if not isinstance(value, str):
                        self._bad_key(ev.start_mark)
                    stack[-1][4] = str(value)
                    stack[-1][5] = ev.start_mark
                    continue
                result = self._attach(stack, value, size, ev.start_mark)
            elif cls is yaml.MappingStartEvent or cls is yaml.SequenceStartEvent:
                if stack and stack[-1][0] == "map" and stack[-1][4] is _NO_KEY:
                    self._bad_key(ev.start_mark)
                if len(stack) >= MAX_DEPTH:
                    self.diagnostics.add(
                        "Y004",
                        f"the document nests deeper than {MAX_DEPTH} levels",
                        self._loc(ev.start_mark),
                        help=_DEPTH_HELP,
                    )
                    raise _Abort
                if ev.tag not in (None, "!", _SEQ, _MAP):
                    self.diagnostics.add(
                        "Y007", f"unsupported YAML tag `{ev.tag}`", self._loc(ev.start_mark), help="remove the tag"
                    )
                self._count(1, ev.start_mark)
                if cls is yaml.MappingStartEvent:
                    stack.append(["map", {}, 1, ev.anchor, _NO_KEY, None, [], set()])
                else:
                    stack.append(["seq", [], 1, ev.anchor, None, None, None, None])
            elif cls is yaml.MappingEndEvent or cls is yaml.SequenceEndEvent:
                frame = stack.pop()
                value = frame[1]
                if frame[0] == "map" and frame[6]:
                    for merged in frame[6]:
                        for k, v in merged.items():
                            if k not in frame[7]:
                                value.setdefault(k, v)
                if frame[3]:
                    self.anchors[frame[3]] = (value, frame[2])
                result = self._attach(stack, value, frame[2], ev.start_mark)
            elif cls is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    self.diagnostics.add(
                        "Y001",
                        "expected one YAML document, found a second one",
                        self._loc(ev.start_mark),
                        help="a storyboard is a single document; remove the `---` separator",
                    )
                    raise _Abort
        return result

    def _bad_key(self, mark: Any) -> None:
        self.diagnostics.add(
            "Y007",
            "expected a plain string as a mapping key, found a list or mapping",
            self._loc(mark),
        )
        raise _Abort

    def _attach(self, stack: list[list[Any]], value: Any, size: int, mark: Any) -> Any:
        if not stack:
            return value
        top = stack[-1]
        top[2] += size
        if top[0] == "seq":
            top[1].append(value)
            return None
        key = top[4]
        top[4] = _NO_KEY
        if key is _MERGE_KEY:
            sources = value if isinstance(value, list) else [value]
            if not all(isinstance(s, dict) for s in sources):
                self.diagnostics.add("Y001", "a `<<` merge key takes a mapping or a list of mappings", self._loc(mark))
                return None
            top[6].extend(sources)
            return None
        if not isinstance(key, str):
            key = str(key)
        if key in top[7]:
            self.diagnostics.add(
                "Y006",
                f"duplicate key `{key}`: a later value would silently replace the earlier one",
                self._loc(top[5]),
                help="remove one of the two",
            )
        top[7].add(key)
        top[1][key] = value
        return None


class _Sentinel:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


_NO_KEY = _Sentinel("NO_KEY")
_MERGE_KEY = _Sentinel("MERGE_KEY")
