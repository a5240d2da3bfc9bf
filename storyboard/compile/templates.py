"""Prompt templates: Jinja2 in its sandbox, undefined variables are errors.

Most prompts are plain text or text with ``{{ expressions }}``; those do not compile a
template per prompt (Jinja's compiler costs ~0.3 ms a template, most of a 10,000-shot
plan): each distinct expression is compiled once, in the same sandbox, and the result
is exactly what the template would print. Everything else goes through the sandbox,
with string repetition, exponentiation, ``range`` and size-taking calls (``center``,
``zfill``, ``replace``, format widths...) bounded before they run (T003), and every
render (fast path included) under budget.py's budget of steps, size and CPU time (T005),
so a prompt can neither reach Python internals nor exhaust memory or time.
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_RENDERED = 100_000  # characters; far above any provider's prompt limit
MAX_RANGE_TOTAL = 100_000  # items all range() calls of one render may produce

_EXPRESSION = re.compile(r"\{\{(.*?)\}\}", re.S)
_JINJA_MARKERS = ("{{", "{%", "{#")


@dataclass(frozen=True, slots=True)
class TemplateProblem:
    """Why a prompt did not render: a T code, the text, and the line inside the template (not in the file)."""

    code: str  # T001..T005
    message: str
    line: int  # 1-based line inside the template
    help: str | None = None
    name: str | None = None  # the undefined variable, for T002


class Rendered:
    """A render's outcome: exactly one of ``text`` (stripped) and ``problem`` is set."""

    __slots__ = ("text", "problem")

    def __init__(self, text: str | None, problem: TemplateProblem | None) -> None:
        self.text = text
        self.problem = problem


