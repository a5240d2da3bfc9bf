"""Read a storyboard's YAML safely into plain data.

libyaml's event stream is turned into Python values directly (an iterative loop, so no
input can exhaust the stack) under the limits in :mod:`.limits`. Positions are not
recorded while reading, which keeps big files fast; :class:`.positions.Source` finds a
line and column later, only for the values a diagnostic names.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from ..diagnostics import Diagnostics, Location
from ..errors import ReadAborted
from .limits import MAX_BYTES, MAX_DEPTH, MAX_EXPANDED_NODES, read_capped, too_deep, too_deep_before, too_many
from .positions import Path_, Source, mark_location
from .yaml12 import TIMESTAMP, ambiguity, text_ambiguity

if TYPE_CHECKING:
    from .positions import Mark

# the limits and Source are re-exported: callers read them where they read a file
__all__ = ["MAX_BYTES", "MAX_DEPTH", "MAX_EXPANDED_NODES", "Path_", "Source", "parse_text", "read_source"]

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_resolver = yaml.resolver.Resolver()
# types-PyYAML leaves Resolver.resolve unannotated; this is its signature
_resolve: Callable[[type[yaml.Node], str, tuple[bool, bool]], str] = _resolver.resolve
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


def read_source(
    path: str | os.PathLike[str], diagnostics: Diagnostics, display: str | None = None
) -> tuple[Source, Any]:
    """Read and parse ``path``. Returns the source and its data (``None`` when unusable)."""
    p = Path(path)
    shown = display if display is not None else str(path)
    source = Source(p.resolve(), shown, "")
    raw = read_capped(p, source, diagnostics)
    if raw is None:
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
    except ReadAborted:
        return None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        deep = too_deep_before(source, mark)
        if deep is not None:  # libyaml's own nesting cap noticed it first: the rule is still ours
            too_deep(diagnostics, deep)
            return None
        what = exc.problem or "invalid YAML"
        if exc.context:
            what = f"{what} ({exc.context})"
        diagnostics.add("Y001", f"YAML syntax error: {what}", mark_location(source, mark))
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

    def _loc(self, mark: Mark | None) -> Location:
        return mark_location(self.source, mark)

    def _span(self, ev: yaml.ScalarEvent) -> Location:
        """A plain scalar's place, underlined whole (it sits on one line)."""
        at = self._loc(ev.start_mark)
        return self.source.at(at.line, at.column, len(ev.value))

    def _scalar(self, ev: yaml.ScalarEvent) -> Any:
        tag = ev.tag
        implicit = tag is None or tag == "!"
        if implicit:
            if not ev.implicit[0] or ev.value[:1] not in _IMPLICIT_FIRST:  # quoted, or plainly text
                return ev.value
            tag = _resolve(yaml.ScalarNode, ev.value, ev.implicit)
        elif tag not in _STANDARD_SCALAR_TAGS:
            self.diagnostics.add(
                "Y007",
                f"unsupported YAML tag `{tag}`; a storyboard holds plain strings, numbers, lists and mappings",
                self._loc(ev.start_mark),
                help="remove the tag",
            )
            return ev.value
        if implicit and tag == _STR:
            found = text_ambiguity(ev.value)
            if found is not None:
                self.diagnostics.add("Y008", found[0], self._span(ev), help=found[1])
            return ev.value
        construct = _SCALAR_CONSTRUCTORS.get(tag)
        if tag == _STR or construct is None or (implicit and tag == TIMESTAMP):
            # YAML 1.1 resolves a bare `=` to its `value` tag and `<<` to `merge`; neither has a
            # constructor, and in a value's place both are just text (as in YAML 1.2)
            return ev.value
        # types-PyYAML types a node's marks as PyYAML's own; libyaml's nodes carry libyaml's Mark just the same
        node = yaml.ScalarNode(tag, ev.value, ev.start_mark, ev.end_mark, ev.style)  # type: ignore[arg-type]
        try:
            value = construct(_constructor, node)
        except (yaml.YAMLError, ValueError) as exc:
            shown = ev.value if len(ev.value) <= 40 else ev.value[:37] + "..."  # a 5,000-digit number
            self.diagnostics.add(
                "Y001", f"invalid {tag.rsplit(':', 1)[-1]} value `{shown}`: {exc}", self._loc(ev.start_mark)
            )
            return ev.value
        found = ambiguity(tag, ev.value, value) if implicit else None  # an explicit tag is the writer's choice
        if found is not None:
            message, fix = found
            self.diagnostics.add("Y008", message, self._span(ev), help=fix)
            return ev.value if ":" in ev.value else value  # `16:9` was meant as text
        return value

    def _count(self, n: int, mark: Mark | None) -> None:
        self.expanded += n
        if self.expanded > MAX_EXPANDED_NODES:
            too_many(self.diagnostics, self._loc(mark), aliased=self.aliased)
            raise ReadAborted

    def run(self) -> Any:
        # Each open container is [kind, value, size, anchor, pending_key, key_mark, merges, explicit_keys]
        stack: list[list[Any]] = []
        documents = 0
        result: Any = None
        events = yaml.parse(self.source.text, Loader=_Loader)
        # isinstance, not a type() switch: it is as fast for exact types and lets the checker see each event's fields
        for ev in events:
            if isinstance(ev, yaml.ScalarEvent):
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
            elif isinstance(ev, yaml.AliasEvent):
                self.aliased = True
                if ev.anchor is None or ev.anchor not in self.anchors:
                    self.diagnostics.add("Y001", f"unknown alias `*{ev.anchor}`", self._loc(ev.start_mark))
                    raise ReadAborted
                value, size = self.anchors[ev.anchor]
                self._count(size, ev.start_mark)
                if stack and stack[-1][0] == "map" and stack[-1][4] is _NO_KEY:
                    if not isinstance(value, str):
                        self._bad_key(ev.start_mark)
                    stack[-1][4] = str(value)
                    stack[-1][5] = ev.start_mark
                    continue
                result = self._attach(stack, value, size, ev.start_mark)
            elif isinstance(ev, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                if stack and stack[-1][0] == "map" and stack[-1][4] is _NO_KEY:
                    self._bad_key(ev.start_mark)
                if len(stack) >= MAX_DEPTH:
                    too_deep(self.diagnostics, self._loc(ev.start_mark))
                    raise ReadAborted
                if ev.tag not in (None, "!", _SEQ, _MAP):
                    self.diagnostics.add(
                        "Y007", f"unsupported YAML tag `{ev.tag}`", self._loc(ev.start_mark), help="remove the tag"
                    )
                self._count(1, ev.start_mark)
                if isinstance(ev, yaml.MappingStartEvent):
                    stack.append(["map", {}, 1, ev.anchor, _NO_KEY, None, [], set()])
                else:
                    stack.append(["seq", [], 1, ev.anchor, None, None, None, None])
            elif isinstance(ev, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
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
            elif isinstance(ev, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    self.diagnostics.add(
                        "Y001",
                        "expected one YAML document, found a second one",
                        self._loc(ev.start_mark),
                        help="a storyboard is a single document; remove the `---` separator",
                    )
                    raise ReadAborted
        return result

    def _bad_key(self, mark: Mark | None) -> None:
        self.diagnostics.add(
            "Y007",
            "expected a plain string as a mapping key, found a list or mapping",
            self._loc(mark),
        )
        raise ReadAborted

    def _attach(self, stack: list[list[Any]], value: Any, size: int, mark: Mark | None) -> Any:
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
