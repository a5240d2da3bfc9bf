"""A prompt's budget of work: every render may draw so many loop items, build so much text and take so long.

The sandbox stops a template from reaching Python; it does not stop one from working
forever or building a value larger than memory (``['x'*99999]*99999`` is 10 GB once
printed, two nested loops over a 100,000-character string run for minutes). ``Meter``
is charged by every site that does work: each loop item drawn, call, filter and
attribute, and every character or item built (concatenation, repetition, output,
literal lists). Sizes are checked *before* a value is built, from the logical size of
its parts (shared references counted each time, as ``str()`` would print them), so no
single operation can allocate far past the limit. Limits: ``LIMITS``.
"""

from __future__ import annotations

import inspect
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sized
from dataclasses import dataclass
from typing import Any, cast

from jinja2 import nodes
from jinja2.exceptions import SecurityError
from jinja2.runtime import LoopContext
from jinja2.utils import Namespace
from jinja2.visitor import NodeTransformer

MAX_STEPS = 50_000  # loop items, filters and attribute reads in one render (a call costs CALL_STEPS)
CALL_STEPS = 4  # a method or global call costs about four loop items' time
MACRO_STEPS = 16  # a macro call (or `caller()`) sets up a frame: about sixteen
MAX_BUILT = 2_000_000  # characters and items built in one render, printed or not
MAX_VALUE = 1_000_000  # the size of any one value, in characters and items
MAX_SECONDS = 1.0  # of CPU time: the backstop; the step budget normally ends a render far sooner


@dataclass(frozen=True, slots=True)
class Limit:
    """What a refusal says: the limit in words, and what to write instead."""

    message: str
    help: str


LIMITS = {
    "steps": Limit(
        f"the prompt template does more than {MAX_STEPS:,} steps (loop items, calls, filters)",
        "loop over a short list from `vars`, not over a long string, a big range or a nested product",
    ),
    "built": Limit(
        f"the prompt template builds more than {MAX_BUILT:,} characters in all",
        "build the text once; a loop that grows or reprints a long value multiplies it",
    ),
    "value": Limit(
        f"the prompt template builds a value larger than {MAX_VALUE:,} characters",
        "repeat or join short text; a list of long strings repeated or joined is printed in full",
    ),
    "number": Limit(
        "the prompt template builds a number of more than 8,192 bits",
        "prompts print small numbers; multiply a number by itself a few times, not in a loop",
    ),
    "time": Limit(
        f"the prompt template computed for more than {MAX_SECONDS:g} s",
        "keep prompt templates to substitutions, short loops and filters",
    ),
}

_VIEWS: tuple[type, ...] = (type({}.keys()), type({}.values()), type({}.items()))  # dict views print their items


