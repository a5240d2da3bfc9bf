"""The one small interface a hosted provider implements: the wire form in, the job's state out.

An adapter knows nothing of HTTP clients, retries, the journal, staging or files (think
of httpx's transports): it turns the canonical request into the body its page documents,
says which call submits and which polls, and reads the provider's answers. The client
(:mod:`.client`) does everything else, the same way for all five providers, so a
correction to one provider's protocol is a change to one table in one module.
"""

from __future__ import annotations

import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar, Literal

from ...compile.profiles import PROFILES
from ...compile.request import MediaKind, MediaRef, Request

# Resolves a media reference to what the provider accepts for it: an https URL (the
# user's own, a provider result URL, a presigned upload) or, where the page allows, a data URI.
Media = Callable[[MediaRef, MediaKind], str]


@dataclass(frozen=True)
class Call:
    """One HTTP request an adapter asks for; the client adds the base URL, the key and the retries."""

    method: Literal["GET", "POST"]
    path: str  # appended to the base URL
    json: Any = None


State = Literal["running", "done", "failed", "cancelled", "unknown"]


@dataclass(frozen=True)
class JobState:
    """A poll answer in the client's words, whatever envelope the provider wraps it in."""

    state: State  # "unknown": a status word outside the provider's table (the client stops after a few)
    urls: tuple[str, ...] = ()
    cost_usd: Decimal | None = None  # what the provider says it charged, when it says
    error: str | None = None
    detail: str = ""  # the provider's own status word or progress, for the progress display
    costs: tuple[Decimal | None, ...] = ()  # per result, beside ``urls``, where one task made several (Runware)
    failed_results: int = 0  # results of such a task that failed while the others came (``error`` says why)


class Adapter(ABC):
    """One hosted SkyReels V4 API, as its seed page documents it."""

    id: ClassVar[str]
    key_env: ClassVar[str]  # the environment variable holding the key
    default_base_url: ClassVar[str]
    concurrency: ClassVar[int]  # jobs in flight at once per key
    submits_per_minute: ClassVar[int | None] = None
    # The client chooses an id that makes sending the same submit again safe: the provider
    # answers with the job it already has (Runware's taskUUID, an Idempotency-Key header).
    # Only then is a submit whose answer was lost (a dropped connection, a 5xx) sent again;
    # without it such a submit is an unknown outcome and waits for the user's --resubmit.
    client_task_ids: ClassVar[bool] = False
    result_url_seconds: ClassVar[float] = 3600.0  # how long a result URL is trusted for reuse
    # Results one task may make (Runware's numberResults): above 1, the takes of a shot go as one task.
    max_results: ClassVar[int] = 1

    @property
    def data_uri_kinds(self) -> frozenset[str]:
        """Media kinds the provider takes inline as data URIs: its capability profile says, once
        (the compiler reads the same field to decide which local files need an upload bucket)."""
        return PROFILES[self.id].inline_media

    def headers(self, key: str, task_id: str | None = None) -> dict[str, str]:
        """Every request's headers; ``task_id`` is set on a submit when the client chose one."""
        return {"Authorization": f"Bearer {key}"}

    def new_task_id(self) -> str | None:
        """A fresh client-chosen id (journalled before the submit), or None where the provider picks."""
        return str(uuid.uuid4()) if self.client_task_ids else None

    @abstractmethod
    def body(self, request: Request, media: Media, task_id: str | None) -> Any:
        """The submit body, field for field as the page documents it."""

    def with_results(self, body: Any, n: int) -> Any:
        """``body`` asking for ``n`` results in one task; only an adapter with ``max_results`` >= n says how."""
        raise NotImplementedError(f"{self.id} makes one result per job")

    @abstractmethod
    def submit(self, body: Any) -> Call:
        """Where the submit goes (the body is ``body``'s)."""

    @abstractmethod
    def submitted(self, answer: Any, task_id: str | None) -> str:
        """The job id from a 2xx submit answer.

        Raises Refused when the answer is an explicit refusal (no job exists), ProviderError
        when it names no job: that job may exist all the same, so it is not resent blindly.
        """

    @abstractmethod
    def poll(self, job_id: str) -> Call:
        """The request that asks for ``job_id``'s state."""

    @abstractmethod
    def polled(self, answer: Any) -> JobState:
        """The job's state from a 2xx poll answer."""

    def error_message(self, answer: Any) -> str | None:
        """The provider's own message from an error envelope, if the answer has one."""
        if isinstance(answer, dict):
            for key in ("message", "error", "detail", "details"):
                value = answer.get(key)
                if isinstance(value, str) and value:
                    return value
                if isinstance(value, dict) and isinstance(value.get("message"), str):
                    return str(value["message"])
        return None

    def is_duplicate(self, answer: Any) -> bool:
        """A submit refused because the client-chosen id is already taken (the job exists)."""
        return False

    def is_unknown_job(self, status: int, answer: Any) -> bool:
        """A poll answered: no such job. Asked of every poll answer, 2xx included (Runware
        answers an unknown taskUUID inside a 200). The client believes it only after a few
        polls in a row: a job just accepted may not be visible yet."""
        return status == 404


