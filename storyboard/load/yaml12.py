"""Plain scalars that YAML 1.1 (PyYAML) and YAML 1.2 (the editors' schema) read differently.

PyYAML reads YAML 1.1: `duration: 010` is 8 (octal), `1_0` is 10, `0b101` is 5,
`aspect_ratio: 16:9` is the base-60 number 969 and `sound: yes` is true. An editor checking
the file against the JSON Schema reads YAML 1.2, where those are 10, or text. A storyboard
must mean one thing to both, so such a value is refused with what to write instead.

The other direction too: `1e5`, `+.5`, `1.0e5` and `0o10` are text to PyYAML (its floats
need a dot and a signed exponent; it has no `0o`) but numbers to YAML 1.2. And a date
(`2026-12-01`) is a timestamp to YAML 1.1 only; nothing in a storyboard is a date, so the
loader keeps it as the text both read (see ``TIMESTAMP``).
"""

from __future__ import annotations

import re
from typing import Any

_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
TIMESTAMP = "tag:yaml.org,2002:timestamp"
# the YAML 1.2 core schema (yaml.org/spec/1.2.2, 10.3.2)
_CORE_INT = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_CORE_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)")
_CORE_BOOL = frozenset({"true", "True", "TRUE", "false", "False", "FALSE"})


def _core_int(text: str) -> int:
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text, 10)


def ambiguity(tag: str, text: str, value: Any) -> tuple[str, str] | None:
    """(message, help) when YAML 1.2 reads the plain scalar ``text`` otherwise than YAML 1.1's ``value``."""
    if tag == _BOOL and text not in _CORE_BOOL:
        word = "true" if value else "false"
        return (
            f"`{text}` is the boolean {word} in YAML 1.1 but text in YAML 1.2 (your editor's schema)",
            f"write {word}, or quote it ('{text}') if you mean the word",
        )
    if tag not in (_INT, _FLOAT):
        return None
    if ":" in text:
        return (
            f"`{text}` is the base-60 number {value} in YAML 1.1 but text in YAML 1.2",
            f"quote it: '{text}'",
        )
    if "_" in text:
        return (
            f"`{text}` is the number {value} in YAML 1.1 but text in YAML 1.2",
            f"write {text.replace('_', '')}",
        )
    if tag == _INT:
        if not _CORE_INT.fullmatch(text):
            return (f"`{text}` is the number {value} in YAML 1.1 but text in YAML 1.2", f"write {value}")
        core = _core_int(text)
        if core != value:
            return (
                f"`{text}` is the octal number {value} in YAML 1.1 but {core} in YAML 1.2",
                f"write {value} or {core} without the leading zero, whichever you mean",
            )
    elif not _CORE_FLOAT.fullmatch(text):
        return (f"`{text}` is the number {value} in YAML 1.1 but text in YAML 1.2", f"write {value}")
    return None


def text_ambiguity(text: str) -> tuple[str, str] | None:
    """(message, help) when YAML 1.2 reads the plain scalar ``text``, which YAML 1.1 left as text, as a number."""
    if _CORE_INT.fullmatch(text):
        number: float = _core_int(text)
    elif _CORE_FLOAT.fullmatch(text) and text.lower().lstrip("+-") not in (".inf", ".nan"):
        number = float(text)
    else:
        return None
    return (
        f"`{text}` is text in YAML 1.1 (how storyboard reads it) but the number {number} in YAML 1.2"
        " (your editor's schema)",
        f"write {_as_yaml11(number)} if you mean the number, or quote it ('{text}') if you mean text",
    )


def _as_yaml11(number: float) -> str:
    """``number`` as a plain scalar both versions read as that number: YAML 1.1's floats need a dot and a signed
    exponent (``1.0e+05``, never ``1e5``)."""
    if isinstance(number, int):
        return str(number)
    if number.is_integer() and abs(number) < 1e15:
        return f"{int(number)} (a whole number) or {int(number)}.0"
    text = repr(number)
    mantissa, e, exponent = text.partition("e")
    if "." not in mantissa:
        mantissa += ".0"
    return f"{mantissa}{e}{exponent}"
