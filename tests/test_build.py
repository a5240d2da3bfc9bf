"""Offline builds end to end: real ffmpeg renders, the store, make-style rebuilds, the cut."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import av
import pytest

from storyboard.errors import MediaError
from storyboard.media.frames import last_frame
from storyboard.media.probe import probe_clip
from storyboard.ops import build
from storyboard.plan import make_plan
from storyboard.run import local
from storyboard.run.local import LocalProvider
from storyboard.store import Store
from tests.conftest import build_clean, compiled_of

BOARD = """
version: 1
settings: {resolution: 480p, duration: 3}
vars: {look: warm light}
characters:
  Mara: {images: [refs/a.png, refs/b.png]}
assets:
  dance: refs/dance.mp4
shots:
  - id: open
    prompt: "The cafe at dawn, {{ look }}."
  - id: pour
    prompt: "@Mara pours latte art."
    sound: true
  - id: pour-wide
    extends: pour
    prompt: "@pour The camera pulls back."
  - id: cup
    first_frame: refs/c.png
    last_frame: refs/d.png
    keyframes: [{at: 1.5, image: refs/e.png}]
    prompt: The cup turns.
    duration: 4
  - id: steam
    continues: cup
    prompt: Steam rises.
  - id: move
    motion: dance
    prompt: "@Mara imitates @dance."
