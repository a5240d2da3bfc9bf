"""Shot keys: a hash of everything that decides a clip, and nothing else.

The key covers the canonical request with every local file replaced by its content
hash and every upstream shot by that shot's key. Paths, mtimes and shot ids are not in
it, so renaming a file or a shot, or touching a file, never regenerates anything.
The flattened inputs are kept beside the key so ``plan`` can name what changed.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from ..compile import CompiledShot
from ..store import FileHasher

KEY_VERSION = 1


def shot_inputs(shot: CompiledShot, hasher: FileHasher, parent_keys: dict[str, str], root: Path) -> dict[str, Any]:
    """The request as flat ``{path: value}``, with files and parents made content-based."""
    assert shot.request is not None
    data = shot.request.model_dump(mode="json", exclude_none=True)
    flat: dict[str, Any] = {}
    _flatten(data, "", flat)
    out: dict[str, Any] = {}
    for path, value in flat.items():
        if path.endswith(".file") or path == "file":
            out[path] = value  # kept for messages; not part of the key
            out[path[: -len("file")] + "sha256"] = hasher.sha256(root / value)
        elif path.endswith((".clip_of", ".last_frame_of")):
            out[path] = value
            out[path + "@key"] = parent_keys.get(value, "?")
        else:
            out[path] = value
    return out


def key_of(inputs: dict[str, Any]) -> str:
    """sha256 of the inputs minus the names (file paths, parent shot ids)."""
    material = {
        k: v
        for k, v in inputs.items()
        if not (k.endswith(".file") or k.endswith(".clip_of") or k.endswith(".last_frame_of"))
    }
    blob = json.dumps([KEY_VERSION, material], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def _flatten(value: Any, prefix: str, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(v, f"{prefix}.{k}" if prefix else k, out)
    elif isinstance(value, list):
        if not value:
            out[prefix] = []
        for i, v in enumerate(value):
            _flatten(v, f"{prefix}[{i}]", out)
    else:
        out[prefix] = value
