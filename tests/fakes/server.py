"""Loopback fakes of the hosted SkyReels V4 APIs: the machinery the five share.

Each fake is one protocol handler (``FakeServer._respond``: a request in, a reply out) with a
job table, a fault queue per endpoint and real mp4 clips made with ffmpeg. It is reached two
ways: in process, as ``FakeServer.handle(httpx.Request) -> httpx.Response`` behind an
``httpx.MockTransport`` or ``tests.fakes.net.FakeNet`` (most tests: no socket, no thread per
connection), or over a threaded stdlib ``http.server`` on 127.0.0.1 after ``start()``, for what
needs a real socket or another process (a build killed with -9, the vendors' own SDKs). Network
faults are acted out on either side: a reset or a stalled answer on the socket, the httpx
exception the client would see in process. A provider module adds its routes, its page's
validation table and its envelopes (see ``wavespeed.py``).

Every fake has an https base URL on a host of its own (``https://<provider>-<n>.test``), as the
hosted client accepts no other; ``start()`` also serves it at ``socket_url``, and advertises that
plain loopback URL as ``base_url`` unless told not to (vendors' SDKs talk to it directly).

Vocabulary: an *endpoint* is what a request is for (``submit``, ``poll`` or
``download``), whatever path a provider gives it; faults and holds are per endpoint.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import functools
import ipaddress
import json
import math
import os
import re
import select
import shutil
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar, Literal
from urllib.parse import parse_qs, urlsplit

import av
import httpx

from storyboard.media.ffmpeg import ffmpeg_exe

Endpoint = Literal["submit", "poll", "download"]
FaultKind = Literal["429", "500", "503", "reset", "timeout", "malformed", "failed", "404", "truncate"]
# A poll fault "status:<word>" ends the polled job with the provider's own terminal status word
# (WaveSpeed "status:cancelled", "status:timeout", "status:deleted"): a job outcome, unlike the
# network fault "timeout". Each fake lists the words it has in ``status_faults``.
STATUS_FAULT = "status:"

ENDPOINTS: tuple[str, ...] = ("submit", "poll", "download")
FAULTS_FOR: dict[str, frozenset[str]] = {
    "submit": frozenset({"429", "500", "503", "reset", "timeout", "malformed"}),
    "poll": frozenset({"429", "500", "503", "reset", "timeout", "malformed", "failed", "404"}),
    "download": frozenset({"429", "500", "503", "reset", "timeout", "malformed", "404", "truncate", "html"}),
}
# A poll fault "word:<w>" answers that poll as usual but with the status word <w> (one the
# provider's table does not list); the job itself goes on. "html" serves a web page, 200 OK.
WORD_FAULT = "word:"
HTML_PAGE = b"<!doctype html><html><body><h1>Access denied</h1></body></html>"
# faults after which the provider has (by default) already taken the job: the lost-answer case
CREATED_BY_DEFAULT = frozenset({"reset", "timeout", "malformed"})
FAULT_MESSAGES = {
    "429": "rate limit exceeded (injected)",
    "500": "internal server error (injected)",
    "503": "service unavailable (injected)",
}
FAILED_MESSAGE = "content policy violation (injected)"
MALFORMED_BODY = b'{"data": ['

FPS = 32  # SkyReels V4 renders at 32 fps (seed 002:3)
AUDIO_RATE = 48000
REFERENCE_MAX_SECONDS = 10.0  # a `reference` video sets the duration, at most 10 s (seeds 001:28, 004:21)
DEFAULT_DURATION = 5  # seconds (seeds 000:42, 001:28, 002:104)
RESOLUTIONS = ("480p", "720p", "1080p")  # seeds 000:43, 001:30, 002:100
ASPECT_RATIOS = ("16:9", "9:16", "1:1", "4:3", "3:4")  # seed 001:29
PROBE_TOLERANCE = 0.1  # seconds a probed length may exceed a limit (AAC priming, container rounding)

CONTENT_TYPES = {"mp4": "video/mp4", "mov": "video/quicktime", "webm": "video/webm"}


# -- validation: a page's rules as data --------------------------------------------------


class Invalid(Exception):
    """A body the provider's page says it refuses; the provider renders it in its envelope."""

    def __init__(self, parameter: str, message: str, status: int = 400, code: str | None = None) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.message = message
        self.status = status
        self.code = code
        self.context: dict[str, Any] = {}  # provider extras for the envelope (runware: taskUUID)


Form = Callable[[str], "str | None"]  # a string's form check: the problem, or None


@dataclass(frozen=True)
class Field:
    """One documented body field: its JSON type and the constraints the page gives it.

    ``type`` is one JSON type or several joined by ``|``. ``min``/``max`` bound a
    number's value, a string's length or an array's item count. An object's unknown
    members are refused (a typo in an adapter must not pass silently). JSON ``null`` is
    refused like any other wrong type: an absent field is written by leaving it out.
    """

    type: str
    required: bool = False
    enum: tuple[Any, ...] = ()
    min: float | None = None
    max: float | None = None
    items: Field | None = None
    fields: Mapping[str, Field] | None = None
    form: Form | None = None


