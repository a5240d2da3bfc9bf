"""Media are probed at `check` for what they claim to be: hostile files are refused with their M code,
located at the value, and every file `check` accepts a local `build` renders."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from storyboard.compile import compile_storyboard
from storyboard.load import load
from storyboard.media.probe import MAX_BYTES, MediaInfo, Unfit, probe_clip, probe_input
from tests.conftest import Project, ffmpeg_exe


def png_bytes(width: int, height: int, *, rows: bool = True) -> bytes:
    """A PNG of one colour at any size (a 12000x12000 one is ~420 KB); ``rows=False``: the header alone."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    body = b""
    if rows:
        packer = zlib.compressobj(9)
        row = bytes(1 + 3 * width)
        body = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


# name -> ffmpeg arguments (output appended): the legitimate files beyond conftest's, and hostile ones
MADE: dict[str, list[str]] = {
    "photo.jpg": ["-f", "lavfi", "-i", "testsrc2=s=320x180", "-frames:v", "1", "-q:v", "2"],
    "still.gif": ["-f", "lavfi", "-i", "color=c=red:s=64x36", "-frames:v", "1"],
    "anim.gif": ["-f", "lavfi", "-i", "testsrc2=s=64x36:r=8:d=1"],
    "still.webp": ["-f", "lavfi", "-i", "color=c=blue:s=64x36", "-frames:v", "1"],
    "still.bmp": ["-f", "lavfi", "-i", "color=c=green:s=64x36", "-frames:v", "1"],
    "clip.mp4": [
        "-f",
        "lavfi",
        "-i",
        "testsrc2=s=64x36:r=8:d=3",
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        "-movflags",
        "+faststart",
    ],  # fmt: skip
    "talk.mp4": ["-f", "lavfi", "-i", "sine=d=2"],  # audio only, named as a video
    "picture-only.m4a": ["-f", "lavfi", "-i", "testsrc2=s=64x36:r=8:d=2", "-c:v", "libx264", "-f", "mp4"],
    "hum.wav": ["-f", "lavfi", "-i", "sine=f=300:d=3", "-ac", "1", "-ar", "16000"],
    "empty.mkv": ["-f", "lavfi", "-i", "testsrc2=s=64x36:r=8:d=1", "-frames:v", "0", "-c:v", "libx264"],
}


