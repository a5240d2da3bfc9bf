"""Shot keys: a hash of everything that decides a clip, and nothing else.

The key covers the canonical request with every local file replaced by its content
hash and every upstream shot by that shot's key. Paths, mtimes and shot ids are not in
it, so renaming a file or a shot, or touching a file, never regenerates anything.
The flattened inputs (the same facts, one per line) are recorded beside the key when
a shot is built, so a later ``plan`` can name what changed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..store import FileHasher

KEY_VERSION = 1
MEDIA_FIELDS = ("first_frame", "last_frame", "mid_frames", "ref_images", "ref_video", "audio")

Resolve = Callable[[str], Path]


def take_identity(key: str, take: int, version: int = 0) -> str:
    """What a dependant's key holds of its parent: the parent's key for take 1 (so keys made
    before takes existed stand), ``<key>.take<k>`` for take k, so picking another take
    regenerates the shots built on it; ``<key>.take<k>.v<n>`` once ``--replace`` made the
    take anew n times (store/versions.py), so the shots built on it regenerate too."""
    if version:
        return f"{key}.take{take}.v{version}"
    return key if take == 1 else f"{key}.take{take}"


def split_identity(identity: str) -> tuple[str, int]:
    """``(key, take)`` back from :func:`take_identity` (plan names a changed pick in words)."""
    key, _, rest = identity.partition(".take")
    take = rest.partition(".v")[0]
    return key, int(take) if take.isdigit() else 1


def identity_version(identity: str) -> int:
    """The version :func:`take_identity` put in ``identity`` (0: the original clip)."""
    _, _, version = identity.partition(".take")[2].partition(".v")
    return int(version) if version.isdigit() else 0


def key_of(request: dict[str, Any], hasher: FileHasher, resolve: Resolve, parent_keys: dict[str, str]) -> str:
    """sha256 of the request with media made content-based (``request`` is its JSON dump)."""
    material = dict(request)
    for name in MEDIA_FIELDS:
        if name in material:
            material[name] = _content(material[name], hasher, resolve, parent_keys)
    blob = json.dumps([KEY_VERSION, material], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def _content(value: Any, hasher: FileHasher, resolve: Resolve, parent_keys: dict[str, str]) -> Any:
    if isinstance(value, list):
        return [_content(v, hasher, resolve, parent_keys) for v in value]
    if isinstance(value, dict):
        if "file" in value:
            return {"sha256": hasher.sha256(resolve(value["file"]))}
        if "clip_of" in value:
            return {"clip_of": parent_keys.get(value["clip_of"], "?")}
        if "last_frame_of" in value:
            return {"last_frame_of": parent_keys.get(value["last_frame_of"], "?")}
        return {k: _content(v, hasher, resolve, parent_keys) for k, v in value.items()}
    return value


def flat_inputs(
    request: dict[str, Any], hasher: FileHasher, resolve: Resolve, parent_keys: dict[str, str]
) -> dict[str, Any]:
    """The request as flat ``{path: value}``: what the build record keeps for ``plan``'s reasons.

    File paths and parent ids stay for messages; ``.sha256`` and ``@key`` entries beside
    them carry what the key actually depends on.
    """
    out: dict[str, Any] = {}
    for name, value in request.items():
        if isinstance(value, (dict, list)):
            _flatten(value, name, out)
        else:
            out[name] = value
    for path in [p for p in out if p.endswith((".file", ".clip_of", ".last_frame_of"))]:
        value = out[path]
        if path.endswith(".file"):
            out[path[: -len("file")] + "sha256"] = hasher.sha256(resolve(value))
        else:
            out[path + "@key"] = parent_keys.get(value, "?")
    return out


def _flatten(value: Any, prefix: str, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(v, f"{prefix}.{k}", out)
    elif isinstance(value, list):
        if not value:
            out[prefix] = []
        for i, v in enumerate(value):
            _flatten(v, f"{prefix}[{i}]", out)
    else:
        out[prefix] = value