class PromptRenderer:
    """Renders every prompt of one storyboard against its ``vars``; ``{% include %}`` and ``{% import %}`` read
    templates from ``folders`` (the storyboard's folder and its asset roots) only."""

    def __init__(
        self,
        variables: dict[str, Any],
        folders: Sequence[Path] = (),
        templates: set[Path] | None = None,
        looked: dict[Path, Path | None] | None = None,
    ) -> None:
        self.variables = variables
        self.folders = [Path(f) for f in folders]
        # every template file a prompt included or imported (resolved): inputs of the plan, like the storyboard
        self.templates: set[Path] = templates if templates is not None else set()
        # every place a template was looked for -> the file it resolved to, None when there was none there
        # (`ignore missing` renders on without it): what a later plan looks at again (ops/memo.py)
        self.looked: dict[Path, Path | None] = looked if looked is not None else {}
        self._env: Any = None
        self._meter: Any = None
        self._cache: dict[str, Any] = {}
        self._expressions: dict[str, Any] = {}
        self._values: dict[str, str] = {}
        self._refused: dict[str, Rendered] = {}  # over budget once, over budget again: vars are fixed

    def render(self, template: str) -> Rendered:
        """Never raises for a bad template: a failure is ``problem``. Plain text skips Jinja; text with only
        ``{{ expressions }}`` takes the per-expression path."""
        if not any(m in template for m in _JINJA_MARKERS):
            return Rendered(template.strip(), None)
        if "{%" not in template and "{#" not in template:
            fast = self._fast(template)
            if fast is not None:
                return fast
        refused = self._refused.get(template)
        if refused is None:
            rendered = self._jinja(template)
            if rendered.problem is not None and rendered.problem.code == "T005":
                self._refused[template] = rendered
            return rendered
        return refused

    def _fast(self, template: str) -> Rendered | None:
        """Text and ``{{ expression }}`` only: evaluate each expression, compiled once per text.

        Returns None whenever anything is unusual, so the full Jinja path produces the
        output or the diagnostic with its own wording.
        """
        from jinja2 import TemplateSyntaxError

        parts: list[str] = []
        pos = 0
        size = 0
        for m in _EXPRESSION.finditer(template):
            parts.append(template[pos : m.start()])
            source = m.group(1)
            known = self._values.get(source)
            if known is not None:  # vars are fixed, so an expression always prints the same
                parts.append(known)
                size += len(known)
                pos = m.end()
                continue
            if source[:1] in "-+" or source[-1:] in "-+":
                return None  # whitespace control
            evaluate = self._expressions.get(source)
            if evaluate is None:
                try:
                    evaluate = self._environment().compile_expression(source, undefined_to_none=False)
                except (TemplateSyntaxError, RecursionError):
                    return None  # the full path reports it
                self._expressions[source] = evaluate
            meter = self._meter
            meter.start()
            try:
                text = str(meter.value(evaluate({**self.variables, "range": _RangeBudget()})))
            except Exception:
                return None
            finally:
                meter.stop()
            size += len(text)
            if size > MAX_RENDERED:
                return None
            self._values[source] = text
            parts.append(text)
            pos = m.end()
        tail = template[pos:]
        if "{{" in tail:
            return None
        parts.append(tail)
        return Rendered("".join(parts).strip(), None)

    def _environment(self) -> Any:
        if self._env is None:
            from .budget import Meter

            self._meter = Meter()
            self._env = _make_environment(
                self._meter, _loader(self.folders, self.templates, self.looked) if self.folders else None
            )
        return self._env

    def _jinja(self, template: str) -> Rendered:
        import jinja2
        from jinja2.exceptions import SecurityError

        env = self._environment()
        meter = self._meter
        meter.hit = None  # a constant too large to print is found while compiling
        try:
            compiled = self._cache.get(template)
            if compiled is None:
                compiled = env.from_string(template)
                self._cache[template] = compiled
        except jinja2.TemplateSyntaxError as exc:
            return Rendered(None, TemplateProblem("T001", f"template syntax error: {exc.message}", exc.lineno or 1))
        except RecursionError:
            return Rendered(None, TemplateProblem("T004", "the prompt template nests too deeply to compile", 1))
        except SecurityError as exc:  # a constant too large to print, found while compiling
            return Rendered(None, self._refusal(exc, meter))
        budget = _RangeBudget()
        out: list[str] = []
        size = 0
        meter.start()
        try:
            for chunk in compiled.generate(self.variables, range=budget):
                size += len(chunk)
                if size > MAX_RENDERED:
                    raise SecurityError(f"the rendered prompt is longer than {MAX_RENDERED:,} characters")
                out.append(chunk)
        except jinja2.UndefinedError as exc:
            name = _undefined_name(str(exc.message or exc))
            return Rendered(
                None,
                TemplateProblem("T002", f"undefined variable: {exc.message}", _error_line(exc), name=name),
            )
        except SecurityError as exc:
            return Rendered(None, self._refusal(exc, meter))
        except jinja2.TemplateNotFound as exc:
            why = exc.message if exc.message and exc.message != exc.name else f"`{exc.name}` not found"
            return Rendered(
                None,
                TemplateProblem(
                    "T006",
                    f"the prompt includes a template that cannot be read: {why}",
                    _error_line(exc),
                    help="a template name is looked up in the storyboard's folder, then in each asset root "
                    "(`settings.asset_roots`); it takes no `..` and its real path stays inside them",
                ),
            )
        except jinja2.TemplateSyntaxError as exc:  # in an included template, found when the prompt reaches it
            return Rendered(
                None,
                TemplateProblem(
                    "T001", f"template syntax error in `{exc.name}` line {exc.lineno}: {exc.message}", _error_line(exc)
                ),
            )
        except RecursionError:
            return Rendered(None, TemplateProblem("T004", "the prompt template recursed too deeply", 1))
        except Exception as exc:  # any other failure inside user template code
            return Rendered(
                None,
                TemplateProblem("T004", f"the prompt template failed: {type(exc).__name__}: {exc}", _error_line(exc)),
            )
        finally:
            meter.stop()
        return Rendered("".join(out).strip(), None)

    @staticmethod
    def _refusal(exc: Exception, meter: Any) -> TemplateProblem:
        """T005 when the budget stopped the render (the limit, and what to write instead), else T003."""
        from .budget import LIMITS

        if meter.hit is not None:
            limit = LIMITS[meter.hit]
            return TemplateProblem("T005", limit.message, _error_line(exc), help=limit.help)
        return TemplateProblem(
            "T003",
            f"the prompt template tried something the sandbox forbids: {exc}",
            _error_line(exc),
            help="prompts may only use `vars`, filters and simple expressions",
        )


class _RangeBudget:
    """``range`` for templates, sharing one item budget across a render."""

    def __init__(self) -> None:
        self.left = MAX_RANGE_TOTAL

    def __call__(self, *args: int) -> range:
        from jinja2.exceptions import SecurityError

        r = range(*args)
        self.left -= len(r)
        if self.left < 0:
            raise SecurityError(f"range() may produce at most {MAX_RANGE_TOTAL:,} items in one prompt")
        return r


