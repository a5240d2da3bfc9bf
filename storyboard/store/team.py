"""The team store: one clip store on S3-compatible storage for every machine of a team.

Layout under ``s3://bucket/prefix``::

    clips/ab/ab12...ef.mp4        a clip, named as in the local store; metadata: sha256, host, provider, job
    claims/ab12...ef.json         who is generating that clip now (teamclaims.py)
    ledger/ab12...ef.<job>.json   what its job cost, written once per job (for ``storyboard cost``)

The local ``.storyboard/`` stays in front as a cache: ``plan`` lists the remote clips once
(``index``), a build downloads the cached clips it lacks (verified: size and SHA-256 against the
uploader's) and uploads each clip it makes after storing it locally (write-through). Nothing
here decides what to generate; the runner does, holding a claim (teamclaims.py).
"""

from __future__ import annotations

import json
import os
import socket
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import env
from ..errors import StoreError
from .cliprecords import ClipRecord, file_sha256
from .clips import LocalClipStore, clip_name
from .objects import Fetched, Objects
from .state import DEFAULT_TAKE

if TYPE_CHECKING:
    from .store import Store


def clip_object(key: str, take: int = DEFAULT_TAKE) -> str:
    """``clips/<key[:2]>/<clip name>``: the local store's own naming."""
    return f"clips/{key[:2]}/{clip_name(key, take)}"


def claim_object(key: str, take: int = DEFAULT_TAKE) -> str:
    """``claims/<clip name>.json``."""
    return f"claims/{clip_name(key, take).removesuffix('.mp4')}.json"


def ledger_object(key: str, take: int, job: str) -> str:
    """``ledger/<clip name>.<job>.json``: one per paid job, so two machines recording it write one object."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in job)[:120]
    return f"ledger/{clip_name(key, take).removesuffix('.mp4')}.{safe}.json"


def host_name() -> str:
    """This machine, as claims and the ledger name it."""
    return socket.gethostname() or "unknown-host"


@dataclass
class Index:
    """One listing of the remote store: which clips and claims exist (a plan reads it once)."""

    clips: dict[str, int]  # object key -> size
    claims: set[str]  # object keys

    def has(self, key: str, take: int = DEFAULT_TAKE) -> bool:
        """Whether the remote store holds the clip (as listed)."""
        return clip_object(key, take) in self.clips

    def claimed(self, key: str, take: int = DEFAULT_TAKE) -> bool:
        """Whether a claim object existed for the clip (live or expired: teamclaims reads it)."""
        return claim_object(key, take) in self.claims


class TeamStore:
    """The remote store behind a local one; thread-safe (downloads and uploads run in threads)."""

    def __init__(self, objects: Objects, *, claim_seconds: float = 120.0) -> None:
        self.objects = objects
        self.claim_seconds = claim_seconds  # a claim not renewed for this long is dead (teamclaims.py)
        self.host = host_name()
        self._index: Index | None = None
        self._lock = threading.Lock()

    def describe(self) -> str:
        """``s3://bucket/prefix``, for messages."""
        return self.objects.describe()

    # -- the listing ---------------------------------------------------------------------
    def index(self, *, fresh: bool = False) -> Index:
        """The remote clips and claims, listed once per command unless ``fresh``."""
        with self._lock:
            if self._index is None or fresh:
                clips = {item.key: item.size for item in self.objects.list("clips")}
                claims = {item.key for item in self.objects.list("claims")}
                self._index = Index(clips, claims)
            return self._index

    def has(self, key: str, take: int = DEFAULT_TAKE) -> bool:
        """Whether the remote store holds the clip now (a HEAD, not the listing)."""
        found = self.objects.head(clip_object(key, take)) is not None
        if found:
            with self._lock:
                if self._index is not None:
                    self._index.clips.setdefault(clip_object(key, take), 0)
        return found

    # -- clips ---------------------------------------------------------------------------
    def fetch(self, key: str, take: int, local: LocalClipStore) -> tuple[Path, ClipRecord]:
        """Download the clip into the local store, verified against the uploader's size and SHA-256."""
        name = clip_object(key, take)
        head = self.objects.head(name)
        if head is None:
            raise StoreError(f"the team store {self.describe()} has no clip {name}")
        size, metadata = head
        staged = local.temp_path()
        try:
            digest = self.objects.download(name, staged)
            got = staged.stat().st_size
            want = metadata.get("sha256")
            if got != size or (want is not None and digest != want):
                raise StoreError(
                    f"the clip {name} from {self.describe()} arrived damaged ({got} bytes, sha256 {digest[:12]}; "
                    f"expected {size} bytes, sha256 {(want or '?')[:12]}); it was not kept. Rebuild to fetch it again"
                )
            return local.put_recorded(key, staged, take=take)
        finally:
            staged.unlink(missing_ok=True)

    def put(self, key: str, take: int, path: Path, *, sha256: str | None, about: Mapping[str, str]) -> None:
        """Upload a stored clip (write-through); ``about`` (provider, job, shot) goes into its metadata."""
        digest = sha256 or file_sha256(path)
        metadata = {k: _ascii(v) for k, v in about.items() if v}
        self.objects.upload(path, clip_object(key, take), sha256=digest, metadata={**metadata, "host": self.host})
        with self._lock:
            if self._index is not None:
                self._index.clips[clip_object(key, take)] = path.stat().st_size

    # -- the ledger ----------------------------------------------------------------------
    def record_spend(self, key: str, take: int, job: str, spend: Mapping[str, Any]) -> bool:
        """Write the job's cost once (create-if-absent: a second machine recording it is a no-op)."""
        body = json.dumps({**spend, "key": key, "take": take, "job": job, "host": self.host}, sort_keys=True)
        return self.objects.put(ledger_object(key, take, job), body.encode(), create=True) is not None

    def spends(self) -> list[dict[str, Any]]:
        """Every recorded spend of the team (one GET per job: ``cost`` reads them)."""
        rows: list[dict[str, Any]] = []
        for item in self.objects.list("ledger"):
            got: Fetched | None = self.objects.get(item.key)
            if got is None:
                continue
            try:
                row = json.loads(got.body)
            except ValueError:
                continue  # not ours: a stray object under ledger/
            if isinstance(row, dict):
                rows.append(row)
        return rows


