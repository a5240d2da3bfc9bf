"""Shared fixtures: real media made with ffmpeg once per session, and a project folder."""

from __future__ import annotations

import shutil
import subprocess
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from storyboard.cli.main import cli
from storyboard.compile import Compiled, compile_storyboard
from storyboard.diagnostics import Diagnostic
from storyboard.load import load


def ffmpeg_exe() -> str:
    found = shutil.which("ffmpeg")
    if found:
        return found
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def ffmpeg(*args: str) -> None:
    subprocess.run([ffmpeg_exe(), "-loglevel", "error", "-y", *args], check=True)


# name -> ffmpeg arguments (output appended)
MEDIA: dict[str, list[str]] = {
    "a.png": ["-f", "lavfi", "-i", "color=c=red:s=64x36", "-frames:v", "1"],
    "b.png": ["-f", "lavfi", "-i", "color=c=blue:s=64x36", "-frames:v", "1"],
    "c.png": ["-f", "lavfi", "-i", "color=c=green:s=64x36", "-frames:v", "1"],
    "d.png": ["-f", "lavfi", "-i", "color=c=white:s=64x36", "-frames:v", "1"],
    "e.png": ["-f", "lavfi", "-i", "color=c=black:s=64x36", "-frames:v", "1"],
    "f.png": ["-f", "lavfi", "-i", "color=c=yellow:s=64x36", "-frames:v", "1"],
    "grid.png": ["-f", "lavfi", "-i", "testsrc2=s=96x96", "-frames:v", "1"],
    "dance.mp4": [
        "-f",
        "lavfi",
        "-i",
        "testsrc2=s=320x180:r=16:d=3",
        "-f",
        "lavfi",
        "-i",
        "sine=d=3",
        "-shortest",
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
    ],
    "long.mp4": ["-f", "lavfi", "-i", "testsrc2=s=160x90:r=8:d=12", "-c:v", "libx264", "-pix_fmt", "yuv420p"],
    "hd.mp4": [
        "-f",
        "lavfi",
        "-i",
        "color=c=gray:s=1920x1080:r=8:d=3",
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        "-preset",
        "ultrafast",
    ],
    "voice.wav": ["-f", "lavfi", "-i", "sine=f=300:d=3", "-ac", "1", "-ar", "16000"],
    "long_voice.wav": ["-f", "lavfi", "-i", "sine=f=300:d=16", "-ac", "1", "-ar", "8000"],
    "jingle.wav": ["-f", "lavfi", "-i", "sine=f=600:d=4", "-ac", "1", "-ar", "16000"],
}