MAX_TEMPLATE_BYTES = 1_000_000  # an included template file; far above any prompt


def _loader(folders: list[Path], loaded: set[Path], looked: dict[Path, Path | None]) -> Any:
    """Jinja's file loader over ``folders`` that refuses a file whose real path (symlinks resolved) leaves them,
    and a file too large to be a prompt; it records every file it reads in ``loaded``, and in ``looked``
    every place it looked and what it found there."""
    from jinja2 import FileSystemLoader, TemplateNotFound
    from jinja2.loaders import split_template_path

    from ..load.roots import contained

    class Confined(FileSystemLoader):
        def get_source(self, environment: Any, template: str) -> tuple[str, str, Callable[[], bool]]:
            pieces = split_template_path(template)  # refuses `..`
            for folder in self.searchpath:
                candidate = Path(folder, *pieces)
                if not candidate.is_file():
                    looked[candidate] = None
                else:
                    real = looked[candidate] = candidate.resolve()
                    if contained(real, folders) is None:
                        raise TemplateNotFound(
                            template, f"`{template}` resolves outside the storyboard's folder and its asset roots"
                        )
                    if real.stat().st_size > MAX_TEMPLATE_BYTES:  # before it is read
                        raise TemplateNotFound(template, f"`{template}` is larger than {MAX_TEMPLATE_BYTES:,} bytes")
                    break
            else:
                where = "the storyboard's folder" + (" or its asset roots" if len(folders) > 1 else "")
                raise TemplateNotFound(template, f"`{template}` not found in {where}")
            text, filename, uptodate = super().get_source(environment, template)
            loaded.add(Path(filename).resolve())
            return text, filename, uptodate

        def list_templates(self) -> list[str]:
            return []  # never walk the folders

    return Confined([str(f) for f in folders], followlinks=False)


def _make_environment(meter: Any, loader: Any = None) -> Any:
    """The sandbox, immutable (no ``list.append``: a loop could double a list in place), with every site that
    does work charged to ``meter`` (see budget.py)."""
    import jinja2
    from jinja2.exceptions import SecurityError
    from jinja2.runtime import LoopContext, Macro
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    from .budget import CALL_STEPS, MACRO_STEPS, Instrument, format_size

    class PromptEnvironment(ImmutableSandboxedEnvironment):
        intercepted_binops = frozenset(["*", "**", "%", "+"])

        def _generate(self, source: Any, name: Any, filename: Any, defer_init: bool = False) -> Any:
            # every compile (templates and compile_expression alike) comes through here
            return super()._generate(Instrument().visit(source), name, filename, defer_init=defer_init)

        def call_binop(self, context: Any, operator_name: str, left: Any, right: Any) -> Any:
            meter.step()
            if operator_name == "**":
                if isinstance(right, (int, float)) and abs(right) > 100:
                    raise SecurityError("exponent too large")
                if isinstance(left, int) and isinstance(right, int) and left.bit_length() * max(right, 0) > 4096:
                    raise SecurityError("power too large")  # bound the result, not only the exponent
                return operator.pow(left, right)
            if operator_name == "*":
                for seq, n in ((left, right), (right, left)):
                    if isinstance(seq, (str, list, tuple)) and isinstance(n, int):
                        if len(seq) * n > MAX_RENDERED:
                            raise SecurityError("repetition produces too long a value")
                        meter.build(meter.weigh(seq) * max(n, 0))  # what is repeated counts, not only how often
                if isinstance(left, int) and isinstance(right, int) and left.bit_length() + right.bit_length() > 8192:
                    meter.exceed("number")
                return operator.mul(left, right)
            if operator_name == "+" and isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple)):
                meter.build(meter.weigh(left) + meter.weigh(right))
            if operator_name == "%" and isinstance(left, str):
                values = right if isinstance(right, tuple) else right.values() if isinstance(right, dict) else (right,)
                _check_arguments("format", left, tuple(values), {})
                meter.build(format_size(meter, left, values))
                return operator.mod(left, right)
            return super().call_binop(context, operator_name, left, right)

        def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - Jinja's signature
            if getattr(__obj, "__self__", None) is meter:  # the instrumentation itself
                kwargs.pop("_loop_vars", None)
                kwargs.pop("_block_vars", None)
                return __obj(*args, **kwargs)
            meter.step(MACRO_STEPS if isinstance(__obj, Macro) else CALL_STEPS)
            if isinstance(__obj, LoopContext) and args:  # a recursive loop's `loop(items)` draws through the meter
                args = (meter.iterate(args[0]), *args[1:])
            elif not isinstance(__obj, _RangeBudget):  # range keeps its own, shared budget
                owner = getattr(__obj, "__self__", None)
                if owner is None:  # str.format comes back wrapped by the sandbox
                    owner = getattr(getattr(__obj, "__wrapped__", None), "__self__", None)
                name = getattr(__obj, "__name__", "call")
                _check_arguments(name, owner, args, kwargs)
                if isinstance(owner, str) and name == "join" and len(args) == 1:
                    items = list(meter.iterate(args[0])) if not isinstance(args[0], (str, list, tuple)) else args[0]
                    meter.build(len(owner) * len(items) + meter.weigh(items))
                    args = (items,)
                elif isinstance(owner, str) and name in ("format", "format_map"):
                    named = (v for k, v in kwargs.items() if k not in ("_loop_vars", "_block_vars"))
                    meter.build(format_size(meter, owner, (*args, *named)))
            return meter.result(super().call(__context, __obj, *args, **kwargs))

        def getattr(self, obj: Any, attribute: str) -> Any:
            meter.step()
            # str.format comes back wrapped by the sandbox: check the format string here
            if attribute in ("format", "format_map") and isinstance(obj, str):
                _check_arguments(attribute, obj, (), {})
            return super().getattr(obj, attribute)

    env = PromptEnvironment(
        loader=loader,
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=False,
        finalize=meter.value,
    )
    env.globals.pop("lipsum", None)
    env.filters = {name: _bounded(f, name, meter) for name, f in env.filters.items()}
    for site in ("iterate", "text", "concat", "value"):
        setattr(env, f"meter_{site}", getattr(meter, site))
    return env