def _ascii(value: str) -> str:
    """S3 metadata must be ASCII: anything else is escaped the way JSON does."""
    return json.dumps(value)[1:-1] if not value.isascii() else value


def team_store(setting: str | None, environ: Mapping[str, str] | None = None) -> TeamStore | None:
    """The team store the environment (``STORYBOARD_STORE``) or the file (``settings.store``) names, or None.

    The variable wins over the file, so a CI job can point one storyboard at a scratch bucket.
    """
    environ = os.environ if environ is None else environ
    url = environ.get(env.STORE) or setting
    if not url:
        return None
    from .bucket import Bucket

    origin = env.STORE if environ.get(env.STORE) else "settings.store"
    endpoint = environ.get(env.STORE_ENDPOINT) or None
    bucket = Bucket(url, endpoint_url=endpoint, setting=origin, endpoint_setting=env.STORE_ENDPOINT, error=StoreError)
    seconds = environ.get(env.CLAIM_SECONDS)
    try:
        claim_seconds = float(seconds) if seconds else 120.0
    except ValueError:
        raise StoreError(f"{env.CLAIM_SECONDS} must be a number of seconds, not {seconds!r}") from None
    if not 1 <= claim_seconds <= 86400:
        raise StoreError(f"{env.CLAIM_SECONDS} must be 1 to 86400 seconds, not {seconds}")
    return TeamStore(Objects(bucket), claim_seconds=claim_seconds)


def open_store(
    root: Path, setting: str | None, *, create: bool = False, environ: Mapping[str, str] | None = None
) -> Store:
    """The local store of ``root`` with the team store (if one is set) in front of it."""
    from .store import Store

    team = team_store(setting, environ)  # a bad setting is said before anything is created
    store = Store(root, create=create)
    store.team = team
    return store
