"""The no-op plan: ``storyboard plan`` answered with its last answer while nothing that answer read changed.

ninja's no-op and dbt's partial parse: a plan of 1,000 cached shots spends nearly all its
time importing the language and compiling a file that did not change. A plan answered in
full records what it read; the next one with the same command checks those facts (one
stat or one hash each, and one row of the store) and prints the recorded answer, or
answers in full when any differs. What an answer depends on:

- the key: the command's options, the file as typed and where it resolves, the working
  folder, the terminal (TTY, colour, width, encoding), the environment the plan reads
  (``STORYBOARD_*``; whether each provider's key is set, never its value), this storyboard's
  code and the libraries that parse and render it, the Python running it;
- the content (sha256) of the storyboard, its included files and its prompt templates, and
  every place a template was looked for (found there, or not: ``ignore missing``);
- how each local input's written path resolves (symlinks) and its stat, as the hash cache
  trusts it; the stat of every stored clip the plan named; what lies where the film and its
  sidecars go (the O005 check);
- the store's generation (store/state.py, schema 8): any write to the build records, the
  journal or the clip records.

Answered in full every time: with no store or a read-only one (nowhere to keep a memo), a
team store (another machine changes it), asset roots, ``--out``, an invalid file, a usage
error. A fact newer than ``RACY_SECONDS`` is not recorded (git's racy-clean rule): a file
written while the plan read it could carry the stat the next plan sees.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import env

if TYPE_CHECKING:
    from .checking import Checked
    from .preparing import Prepared

MEMO_DIR = "memo"  # inside .storyboard/
STORE_DIR = ".storyboard"  # store/store.py's STORE_DIR, not imported: the store package costs a no-op 14 ms
FORMAT = 1
RACY_SECONDS = 2.0
KEPT = 16  # memos kept per store (one per distinct command); the oldest go first
LIBRARIES = ("click", "jinja2", "markupsafe", "yaml", "pydantic", "pydantic_core")
TERMINAL = ("TERM", "COLORTERM", "NO_COLOR", "FORCE_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "COLUMNS", "LINES")
Chunks = list[tuple[int, str]]  # (1 stdout | 2 stderr, text) in the order written


@dataclass
class Answer:
    """A plan's output as written, chunk by chunk, and its exit status."""

    chunks: Chunks
    code: int

    def emit(self) -> None:
        """Write it again, to the same streams in the same order."""
        for stream, text in self.chunks:
            target = sys.stdout if stream == 1 else sys.stderr
            target.write(text)
        sys.stdout.flush()
        sys.stderr.flush()


@dataclass
class Memo:
    """One command's memo in one store: looked up before a plan, saved after one answered in full."""

    path: Path
    key: str
    generation: int | None
    started_ns: int = field(default_factory=time.time_ns)

    def replay(self) -> Answer | None:
        """The recorded answer when every fact it rests on still holds, else None."""
        if self.generation is None:
            return None
        try:
            with open(self.path, "rb") as fh:
                doc = json.loads(fh.read())
        except (OSError, ValueError):
            return None
        if doc.get("format") != FORMAT or doc.get("key") != self.key or doc.get("generation") != self.generation:
            return None
        try:
            if not _holds(doc["facts"]):
                return None
            return Answer([(int(s), str(t)) for s, t in doc["chunks"]], int(doc["code"]))
        except (KeyError, TypeError, ValueError):
            return None

    def save(self, checked: Checked, prepared: Prepared, chunks: Chunks, code: int) -> bool:
        """Record ``chunks`` as the answer, unless some fact it rests on cannot be trusted; True when saved."""
        from ..store.state import read_generation

        project = checked.project
        if self.generation is None or project is None or not _memoisable(checked):
            return False
        facts = _facts(checked, prepared, self.started_ns)
        if facts is None or read_generation(self.path.parent.parent / "state.db") != self.generation:
            return False  # the store changed while the plan read it
        doc = {
            "format": FORMAT,
            "key": self.key,
            "generation": self.generation,
            "facts": facts,
            "code": code,
            "chunks": chunks,
        }
        temp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(exist_ok=True)
            temp.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
            os.replace(temp, self.path)  # a reader sees the old memo or the new one, never half of one
        except OSError:  # a full disk: the next plan answers in full again
            temp.unlink(missing_ok=True)
            return False
        _prune(self.path.parent)
        return True