class Meter:
    """The shared budget of one render; ``start`` before it, ``stop`` after (charges outside a render are free)."""

    __slots__ = ("steps", "built", "deadline", "clock_at", "active", "hit")

    def __init__(self) -> None:
        self.active = False
        self.hit: str | None = None  # the LIMITS key of the limit that stopped the render
        self.steps = self.built = self.clock_at = 0
        self.deadline = 0.0

    def start(self) -> None:
        self.steps, self.built, self.hit, self.active = MAX_STEPS, MAX_BUILT, None, True
        self.clock_at = MAX_STEPS - 64
        self.deadline = time.thread_time() + MAX_SECONDS

    def stop(self) -> None:
        self.active = False

    def exceed(self, kind: str) -> None:
        self.hit = kind
        raise SecurityError(LIMITS[kind].message)

    def step(self, n: int = 1) -> None:
        if self.active:
            self.steps -= n
            if self.steps < 0:
                self.exceed("steps")
            if self.steps <= self.clock_at:  # the clock every 64 steps: reading it costs a system call
                self.clock_at = self.steps - 64
                if time.thread_time() > self.deadline:
                    self.exceed("time")

    def build(self, n: int) -> None:
        """Charge ``n`` characters or items about to be built; refuse a value over ``MAX_VALUE``."""
        if n > MAX_VALUE:
            self.exceed("value")
        if self.active:
            self.built -= n
            if self.built < 0:
                self.exceed("built")

    def weigh(self, value: Any) -> int:
        """The size ``str(value)`` would have, at least: characters plus three per item, nested, stopping past the limit.

        Walking a container costs steps (one per five items), so weighing is work too.
        """
        if isinstance(value, str):
            return len(value)
        if not isinstance(value, (list, tuple, dict, set, frozenset, Namespace, *_VIEWS)):
            return 1  # a number, an undefined, a macro: a few characters (huge numbers are refused where built)
        total = visited = 0
        stack: list[Any] = [value]
        while stack:
            v: Any = stack.pop()
            if isinstance(v, str):
                total += len(v) + 4  # printed inside a container: quotes, comma, space
                continue
            if isinstance(v, Namespace):
                v = object.__getattribute__(v, "_Namespace__attrs")
            if isinstance(v, dict):
                n = 2 * len(v)
            elif isinstance(v, (list, tuple, set, frozenset, *_VIEWS)):
                n = len(cast(Sized, v))
            else:
                total += 3  # `0, `: an item prints at least three characters
                continue
            total += 2
            visited += n
            if total + 3 * n > MAX_VALUE:
                self.step(visited // 5)
                return MAX_VALUE + 1
            if isinstance(v, dict):
                stack.extend(v.keys())
                stack.extend(v.values())
            else:
                stack.extend(v)
        self.step(visited // 5)
        return total

    def value(self, value: Any) -> Any:
        """A value just built from parts (a literal list, a call's result): charged, and refused if too large.

        Also Jinja's ``finalize``: every printed value is weighed before ``str()`` turns it into text.
        """
        self.build(len(value) if type(value) is str else self.weigh(value))
        return value

    def text(self, chars: int) -> str:
        """Called at the top of a loop or macro body: the body's literal text, as built each time it runs."""
        self.build(chars)
        return ""

    def concat(self, *parts: Any) -> str:
        """``a ~ b``: the parts' sizes are known before the join allocates."""
        self.build(sum(self.weigh(p) for p in parts))
        return "".join(map(str, parts))

    def iterate(self, iterable: Iterable[Any]) -> Iterator[Any]:
        """Each item drawn costs a step."""
        step = self.step
        for item in iterable:
            step()
            yield item

    def result(self, value: Any) -> Any:
        """What a call or filter returned: an iterator is drawn through the meter, anything else is weighed."""
        if type(value) is str:
            self.build(len(value))
            return value
        if isinstance(value, Iterator) and not isinstance(value, LoopContext):
            return self.iterate(value)
        return self.value(value)


def estimate(meter: Meter, name: str, f: Callable[..., Any], args: tuple[Any, ...], kw: dict[str, Any]) -> None:
    """Refuse, before it runs, a filter whose result multiplies its input (a separator or indent per line)."""
    if name not in _ESTIMATED:
        return
    try:
        bound = inspect.signature(f).bind(*args, **kw).arguments
    except TypeError:
        return  # the filter itself reports the bad call
    target = bound.get("value", bound.get("s", bound.get("iterable")))
    size = meter.weigh(target)
    if name == "join" and isinstance(target, Sized):
        size += meter.weigh(bound.get("d", "")) * len(target)
    elif name == "indent" and isinstance(target, str):
        width = bound.get("width", 4)
        size += (width if isinstance(width, int) else meter.weigh(width)) * (target.count("\n") + 1)
    elif name == "wordwrap" and isinstance(target, str):
        width = bound.get("width", 79)
        chunks = target.count(" ") + target.count("\n") + target.count("-") + 1
        lines = len(target) // max(width if isinstance(width, int) else 1, 1) + chunks
        if bound.get("break_long_words", True) and lines > 10_000:
            raise SecurityError("wordwrap() would cut the text into more than 10,000 lines")  # textwrap is quadratic
        size += meter.weigh(bound.get("wrapstring") or "\n") * lines
    elif name == "urlize" and isinstance(target, str):
        extra = sum(meter.weigh(bound.get(k) or "") for k in ("target", "rel"))
        size += (extra + 40) * (target.count(" ") + target.count("\n") + 1)
    elif name in ("tojson", "pprint"):
        indent = bound.get("indent") or 1
        size *= 2 + (indent if isinstance(indent, int) else meter.weigh(indent)) * _depth(target)
    elif name == "sum" and not isinstance(bound.get("start", 0), (int, float)):
        raise SecurityError("sum() may only add numbers in a prompt")  # list + list in a loop is quadratic
    meter.build(size)


_ESTIMATED = frozenset({"join", "indent", "wordwrap", "urlize", "tojson", "pprint", "sum"})


def _depth(value: Any, limit: int = 64) -> int:
    """How deeply containers nest (at most ``limit``): pretty printers indent once per level."""
    depth, level = 0, [value]
    while level and depth < limit:
        nxt: list[Any] = []
        for v in level:
            if isinstance(v, dict):
                nxt.extend(v.values())
            elif isinstance(v, (list, tuple, set, frozenset)):
                nxt.extend(v)
            if len(nxt) > MAX_VALUE:
                return limit
        if not nxt:
            break
        depth, level = depth + 1, nxt
    return depth + 1


def format_size(meter: Meter, fmt: str, args: Iterable[Any]) -> int:
    """An upper bound on ``fmt % args`` or ``fmt.format(*args)``: every field may print every argument at its widest."""
    fields = fmt.count("%") + fmt.count("{") + 1
    widths = sum(int(m) for m in _NUMBER.findall(fmt))
    each = sum(abs(a) if isinstance(a, int) and not isinstance(a, bool) else meter.weigh(a) for a in args)
    return len(fmt) + widths + fields * each


_NUMBER = re.compile(r"\d{1,7}")


class Instrument(NodeTransformer):
    """Rewrites a parsed template so the work it does is charged to ``environment.meter_*`` (see ``Meter``)."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = _meter("meter_iterate", [cast(nodes.Expr, node.iter)], node.iter.lineno)
        return _charge_text(node)

    def visit_Macro(self, node: nodes.Macro) -> nodes.Node:
        self.generic_visit(node)
        return _charge_text(node)  # the call itself costs a step in the sandbox's `call`

    def visit_CallBlock(self, node: nodes.CallBlock) -> nodes.Node:
        self.generic_visit(node)
        return _charge_text(node)

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        return _meter("meter_concat", list(node.nodes), node.lineno)

    def visit_List(self, node: nodes.List) -> nodes.Node:
        return self._built(node)

    def visit_Dict(self, node: nodes.Dict) -> nodes.Node:
        return self._built(node)

    def visit_Tuple(self, node: nodes.Tuple) -> nodes.Node:
        if node.ctx != "load":
            return node  # an assignment target: `for a, b in ...`
        return self._built(node)

    def _built(self, node: nodes.Expr) -> nodes.Node:
        self.generic_visit(node)
        if not any(True for _ in node.find_all((nodes.Name, nodes.Call, nodes.Filter, nodes.Getattr, nodes.Getitem))):
            return node  # a constant literal: its size is the source's
        return _meter("meter_value", [node], node.lineno)


def _meter(name: str, args: list[nodes.Expr], lineno: int) -> nodes.Call:
    call = nodes.Call(nodes.EnvironmentAttribute(name), args, [], None, None, lineno=lineno)
    for n in call.find_all(nodes.EnvironmentAttribute):
        n.lineno = lineno
    return call


def _charge_text(node: nodes.For | nodes.Macro | nodes.CallBlock) -> nodes.Node:
    """A body that prints literal text builds it again each time it runs: charge it at the top of the body."""
    chars = sum(len(t.data) for n in node.body for t in n.find_all(nodes.TemplateData))
    if chars:
        call = _meter("meter_text", [nodes.Const(chars, lineno=node.lineno)], node.lineno)
        node.body.insert(0, nodes.Output([call], lineno=node.lineno))
    return node