@pytest.fixture(autouse=True)
def upload_bucket_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    """Most tests are about other rules: give them an upload bucket so local files may go to
    URL-only providers (P004). Tests of P004 and of staging set or unset it themselves; no
    test reaches this bucket (a build that uploads points at a moto server)."""
    monkeypatch.setenv("STORYBOARD_UPLOAD_URL", "s3://storyboard-tests-unreachable/uploads")


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every file of MEDIA, made by ffmpeg processes running side by side (they are independent)."""
    folder = tmp_path_factory.mktemp("media")
    running = [
        (name, subprocess.Popen([ffmpeg_exe(), "-loglevel", "error", "-y", *args, str(folder / name)]))
        for name, args in MEDIA.items()
    ]
    failed = [name for name, process in running if process.wait() != 0]
    assert not failed, f"ffmpeg could not make {failed}"
    (folder / "broken.mp4").write_bytes(b"this is not a video")
    return folder


@dataclass
class Project:
    root: Path
    runner: CliRunner

    def write(self, text: str, name: str = "storyboard.yaml") -> Path:
        path = self.root / name
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    def compile(self, text: str | None = None, **overrides: Any) -> Compiled:
        path = self.write(text) if text is not None else self.root / "storyboard.yaml"
        loaded = load(path)
        assert loaded.storyboard is not None, [str(d) for d in loaded.diagnostics]
        return compile_storyboard(loaded, **overrides)

    def diagnostics(self, text: str, **overrides: Any) -> list[Diagnostic]:
        path = self.write(text)
        loaded = load(path)
        if loaded.storyboard is not None:
            compile_storyboard(loaded, **overrides)
        return list(loaded.diagnostics)

    def cli(self, *args: str) -> Result:
        return self.runner.invoke(cli, list(args), catch_exceptions=True)


@pytest.fixture
def project(tmp_path: Path, media_dir: Path) -> Project:
    refs = tmp_path / "refs"
    shutil.copytree(media_dir, refs)
    return Project(tmp_path, CliRunner())


class BuiltOnce:
    """A storyboard built once per session, handed to each test as a pristine copy.

    Building renders every shot with ffmpeg; tests that only inspect or edit a finished
    build need not pay for it each time. The store records the storyboard by its absolute
    path (the film's up-to-date record, the build records), so the copy is always restored
    at the very path it was built at: to the code under test it is the same folder, freshly
    built. Copies keep mtimes (``copy2``), as a finished build left them.
    """

    def __init__(self, base: Path, media_dir: Path) -> None:
        self.base = base
        self.media_dir = media_dir
        self.made: dict[str, Any] = {}

    def get(self, name: str, text: str, make: Callable[[Project, Path], Any]) -> tuple[Project, Path, Any]:
        """``(project, storyboard path, what make returned)``; ``make`` runs once per name."""
        work, template = self.base / name / "work", self.base / name / "template"
        path = work / "storyboard.yaml"
        if name not in self.made:
            shutil.rmtree(work, ignore_errors=True)  # a build that failed for an earlier test is tried afresh
            shutil.copytree(self.media_dir, work / "refs")
            project = Project(work, CliRunner())
            project.write(text)
            with pytest.MonkeyPatch.context() as mp:  # as the autouse fixture sets it for a test
                mp.setenv("STORYBOARD_UPLOAD_URL", "s3://storyboard-tests-unreachable/uploads")
                self.made[name] = make(project, path)
            shutil.copytree(work, template)
        shutil.rmtree(work)
        shutil.copytree(template, work)
        return Project(work, CliRunner()), path, self.made[name]


@pytest.fixture(scope="session")
def built_once(tmp_path_factory: pytest.TempPathFactory, media_dir: Path) -> BuiltOnce:
    return BuiltOnce(tmp_path_factory.mktemp("built-once"), media_dir)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked slow run last, in their own order: the quick ones report first, and -x stops early."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is not None)


def compiled_of(path: Path) -> Compiled:
    """The file at ``path`` compiled (its first film), asserting it has no error."""
    compiled = compile_storyboard(load(path))
    assert compiled.ok, [d.message for d in compiled.diagnostics.errors]
    return compiled


def build_clean(project: Project, path: Path) -> Any:
    """A build of the file at ``path`` that must succeed (a ``built_once`` maker)."""
    from storyboard.ops import build

    result = build(compiled_of(path))
    assert result.ok, {s: r.error for s, r in result.run.shots.items()}
    return result


def codes(diags: list[Diagnostic], severity: str | None = "error") -> list[str]:
    return [d.code for d in diags if severity is None or d.severity.value == severity]


# -- loopback fakes of the hosted providers (tests/fakes) --------------------------------
pytest_plugins = ["tests.hosted_fixtures", "tests.team_fixtures"]  # the `hosted` and `s3` fixtures

from tests.fakes import FakeServer, start_fake  # noqa: E402


@pytest.fixture
def fake_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., FakeServer]]:
    """Start loopback fakes of hosted providers: ``fake_provider("runware", latency=0.2)``.

    Clips are cached once per session (shared by every fake); each server is closed at
    teardown, and a bug inside a fake (an internal 500) fails the test.
    """
    cache = tmp_path_factory.getbasetemp() / "fake-clips"
    cache.mkdir(exist_ok=True)
    servers: list[FakeServer] = []

    def start(provider_id: str, **options: Any) -> FakeServer:
        options.setdefault("cache_dir", cache)
        server = start_fake(provider_id, **options)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()
    bugs = [e for server in servers for e in server.errors]
    assert not bugs, "a fake server raised:\n" + "\n".join(bugs)