"""
FRAME = 1 / 32


def statuses(result) -> dict[str, str]:
    return {sid: r.status for sid, r in result.run.shots.items()}


@pytest.fixture
def built(built_once):
    """BOARD built once per session; each test gets its own copy at the path it was built at."""
    return built_once.get("test_build", BOARD, build_clean)


def test_film_is_the_sum_of_the_cut_at_the_right_size(built):
    project, path, result = built
    assert set(statuses(result).values()) == {"built"}
    film = probe_clip(result.film)
    expected = 3 + 3 + 3 + 4 + 3 + 3  # dance.mp4 is 3 s; the local extension holds only its new seconds
    assert abs(film.seconds - expected) <= FRAME * 6
    assert (film.width, film.height) == (854, 480)
    assert film.fps == 32
    assert film.audio_seconds is not None and abs(film.audio_seconds - film.seconds) <= FRAME
    assert result.film == project.root / "out" / "storyboard.mp4"
    for sid, r in result.run.shots.items():
        clip = probe_clip(r.clip)
        assert (clip.width, clip.height, clip.fps) == (854, 480, 32), sid


def test_next_plan_is_all_cached_and_a_rebuild_renders_nothing(built):
    project, path, _ = built
    plan = make_plan(compiled_of(path))
    assert {s.action for s in plan.shots} == {"cached"}
    again = build(compiled_of(path))
    assert set(statuses(again).values()) == {"cached"}
    assert again.cut_method == "up to date"


def test_prompt_edit_rebuilds_the_shot_and_descendants_and_revert_is_cached(built):
    project, path, _ = built
    path.write_text(path.read_text().replace("@Mara pours latte art.", "@Mara pours a heart."))
    result = build(compiled_of(path))
    assert {s for s, st in statuses(result).items() if st == "built"} == {"pour", "pour-wide"}
    path.write_text(path.read_text().replace("@Mara pours a heart.", "@Mara pours latte art."))
    reverted = build(compiled_of(path))
    assert set(statuses(reverted).values()) == {"cached"}


def test_changed_image_bytes_rebuild_exactly_its_users(built):
    project, path, _ = built
    shutil.copyfile(project.root / "refs" / "f.png", project.root / "refs" / "a.png")
    result = build(compiled_of(path))
    assert {s for s, st in statuses(result).items() if st == "built"} == {"pour", "pour-wide", "move"}


def test_touch_rebuilds_nothing(built):
    project, path, _ = built
    for f in (project.root / "refs").iterdir():
        st = f.stat()
        os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert set(statuses(build(compiled_of(path))).values()) == {"cached"}


def test_deleting_one_clip_rebuilds_only_that_shot(built):
    project, path, result = built
    result.run.shots["cup"].clip.unlink()
    again = build(compiled_of(path))
    assert {s for s, st in statuses(again).items() if st == "built"} == {"cup"}


class Recording(LocalProvider):
    """The real previewer, keeping a copy of the frames it is handed."""

    def __init__(self, keep: Path) -> None:
        super().__init__()
        self.keep = keep

    async def generate(self, job, report):
        for parent, png in job.parent_frames.items():
            shutil.copyfile(png, self.keep / f"{job.shot}-from-{parent}.png")
        return await super().generate(job, report)


def _rgb_planes(frame) -> bytes:
    rgb = frame.reformat(format="rgb24")
    plane = rgb.planes[0]
    row = rgb.width * 3
    data = bytes(plane)
    return b"".join(data[y * plane.line_size : y * plane.line_size + row] for y in range(rgb.height))


@pytest.mark.slow
def test_continues_is_handed_the_exact_last_decoded_frame(project, tmp_path):
    path = project.write(BOARD)
    compiled = compiled_of(path)
    keep = tmp_path / "handed"
    keep.mkdir()
    result = build(compiled, available={"local": Recording(keep)})
    assert result.ok
    handed = keep / "steam-from-cup.png"
    with av.open(str(handed)) as png:
        handed_frame = next(png.decode(video=0))
    # decode the parent clip from the store independently, all the way through
    with av.open(str(result.run.shots["cup"].clip)) as clip:
        frames = list(clip.decode(video=0))
    assert len(frames) == 4 * 32
    assert (handed_frame.width, handed_frame.height) == (frames[-1].width, frames[-1].height)
    assert _rgb_planes(handed_frame) == _rgb_planes(frames[-1])
    assert _rgb_planes(handed_frame) != _rgb_planes(frames[0])
    assert _rgb_planes(last_frame(result.run.shots["cup"].clip)) == _rgb_planes(frames[-1])


class FailOn(LocalProvider):
    def __init__(self, shot: str) -> None:
        super().__init__()
        self.shot = shot

    async def generate(self, job, report):
        if job.shot == self.shot:
            raise RuntimeError("the provider refused")
        return await super().generate(job, report)


@pytest.mark.slow
def test_a_failed_shot_fails_only_its_descendants(project):
    path = project.write(BOARD)
    result = build(compiled_of(path), available={"local": FailOn("pour")})
    st = statuses(result)
    assert st["pour"] == "failed" and "the provider refused" in result.run.shots["pour"].error
    assert st["pour-wide"] == "skipped" and "`pour`" in result.run.shots["pour-wide"].error
    assert {st[s] for s in ("open", "cup", "steam", "move")} == {"built"}
    assert not result.ok and result.film is None and "pour" in result.missing
    # what finished is stored: the next build only does what is left
    again = build(compiled_of(path))
    assert {s for s, v in statuses(again).items() if v == "built"} == {"pour", "pour-wide"}


@pytest.mark.slow
def test_cli_build_exit_codes_and_failure_message(project, monkeypatch):
    path = project.write(BOARD)
    (project.root / "refs" / "c.png").write_bytes(b"\x89PNG\r\n\x1a\n but not really a png")
    refused = project.cli("build", str(path))  # `check` decodes every image: nothing renders
    assert refused.exit_code == 1 and "M005" in refused.output and "Traceback" not in refused.output
    assert not (project.root / "out").exists()
    shutil.copyfile(project.root / "refs" / "b.png", project.root / "refs" / "c.png")
    real = local.check_image

    def spoiled_after_check(image: Path) -> None:  # a file that breaks between check and render
        if image.name == "c.png":
            raise MediaError("spoiled after check")
        real(image)

    with monkeypatch.context() as patched:
        patched.setattr(local, "check_image", spoiled_after_check)
        result = project.cli("build", str(path))
    assert result.exit_code == 1
    assert "shot `cup` failed" in result.output
    assert "shot `steam` skipped" in result.output
    assert "Traceback" not in result.output
    shutil.copyfile(project.root / "refs" / "d.png", project.root / "refs" / "c.png")
    ok = project.cli("build", str(path))
    assert ok.exit_code == 0, ok.output
    assert "film:" in ok.output


@pytest.mark.slow
def test_only_selectors(project):
    path = project.write(BOARD)
    result = project.cli("build", str(path), "--only", "cup+")
    assert result.exit_code == 0, result.output
    with Store(project.root) as store:
        built = set(store.last_built("storyboard.yaml"))
    assert built == {"cup", "steam"}
    assert "film not cut" in result.output
    bad = project.cli("build", str(path), "--only", "cupp")
    assert bad.exit_code == 2 and "did you mean `cup`" in bad.output
    needs_parent = project.cli("build", str(path), "--only", "pour-wide")
    assert needs_parent.exit_code == 1
    assert "not selected" in needs_parent.output
    up = project.cli("build", str(path), "--only", "+pour-wide")
    assert up.exit_code == 0, up.output


def test_paid_plans_are_not_built_without_consent(project, monkeypatch):
    monkeypatch.setenv("APIMART_API_KEY", "k-consent")
    monkeypatch.setenv("APIMART_BASE_URL", "https://127.0.0.1:9")  # nothing listens: nothing may be sent
    path = project.write(
        BOARD.replace("settings: {", "settings: {provider: apimart, ").replace("    sound: true\n", "")
    )
    result = project.cli("build", str(path))
    assert result.exit_code == 4  # refused to spend, nothing sent
    assert "add --yes" in result.output
    over = project.cli("build", str(path), "--budget", "0.5", "--yes")
    assert over.exit_code == 4 and "over the budget" in over.output
    assert not (project.root / ".storyboard" / "clips").exists() or not any(
        (project.root / ".storyboard" / "clips").rglob("*.mp4")
    )


def test_a_provider_without_its_key_is_refused_before_anything_runs(project, monkeypatch):
    monkeypatch.delenv("APIMART_API_KEY", raising=False)
    path = project.write(
        BOARD.replace("settings: {", "settings: {provider: apimart, ").replace("    sound: true\n", "")
    )
    result = project.cli("build", str(path), "--yes")
    assert result.exit_code == 1
    assert "APIMART_API_KEY is not set" in result.output and "Traceback" not in result.output
    assert not (project.root / ".storyboard").exists()


def test_console_script_turns_errors_into_messages(project, monkeypatch, capsys):
    from storyboard.cli.main import main
    from storyboard.errors import BuildError

    def boom(*args, **kwargs):
        raise BuildError("the store is read-only")

    monkeypatch.setattr("storyboard.ops.build", boom)
    path = project.write(BOARD)
    with pytest.raises(SystemExit) as exit_info:
        main(["build", str(path)])
    assert exit_info.value.code == 1
    assert "storyboard: the store is read-only" in capsys.readouterr().err


def test_a_no_op_build_probes_no_clip(built, monkeypatch):
    project, path, _ = built

    def no_probe(clip):
        raise AssertionError(f"probed {clip}")

    monkeypatch.setattr("storyboard.media.probe.probe_clip", no_probe)
    again = build(compiled_of(path))
    assert set(statuses(again).values()) == {"cached"} and again.cut_method == "up to date"


def _read_only(folder: Path, *commands: list[str]) -> list[subprocess.CompletedProcess[str]]:
    """Run ``commands`` with ``folder`` read-only: a read-only bind mount in a private mount namespace as root
    (root writes through permissions), else the permissions."""
    if os.geteuid() != 0:
        mode = folder.stat().st_mode
        for p in [folder, *folder.rglob("*")]:
            p.chmod(p.stat().st_mode & ~0o222)
        try:
            return [subprocess.run(c, capture_output=True, text=True, cwd=folder.parent) for c in commands]
        finally:
            for p in [folder, *folder.rglob("*")]:
                p.chmod(p.stat().st_mode | 0o200)
            folder.chmod(mode)
    unshare = shutil.which("unshare")
    if unshare is None or subprocess.run([unshare, "-m", "true"], capture_output=True).returncode != 0:
        pytest.skip("no way to make a read-only folder here (root without mount namespaces)")
    mount = f"mount --bind {shlex.quote(str(folder))} {shlex.quote(str(folder))}"
    mount += f" && mount -o remount,bind,ro {shlex.quote(str(folder))}"
    results = []
    for c in commands:
        script = f"{mount} && exec {shlex.join(c)}"
        results.append(subprocess.run([unshare, "-m", "sh", "-c", script], capture_output=True, text=True))
    return results


def test_plan_and_check_read_a_read_only_store_and_a_build_says_it_cannot_write(built):
    project, path, _ = built
    store = project.root / ".storyboard"
    before = {p: p.read_bytes() for p in store.rglob("*") if p.is_file()}
    cli = [sys.executable, "-m", "storyboard"]
    planned, checked, json_plan, building = _read_only(
        store,
        [*cli, "plan", str(path)],
        [*cli, "check", str(path)],
        [*cli, "plan", "--format", "json", str(path)],
        [*cli, "build", str(path)],
    )
    assert planned.returncode == 0, planned.stderr
    assert "6 shots: 0 to generate, 6 cached" in planned.stdout
    assert checked.returncode == 0, checked.stderr
    assert {s["action"] for s in json.loads(json_plan.stdout)["shots"]} == {"cached"}
    assert building.returncode == 1 and "read-only" in building.stderr and "Traceback" not in building.stderr
    assert {p: p.read_bytes() for p in store.rglob("*") if p.is_file()} == before  # nothing written