@dataclass(frozen=True)
class Rule:
    """A page rule spanning fields; ``broken(body)`` is true when the body violates it.

    Rules run after the field table, so ``broken`` may trust every present field's type.
    """

    parameter: str
    message: str
    broken: Callable[[dict[str, Any]], bool]
    status: int = 400


_JSON_TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v),
    "boolean": lambda v: isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    for name in ("boolean", "integer", "number", "string", "array", "object"):
        if _JSON_TYPES[name](value):
            return name
    return type(value).__name__


def check_value(value: Any, spec: Field, path: str) -> None:
    """Raise Invalid at ``path`` unless ``value`` satisfies ``spec`` (recursively)."""
    types = spec.type.split("|")
    kind = next((t for t in types if _JSON_TYPES[t](value)), None)
    if kind is None:
        raise Invalid(path, f"{path} must be {' or '.join(types)}, found {_json_type(value)}")
    if spec.enum and any(_json_type(e) == kind for e in spec.enum) and value not in spec.enum:
        allowed = ", ".join(str(e) for e in spec.enum)
        raise Invalid(path, f"{path} must be one of {allowed}, found {value!r}")
    size = {"string": len, "array": len}.get(kind)
    measured = size(value) if size else value if kind in ("integer", "number") else None
    if measured is not None:
        what = {"string": "characters", "array": "items"}.get(kind, "")
        if spec.min is not None and measured < spec.min:
            raise Invalid(path, f"{path} must be at least {spec.min:g} {what}".rstrip() + f", found {measured}")
        if spec.max is not None and measured > spec.max:
            raise Invalid(path, f"{path} must be at most {spec.max:g} {what}".rstrip() + f", found {measured}")
    if kind == "string" and spec.form is not None:
        problem = spec.form(value)
        if problem:
            raise Invalid(path, f"{path} {problem}")
    if kind == "array" and spec.items is not None:
        for i, item in enumerate(value):
            check_value(item, spec.items, f"{path}[{i}]")
    if kind == "object" and spec.fields is not None:
        check_fields(value, spec.fields, path)


def check_fields(body: Mapping[str, Any], fields: Mapping[str, Field], path: str = "") -> None:
    """Check an object against its field table: required present, none unknown, each valid."""
    prefix = f"{path}." if path else ""
    for name in body:
        if name not in fields:
            raise Invalid(f"{prefix}{name}", f"{prefix}{name} is not a parameter of this endpoint")
    for name, spec in fields.items():
        if name not in body:
            if spec.required:
                raise Invalid(f"{prefix}{name}", f"{prefix}{name} is required")
            continue
        check_value(body[name], spec, f"{prefix}{name}")


def check_rules(body: dict[str, Any], rules: list[Rule]) -> None:
    for rule in rules:
        if rule.broken(body):
            raise Invalid(rule.parameter, rule.message, rule.status)


# -- the forms media take in a body ----------------------------------------------------


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def url_form(value: str) -> str | None:
    """An https URL, or plain http to a loopback host (the tests' fake CDN)."""
    if value.startswith("data:"):
        return "must be a URL, not a data URI"
    parts = urlsplit(value)
    if parts.scheme == "https" and parts.hostname:
        return None
    if parts.scheme == "http" and parts.hostname and _loopback(parts.hostname):
        return None
    return f"must be an https URL, found {value[:80]!r}"


def uuid_form(value: str) -> str | None:
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        return f"must be a UUID, found {value[:80]!r}"
    if str(parsed) != value.lower():
        return "must be a UUID in its hyphenated form"
    return None


def uuid_v4_form(value: str) -> str | None:
    problem = uuid_form(value)
    if problem:
        return problem
    return None if uuid.UUID(value).version == 4 else "must be a UUID v4"


def _base64_ok(text: str) -> bool:
    try:
        return len(base64.b64decode(text, validate=True)) > 0
    except (binascii.Error, ValueError):
        return False


_DATA_URI = re.compile(r"data:(?P<mime>[\w.+-]+/[\w.+-]+);base64,(?P<data>.*)", re.S)


def data_uri_form(value: str) -> str | None:
    m = _DATA_URI.fullmatch(value)
    if m is None or not _base64_ok(m.group("data")):
        return "must be a base64 data URI"
    return None


def media_kind(value: str) -> Literal["url", "uuid", "data_uri", "base64", "unknown"]:
    """Which of the documented input forms a string is in."""
    if value.startswith("data:"):
        return "data_uri" if data_uri_form(value) is None else "unknown"
    if "://" in value:
        return "url" if url_form(value) is None else "unknown"
    if uuid_form(value) is None:
        return "uuid"
    if _base64_ok(value):
        return "base64"
    return "unknown"


def at_tag_form(value: str) -> str | None:
    return None if value.startswith("@") and len(value) > 1 else f"must start with @, found {value!r}"


def tag_in_prompt(tag: str, prompt: str) -> bool:
    """Whether ``tag`` is mentioned in ``prompt`` as a whole word (@image1 is not in @image10)."""
    return re.search(re.escape(tag) + r"(?![\w-])", prompt) is not None


# -- media: probing inputs and making result clips ---------------------------------------


class MediaError(Exception):
    """A media URL the fake could not fetch or read."""


@dataclass(frozen=True)
class MediaInfo:
    seconds: float
    width: int = 0  # 0: no video stream
    height: int = 0

    @property
    def pixels(self) -> int:
        return self.width * self.height


