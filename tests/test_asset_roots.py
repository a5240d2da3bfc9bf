"""`settings.asset_roots`: a shared brand folder outside the storyboard's, named explicitly, works like a local one."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import httpx

from storyboard.compile import compile_storyboard
from storyboard.diagnostics import Diagnostic
from storyboard.load import load
from storyboard.ops import build
from storyboard.plan import make_plan

from .conftest import Project, compiled_of, ffmpeg_exe
from .hosted_fixtures import Hosted

BOARD = """
version: 1
settings: {{resolution: 480p, duration: 3{roots}}}
shots:
  - id: logo
    first_frame: {image}
    prompt: The logo glows.
"""


def brand(project: Project, media: str = "a.png") -> Path:
    """A brand folder beside the project (outside its folder), holding one image."""
    folder = project.root.parent / f"{project.root.name}-brand"
    folder.mkdir(exist_ok=True)
    shutil.copyfile(project.root / "refs" / media, folder / "logo.png")
    return folder


def diagnostics(path: Path) -> list[Diagnostic]:
    loaded = load(path, display="storyboard.yaml")
    if loaded.storyboard is not None:
        compile_storyboard(loaded)
    return list(loaded.diagnostics)


def errors(path: Path) -> list[tuple[str, int, int]]:
    return [(d.code, d.location.line, d.location.column) for d in diagnostics(path) if d.severity.value == "error"]


def red_dominant(clip: Path) -> bool:
    """Whether the clip's first frame is mostly red (decoded by ffmpeg to raw RGB)."""
    raw = subprocess.run(
        [
            ffmpeg_exe(),
            "-loglevel",
            "error",
            "-i",
            str(clip),
            "-frames:v",
            "1",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-",
        ],
        check=True,
        capture_output=True,
    ).stdout
    r, g, b = (sum(raw[i::3]) for i in range(3))
    return r > 2 * g and r > 2 * b


def test_a_brand_image_from_an_asset_root_checks_and_builds_offline(project: Project) -> None:
    folder = brand(project)  # refs/a.png is red
    roots = f", asset_roots: [../{folder.name}]"
    path = project.write(BOARD.format(roots=roots, image=f"../{folder.name}/logo.png"))
    result = project.cli("check", str(path))
    assert result.exit_code == 0, result.output
    built = build(compiled_of(path))
    assert built.ok
    clip = built.run.clip("logo")
    assert clip is not None and red_dominant(clip)  # the clip starts on the brand image
    assert {s.action for s in make_plan(compiled_of(path)).shots} == {"cached"}
    # the key hashes the brand file's content: new bytes there regenerate the shot
    shutil.copyfile(project.root / "refs" / "b.png", folder / "logo.png")
    plan = make_plan(compiled_of(path))
    assert [s.id for s in plan.to_generate] == ["logo"]


def test_without_the_root_a_path_into_the_brand_folder_is_m002(project: Project) -> None:
    folder = brand(project)
    path = project.write(BOARD.format(roots="", image=f"../{folder.name}/logo.png"))
    found = [d for d in diagnostics(path) if d.code == "M002"]
    assert [(d.location.line, d.location.column) for d in found] == [(5, 18)]
    assert found[0].help is not None and "asset_roots" in found[0].help


def test_a_symlink_out_of_the_folder_is_m002_without_the_root_and_works_with_it(project: Project) -> None:
    folder = brand(project)
    (project.root / "brand").symlink_to(folder, target_is_directory=True)
    path = project.write(BOARD.format(roots="", image="brand/logo.png"))
    assert errors(path) == [("M002", 5, 18)]
    path = project.write(BOARD.format(roots=f", asset_roots: [../{folder.name}]", image="brand/logo.png"))
    assert errors(path) == []
    compiled = compiled_of(path)
    assert compiled.shots["logo"].files == {f"../{folder.name}/logo.png": (folder / "logo.png").resolve()}


def test_a_root_that_is_missing_or_a_file_is_a_located_error(project: Project) -> None:
    (project.root / "notes.txt").write_text("not a folder")
    text = """
    version: 1
    settings:
      asset_roots:
        - ../no-such-brand
        - notes.txt
    shots: [{id: a, prompt: x}]
    """
    found = [d for d in diagnostics(project.write(text)) if d.code == "M008"]
    assert [(d.location.line, d.location.column) for d in found] == [(4, 7), (5, 7)]
    assert "does not exist" in found[0].message and "is not a folder" in found[1].message


def test_a_deliverable_cannot_set_asset_roots(project: Project) -> None:
    folder = brand(project)
    text = f"""
    version: 1
    deliverables:
      wide: {{asset_roots: [../{folder.name}]}}
    shots: [{{id: a, prompt: x}}]
    """
    assert errors(project.write(text)) == [("S001", 3, 10)]


def test_an_asset_root_file_is_staged_for_a_hosted_provider(project: Project, hosted: Callable[..., Hosted]) -> None:
    folder = brand(project)
    board = f"""
version: 1
settings: {{{{provider: {{provider}}, resolution: {{resolution}}, duration: 3, output: out/film.mp4,
  asset_roots: [../{folder.name}]}}}}
shots:
  - id: logo
    first_frame: ../{folder.name}/logo.png
    prompt: The logo glows.
"""
    h = hosted("apimart", board)
    code, output = h.build()
    assert code == 0, output
    sent = h.server.submits[0].body["first_frame_image"]
    assert "X-Amz-Signature" in sent
    assert httpx.get(sent).content == (folder / "logo.png").read_bytes()  # the brand file's bytes, uploaded


def test_a_prompt_template_is_found_in_an_asset_root(project: Project) -> None:
    folder = brand(project)
    (folder / "outro.j2").write_text("Aurora Coffee, {{ cta }}.")
    text = f"""
    version: 1
    settings: {{asset_roots: [../{folder.name}]}}
    vars: {{cta: order now}}
    shots: [{{id: a, prompt: "{{% include 'outro.j2' %}}"}}]
    """
    request = compiled_of(project.write(text)).shots["a"].request
    assert request is not None and request.prompt == "Aurora Coffee, order now."
