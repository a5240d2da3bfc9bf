"""The shipped examples and the init starter check clean, and an example builds offline."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from storyboard.compile import compile_storyboard
from storyboard.load import load
from storyboard.media.probe import probe_clip
from storyboard.ops import build

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*/storyboard.yaml"))


def test_there_are_three_examples():
    assert [p.parent.name for p in EXAMPLES] == ["aurora", "recipe", "trailer"]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.parent.name)
def test_example_checks_clean(path):
    loaded = load(path)
    compiled = compile_storyboard(loaded)
    problems = [d for d in loaded.diagnostics if d.severity.value in ("error", "warning")]
    assert problems == []
    assert compiled.ok
    assert path.read_text().startswith("# yaml-language-server: $schema=../../schemas/storyboard.schema.json\n")


def test_examples_use_every_feature():
    boards = [load(p).storyboard for p in EXAMPLES]
    shots = [s for b in boards for s in b.shots]
    assert any(s.extends for s in shots) and any(s.continues for s in shots)
    assert any(s.motion in b.assets for b in boards for s in b.shots)
    assert any(s.motion in {x.id for x in b.shots} for b in boards for s in b.shots)
    assert any(s.audio for s in shots) and any(s.keyframes for s in shots)
    assert any(s.first_frame for s in shots) and any(s.last_frame for s in shots)
    assert any(c.grid for b in boards for c in b.characters.values())
    assert any(c.voice for b in boards for c in b.characters.values())
    assert any(b.cut is None for b in boards) and any(b.cut is not None for b in boards)
    for key in ("provider", "tier", "resolution", "aspect_ratio", "duration", "sound", "prompt_optimizer", "output"):
        assert any(getattr(b.settings, key) is not None for b in boards), key
    for key in ("tier", "resolution", "aspect_ratio", "duration", "sound", "prompt_optimizer"):
        assert any(getattr(s, key) is not None for s in shots), key
    assert any("{%" in s.prompt or "|" in s.prompt for s in shots)
    assert any(s.takes and s.take for s in shots)
    films = [d for b in boards for d in (b.deliverables or {}).values()]
    assert any(d.aspect_ratio for d in films) and any(d.vars for d in films)
    assert any(d.cut for d in films) and any(d.output for d in films)
    entries = [e for b in boards for e in (b.cut or []) if not isinstance(e, str)]
    assert any(getattr(e, "transition", None) for e in entries) and any(getattr(e, "card", None) for e in entries)
    assert any(getattr(e, "trim", None) for e in entries)
    assert any(b.soundtrack for b in boards) and any(b.captions for b in boards)
    for key in ("fps", "loudness", "timeline"):
        assert any(getattr(b.settings, key) is not None for b in boards), key


def test_init_starter_checks_clean(project):
    result = project.cli("init", str(project.root / "new"))
    assert result.exit_code == 0, result.output
    loaded = load(project.root / "new" / "storyboard.yaml")
    compile_storyboard(loaded)
    assert [d for d in loaded.diagnostics if d.severity.value != "info"] == []
    again = project.cli("init", str(project.root / "new"))
    assert again.exit_code == 1 and "already exists" in again.output


@pytest.mark.slow
def test_aurora_builds_offline_into_the_sum_of_its_cut(tmp_path):
    folder = tmp_path / "aurora"
    shutil.copytree(ROOT / "examples" / "aurora", folder, ignore=shutil.ignore_patterns(".storyboard", "out"))
    compiled = compile_storyboard(load(folder / "storyboard.yaml"))
    result = build(compiled)
    assert result.ok and result.film == folder / "out" / "aurora.mp4"
    film = probe_clip(result.film)
    expected = sum(compiled.shots[s].seconds for s in compiled.cut)
    assert abs(film.seconds - expected) <= len(compiled.cut) / 32
    assert (film.width, film.height) == (1280, 720)
    assert result.cut_method == "copy"