def probe_file(path: Path) -> MediaInfo:
    """Length and frame size of a media file, read with PyAV."""
    try:
        with av.open(str(path)) as container:
            seconds = container.duration / av.time_base if container.duration else 0.0
            if not seconds:
                for stream in container.streams:
                    if stream.duration and stream.time_base:
                        seconds = max(seconds, float(stream.duration * stream.time_base))
            video = container.streams.video[0] if container.streams.video else None
            return MediaInfo(seconds, video.width if video else 0, video.height if video else 0)
    except (av.error.FFmpegError, OSError, ValueError, IndexError) as e:
        raise MediaError(f"cannot be read as media ({e})") from None


def frame_size(resolution: str, aspect_ratio: str) -> tuple[int, int]:
    """Short side = the p number, long side from the ratio rounded to even (480p 16:9 -> 854x480)."""
    short = int(resolution.removesuffix("p"))
    a, b = (int(x) for x in aspect_ratio.split(":"))
    long_side = round(short * max(a, b) / min(a, b) / 2) * 2
    return (long_side, short) if a >= b else (short, long_side)


def _even(n: int) -> int:
    """h264 yuv420p needs even sides; an odd requested size is rounded up."""
    return max(2, n + (n % 2))


@dataclass(frozen=True)
class ClipSpec:
    """What a result clip is: every job with the same spec shares one cached file."""

    width: int
    height: int
    seconds: float
    container: str = "mp4"  # mp4 | mov | webm

    @staticmethod
    def of(width: int, height: int, seconds: float, container: str = "mp4") -> ClipSpec:
        return ClipSpec(_even(width), _even(height), round(float(seconds), 3), container)

    @property
    def filename(self) -> str:
        return f"clip-{self.width}x{self.height}-{round(self.seconds * 1000)}ms.{self.container}"


_CLIP_LOCKS: dict[Path, threading.Lock] = {}
_CLIP_LOCKS_GUARD = threading.Lock()


def make_clip(spec: ClipSpec, folder: Path) -> Path:
    """The clip for ``spec`` in ``folder``, rendered once with ffmpeg (testsrc2 + a sine tone)."""
    out = folder / spec.filename
    if out.exists():
        return out
    with _CLIP_LOCKS_GUARD:
        lock = _CLIP_LOCKS.setdefault(out, threading.Lock())
    with lock:
        if out.exists():
            return out
        seconds = f"{spec.seconds:.3f}"
        codecs = {
            "webm": ["-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "1M", "-c:a", "libopus"],
        }.get(spec.container, ["-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac"])
        tmp = folder / f".{uuid.uuid4().hex}.{spec.container}"
        args = [
            ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", f"testsrc2=s={spec.width}x{spec.height}:r={FPS}:d={seconds}",
            "-f", "lavfi", "-i", f"sine=f=440:sample_rate={AUDIO_RATE}:d={seconds}",
            *codecs, "-pix_fmt", "yuv420p", "-ac", "2", "-ar", str(AUDIO_RATE), "-t", seconds, str(tmp),
        ]  # fmt: skip
        try:
            subprocess.run(args, check=True, capture_output=True, timeout=300)
            os.replace(tmp, out)
        finally:
            tmp.unlink(missing_ok=True)
    return out


# -- what the server keeps -------------------------------------------------------------


@dataclass
class Fault:
    kind: str
    retry_after: int | None = None
    created: bool = False


@dataclass
class SubmitRecord:
    """One submit request as it arrived, whether or not it made a job."""

    body: Any  # the parsed JSON, or the raw text when it was not JSON
    created: bool = False
    job_ids: list[str] = field(default_factory=list)
    status: int | None = None  # the answer's status; 0: no answer (reset, timeout)


@dataclass
class Job:
    """One accepted submit. It completes on the first poll after ``latency`` s and ``min_polls`` in-progress answers."""

    id: str
    body: Any
    clips: tuple[ClipSpec, ...]
    created_at: float  # time.monotonic()
    created_iso: str
    status: Literal["pending", "completed", "failed"] = "pending"
    polls: int = 0  # in-progress answers given
    error: str = ""
    ended: str = ""  # the terminal status word of a "status:<word>" fault (status is then "failed")
    files: list[str] = field(default_factory=list)  # names under /files/, once completed
    urls: list[str] = field(default_factory=list)
    finished_at: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # provider-specific (cost, result ids)

    @property
    def seconds(self) -> float:
        return self.clips[0].seconds if self.clips else 0.0


def _with_status_word(reply: Reply, word: str) -> Reply:
    """The same answer with every string ``status`` in it replaced by ``word``."""
    try:
        payload = json.loads(reply.body)
    except ValueError:
        return reply
    stack = [payload]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get("status"), str):
                item["status"] = word
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return Reply.json(reply.status, payload)


@dataclass
class Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    action: Literal["send", "reset", "timeout", "truncate"] = "send"

    @staticmethod
    def json(status: int, payload: Any, headers: dict[str, str] | None = None) -> Reply:
        return Reply(status, json.dumps(payload).encode(), {"Content-Type": "application/json", **(headers or {})})

    @staticmethod
    def text(status: int, text: str) -> Reply:
        return Reply(status, text.encode(), {"Content-Type": "text/plain; charset=utf-8"})


