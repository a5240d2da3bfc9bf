"""Prices in `plan --format json` match DESIGN's table to the cent, for every case."""

from __future__ import annotations

import json

import pytest

# DESIGN.md "Price": (tier, with video input) -> resolution -> USD per second.
# Written out literally so a wrong edit of the price module cannot also fix the test.
TABLE = {
    ("fast", False): {"480p": 0.08, "720p": 0.11, "1080p": 0.275},
    ("std", False): {"480p": 0.11, "720p": 0.14, "1080p": 0.35},
    ("fast", True): {"480p": 0.15, "720p": 0.20, "1080p": 0.50},
    ("std", True): {"480p": 0.18, "720p": 0.25, "1080p": 0.625},
}
CASES = [(tier, res, video) for (tier, video), row in TABLE.items() for res in row]


def _storyboard(tier: str, resolution: str) -> str:
    return f"""
    version: 1
    settings:
      provider: eachlabs
      tier: {tier}
      resolution: {resolution}
    shots:
      - id: base
        prompt: A quiet street at dawn.
        duration: 5
      - id: ext
        extends: base
        prompt: "@base The camera keeps rolling."
        duration: 4
      - id: copy
        motion: base
        prompt: A dancer copies the move in @base.
    """


@pytest.mark.parametrize("override", [False, True], ids=["file-tier", "cli-tier"])
@pytest.mark.parametrize(
    ("tier", "resolution", "video"), CASES, ids=[f"{t}-{r}-{'video' if v else 'plain'}" for t, r, v in CASES]
)
def test_plan_prices_match_the_table(project, tier, resolution, video, override):
    other = "std" if tier == "fast" else "fast"
    path = project.write(_storyboard(other if override else tier, resolution))
    args = ["plan", str(path), "--format", "json"] + (["--tier", tier] if override else [])
    result = project.cli(*args)
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    shots = {s["id"]: s for s in plan["shots"]}
    per_second = TABLE[(tier, video)][resolution]
    if video:
        # extends: billed by the requested duration at the with-video rate
        assert shots["ext"]["cost_usd"] == pytest.approx(4 * per_second, abs=1e-9)
        # motion from a shot: billed at the reference video's length (base: 5 s)
        assert shots["copy"]["cost_usd"] == pytest.approx(5 * per_second, abs=1e-9)
        assert "ref_video" in shots["ext"]["request"]
    else:
        assert shots["base"]["cost_usd"] == pytest.approx(5 * per_second, abs=1e-9)
        assert "ref_video" not in shots["base"]["request"]
    total = sum(s["cost_usd"] for s in plan["shots"])
    assert plan["total_cost_usd"] == pytest.approx(total, abs=1e-9)
    assert round(plan["total_cost_usd"], 2) == round(
        5 * TABLE[(tier, False)][resolution]
        + 4 * TABLE[(tier, True)][resolution]
        + 5 * TABLE[(tier, True)][resolution],
        2,
    )
    assert all(s["request"]["tier"] == tier for s in plan["shots"])


def test_local_costs_nothing(project):
    path = project.write(_storyboard("std", "1080p").replace("provider: eachlabs", "provider: local"))
    plan = json.loads(project.cli("plan", str(path), "--format", "json").stdout)
    assert plan["provider"] == "local"
    assert plan["total_cost_usd"] == 0
    assert all(s["cost_usd"] == 0 for s in plan["shots"])


def test_motion_asset_is_billed_at_the_videos_length(project):
    path = project.write(
        """
        version: 1
        settings: {provider: eachlabs, resolution: 720p}
        assets: {dance: refs/dance.mp4}
        shots:
          - id: move
            motion: dance
            prompt: A dancer imitates @dance.
        """
    )
    plan = json.loads(project.cli("plan", str(path), "--format", "json").stdout)
    (shot,) = plan["shots"]
    assert shot["billed_seconds"] == 3  # dance.mp4 is 3 s, read from the file
    assert shot["cost_usd"] == pytest.approx(3 * 0.25)
    assert shot["estimate"] is False


def test_motion_url_is_an_estimate_at_the_requested_duration(project):
    path = project.write(
        """
        version: 1
        settings: {provider: eachlabs, resolution: 480p, tier: fast}
        assets: {dance: "https://example.com/dance.mp4"}
        shots:
          - id: move
            motion: dance
            duration: 6
            prompt: A dancer imitates @dance.
        """
    )
    result = project.cli("plan", str(path), "--format", "json")
    plan = json.loads(result.stdout)
    (shot,) = plan["shots"]
    assert shot["estimate"] is True
    assert shot["cost_usd"] == pytest.approx(6 * 0.15)
    text = project.cli("plan", str(path))
    assert "~$0.90" in text.stdout
