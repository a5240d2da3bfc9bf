"""Plain data -> :class:`Storyboard`, turning pydantic's errors into located diagnostics.

pydantic reports every error of the document in one pass; each one becomes a diagnostic
at the exact key or value. The parts that failed are then dropped (a broken shot, a bad
setting) so the compiler can still check everything else in the same run.
"""

from __future__ import annotations

import math
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from ..diagnostics import Diagnostics, Location
from .model import CUT_KINDS, Character, CutEntry, Shot, Storyboard
from .yamlsource import Source

_TYPE_WORDS = {
    "string_type": "a string",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "cut_entry": "a shot id, `{shot: ID, transition: ..., trim: [in, out]}` or `{card: {...}, id: ID}`",
}

_KEY_HINTS = {
    "negative_prompt": "SkyReels V4 does not support negative prompts; rewrite 'no X' as a positive description",
    "image": "a shot takes `first_frame`, `last_frame` or `keyframes`; a character takes `images`",
    "tags": "characters attach by writing @Name in the prompt",
}


def describe(value: Any) -> str:
    """How a YAML value reads to the user, for 'found ...' messages."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"`{str(value).lower()}` (a boolean)"
    if isinstance(value, (int, float)):
        return f"`{value}` (a number)"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f'"{shown}" (a string)'
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__}"


def suggest(word: str, candidates: typing.Iterable[str]) -> str | None:
    """A did-you-mean for ``word``, case-insensitively, or None."""
    import difflib

    pool = list(candidates)
    lowered = {c.lower(): c for c in pool}
    if word.lower() in lowered:
        return lowered[word.lower()]
    match = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[match[0]] if match else None


def _unwrap(annotation: Any) -> Any:
    """Strip Optional/Annotated so the next loc step can be followed."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = args[0]
        else:
            return annotation


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model that owns the mapping at ``loc`` (for did-you-mean on keys)."""
    current: Any = Storyboard
    for part in loc:
        if part in CUT_KINDS and current == CutEntry:  # pydantic's tag for the form of a cut entry
            current = CUT_KINDS[str(part)]
            continue
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            if field is None:
                return None
            current = field.annotation
        elif typing.get_origin(current) in (list, dict):
            current = typing.get_args(current)[-1]
        else:
            return None
    current = _unwrap(current)
    if typing.get_origin(current) in (list, dict):
        return None
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _untagged(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """The path in the file: pydantic names the form a cut entry took (``cut, 2, "shot", "trim"``),
    a key the file does not have."""
    for i in range(len(loc) - 2):
        if loc[i] == "cut" and isinstance(loc[i + 1], int) and loc[i + 2] in CUT_KINDS:
            return loc[: i + 2] + loc[i + 3 :]
    return loc


def _shot_id(data: Any, loc: tuple[Any, ...]) -> str | None:
    if len(loc) >= 2 and loc[0] == "shots" and isinstance(loc[1], int) and isinstance(data, dict):
        shots = data.get("shots")
        if isinstance(shots, list) and 0 <= loc[1] < len(shots) and isinstance(shots[loc[1]], dict):
            sid = shots[loc[1]].get("id")
            return sid if isinstance(sid, str) else None
    return None


def _where(loc: tuple[Any, ...], shot: str | None) -> str:
    """A human name for the mapping at ``loc``: "shot `pour`", "character `Mara`"."""
    if not loc:
        return "the top level"
    if loc[0] == "shots" and len(loc) >= 2:
        base = f"shot `{shot}`" if shot else f"shot #{int(loc[1]) + 1}"
        rest = ".".join(str(p) for p in loc[2:])
        return f"{base} ({rest})" if rest else base
    if loc[0] in ("characters", "assets", "deliverables") and len(loc) >= 2:
        base = f"{_SECTION_ITEM[str(loc[0])]} `{loc[1]}`"
        rest = ".".join(str(p) for p in loc[2:])
        return f"{base} ({rest})" if rest else base
    return "`" + ".".join(str(p) for p in loc) + "`"


_ENTRY_FIXES = {
    "id": "a card needs an `id:` (it names the card in the timeline), e.g. `id: endcard`",
    "shot": "a cut entry is a shot id, `{shot: ID, transition: ..., trim: [in, out]}` or `{card: {...}, id: ID}`",
    "type": "name an ffmpeg xfade transition, e.g. `type: fade`",
}
_SECTION_ITEM = {"characters": "character", "assets": "asset", "deliverables": "deliverable"}


def _report(err: Any, data: Any, source: Source, diagnostics: Diagnostics) -> None:
    tagged = tuple(err["loc"])
    loc = _untagged(tagged)
    kind = err["type"]
    shot = _shot_id(data, loc)
    where = ".".join(str(p) for p in loc) or "the top level"
    found = err.get("input")
    if kind == "extra_forbidden":
        key = str(loc[-1])
        owner = _model_at(tagged[:-1])
        allowed = sorted(owner.model_fields) if owner else []
        guess = suggest(key, allowed)
        hint = _KEY_HINTS.get(key)
        if key in ("shot", "card") and owner in CUT_KINDS.values():
            hint = "an entry is a shot or a card, not both: make them two entries"
        if guess:
            hint = f"did you mean `{guess}`?"
        elif allowed and hint is None:
            hint = "expected one of: " + ", ".join(f"`{a}`" for a in allowed)
        diagnostics.add(
            "S001",
            f"unknown key `{key}` in {_where(loc[:-1], shot)}",
            source.locate(loc, key=True),
            shot=shot,
            help=hint,
        )
    elif kind == "missing":
        key = str(loc[-1])
        owner_name = _where(loc[:-1], shot)
        fixes = {
            "prompt": "every shot needs a prompt; every provider requires one",
            "version": "add `version: 1` at the top",
            "shots": "add a `shots:` list",
            "id": "give the shot an `id:`",
        }
        if tagged != loc:  # inside a cut entry (pydantic tagged its form)
            fixes = _ENTRY_FIXES
        diagnostics.add(
            "S003",
            f"missing required key `{key}` in {owner_name}",
            source.locate(loc[:-1]),
            shot=shot,
            help=fixes.get(key),
        )
    elif kind in ("literal_error", "enum"):
        expected = err.get("ctx", {}).get("expected", "")
        if loc == ("version",):
            diagnostics.add(
                "S005",
                f"unsupported storyboard version: expected 1, found {describe(found)}",
                source.locate(loc),
                help="this tool reads version 1 of the language",
            )
            return
        options = [o.strip().strip("'") for o in expected.replace(" or ", ",").split(",") if o.strip()]
        guess = suggest(str(found), options) if found is not None else None
        diagnostics.add(
            "S004",
            f"`{loc[-1]}` must be {expected}; found {describe(found)}",
            source.locate(loc),
            shot=shot,
            help=f"did you mean `{guess}`?" if guess else None,
        )
    else:
        want = _TYPE_WORDS.get(kind)
        if want is None:
            message = f"invalid value at `{where}`: {err['msg']}; found {describe(found)}"
        else:
            # a list item has no key to name: "shot #2", not "`1`"
            subject = f"`{loc[-1]}`" if loc and isinstance(loc[-1], str) else _where(loc, shot)
            message = f"{subject} must be {want}; found {describe(found)}"
            if not loc:
                message = f"expected the storyboard to be {want} of keys, found {describe(found)}"
        hint = None
        if want == "a string" and isinstance(found, (int, float, bool)):
            hint = "YAML read this as a non-string; put the value in quotes"
        if want is not None:
            hint = _strict_hint(want, found) or hint
        at = source.locate(loc)
        if _explained(diagnostics, at):
            return
        diagnostics.add("S002", message, at, shot=shot, help=hint)


def _explained(diagnostics: Diagnostics, at: Location) -> bool:
    """Whether the reader already refused the value at ``at`` (Y008: `1e5` is text to YAML 1.1 but a number to
    1.2): its message says what to write; a second one there saying "must be a whole number" is noise."""
    return any(d.code == "Y008" and (d.location.line, d.location.column) == (at.line, at.column) for d in diagnostics)


def _strict_hint(want: str, found: Any) -> str | None:
    """What to write when a value has the right meaning in the wrong type: the JSON Schema an editor checks
    against refuses `5.0`, `"5"` and `y` for a number or a boolean too, so the model does (strict)."""
    if want == "a whole number":
        if isinstance(found, float) and not math.isfinite(found):
            return None
        if isinstance(found, float) and found.is_integer():
            return f"write {int(found)}"
        if isinstance(found, float):
            return f"durations are whole seconds: write {int(found)} or {int(found) + 1}"
        if isinstance(found, str) and found.strip().lstrip("+-").isdigit():
            return f"write {found.strip()} without quotes"
    if want == "true or false" and isinstance(found, str | int | float) and not isinstance(found, bool):
        word = str(found).strip().lower()
        if word in ("true", "yes", "y", "on", "1", "1.0", "t"):
            return "write true (without quotes)"
        if word in ("false", "no", "n", "off", "0", "0.0", "f"):
            return "write false (without quotes)"
        return "write true or false"
    return None


BROKEN_ENTRY = "\x00broken cut entry"  # stands in for a cut entry that did not validate; no shot id has a NUL


def _salvaged(entry: Any) -> str:
    """What is left of a cut entry that did not validate: its shot, when it names one, else nothing."""
    if isinstance(entry, dict) and "card" not in entry and isinstance(entry.get("shot"), str):
        return str(entry["shot"])
    return BROKEN_ENTRY


def validate(data: Any, source: Source, diagnostics: Diagnostics) -> tuple[Storyboard | None, set[str]]:
    """Validate ``data``; return the storyboard (the valid parts) and the ids of dropped shots."""
    try:
        board = Storyboard.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        for err in errors:
            _report(err, data, source, diagnostics)
        if not isinstance(data, dict):
            return None, set()
        return _salvage(data, errors)
    _number_shots(board, list(range(len(board.shots))))
    return board, set()


def _number_shots(board: Storyboard, indexes: list[int]) -> None:
    for shot, index in zip(board.shots, indexes, strict=True):
        shot._index = index


def _salvage(data: dict[str, Any], errors: list[Any]) -> tuple[Storyboard | None, set[str]]:
    """Keep what validated so later stages can still report their own problems."""
    bad_shots: set[int] = set()
    bad_chars: set[str] = set()
    bad_assets: set[str] = set()
    bad_films: set[str] = set()
    bad_entries: set[int] = set()
    bad_top: set[str] = set()
    for err in errors:
        loc = err["loc"]
        if not loc:
            return None, set()
        if loc[0] == "shots" and len(loc) > 1 and isinstance(loc[1], int):
            bad_shots.add(loc[1])
        elif loc[0] == "characters" and len(loc) > 1:
            bad_chars.add(str(loc[1]))
        elif loc[0] == "assets" and len(loc) > 1:
            bad_assets.add(str(loc[1]))
        elif loc[0] == "deliverables" and len(loc) > 1:
            bad_films.add(str(loc[1]))
        elif loc[0] == "cut" and len(loc) > 1 and isinstance(loc[1], int):
            bad_entries.add(loc[1])
        else:
            bad_top.add(str(loc[0]))
    clean = {k: v for k, v in data.items() if k not in bad_top and k in Storyboard.model_fields}
    clean["version"] = 1
    shots_value = data.get("shots")
    raw_shots: list[Any] = shots_value if isinstance(shots_value, list) else []
    kept = [i for i in range(len(raw_shots)) if i not in bad_shots]
    clean["shots"] = [raw_shots[i] for i in kept]
    dropped = {
        s["id"]
        for i, s in enumerate(raw_shots)
        if i in bad_shots and isinstance(s, dict) and isinstance(s.get("id"), str)
    }
    if isinstance(clean.get("characters"), dict):
        clean["characters"] = {k: v for k, v in clean["characters"].items() if k not in bad_chars}
    if isinstance(clean.get("assets"), dict):
        clean["assets"] = {k: v for k, v in clean["assets"].items() if k not in bad_assets}
    if isinstance(clean.get("cut"), list) and bad_entries:
        # a broken entry keeps its place (the entries after it are still found at their index): a shot's
        # as the bare shot id (it is still in the film), anything else as a broken name the compiler skips
        clean["cut"] = [_salvaged(e) if i in bad_entries else e for i, e in enumerate(clean["cut"])]
        dropped.add(BROKEN_ENTRY)
    if isinstance(clean.get("deliverables"), dict) and bad_films:
        # a broken deliverable is left out; the others still compile (and `{}` left over is no D003)
        clean["deliverables"] = {k: v for k, v in clean["deliverables"].items() if k not in bad_films} or None
    try:
        board = Storyboard.model_validate(clean)
    except ValidationError:
        return None, dropped
    _number_shots(board, kept)
    # names whose definition was broken still exist for reference checks
    return board, dropped | bad_chars | bad_assets


__all__ = ["validate", "describe", "suggest", "Shot", "Character"]