@dataclass(frozen=True)
class Statuses:
    """A provider's status words, each cited from its reference or SDK in the adapter's table.

    ``read`` is the one tolerant reading every adapter shares: a listed word means what
    the table says; an item that carries a result URL is done even with no status at all
    (real services omit it); any other word is ``unknown``, which the client polls a few
    times and then reports, instead of waiting hours for a word it will never understand.
    """

    finished: frozenset[str]
    failed: frozenset[str]
    running: frozenset[str]
    cancelled: frozenset[str] = frozenset()

    def read(self, status: Any, urls: tuple[str, ...]) -> State:
        """The state a status word means; a word outside the table is ``unknown``, never a guess."""
        word = str(status).strip().lower() if status is not None else ""
        if word in self.finished:
            return "done"
        if word in self.failed:
            return "failed"
        if word in self.cancelled:
            return "cancelled"
        if word in self.running:
            return "running"
        return "done" if urls else "unknown"  # a result URL outweighs a word the table lacks

    def state(
        self,
        status: Any,
        urls: tuple[str, ...],
        *,
        cost_usd: Decimal | None = None,
        error: str | None = None,
        detail: str | None = None,
    ) -> JobState:
        """The JobState for a status word and what came with it."""
        state = self.read(status, urls)
        word = str(status or "")
        if state in ("failed", "cancelled"):
            return JobState(state, error=error or f"the job was {word or state}", detail=word)
        return JobState(state, urls if state == "done" else (), cost_usd if state == "done" else None,
                        error=word if state == "unknown" else None,
                        detail=detail if detail is not None else word)  # fmt: skip


def result_urls(value: Any) -> tuple[str, ...]:
    """Every result URL in ``value``: a string, a list of strings, or objects with a ``url`` of either.

    Providers differ (and change): WaveSpeed's ``outputs`` is a list of strings, qingbo's
    ``videos[].url`` is a list even for one video, apimart nests the same, eachlabs'
    ``output`` may be a string. A non-string is never turned into one ("['https://…']").
    """
    found: list[str] = []
    stack = [value]
    while stack:
        item = stack.pop(0)
        if isinstance(item, str):
            if item.strip():
                found.append(item.strip())
        elif isinstance(item, list):
            stack[0:0] = item
        elif isinstance(item, dict):
            for name in ("url", "urls", "video_url", "videoURL"):
                if name in item:
                    stack.insert(0, item[name])
                    break
    return tuple(dict.fromkeys(found))


def error_text(error: Any, qualifier: str) -> str | None:
    """An error object's ``message``, with its ``qualifier`` (a code, a type) where the message does not name it.

    qingbo answers ``{message, code}`` and apimart ``{code, message, type}``; either may be a bare string.
    """
    if isinstance(error, str):
        return error or None
    if not isinstance(error, dict):
        return None
    message = error.get("message") if isinstance(error.get("message"), str) else ""
    extra = error.get(qualifier) if isinstance(error.get(qualifier), str) else ""
    if message and extra and extra not in message:
        return f"{message} ({extra})"
    if message or extra:
        return message or extra
    return f"error {error['code']}" if "code" in error else None


def first(items: Any) -> Any:
    """The first element of a list, or None: the envelopes wrap single results in lists."""
    return items[0] if isinstance(items, list) and items else None


def money(value: Any) -> Decimal | None:
    """A reported cost as an exact Decimal (None when it is not a number): the money is summed."""
    if isinstance(value, (int, float, str)) and not isinstance(value, bool):
        try:
            return Decimal(str(value))
        except ArithmeticError:
            return None
    return None
