"""Claims in the team store: among machines, the right to generate one clip now.

Before a paid submit a machine creates ``claims/<clip>.json`` with ``If-None-Match: *``; the
object store lets exactly one create win. The claim holds the provider, the holder (host,
process, store folder) and, as soon as the journal has it, the job id, the job's status and
the request sent; its holder rewrites it (``If-Match`` its ETag) every few seconds, which is
the renewal. A machine that finds a live claim waits for the clip instead of submitting; a
claim unrenewed for ``claim_seconds`` (measured on the server's clock) is dead, and whoever
rewrites it first (``If-Match`` the dead claim's ETag) takes it over, with the job in it, to
resume that job instead of paying again. A claim is dropped (``If-Match`` again, so a
takeover's is never deleted by the old holder) once the clip is stored remotely, or when no
job exists for it; a claim whose job was accepted but whose clip is not stored is left to
expire, so another machine resumes the job.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

from .objects import Fetched
from .state import DEFAULT_TAKE
from .team import TeamStore, claim_object

TOKEN = secrets.token_hex(6)  # this process, among the builds of one host


@dataclass(frozen=True)
class Seen:
    """A claim found held by someone: its content, how long since it was renewed, and whether it is live."""

    body: dict[str, Any]
    etag: str
    age_seconds: float
    live: bool

    @property
    def host(self) -> str:
        """The machine that holds it."""
        return str(self.body.get("host", "?"))

    @property
    def job_id(self) -> str | None:
        """The job it is generating, once the provider accepted the submit."""
        job = self.body.get("job_id")
        return str(job) if job else None

    def describe(self) -> str:
        """``in flight on HOST, job J (provider)`` / ``claimed by HOST, not yet submitted``."""
        provider = self.body.get("provider", "?")
        if self.job_id:
            return f"in flight on {self.host}, {provider} job {self.job_id}"
        return f"claimed by {self.host} ({provider}), not yet submitted"


class HeldClaim:
    """A claim this process holds; every write is conditional on the ETag it last wrote."""

    def __init__(self, claims: TeamClaims, key: str, take: int, etag: str, body: dict[str, Any]) -> None:
        self.claims, self.key, self.take = claims, key, take
        self.etag: str | None = etag
        self.body = body
        self.renewed = time.monotonic()
        self._lock = threading.Lock()  # the renewal (a thread) and a journal write (the loop) never race their ETags

    @property
    def held(self) -> bool:
        """False once released or lost to a takeover."""
        return self.etag is not None

    def update(self, **changes: Any) -> bool:
        """Rewrite the claim with ``changes`` (the job id, its status): also a renewal. False if it was lost."""
        with self._lock:
            if self.etag is None:
                return False
            body = {**self.body, **changes, "renewed": time.time()}
            name = self.claims.name(self.key, self.take)
            etag = self.claims.team.objects.put(name, _dump(body), replacing=self.etag)
            if etag is None:
                self.etag = None  # expired and taken over: the other machine resumes the job
                return False
            self.etag, self.body, self.renewed = etag, body, time.monotonic()
            return True

    def renew(self) -> bool:
        """Tell the other machines this claim is alive."""
        return self.update()

    def release(self) -> None:
        """Drop the claim (only this holder's: a takeover's is left alone)."""
        with self._lock:
            if self.etag is not None:
                self.claims.team.objects.delete(self.claims.name(self.key, self.take), etag=self.etag)
                self.etag = None

    def abandon(self) -> None:
        """Stop holding it without deleting it: it expires, and another machine resumes its job."""
        with self._lock:
            self.etag = None


class TeamClaims:
    """Claims of one team store, made by this process (``store`` names the local folder it builds in)."""

    def __init__(self, team: TeamStore, store: str) -> None:
        self.team = team
        self.store = store

    @staticmethod
    def name(key: str, take: int) -> str:
        """The claim's object key."""
        return claim_object(key, take)

    def body(self, key: str, take: int, about: dict[str, Any]) -> dict[str, Any]:
        """A fresh claim by this process."""
        now = time.time()
        return {
            **about,
            "key": key,
            "take": take,
            "host": self.team.host,
            "pid": os.getpid(),
            "token": TOKEN,
            "store": self.store,
            "since": now,
            "renewed": now,
        }

    def claim(self, key: str, take: int, about: dict[str, Any]) -> HeldClaim | Seen:
        """The claim, made now; or the one someone holds (live or dead: the caller decides)."""
        body = self.body(key, take, about)
        while True:  # a claim dropped between our create and our read: create again
            etag = self.team.objects.put(self.name(key, take), _dump(body), create=True)
            if etag is not None:
                return HeldClaim(self, key, take, etag, body)
            seen = self.peek(key, take)
            if seen is not None:
                return seen

    def peek(self, key: str, take: int = DEFAULT_TAKE) -> Seen | None:
        """The claim on the clip as it is now, or None."""
        got = self.team.objects.get(self.name(key, take))
        return self._seen(got, _body(got) or {}) if got is not None else None

    def _seen(self, got: Fetched, body: dict[str, Any]) -> Seen:
        return Seen(body, got.etag, got.age_seconds, got.age_seconds < self.team.claim_seconds)

    def mine_from_before(self, seen: Seen) -> bool:
        """A claim this host's store folder left (a killed build): stale once we hold the folder's own lock."""
        return seen.body.get("host") == self.team.host and seen.body.get("store") == self.store

    def take_over(self, key: str, take: int, seen: Seen, about: dict[str, Any]) -> HeldClaim | None:
        """Replace a dead claim with ours, keeping its job; None when another machine took it first."""
        kept = {k: seen.body[k] for k in ("provider", "job_id", "status", "request") if seen.body.get(k) is not None}
        body = {**self.body(key, take, about), **kept, "taken_from": seen.host}
        etag = self.team.objects.put(self.name(key, take), _dump(body), replacing=seen.etag)
        return HeldClaim(self, key, take, etag, body) if etag is not None else None

    def live(self) -> list[Seen]:
        """Every claim in the team store now (``storyboard jobs``), live or not."""
        found = (self.team.objects.get(item.key) for item in self.team.objects.list("claims"))
        read = [(got, _body(got)) for got in found if got is not None]
        return [self._seen(got, body) for got, body in read if body is not None]  # a stray object: left out


def _dump(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True).encode()


def _body(got: Fetched) -> dict[str, Any] | None:
    """A claim object's JSON object, or None when it holds none."""
    try:
        body = json.loads(got.body)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None
