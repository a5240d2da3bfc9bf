"""The one small interface a hosted provider implements: the wire form in, the job's state out.

An adapter knows nothing of HTTP clients, retries, the journal, staging or files (think
of httpx's transports): it turns the canonical request into the body its page documents,
says which call submits and which polls, and reads the provider's answers. The client
(:mod:`.client`) does everything else, the same way for all five providers, so a
correction to one provider's protocol is a change to one table in one module.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable, ClassVar, Literal

from ...compile.request import MediaRef, Request

MediaKind = Literal["image", "audio", "video"]
# Resolves a media reference to what the provider accepts for it: an https URL (the
# user's own, a provider result URL, a presigned upload) or, where the page allows, a data URI.
Media = Callable[[MediaRef, MediaKind], str]


@dataclass(frozen=True)
class Call:
    method: Literal["GET", "POST"]
    path: str  # appended to the base URL
    json: Any = None


@dataclass(frozen=True)
class JobState:
    state: Literal["running", "done", "failed"]
    urls: tuple[str, ...] = ()
    cost_usd: Decimal | None = None  # what the provider says it charged, when it says
    error: str | None = None
    detail: str = ""  # the provider's own status word or progress, for the progress display


class Adapter(ABC):
    """One hosted SkyReels V4 API, as its seed page documents it."""

    id: ClassVar[str]
    key_env: ClassVar[str]  # the environment variable holding the key
    default_base_url: ClassVar[str]
    concurrency: ClassVar[int]  # jobs in flight at once per key
    submits_per_minute: ClassVar[int | None] = None
    data_uri_kinds: ClassVar[frozenset[str]] = frozenset()  # media kinds the page accepts inline
    client_task_ids: ClassVar[bool] = False  # the client chooses the job id (resumable before the answer)
    result_url_seconds: ClassVar[float] = 3600.0  # how long a result URL is trusted for reuse

    def headers(self, key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}

    def new_task_id(self) -> str | None:
        return None

    @abstractmethod
    def body(self, request: Request, media: Media, task_id: str | None) -> Any:
        """The submit body, field for field as the page documents it."""

    @abstractmethod
    def submit(self, body: Any) -> Call: ...

    @abstractmethod
    def submitted(self, answer: Any, task_id: str | None) -> str:
        """The job id from a 2xx submit answer; raises ProviderError if the answer refuses."""

    @abstractmethod
    def poll(self, job_id: str) -> Call: ...

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
        """A poll answered: no such job."""
        return status == 404


def first(items: Any) -> Any:
    """The first element of a list, or None: the envelopes wrap single results in lists."""
    return items[0] if isinstance(items, list) and items else None


def money(value: Any) -> Decimal | None:
    if isinstance(value, (int, float, str)) and not isinstance(value, bool):
        try:
            return Decimal(str(value))
        except ArithmeticError:
            return None
    return None
