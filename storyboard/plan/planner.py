"""plan: per shot, ``cached`` or ``generate``, the reasons, and the price.

A plan is what a build will do and pay for; the runner executes a plan and nothing
else, so nothing is sent that the user was not shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from ..compile import Compiled
from ..errors import InvalidStoryboard
from ..store import BuildRecord, FileHasher, Store
from .keys import key_of, shot_inputs
from .price import price, rate

Action = Literal["generate", "cached"]


@dataclass
class PlannedShot:
    id: str
    action: Action
    reasons: list[str]
    key: str
    provider: str
    cost: Decimal  # what this build spends on it (0 when cached)
    list_price: Decimal  # what it costs to generate, cached or not
    billed_seconds: float
    estimate: bool
    inputs: dict[str, Any] = field(repr=False)
    request: dict[str, Any] = field(repr=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "action": self.action,
            "reasons": self.reasons,
            "cost_usd": float(self.cost),
            "request": self.request,
            "key": self.key,
            "list_cost_usd": float(self.list_price),
            "billed_seconds": self.billed_seconds,
            "estimate": self.estimate,
        }


@dataclass
class Plan:
    compiled: Compiled
    storyboard: str  # the storyboard's name inside the store's folder
    provider: str
    shots: list[PlannedShot]  # file order

    @property
    def total(self) -> Decimal:
        return sum((s.cost for s in self.shots), Decimal(0))

    @property
    def to_generate(self) -> list[PlannedShot]:
        return [s for s in self.shots if s.action == "generate"]

    @property
    def has_estimates(self) -> bool:
        return any(s.estimate for s in self.to_generate)

    def shot(self, shot_id: str) -> PlannedShot:
        return next(s for s in self.shots if s.id == shot_id)

    def to_json(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "shots": [s.to_json() for s in self.shots],
            "total_cost_usd": float(self.total),
        }


def make_plan(compiled: Compiled, store: Store | None = None) -> Plan:
    """Price and diff every shot of a valid compiled storyboard against the store."""
    if not compiled.ok:
        raise InvalidStoryboard(compiled.diagnostics)
    own_store = store is None
    store = store if store is not None else Store(compiled.root)
    try:
        return _plan(compiled, store)
    finally:
        if own_store:
            store.close()


def _plan(compiled: Compiled, store: Store) -> Plan:
    hasher = FileHasher(store)
    name = compiled.loaded.source.path.name
    records = store.last_built(name)
    keys: dict[str, str] = {}
    generating: set[str] = set()
    planned: dict[str, PlannedShot] = {}
    for sid in compiled.order:
        shot = compiled.shots[sid]
        assert shot.request is not None
        inputs = shot_inputs(shot, hasher, keys, compiled.root)
        key = keys[sid] = key_of(inputs)
        req = shot.request
        list_price = price(req.provider, req.tier, req.resolution, req.video_input, shot.billed_seconds)
        if store.has_clip(key):
            action: Action = "cached"
            record = records.get(sid)
            reasons = ["up to date" if record is None or record.key == key else "this exact version is in the store"]
        else:
            action = "generate"
            generating.add(sid)
            reasons = _reasons(records.get(sid), inputs, key, generating)
        planned[sid] = PlannedShot(
            id=sid,
            action=action,
            reasons=reasons,
            key=key,
            provider=req.provider,
            cost=list_price if action == "generate" else Decimal(0),
            list_price=list_price,
            billed_seconds=shot.billed_seconds,
            estimate=shot.estimate,
            inputs=inputs,
            request=req.model_dump(mode="json", exclude_none=True),
        )
    shots = [planned[sid] for sid in compiled.shots if sid in planned]
    return Plan(compiled, name, compiled.provider, shots)


_DERIVED = {"model", "width", "height", "mode", "action"}  # follow from other inputs
_LABELS = {"prompt": "prompt", "duration": "duration", "resolution": "resolution", "aspect_ratio": "aspect ratio"}


def _reasons(record: BuildRecord | None, inputs: dict[str, Any], key: str, generating: set[str]) -> list[str]:
    if record is None:
        return ["new shot: never built"]
    if record.key == key:
        return ["its clip is missing from the store"]
    old = record.inputs
    reasons: list[str] = []
    seen_files: set[str] = set()
    for path in sorted(set(old) | set(inputs), key=_order):
        a, b = old.get(path), inputs.get(path)
        if a == b or path.endswith((".file", ".clip_of", ".last_frame_of")):
            continue
        if path.endswith(".sha256"):
            base = path[: -len("sha256")] + "file"
            shown = inputs.get(base) or old.get(base) or base
            if shown not in seen_files:
                seen_files.add(shown)
                if a is None:
                    reasons.append(f"new input file {shown}")
                elif b is None:
                    reasons.append(f"input file {shown} removed")
                else:
                    reasons.append(f"file {shown} changed (content)")
        elif path.endswith("@key"):
            parent = inputs.get(path[:-4]) or old.get(path[:-4])
            verb = "regenerates" if parent in generating else "changed"
            reasons.append(f"upstream shot `{parent}` {verb}")
        elif path == "prompt":
            reasons.append("prompt changed")
        elif path == "provider":
            reasons.append(f"provider changed: {a} -> {b}")
        elif a is None:
            reasons.append(f"{path} added: {_show(b)}")
        elif b is None:
            reasons.append(f"{path} removed (was {_show(a)})")
        else:
            reasons.append(f"{_LABELS.get(path, path)} changed: {_show(a)} -> {_show(b)}")
    primary = [r for r in reasons if r.split(" ", 1)[0] not in _DERIVED]
    return _dedupe(primary or reasons) or ["inputs changed"]


def _order(path: str) -> tuple[int, str]:
    first = ("provider", "tier", "model", "prompt")
    return (first.index(path) if path in first else len(first), path)


def _show(value: Any) -> str:
    if isinstance(value, str):
        return value if len(value) <= 40 else value[:37] + "..."
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _dedupe(items: list[str]) -> list[str]:
    out: list[str] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


__all__ = ["make_plan", "Plan", "PlannedShot", "rate"]
