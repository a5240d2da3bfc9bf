"""A quote before any set-up: `plan` prices a paid build with no key and no upload bucket,
and lists what the build will need; `check` and `build` still refuse (P004, the key)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import Project

BOARD = """
version: 1
settings: {provider: wavespeed, resolution: 720p, duration: 4}
characters:
  Mara: {images: [refs/a.png]}
shots:
  - {id: open, prompt: The cafe at dawn.}
  - {id: pour, prompt: "@Mara pours latte art."}
"""


@pytest.fixture
def bare(project: Project, monkeypatch: pytest.MonkeyPatch) -> Project:
    for name in ("STORYBOARD_UPLOAD_URL", "WAVESPEED_API_KEY", "RUNWARE_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    project.write(BOARD)
    return project


def test_plan_quotes_without_a_key_or_a_bucket_and_lists_what_the_build_needs(bare: Project) -> None:
    result = bare.cli("plan", str(bare.root / "storyboard.yaml"))
    assert result.exit_code == 0, result.output
    assert "Total: $1.12" in result.output  # 2 shots x 4 s x $0.14 (std 720p)
    needs = result.output.split("Before building, set:")[1]
    assert "WAVESPEED_API_KEY" in needs and "STORYBOARD_UPLOAD_URL" in needs and "`pour`" in needs
    assert "`open`" not in needs  # text only: nothing to upload

    result = bare.cli("plan", str(bare.root / "storyboard.yaml"), "--format", "json")
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert plan["total_cost_usd"] == pytest.approx(1.12) and len(plan["needs"]) == 2
    assert not (bare.root / ".storyboard").exists()  # a quote writes nothing


def test_plan_with_everything_set_needs_nothing(bare: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STORYBOARD_UPLOAD_URL", "s3://bucket/prefix")
    monkeypatch.setenv("WAVESPEED_API_KEY", "sk-test")
    result = bare.cli("plan", str(bare.root / "storyboard.yaml"), "--format", "json")
    assert result.exit_code == 0 and json.loads(result.stdout)["needs"] == []
    assert "sk-test" not in result.output


def test_check_and_build_keep_the_missing_bucket_an_error(bare: Project) -> None:
    for command in (("check",), ("build", "--yes")):
        result = bare.cli(*command, str(bare.root / "storyboard.yaml"))
        assert result.exit_code == 1 and "error[P004]" in result.output, result.output
    assert not (bare.root / "out").exists()


def test_plan_still_exits_1_while_another_error_stands(bare: Project) -> None:
    bare.write(BOARD.replace("@Mara pours", "@Mira pours"))
    result = bare.cli("plan", str(bare.root / "storyboard.yaml"))
    assert result.exit_code == 1 and "Mira" in result.output and "P004" not in result.output