_UNPARSED = object()


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: Message
    raw: bytes
    fail: bool = False  # an injected "failed" fault: the polled job ends failed
    end_status: str = ""  # an injected "status:<word>" fault: the polled job ends with that word
    truncate: bool = False  # an injected "truncate" fault: send half the file
    record: SubmitRecord | None = None
    _parsed: Any = field(default=_UNPARSED, repr=False)

    def json(self) -> Any:
        """The body as JSON; Invalid (400) when it is not."""
        if self._parsed is _UNPARSED:
            try:
                self._parsed = json.loads(self.raw.decode("utf-8")) if self.raw else None
            except (UnicodeDecodeError, ValueError):
                self._parsed = _BAD_JSON
        if self._parsed is _BAD_JSON:
            raise Invalid("body", "the request body is not valid JSON")
        return self._parsed

    def json_object(self) -> dict[str, Any]:
        body = self.json()
        if not isinstance(body, dict):
            raise Invalid("body", f"the request body must be a JSON object, found {_json_type(body)}")
        return body

    def body_for_record(self) -> Any:
        try:
            return self.json()
        except Invalid:
            return self.raw.decode("utf-8", "replace")


_BAD_JSON = object()


class Hold:
    """Withholds the answers of one endpoint (the job is made, the reply waits) until released."""

    def __init__(self, server: FakeServer, endpoint: str) -> None:
        self._server = server
        self.endpoint = endpoint
        self._released = threading.Event()
        self.waiting = 0  # answers withheld right now

    def release(self) -> None:
        self._released.set()
        self._server._drop_hold(self)

    def _wait(self) -> None:
        with self._server._cond:
            self.waiting += 1
            self._server._cond.notify_all()
        self._released.wait()
        with self._server._cond:
            self.waiting -= 1
            self._server._cond.notify_all()

    def __enter__(self) -> Hold:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


# -- HTTP plumbing ---------------------------------------------------------------------


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that goes away mid-request (a killed build) is normal, not a traceback on stderr."""
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like the real APIs
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        # headers and body leave in two writes; with Nagle on, keep-alive answers wait ~40 ms for a delayed ACK
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.fake._track(self, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass
        finally:
            self.server.fake._track(self, add=False)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _dispatch(self) -> None:
        self.server.fake._on_request(self)

    do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = do_PATCH = _dispatch


def _read_body(h: BaseHTTPRequestHandler) -> bytes:
    if "chunked" in (h.headers.get("Transfer-Encoding") or "").lower():
        parts: list[bytes] = []
        while True:
            size = int(h.rfile.readline(65537).split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while h.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(parts)
            parts.append(h.rfile.read(size))
            h.rfile.readline(65537)
    length = int(h.headers.get("Content-Length") or 0)
    return h.rfile.read(length) if length > 0 else b""


class _Fetcher(httpx.BaseTransport):
    """The fake's own media fetcher: its own files in process, anything else over the network."""

    def __init__(self, fake: FakeServer) -> None:
        self._fake = fake
        self._network = httpx.HTTPTransport(verify=_ssl_context())

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == self._fake.host:
            return self._fake.handle(request)
        return self._network.handle_request(request)

    def close(self) -> None:
        self._network.close()


class _CutShort(httpx.SyncByteStream, httpx.AsyncByteStream):
    """Half a body, then the connection drops: what a client of the socket sees on a "truncate"."""

    def __init__(self, part: bytes) -> None:
        self._part = part

    def __iter__(self) -> Iterator[bytes]:
        yield self._part
        raise httpx.RemoteProtocolError("peer closed connection without sending complete message body (injected)")

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self._part
        raise httpx.RemoteProtocolError("peer closed connection without sending complete message body (injected)")


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """One context for every fetcher: building one per client costs ~30 ms."""
    return ssl.create_default_context()


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# -- the server ------------------------------------------------------------------------