def for_plan(file: str, options: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> Memo | None:
    """The memo of ``plan FILE`` with ``options`` (every option that shapes the answer), or None when a
    plan of this file is never memoised (no writable store, a team store named in the environment)."""
    environ = os.environ if environ is None else environ
    try:
        resolved, cwd = Path(file).resolve(), os.getcwd()
    except (OSError, RuntimeError):  # a symlink loop, or a working folder removed under the shell
        return None
    store = resolved.parent / STORE_DIR
    if environ.get(env.STORE) or not os.access(store, os.W_OK):
        return None
    from ..store.state import read_generation

    material = {
        "command": "plan",
        "file": file,
        "resolved": str(resolved),
        "cwd": cwd,
        "options": dict(options),
        "environment": _environment(environ),
        "terminal": _terminal(environ),
        "code": _code_signature(),
    }
    key = hashlib.sha256(json.dumps(material, sort_keys=True, default=str).encode()).hexdigest()
    return Memo(store / MEMO_DIR / f"plan-{key[:32]}.json", key, read_generation(store / "state.db"))


def _memoisable(checked: Checked) -> bool:
    """What a memo cannot see: another machine's store, and folders outside the project (asset roots)."""
    project = checked.project
    if project is None or checked.loaded.asset_roots:
        return False
    return all(film.effective.settings.store is None for film in project.films)


def _environment(environ: Mapping[str, str]) -> dict[str, object]:
    from ..providers import HOSTED

    found: dict[str, object] = {k: v for k, v in environ.items() if k.startswith("STORYBOARD_")}
    for provider in HOSTED:  # whether a key is set changes what a build needs; its value never is kept
        name = env.for_provider(env.API_KEY, provider)
        found[name] = bool(environ.get(name, "").strip())
    found["HOME"] = environ.get("HOME")
    return found


def _terminal(environ: Mapping[str, str]) -> dict[str, object]:
    import shutil

    streams: dict[str, object] = {}
    for name, stream in (("stdout", sys.stdout), ("stderr", sys.stderr)):
        try:
            streams[name] = [stream.isatty(), getattr(stream, "encoding", None), getattr(stream, "errors", None)]
        except (OSError, ValueError):
            streams[name] = None
    return {
        "streams": streams,
        "size": list(shutil.get_terminal_size()),
        "variables": {k: environ.get(k) for k in TERMINAL},
        "io": environ.get("PYTHONIOENCODING"),
    }


def _code_signature() -> list[object]:
    """This storyboard's files and the parsing and rendering libraries, by stat: a new version or an edited
    source (an editable install) answers anew."""
    import importlib.util

    package = Path(__file__).resolve().parent.parent
    seen: list[object] = [sys.version, sys.prefix]
    for folder, dirs, files in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith((".py", ".json")):
                st = os.stat(os.path.join(folder, name))
                seen.append([os.path.relpath(os.path.join(folder, name), package), st.st_size, st.st_mtime_ns])
    for library in LIBRARIES:
        try:
            spec = importlib.util.find_spec(library)
        except (ImportError, ValueError):
            spec = None
        origin = spec.origin if spec is not None else None
        found = os.stat(origin) if origin and os.path.exists(origin) else None
        seen.append([library, origin, found.st_size if found else None, found.st_mtime_ns if found else None])
    return seen


def _facts(checked: Checked, prepared: Prepared, started_ns: int) -> dict[str, Any] | None:
    """Everything the answer read, as the next plan will compare it; None when one is racy or unreadable."""
    from ..compile.output import outputs_of
    from ..store import Store

    project = checked.project
    assert project is not None
    racy = started_ns - int(RACY_SECONDS * 1e9)
    contents: list[list[str]] = []
    for source in checked.loaded.sources:
        digest = _digest(source.path, racy)
        if digest is None or _text(source.path) != source.text:
            return None
        contents.append([str(source.path), digest])
    for template in sorted(checked.loaded.templates):
        digest = _digest(template, racy)
        if digest is None:
            return None
        contents.append([str(template), digest])
    looked = [[str(k), str(v) if v is not None else None] for k, v in sorted(checked.loaded.templates_looked.items())]
    inputs: list[list[object]] = []
    outputs: set[Path] = set()
    for film in project.films:
        for written, resolved in film.resolved.items():
            signature = _signature(resolved, racy)
            if signature is None:
                return None
            inputs.append([written, str(resolved), signature])
        if film.output is not None:
            outputs.update(outputs_of(film.output))
    store = Store(project.root)
    clips = {store.local.file(row.key, take=row.take) for plan in prepared.plans.films for row in plan.shots}
    clip_stats: list[list[object]] = []
    for clip in sorted(clips):
        signature = _signature(clip, racy, missing_ok=True)
        if signature is None:
            return None
        clip_stats.append([clip, signature])
    return {
        "contents": contents,
        "inputs": inputs,
        "clips": clip_stats,
        "outputs": [[str(p), _kind(p)] for p in sorted(outputs)],
        "templates": looked,
    }


def _holds(facts: Mapping[str, Any]) -> bool:
    """Every recorded fact is still so (the cheapest first: stats before reads)."""
    for path, kind in facts["outputs"]:
        if _kind(path) != kind:
            return False
    for candidate, real in facts["templates"]:  # as the template loader looks: a file, its real path
        if os.path.isfile(candidate) != (real is not None) or (
            real is not None and os.path.realpath(candidate) != real
        ):
            return False
    for written, resolved, signature in facts["inputs"]:
        if os.path.realpath(written) != resolved or _signature(resolved, None) != signature:
            return False
    for clip, signature in facts["clips"]:
        if _signature(clip, None, missing_ok=True) != signature:
            return False
    return all(_digest(path, None) == digest for path, digest in facts["contents"])


def _signature(path: str | Path, racy: int | None, *, missing_ok: bool = False) -> list[int] | None:
    """(size, mtime, ctime, inode) as the store's records trust them; [] for a missing file when
    ``missing_ok``; None when unreadable, or changed since ``racy`` (ns since the epoch)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return [] if missing_ok else None
    except OSError:
        return None
    if racy is not None and st.st_mtime_ns > racy:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def _digest(path: str | Path, racy: int | None) -> str | None:
    """sha256 of the file's bytes; None when unreadable or changed since ``racy``."""
    try:
        with open(path, "rb") as fh:
            st = os.fstat(fh.fileno())
            if racy is not None and st.st_mtime_ns > racy:
                return None
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError:
        return None


def _text(path: Path) -> str | None:
    """The file as the loader decodes it (load/yamlsource.py), to prove the plan read what is recorded."""
    try:
        return path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None


def _kind(path: str | Path) -> str:
    """What is at ``path``, not following a symlink: the output check's view (compile/output.py)."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return "none"
    except OSError:
        return "unreadable"
    return {stat.S_IFREG: "file", stat.S_IFDIR: "folder"}.get(stat.S_IFMT(mode), f"other:{stat.S_IFMT(mode)}")


def _prune(folder: Path, keep: int = KEPT) -> None:
    """Keep the ``keep`` newest memos: one per distinct command, so a script's many variants stay bounded."""
    try:
        memos = sorted(folder.glob("plan-*.json"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    except OSError:
        return
    for old in memos[keep:]:
        try:
            old.unlink()
        except OSError:
            pass
