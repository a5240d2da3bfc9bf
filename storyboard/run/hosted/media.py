"""A job's media inputs as the provider takes them: a URL, a data URI, or an upload to the bucket.

Hosted APIs take media as URLs (some also inline as data URIs, per their capability profile).
A parent's own result URL is reused while it is fresh, so a clip the provider made is not
uploaded back to it; every other local file is inlined or staged (see ``stage.Stager``).
"""

from __future__ import annotations

import asyncio
import base64
import mimetypes
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from ...compile.request import MediaKind, MediaRef, Request, media_inputs
from ...errors import StagingError
from ...store import FileHasher, Store
from ..job import Job
from .api import Adapter

if TYPE_CHECKING:
    from .stage import Stager

Resolved = dict[tuple[MediaRef, MediaKind], str]


class Media:
    """Turns a job's media references into the strings its provider's body carries."""

    def __init__(self, adapter: Adapter, store: Store, stager: Stager | None) -> None:
        self.adapter = adapter
        self.id = adapter.id
        self.store = store
        self.stager = stager
        self._hasher = FileHasher(store)  # the plan's hasher: one hashing path, one cache

    async def resolve(self, job: Job) -> Resolved:
        """Every media input's value; files are read and uploaded in a thread, off the event loop.

        Staged files are hashed here, on the loop's thread, because the store's hash cache is
        its SQLite connection, which belongs to that thread. The plan hashed the project's
        files already, so they cost a stat and a lookup; only derived frames are read.
        """
        reuse = {p: url for p in job.parent_keys if (url := self.reusable_url(job, p))}
        plan = {(ref, kind): self._source(job, ref, kind, reuse) for ref, kind in media_kinds(job.request)}
        hashes = {
            source: self._hasher.sha256(source)
            for (_, kind), source in plan.items()
            if isinstance(source, Path) and kind not in self.adapter.data_uri_kinds
        }
        return await asyncio.to_thread(self._values, plan, hashes)

    def reusable_url(self, job: Job, parent: str) -> str | None:
        """The provider's own result URL of a parent clip, while it is fresh and is the whole clip."""
        key = job.parent_keys[parent]
        entry = self.store.journal(key)
        if entry is None or entry.provider != self.id or entry.status != "done" or not entry.result_urls:
            return None
        if time.time() - entry.updated > self.adapter.result_url_seconds:
            return None
        if job.parent_clips.get(parent) != self.store.clip_path(key):
            return None  # the extension gets a tail of the parent, not the parent
        return entry.result_urls[0]

    def _source(self, job: Job, ref: MediaRef, kind: MediaKind, reuse: dict[str, str]) -> str | Path:
        """A value as it is (a URL), or the local file to inline or stage; StagingError when neither."""
        if ref.url is not None:
            return ref.url
        if ref.clip_of is not None and ref.clip_of in reuse:
            return reuse[ref.clip_of]
        path = job.local_path(ref)
        if path is None:
            raise StagingError(f"shot `{job.shot}`: no file for {_describe(ref)}")
        if kind not in self.adapter.data_uri_kinds and self.stager is None:
            raise StagingError(
                f"shot `{job.shot}`: {_describe(ref)} is a local file and {self.id} takes only URLs; "
                "set STORYBOARD_UPLOAD_URL=s3://bucket/prefix so storyboard can upload it"
            )
        return path

    def _values(self, plan: dict[tuple[MediaRef, MediaKind], str | Path], hashes: dict[Path, str]) -> Resolved:
        return {(ref, kind): self._value(kind, source, hashes) for (ref, kind), source in plan.items()}

    def _value(self, kind: MediaKind, source: str | Path, hashes: dict[Path, str]) -> str:
        if isinstance(source, str):
            return source
        if kind in self.adapter.data_uri_kinds:
            mime = mimetypes.guess_type(source.name)[0] or "application/octet-stream"
            return f"data:{mime};base64,{base64.b64encode(source.read_bytes()).decode()}"
        assert self.stager is not None  # _source refused a local file with nowhere to stage it
        return self.stager.url_for(source, hashes[source])


def media_kinds(request: Request) -> Iterator[tuple[MediaRef, MediaKind]]:
    """Every media input with the kind of file it is: the compiler's one walk over a request's media."""
    return ((item.ref, item.kind) for item in media_inputs(request))


def _describe(ref: MediaRef) -> str:
    if ref.file is not None:
        return f"`{ref.file}`"
    if ref.clip_of is not None:
        return f"the clip of `{ref.clip_of}`"
    if ref.last_frame_of is not None:
        return f"the last frame of `{ref.last_frame_of}`"
    return f"`{ref.url}`"