_WIDE = re.compile(r"\d{7,}")  # a width or precision of a million or more inside a format string


def _check_arguments(name: str, target: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Refuse, before it runs, a call whose result could be enormous: the size is in its arguments.

    ``'x'|center(10**9)`` or ``'ab'.zfill(10**9)`` allocate a gigabyte before any output
    check could see it; no prompt needs a number that large, or a replacement that
    multiplies a text past the prompt limit.
    """
    from jinja2.exceptions import SecurityError

    values = (*args, *kwargs.values())
    if any(isinstance(v, int) and not isinstance(v, bool) and abs(v) > MAX_RENDERED for v in values):
        raise SecurityError(f"{name}() was given a number larger than {MAX_RENDERED:,}")
    if name in ("format", "format_map") and isinstance(target, str) and _WIDE.search(target):
        raise SecurityError("a format width or precision is too large")
    if name == "replace" and isinstance(target, str) and len(args) >= 2 and isinstance(args[0], str):
        old, new = args[0], str(args[1])
        hits = target.count(old) if old else len(target) + 1
        if len(target) + hits * (len(new) - len(old)) > MAX_RENDERED:
            raise SecurityError("replace() would make too long a value")


def _bounded(f: Any, name: str, meter: Any) -> Any:
    """A Jinja filter that checks its arguments and the size of its result first (keeps Jinja's pass_context
    markers); it costs a step, and an iterator it returns draws through the meter."""
    from .budget import estimate, format_size

    state = 1 if hasattr(f, "jinja_pass_arg") else 0  # a context/environment comes before the value

    @functools.wraps(f)
    def checked(*args: Any, **kwargs: Any) -> Any:
        meter.step()
        target = args[state] if len(args) > state else None
        _check_arguments(name, target, args[state + 1 :], kwargs)
        if name == "join" and target is not None and not isinstance(target, (str, list, tuple, dict)):
            target = list(meter.iterate(target))  # sized, so the join's length is known before it runs
            args = (*args[:state], target, *args[state + 1 :])
        if name == "format" and isinstance(target, str):
            meter.build(format_size(meter, target, (*args[state + 1 :], *kwargs.values())))
        estimate(meter, name, f, args, kwargs)
        return meter.result(f(*args, **kwargs))

    return checked


def _undefined_name(message: str) -> str | None:
    m = re.search(r"'([^']+)' is undefined", message)
    return m.group(1) if m else None


def _error_line(exc: BaseException) -> int:
    """The template line a runtime error happened on, from Jinja's rewritten traceback."""
    tb = exc.__traceback__
    line = 1
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