def make_pool(folder: Path) -> Path:
    """Every file of MADE plus the hand-made ones; hostile ones that are cheap to write are made per test."""
    folder.mkdir(parents=True, exist_ok=True)
    running = [
        (name, subprocess.Popen([ffmpeg_exe(), "-loglevel", "error", "-y", *args, str(folder / name)]))
        for name, args in MADE.items()
    ]
    assert not [name for name, process in running if process.wait() != 0]
    jpeg = (folder / "photo.jpg").read_bytes()
    (folder / "cut-short.jpg").write_bytes(jpeg[: len(jpeg) // 4])  # decoders draw what is there: legitimate
    clip = (folder / "clip.mp4").read_bytes()
    (folder / "no-frames.mp4").write_bytes(clip[: clip.index(b"mdat") + 4])  # the index, not the frames
    (folder / "ok.png").write_bytes(png_bytes(64, 36))
    (folder / "wide.png").write_bytes(png_bytes(10000, 2))
    (folder / "bomb.png").write_bytes(png_bytes(12000, 12000))  # 144 M pixels in 420 KB
    (folder / "claims-60000.png").write_bytes(png_bytes(60000, 60000, rows=False))
    shutil.copy(folder / "hum.wav", folder / "sound.png")
    shutil.copy(folder / "photo.jpg", folder / "jpeg-inside.png")  # named wrong, but an image: legitimate
    shutil.copy(folder / "still.gif", folder / "gif-inside.png")
    return folder


@pytest.fixture(scope="module")
def pool(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_pool(tmp_path_factory.mktemp("pool"))


def _sparse(size: int) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        with path.open("wb") as f:
            f.truncate(size)

    return make


def _symlink_out(path: Path) -> None:
    outside = path.parents[2] / "outside.png"
    outside.write_bytes(png_bytes(4, 4))
    path.symlink_to(outside)


@dataclass(frozen=True)
class Hostile:
    name: str
    code: str
    use: str  # first_frame, motion, audio, voice
    file: str = ""  # from the pool; or
    make: Callable[[Path], None] | None = None  # writes the file at the path given
    value: str | None = None  # a URL instead of a file


HOSTILE = [
    Hostile("text-named-png", "M005", "first_frame", make=lambda p: p.write_text("not a picture\n")),
    Hostile("zero-bytes", "M005", "first_frame", make=lambda p: p.write_bytes(b"")),
    Hostile("png-header-claims-60000x60000", "M005", "first_frame", "claims-60000.png"),
    Hostile("png-decompression-bomb", "M005", "first_frame", "bomb.png"),
    Hostile("png-10000-wide", "M006", "first_frame", "wide.png"),
    Hostile("sparse-2GB-png", "M006", "first_frame", make=_sparse(2 * 1024**3)),
    Hostile("sparse-2GB-mp4", "M006", "motion", make=_sparse(2 * 1024**3)),
    Hostile("wav-named-png", "M005", "first_frame", "sound.png"),
    Hostile("directory-named-png", "M001", "first_frame", make=lambda p: p.mkdir()),
    Hostile("fifo-named-png", "M001", "first_frame", make=lambda p: os.mkfifo(p)),
    Hostile("symlink-leaving-the-folder", "M002", "first_frame", make=_symlink_out),
    Hostile("symlink-loop", "M001", "first_frame", make=lambda p: p.symlink_to(p)),
    Hostile("audio-only-mp4-as-motion", "M005", "motion", "talk.mp4"),
    Hostile("mp4-without-its-frames", "M005", "motion", "no-frames.mp4"),
    Hostile("mkv-with-no-frame", "M005", "motion", "empty.mkv"),
    Hostile("video-only-m4a-as-audio", "M005", "audio", "picture-only.m4a"),
    Hostile("video-only-m4a-as-voice", "M005", "voice", "picture-only.m4a"),
    Hostile("text-named-wav-as-voice", "M005", "voice", make=lambda p: p.write_text("RIFF, not really")),
    Hostile("url-user-and-password", "M007", "first_frame", value="https://ann:hunter2@cdn.example.com/a.png"),
    Hostile("url-token-as-user", "M007", "first_frame", value="https://hunter2@cdn.example.com/a.png?x=1"),
    Hostile("http-url-with-password", "M007", "voice", value="http://ann:hunter2@cdn.example.com/v.wav"),
]


def board(use: str, value: str) -> str:
    """A storyboard using ``value`` as ``use``; the value sits on line 5."""
    quoted = f"'{value}'"
    if use == "first_frame":
        return f"version: 1\nshots:\n  - id: a\n    prompt: x\n    first_frame: {quoted}\n"
    if use == "motion":
        return f"version: 1\nshots:\n  - {{id: a, motion: m, prompt: '@m x'}}\nassets:\n  m: {quoted}\n"
    if use == "audio":
        return f"version: 1\nshots:\n  - {{id: a, audio: s, prompt: '@s x'}}\nassets:\n  s: {quoted}\n"
    assert use == "voice"
    return f"version: 1\nshots: [{{id: a, prompt: '@A'}}]\ncharacters:\n  A:\n    {{images: [refs/a.png], voice: {quoted}}}\n"


SUFFIX = {"first_frame": ".png", "motion": ".mp4", "audio": ".wav", "voice": ".wav"}


@pytest.mark.parametrize("case", [pytest.param(h, id=h.name) for h in HOSTILE])
def test_a_hostile_input_is_refused_at_check(project: Project, pool: Path, case: Hostile) -> None:
    value = case.value
    if value is None:
        name = case.file or f"hostile{SUFFIX[case.use]}"
        target = project.root / "refs" / name
        if case.make is not None:
            case.make(target)
        else:
            shutil.copy(pool / case.file, target)
        value = f"refs/{name}"
    path = project.write(board(case.use, value))
    before = sorted(p.name for p in project.root.iterdir())

    checked = project.cli("check", str(path))

    assert checked.exit_code == 1, checked.output
    assert "Traceback" not in checked.output
    every = project.diagnostics(board(case.use, value))
    diags = [d for d in every if d.code == case.code]
    assert diags, checked.output
    d = diags[0]
    assert (d.location.line, d.location.file.endswith("storyboard.yaml")) == (5, True), d
    assert d.help, d
    assert not [x for x in every if "hunter2" in x.message or "hunter2" in (x.help or "")]  # no secret repeated
    assert sorted(p.name for p in project.root.iterdir()) == before  # check writes nothing


def test_a_signed_urls_query_is_kept(project: Project) -> None:
    url = "https://cdn.example.com/a.png?X-Amz-Signature=abc123&X-Amz-Credential=AKIA%2F"
    diags = project.diagnostics(board("first_frame", url), provider="apimart")
    assert not [d for d in diags if d.code.startswith("M")], diags
    compiled = project.compile(board("first_frame", url), provider="apimart")
    request = compiled.shots["a"].request
    assert request is not None and request.first_frame is not None and request.first_frame.url == url


def test_probe_input_answers_what_each_file_holds(pool: Path, tmp_path: Path) -> None:
    assert probe_input(pool / "ok.png", "image") == MediaInfo(0.0, 64, 36)
    assert probe_input(pool / "cut-short.jpg", "image") == MediaInfo(0.0, 320, 180)
    clip = probe_input(pool / "clip.mp4", "video")
    assert isinstance(clip, MediaInfo) and clip.seconds == pytest.approx(3.0, abs=0.2) and clip.width == 64
    assert isinstance(probe_input(pool / "hum.wav", "audio"), MediaInfo)
    assert isinstance(probe_input(pool / "talk.mp4", "audio"), MediaInfo)  # an mp4 of sound is audio
    wide = probe_input(pool / "wide.png", "image")
    assert isinstance(wide, Unfit) and wide.too_large and "10000x2" in wide.reason
    big = tmp_path / "big.wav"
    with big.open("wb") as f:
        f.truncate(MAX_BYTES["audio"] + 1)
    over = probe_input(big, "audio")
    assert isinstance(over, Unfit) and over.too_large and f"{MAX_BYTES['audio']:,}" in over.reason


def test_a_compile_probes_each_file_once_however_many_shots_use_it(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    import storyboard.compile.media as media

    seen: list[Path] = []
    real = media.probe_input

    def counting(path: Path, kind: str) -> MediaInfo | Unfit:
        seen.append(path)
        return real(path, kind)

    monkeypatch.setattr(media, "probe_input", counting)
    shots = "".join(
        f"  - {{id: s{i}, prompt: x, first_frame: refs/a.png, last_frame: refs/b.png}}\n" for i in range(40)
    )
    text = f"version: 1\nassets: {{m: refs/dance.mp4}}\nshots:\n{shots}  - {{id: m1, motion: m, prompt: '@m'}}\n"
    assert not [d for d in project.diagnostics(text) if d.severity == "error"]
    assert sorted(p.name for p in seen) == ["a.png", "b.png", "dance.mp4"]


LEGIT_IMAGES = [
    *("ok.png", "photo.jpg", "cut-short.jpg", "still.gif", "anim.gif", "still.webp", "still.bmp"),
    *("jpeg-inside.png", "gif-inside.png"),
]


@pytest.mark.slow
def test_every_legitimate_file_checks_and_builds(project: Project, pool: Path) -> None:
    for name in [*LEGIT_IMAGES, "clip.mp4", "hum.wav"]:
        shutil.copy(pool / name, project.root / "refs" / name)
    shots = "".join(
        f"  - {{id: i{i}, prompt: '{name}', first_frame: refs/{name}, last_frame: refs/{name}}}\n"
        for i, name in enumerate(LEGIT_IMAGES)
    )
    text = (
        "version: 1\nsettings: {resolution: 480p, duration: 3}\n"
        "assets: {clip: refs/clip.mp4, hum: refs/hum.wav}\n"
        "characters: {A: {images: [refs/still.gif, refs/still.webp], voice: refs/hum.wav}}\n"
        f"shots:\n{shots}"
        "  - {id: moves, motion: clip, prompt: '@clip moves'}\n"
        "  - {id: hums, audio: hum, prompt: '@hum plays'}\n"
        "  - {id: group, prompt: '@A speaks'}\n"
    )
    path = project.write(text)
    checked = project.cli("check", str(path))
    assert checked.exit_code == 0, checked.output
    built = project.cli("build", str(path))
    assert built.exit_code == 0, built.output
    compiled = compile_storyboard(load(path))
    expected = sum(compiled.shots[sid].seconds for sid in compiled.cut)
    assert probe_clip(project.root / "out" / "storyboard.mp4").seconds == pytest.approx(expected, abs=0.15)


# -- the store's input-probe cache (store/probecache.py) ---------------------------------------
CACHED = """
version: 1
settings: {resolution: 480p, duration: 3}
characters:
  Mara: {images: [refs/a.png]}
assets:
  moves: refs/dance.mp4
shots:
  - {id: a, prompt: "@Mara waves."}
  - {id: b, prompt: "The street.", first_frame: refs/broken.png}
"""


@pytest.fixture
def probes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files actually opened and decoded by `check` (probe_input calls), by name."""
    import storyboard.compile.media as media

    opened: list[str] = []
    real = media.probe_input

    def counting(path: Path, kind: str) -> MediaInfo | Unfit:
        opened.append(path.name)
        return real(path, kind)

    monkeypatch.setattr(media, "probe_input", counting)
    return opened


def test_a_store_remembers_what_check_found_in_unchanged_inputs(project: Project, probes: list[str]) -> None:
    from storyboard.ops import check
    from storyboard.store import Store

    (project.root / "refs" / "broken.png").write_bytes(b"not a picture")
    path = project.write(CACHED)
    check(path)
    assert (project.root / ".storyboard").exists() is False  # a check makes no store
    with Store(project.root, create=True) as store:
        store.db.execute("SELECT 1")
    first = check(path)
    assert sorted(probes) == ["a.png", "a.png", "broken.png", "broken.png", "dance.mp4", "dance.mp4"]
    probes.clear()
    again = check(path)
    assert probes == ["broken.png"]  # a refused file is decoded again, and refused again with its reason
    assert [str(d) for d in again.diagnostics] == [str(d) for d in first.diagnostics]
    assert again.compiled is not None and first.compiled is not None
    assert again.compiled.shots["a"].request == first.compiled.shots["a"].request
    probes.clear()
    shutil.copy(project.root / "refs" / "b.png", project.root / "refs" / "new.png")
    os.replace(project.root / "refs" / "new.png", project.root / "refs" / "a.png")  # another file, same name
    check(path)
    assert sorted(probes) == ["a.png", "broken.png"]