class FakeServer:
    """A provider's API on 127.0.0.1: routes and rules come from the provider subclass.

    Options shared by all providers: ``key`` (the accepted API key), ``latency``
    (seconds from submit before a job may complete), ``min_polls`` (in-progress poll
    answers before it may complete), ``extend_whole`` (an extension clip holds the
    source video too, not only the new seconds), ``cache_dir`` (where clips are kept;
    share one across servers to render each size once), ``fetch_remote`` (also fetch
    non-loopback media URLs for the rules that need the media; off: tests are offline).
    """

    provider: ClassVar[str] = ""
    status_faults: ClassVar[frozenset[str]] = frozenset()  # the words a "status:<word>" poll fault may end a job with
    auth_header: ClassVar[str] = "Authorization"
    auth_scheme: ClassVar[str] = "Bearer"  # "" when the header holds the bare key

    def __init__(
        self,
        *,
        key: str | None = None,
        latency: float = 0.0,
        min_polls: int = 1,
        extend_whole: bool = False,
        cache_dir: Path | str | None = None,
        fetch_remote: bool = False,
    ) -> None:
        self.key = key or f"sk-test-{self.provider}-0123456789"
        self.latency = latency
        self.min_polls = min_polls
        self.extend_whole = extend_whole
        self.fetch_remote = fetch_remote
        self._tmp = Path(tempfile.mkdtemp(prefix=f"fake-{self.provider}-"))
        self.cache_dir = Path(cache_dir) if cache_dir is not None else self._tmp / "clips"
        self.cache_dir.mkdir(parents=True, exist_ok=True)

        self.submits: list[SubmitRecord] = []
        self.jobs: dict[str, Job] = {}
        self.requests: list[tuple[str, str, int]] = []  # (method, path, status); 0: no answer
        self.errors: list[str] = []  # tracebacks of bugs in the fake itself (answered 500)
        self._files: dict[str, ClipSpec | Path] = {}
        self._faults: dict[str, deque[Fault]] = {e: deque() for e in ENDPOINTS}
        self._holds: dict[str, Hold] = {}
        self._probes: dict[str, MediaInfo] = {}
        self._cond = threading.Condition(threading.RLock())
        self._conns: set[_Handler] = set()
        self._threads: set[threading.Thread] = set()
        self._wake_r, self._wake_w = socket.socketpair()
        self._closed = False
        self._httpd: _HTTPServer | None = None
        self._fetcher: httpx.Client | None = None  # fetches media for the rules that need it
        self._serve_thread: threading.Thread | None = None
        self.host = f"{self.provider}-{uuid.uuid4().hex[:8]}.test"  # an https host of its own, reached in process
        self.base_url = f"https://{self.host}"  # what clients are told: result URLs are under it too
        self.socket_url = ""  # http://127.0.0.1:<port> once started

    # -- life --------------------------------------------------------------------------
    def start(self, *, advertise_socket: bool = True) -> FakeServer:
        """Also serve on a loopback socket; ``advertise_socket`` makes its plain URL the ``base_url``.

        Off, clients keep the https base URL and reach the socket through a rewriting
        transport (``tests.fakes.net.Loopback``), as a build in another process does.
        """
        httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
        httpd.fake = self
        self._httpd = httpd
        self.socket_url = f"http://127.0.0.1:{httpd.server_address[1]}"
        if advertise_socket:
            self.base_url = self.socket_url
        self._serve_thread = threading.Thread(target=self._serve, name=f"fake-{self.provider}", daemon=True)
        self._serve_thread.start()
        return self

    def _serve(self) -> None:
        """Accept until close() writes to the wake socket (serve_forever would poll for that)."""
        httpd = self._httpd
        assert httpd is not None
        while True:
            try:
                ready, _, _ = select.select([httpd.socket, self._wake_r], [], [])
            except (OSError, ValueError):
                return
            if self._wake_r in ready:
                return
            try:
                request, address = httpd.get_request()
            except OSError:
                continue
            try:
                httpd.process_request(request, address)  # a thread per connection
            except Exception:
                httpd.handle_error(request, address)
                httpd.shutdown_request(request)

    def close(self) -> None:
        """Stop serving: withheld and stalled answers end, open connections are closed."""
        with self._cond:
            if self._closed:
                return
            self._closed = True
            holds = list(self._holds.values())
            self._cond.notify_all()
        self._wake_w.send(b"x")  # wakes the accept loop and every stalled ("timeout") request
        for hold in holds:
            hold.release()
        if self._serve_thread is not None:
            self._serve_thread.join(timeout=10)
        if self._httpd is not None:
            self._httpd.server_close()
        with self._cond:
            conns, threads = list(self._conns), list(self._threads)
        for h in conns:  # wakes handlers waiting for the next keep-alive request
            try:
                h.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for t in threads:
            t.join(timeout=10)
        self._wake_r.close()
        self._wake_w.close()
        if self._fetcher is not None:
            self._fetcher.close()
        shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self) -> FakeServer:
        if self._httpd is None:
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the test's controls -----------------------------------------------------------
    def inject(
        self,
        endpoint: Endpoint,
        fault: FaultKind | str,  # str: a "status:<word>" poll fault
        times: int = 1,
        retry_after: int | None = None,
        created: bool | None = None,
    ) -> None:
        """Queue ``fault`` for the next ``times`` requests to ``endpoint`` (FIFO per endpoint)."""
        if endpoint not in FAULTS_FOR:
            raise ValueError(f"unknown endpoint {endpoint!r}; one of {', '.join(ENDPOINTS)}")
        ending = (
            endpoint == "poll" and fault.startswith(STATUS_FAULT) and fault[len(STATUS_FAULT) :] in self.status_faults
        )
        ending = ending or (endpoint == "poll" and fault.startswith(WORD_FAULT) and len(fault) > len(WORD_FAULT))
        if fault not in FAULTS_FOR[endpoint] and not ending:
            kinds = sorted(FAULTS_FOR[endpoint]) + (
                sorted(STATUS_FAULT + w for w in self.status_faults) if endpoint == "poll" else []
            )
            raise ValueError(f"fault {fault!r} does not apply to {endpoint}; one of {kinds}")
        if created is not None and endpoint != "submit":
            raise ValueError("`created` applies to submit faults only")
        made = (fault in CREATED_BY_DEFAULT) if created is None else created
        with self._cond:
            for _ in range(times):
                self._faults[endpoint].append(Fault(fault, retry_after, made))

    def faults_left(self, endpoint: Endpoint | None = None) -> int:
        with self._cond:
            return sum(len(q) for e, q in self._faults.items() if endpoint in (None, e))

    def hold(self, endpoint: Endpoint = "submit") -> Hold:
        """Withhold ``endpoint``'s answers (the work is done, e.g. the job made) until released."""
        if endpoint not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {endpoint!r}")
        with self._cond:
            handle = Hold(self, endpoint)
            if self._closed:
                handle._released.set()
            else:
                self._holds[endpoint] = handle
            return handle

    def _drop_hold(self, handle: Hold) -> None:
        with self._cond:
            if self._holds.get(handle.endpoint) is handle:
                del self._holds[handle.endpoint]
            self._cond.notify_all()

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 10) -> Any:
        """Block until ``predicate()`` is truthy (re-checked on every request and state change)."""
        with self._cond:
            result = self._cond.wait_for(predicate, timeout)
            if not result:
                raise TimeoutError(f"{self.provider} fake: condition not met in {timeout} s; requests {self.requests}")
            return result

    def submit_count(self, created: bool | None = None) -> int:
        """Submit requests received (``created``: only those that did / did not make a job)."""
        with self._cond:
            return sum(1 for s in self.submits if created is None or s.created == created)

    def add_file(self, name: str, source: Path | str | bytes) -> str:
        """Serve a file at ``/files/<name>`` (e.g. a reference video) and return its URL."""
        if isinstance(source, bytes):
            path = self._tmp / "hosted" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(source)
        else:
            path = Path(source)
        with self._cond:
            self._files[name] = path
        return self.url(f"/files/{name}")

    def url(self, path: str) -> str:
        return self.base_url + path

    # -- for provider modules ----------------------------------------------------------
    # the routes of a REST-style API (Runware, which POSTs everything to /v1, overrides endpoint)
    submit_paths: ClassVar[tuple[str, ...]] = ()
    poll_path: ClassVar[re.Pattern[str] | None] = None

    def endpoint(self, req: Request) -> Endpoint | None:
        """Which endpoint a (non-download) request is for; None: no such route."""
        if req.method == "POST" and req.path in self.submit_paths:
            return "submit"
        if req.method == "GET" and self.poll_path is not None and self.poll_path.fullmatch(req.path):
            return "poll"
        return None

    def polled_job(self, req: Request, parameter: str, noun: str) -> Job:
        """The job a REST-style poll names (its id is the poll path's `id` group), or that page's 404."""
        assert self.poll_path is not None
        match = self.poll_path.fullmatch(req.path)
        assert match is not None
        job = self.jobs.get(match["id"])
        if job is None:
            raise Invalid(parameter, f"{noun} {match['id']} not found", 404)
        return job

    def submit(self, req: Request) -> Reply:
        raise NotImplementedError

    def poll(self, req: Request) -> Reply:
        raise NotImplementedError

    def error(self, status: int, message: str, *, parameter: str | None = None, code: str | None = None) -> Reply:
        """An error answer in the provider's envelope."""
        raise NotImplementedError

    def invalid(self, e: Invalid) -> Reply:
        return self.error(e.status, e.message, parameter=e.parameter, code=e.code)

    def new_job(self, req: Request, clips: list[ClipSpec], job_id: str | None = None, **extra: Any) -> Job:
        """Record an accepted submit as a job (its clips are made when first downloaded)."""
        with self._cond:
            job = Job(
                id=job_id or uuid.uuid4().hex,
                body=req.body_for_record(),
                clips=tuple(clips),
                created_at=time.monotonic(),
                created_iso=now_iso(),
                extra=dict(extra),
            )
            self.jobs[job.id] = job
            if req.record is not None:
                req.record.created = True
                req.record.job_ids.append(job.id)
            self._cond.notify_all()
            return job

    def advance(self, job: Job, req: Request) -> Literal["pending", "completed", "failed"]:
        """Answer one poll of ``job``: complete it if its time and polls are in, else count the poll."""
        with self._cond:
            if job.status == "pending":
                now = time.monotonic()
                if req.fail:
                    req.fail = False  # one injected failure ends one job
                    job.status, job.error, job.finished_at = "failed", FAILED_MESSAGE, now
                elif req.end_status:
                    job.status, job.ended, job.finished_at = "failed", req.end_status, now
                    req.end_status = ""
                elif now - job.created_at >= self.latency and job.polls >= self.min_polls:
                    job.status, job.finished_at = "completed", now
                    for i, spec in enumerate(job.clips):
                        name = f"{job.id}.{spec.container}" if len(job.clips) == 1 else f"{job.id}-{i}.{spec.container}"
                        self._files[name] = spec
                        job.files.append(name)
                        job.urls.append(self.url(f"/files/{name}"))
                else:
                    job.polls += 1
            self._cond.notify_all()
            return job.status

    def unfinished(self) -> int:
        with self._cond:
            return sum(1 for j in self.jobs.values() if j.status == "pending")

    def fetchable(self, value: str) -> bool:
        """Whether the fake reads this media: its own, or a loopback URL (any URL with ``fetch_remote``).

        An upload UUID, or a remote URL while the tests run offline, is taken on trust.
        """
        if media_kind(value) != "url":
            return False
        host = urlsplit(value).hostname or ""
        return self.fetch_remote or host == self.host or _loopback(host)

    def probe(self, url: str, parameter: str, status: int = 400) -> MediaInfo | None:
        """Fetch a media URL and read it with PyAV (None: not ``fetchable``); Invalid when that fails."""
        if not self.fetchable(url):
            return None
        cached = self._probes.get(url)
        if cached is not None:
            return cached
        with self._cond:
            if self._fetcher is None:
                self._fetcher = httpx.Client(
                    timeout=15, follow_redirects=True, verify=_ssl_context(), transport=_Fetcher(self)
                )
            fetcher = self._fetcher
        try:
            r = fetcher.get(url)
        except httpx.HTTPError as e:
            raise Invalid(parameter, f"{parameter}: cannot fetch {url} ({type(e).__name__})", status) from None
        if r.status_code != 200:
            raise Invalid(parameter, f"{parameter}: fetching {url} answered {r.status_code}", status)
        path = self._tmp / "probe" / uuid.uuid4().hex
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(r.content)
        try:
            info = probe_file(path)
        except MediaError as e:
            raise Invalid(parameter, f"{parameter} {e}", status) from None
        finally:
            path.unlink(missing_ok=True)
        self._probes[url] = info
        return info

    def clip_seconds(self, duration: float, video_type: str | None, video_url: str | None, parameter: str) -> float:
        """How long the result is: a `reference` video sets it (at most 10 s); an `extend`
        clip holds the new seconds, or source + new seconds with ``extend_whole``."""
        info = self.probe(video_url, parameter) if video_url is not None and video_type is not None else None
        if info is None:
            return float(duration)  # no video, or one the fake does not read
        if video_type == "reference":
            return min(info.seconds, REFERENCE_MAX_SECONDS)
        if video_type == "extend" and self.extend_whole:
            return info.seconds + float(duration)
        return float(duration)

    # -- request handling --------------------------------------------------------------
    def _track(self, h: _Handler, add: bool) -> None:
        with self._cond:
            if add:
                self._conns.add(h)
                self._threads.add(threading.current_thread())
            else:
                self._conns.discard(h)
                self._threads.discard(threading.current_thread())

    def _on_request(self, h: _Handler) -> None:
        split = urlsplit(h.path)
        try:
            raw = _read_body(h)
        except (OSError, ValueError):
            h.close_connection = True
            return
        req = Request(h.command, split.path, parse_qs(split.query), h.headers, raw)
        self._send(h, req, self._answer(req))

    def handle(self, request: httpx.Request) -> httpx.Response:
        """The fake in process: one httpx request through the same protocol handler the socket uses.

        ``httpx.MockTransport(fake.handle)`` (or ``FakeNet``) is a fake without a socket. A
        reset or a stalled answer becomes the httpx error a client of the socket would get.
        """
        with self._cond:
            closed = self._closed
        if closed:
            raise httpx.ConnectError(f"{self.provider} fake is closed", request=request)
        split = urlsplit(request.url.raw_path.decode("ascii"))
        headers = Message()
        for name, value in request.headers.multi_items():
            headers[name] = value
        req = Request(request.method, split.path, parse_qs(split.query), headers, request.read())
        reply = self._answer(req)
        if reply.action == "timeout":
            self._record(req, 0)
            raise httpx.ReadTimeout("no answer (injected timeout)", request=request)
        self._record(req, 0 if reply.action == "reset" else reply.status)
        if reply.action == "reset":
            raise httpx.ReadError("connection reset by peer (injected)", request=request)
        sent = {**reply.headers, "Content-Length": str(len(reply.body))}
        if req.method == "HEAD":
            return httpx.Response(reply.status, headers=sent, content=b"", request=request)
        if reply.action == "truncate":
            cut = _CutShort(reply.body[: len(reply.body) // 2])
            return httpx.Response(reply.status, headers=sent, stream=cut, request=request)
        return httpx.Response(reply.status, headers=sent, content=reply.body, request=request)

    async def ahandle(self, request: httpx.Request) -> httpx.Response:
        """``handle`` for async clients, in a thread: a held or slow answer must not stall their loop."""
        await request.aread()
        return await asyncio.to_thread(self.handle, request)

    def transport(self) -> httpx.MockTransport:
        """A sync client's transport to this fake alone (async clients: ``FakeNet``)."""
        return httpx.MockTransport(self.handle)

    def _answer(self, req: Request) -> Reply:
        """Wake waiters, then the protocol's reply; a bug in the fake is a 500 with its traceback kept."""
        with self._cond:
            self._cond.notify_all()
        try:
            return self._respond(req)
        except Exception:  # a bug in the fake: answer 500 and keep the traceback for the test
            self.errors.append(traceback.format_exc())
            return self.error(500, "fake server bug: see server.errors")

    def _record(self, req: Request, status: int) -> None:
        """Log the answer; done before its bytes leave, so a client that has it sees it logged."""
        with self._cond:
            if req.record is not None:
                req.record.status = status
            self.requests.append((req.method, req.path, status))
            self._cond.notify_all()

    def _endpoint_of(self, req: Request) -> Endpoint | None:
        if req.path.startswith("/files/") and req.method in ("GET", "HEAD"):
            return "download"
        return self.endpoint(req)

    def _take_fault(self, endpoint: str, req: Request) -> Fault | None:
        if endpoint == "download" and req.method == "HEAD":
            return None  # a HEAD never draws a download fault: faults are for the GET
        with self._cond:
            queue = self._faults[endpoint]
            return queue.popleft() if queue else None

    def _respond(self, req: Request) -> Reply:
        endpoint = self._endpoint_of(req)
        if endpoint is None:
            return self.error(404, f"no route for {req.method} {req.path}")
        if endpoint == "submit":
            req.record = SubmitRecord(body=req.body_for_record())
            with self._cond:
                self.submits.append(req.record)
                self._cond.notify_all()
        fault = self._take_fault(endpoint, req)
        if fault is not None and fault.kind == "failed":
            req.fail, fault = True, None
        elif fault is not None and fault.kind.startswith(STATUS_FAULT):
            req.end_status, fault = fault.kind[len(STATUS_FAULT) :], None
        elif fault is not None and fault.kind == "truncate":
            req.truncate, fault = True, None
        elif fault is not None and fault.kind == "404":
            return (
                Reply.text(404, "not found (injected)")
                if endpoint == "download"
                else self.error(404, "not found (injected)")
            )
        elif fault is not None and fault.kind == "html":
            return Reply(200, HTML_PAGE, {"Content-Type": "text/html; charset=utf-8"})
        elif fault is not None and fault.kind.startswith(WORD_FAULT):
            return _with_status_word(self._process(endpoint, req), fault.kind[len(WORD_FAULT) :])
        if fault is None:
            reply = self._process(endpoint, req)
            hold = self._holds.get(endpoint)
            if hold is not None:
                hold._wait()
            return reply
        if endpoint == "submit" and fault.created:
            self._process(endpoint, req)  # the provider takes the job; its answer is lost
        return self._fault_reply(fault, endpoint)

    def _process(self, endpoint: str, req: Request) -> Reply:
        if endpoint == "download":
            return self._download(req)
        if not self._authorized(req):
            return self.error(401, f"missing or invalid {self.auth_header}")
        try:
            return self.submit(req) if endpoint == "submit" else self.poll(req)
        except Invalid as e:
            return self.invalid(e)

    def _authorized(self, req: Request) -> bool:
        value = (req.headers.get(self.auth_header) or "").strip()
        if self.auth_scheme:
            scheme, _, token = value.partition(" ")
            return scheme.lower() == self.auth_scheme.lower() and token.strip() == self.key
        return value == self.key

    def _fault_reply(self, fault: Fault, endpoint: str) -> Reply:
        if fault.kind in ("reset", "timeout"):
            return Reply(0, action=fault.kind)  # type: ignore[arg-type]
        if fault.kind == "malformed":
            return Reply(200, MALFORMED_BODY, {"Content-Type": "application/json"})
        status = int(fault.kind)
        message = FAULT_MESSAGES[fault.kind]
        reply = Reply.text(status, message) if endpoint == "download" else self.error(status, message)
        if fault.retry_after is not None:
            reply.headers["Retry-After"] = str(int(fault.retry_after))
        return reply

    def _download(self, req: Request) -> Reply:
        """The CDN: result clips and hosted files, no auth."""
        name = req.path[len("/files/") :]
        with self._cond:
            entry = self._files.get(name)
        if entry is None:
            return Reply.text(404, "not found")
        path = make_clip(entry, self.cache_dir) if isinstance(entry, ClipSpec) else entry
        suffix = path.suffix.lstrip(".").lower()
        content_type = CONTENT_TYPES.get(suffix) or {
            "png": "image/png", "jpg": "image/jpeg", "wav": "audio/wav"
        }.get(suffix, "application/octet-stream")  # fmt: skip
        reply = Reply(200, path.read_bytes(), {"Content-Type": content_type})
        if req.truncate:
            reply.action = "truncate"
        return reply

    def _send(self, h: _Handler, req: Request, reply: Reply) -> None:
        """Write the reply, or act out a network fault (logged with status 0: no answer)."""
        if reply.action == "timeout":
            self._stall(h)
            self._record(req, 0)  # logged when the client hung up or the server closed
            return
        self._record(req, 0 if reply.action == "reset" else reply.status)
        try:
            if reply.action == "reset":
                self._reset(h)
                return
            h.send_response(reply.status)
            for name, value in reply.headers.items():
                h.send_header(name, value)
            h.send_header("Content-Length", str(len(reply.body)))
            h.end_headers()
            if req.method != "HEAD":
                if reply.action == "truncate":
                    h.wfile.write(reply.body[: len(reply.body) // 2])
                    h.close_connection = True
                else:
                    h.wfile.write(reply.body)
            h.wfile.flush()
        except OSError:  # the client hung up (e.g. while the answer was held)
            h.close_connection = True

    @staticmethod
    def _reset(h: _Handler) -> None:
        """Close with an RST: SO_LINGER 0 and an immediate close of the descriptor."""
        h.close_connection = True
        sock = h.connection
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        os.close(sock.detach())

    def _stall(self, h: _Handler) -> None:
        """Never answer: wait until the client hangs up or the server closes."""
        h.close_connection = True
        try:
            select.select([h.connection, self._wake_r], [], [])
        except (OSError, ValueError):
            pass


# -- shared pieces of the provider bodies ------------------------------------------------

URL = Field("string", form=url_form)
REQUIRED_URL = Field("string", required=True, form=url_form)
