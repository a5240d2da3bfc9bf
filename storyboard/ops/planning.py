"""The plan operation: what a build will generate, why, what it costs, and what it still needs.

A quote needs no key and no upload bucket (agencies price before they create the bucket):
``build_needs`` lists what to set before ``build`` instead of failing the plan.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from .. import env
from .checking import compiled_of

if TYPE_CHECKING:
    from ..compile import Compiled
    from ..plan import Plan
    from ..store import Store


def plan(target: Compiled | str | os.PathLike[str], *, store: Store | None = None, replace: str | None = None) -> Plan:
    """Price and diff every shot of ``target`` (compiled, or a path checked first) against the store.

    ``replace``: ``--replace`` selectors (``SelectionError`` for one that names no shot or take)."""
    from ..plan import make_plan
    from ..plan.select import select

    compiled = compiled_of(target)
    return make_plan(compiled, store, replace=select(compiled, replace, "--replace") if replace else ())


def build_needs(plan: Plan, environ: Mapping[str, str] | None = None) -> list[str]:
    """What a build of ``plan`` still needs from its environment (keys, an upload bucket), in words.

    Empty when the build could start now.
    """
    environ = os.environ if environ is None else environ
    todo = plan.to_generate
    hosted = sorted({s.provider for s in todo} - {"local"})
    needs: list[str] = []
    for pid in hosted:
        key = env.for_provider(env.API_KEY, pid)  # each adapter's key_env (tests/test_env.py)
        if not environ.get(key, "").strip():
            needs.append(f"{key}: your {pid} API key")
    if not environ.get(env.UPLOAD_URL):
        shots_todo = dict.fromkeys(s.id for s in todo)  # a shot's takes share its inputs: each counted once
        uploads = [(sid, what) for sid in shots_todo for what in plan.compiled.shots[sid].uploads]
        if uploads:
            shots = sorted({sid for sid, _ in uploads})
            needs.append(
                f"STORYBOARD_UPLOAD_URL=s3://bucket/prefix: {len(uploads)} local input{'s' if len(uploads) != 1 else ''} "
                f"of {', '.join(f'`{sid}`' for sid in shots)} {'goes' if len(uploads) == 1 else 'go'} to a provider that takes only URLs"
            )
    return needs
