"""What `check` accepts, `build` renders: generated storyboards that check clean are planned and built locally.

Storyboards are drawn from prompts with %, quotes, unicode and {{ vars }}, frames and
keyframes, extends / continues / motion chains, characters with images and voices, and
media from a small pool of real files and hostile ones. Every storyboard that `check`
passes must `plan` and `build` with exit 0, give a film as long as the compiled shots
say, and write nothing outside its folder. Seeded (derandomize): CI draws the same ones.
"""

from __future__ import annotations

import os
import re
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storyboard.cli.main import cli
from storyboard.compile import compile_storyboard
from storyboard.load import load
from storyboard.media.probe import probe_clip
from tests.test_media_probe import make_pool

EXAMPLES = int(os.environ.get("STORYBOARD_FUZZ_EXAMPLES", "15"))  # more for a deeper local run
IMAGES = ["ok.png", "photo.jpg", "still.gif", "still.webp", "cut-short.jpg", "jpeg-inside.png"]
HOSTILE_IMAGES = ["sound.png", "text.png", "sparse.png", "claims-60000.png"]
VIDEOS = ["clip.mp4", "talk.mp4"]  # talk.mp4 holds only sound
AUDIO = ["hum.wav", "picture-only.m4a"]  # the m4a holds only pictures

PROMPT_PIECES = st.one_of(
    st.sampled_from(list("%'\"\\:;,{}[]#&*!|>-@ \n") + ["%{pts}", "100%", "{{", "}}", "ünï", "日本", "😀"]),
    st.characters(min_codepoint=32, max_codepoint=0x2FFF, exclude_categories=("Cs", "Cc")),
)


@st.composite
def prompts(draw: st.DrawFn, tags: list[str]) -> str:
    text = "".join(draw(st.lists(PROMPT_PIECES, min_size=1, max_size=16)))
    if draw(st.booleans()):
        text += draw(
            st.sampled_from([" {{ look }}", " {{ look | upper }}", " {% raw %}%{% endraw %}", " {{ nothing }}"])
        )
    if tags and draw(st.booleans()):
        text = f"{draw(st.sampled_from(tags))} {text}"
    return text


def rare(draw: st.DrawFn, names: list[str]) -> str:
    """The first name mostly, another one time in eight."""
    return draw(st.sampled_from(names[1:])) if draw(st.integers(0, 7)) == 7 else names[0]


def media(draw: st.DrawFn, good: list[str], bad: list[str]) -> str:
    """Mostly a legitimate file, sometimes a hostile one or a URL with a password."""
    pick = draw(st.integers(0, 19))
    if pick == 19:  # the high end: hypothesis favours small numbers
        return "https://ann:hunter2@cdn.example.com/x.png"
    return f"refs/{draw(st.sampled_from(bad if pick == 18 else good))}"


@st.composite
def storyboards(draw: st.DrawFn) -> dict[str, Any]:
    characters: dict[str, Any] = {}
    if draw(st.booleans()):
        mara: dict[str, Any] = {"images": [media(draw, IMAGES, HOSTILE_IMAGES) for _ in range(draw(st.integers(1, 2)))]}
        if draw(st.booleans()):
            mara["voice"] = f"refs/{rare(draw, AUDIO)}"
        characters["Mara"] = mara
    assets = {"clip": f"refs/{rare(draw, VIDEOS)}", "hum": f"refs/{rare(draw, AUDIO)}"}
    shots: list[dict[str, Any]] = []
    for i in range(draw(st.integers(1, 3))):
        shot: dict[str, Any] = {"id": f"s{i}", "prompt": draw(prompts(["@Mara"] if characters else []))}
        if draw(st.booleans()):
            shot["duration"] = draw(st.sampled_from([3, 4, 3, 2]))  # 2 is out of range: check refuses it
        kind = draw(st.sampled_from(["plain", "frames", "keyframes", "extends", "continues", "motion", "audio"]))
        earlier = [s["id"] for s in shots]
        if kind == "frames":
            shot["first_frame"] = media(draw, IMAGES, HOSTILE_IMAGES)
            if draw(st.booleans()):
                shot["last_frame"] = media(draw, IMAGES, HOSTILE_IMAGES)
        elif kind == "keyframes":
            shot["keyframes"] = [
                {"at": draw(st.sampled_from([1, 1.5, 2.5])), "image": media(draw, IMAGES, HOSTILE_IMAGES)}
            ]
        elif kind in ("extends", "continues") and earlier:
            shot[kind] = draw(st.sampled_from(earlier))
            shot["prompt"] = f"@{shot[kind]} {shot['prompt']}" if kind == "extends" else shot["prompt"]
        elif kind == "motion":
            target = draw(st.sampled_from(["clip", *earlier]))
            shot["motion"] = target
            shot["prompt"] = f"@{target} {shot['prompt']}"
        elif kind == "audio":
            shot["audio"] = "hum"
            shot["prompt"] = f"@hum {shot['prompt']}"
        shots.append(shot)
    return {
        "version": 1,
        "settings": {
            "resolution": "480p",
            "duration": 3,
            "aspect_ratio": draw(st.sampled_from(["16:9", "9:16", "1:1"])),
            "sound": draw(st.booleans()),
        },
        "vars": {"look": draw(st.sampled_from(["warm 50% light", 'it\'s "quoted"', "{{ look }}"]))},
        "characters": characters,
        "assets": assets,
        "shots": shots,
    }


def listing(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*")}


@pytest.mark.slow
def test_every_generated_storyboard_that_checks_clean_builds(tmp_path: Path) -> None:
    pool = make_pool(tmp_path / "pool")
    (pool / "text.png").write_text("not a picture")
    with (pool / "sparse.png").open("wb") as f:
        f.truncate(2 * 1024**3)
    pool_before = listing(pool)
    runner = CliRunner()
    stats = {"generated": 0, "checked clean": 0, "built": 0}
    refused: Counter[str] = Counter()

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )
    @given(storyboards())
    def build_it(board: dict[str, Any]) -> None:
        stats["generated"] += 1
        folder = tmp_path / f"board{stats['generated']}"
        (folder / "refs").mkdir(parents=True)
        for name in os.listdir(pool):
            target = folder / "refs" / name
            if name == "sparse.png":
                os.link(pool / name, target)  # 2 GB: a hard link, not a copy
            else:
                shutil.copy(pool / name, target)
        path = folder / "storyboard.yaml"
        path.write_text(yaml.safe_dump(board, allow_unicode=True, sort_keys=False, width=10_000), encoding="utf-8")
        outside = sorted(os.listdir(tmp_path))

        checked = runner.invoke(cli, ["check", str(path)])
        assert checked.exit_code in (0, 1), checked.output
        assert "Traceback" not in checked.output, checked.output
        if checked.exit_code != 0:
            refused.update(set(re.findall(r"error\[([A-Z]\d{3})\]", checked.output)) or {"?"})
            return
        stats["checked clean"] += 1
        planned = runner.invoke(cli, ["plan", str(path)])
        assert planned.exit_code == 0, planned.output
        built = runner.invoke(cli, ["build", str(path)])
        assert built.exit_code == 0, (path.read_text(), built.output)
        stats["built"] += 1
        compiled = compile_storyboard(load(path))
        expected = sum(compiled.shots[sid].seconds for sid in compiled.cut)
        film = probe_clip(folder / "out" / "storyboard.mp4")
        assert film.seconds == pytest.approx(expected, abs=0.15), (path.read_text(), built.output)
        assert sorted(os.listdir(tmp_path)) == outside  # nothing beside the folder
        assert listing(pool) == pool_before  # nor in the files it read from

    build_it()
    print(f"fuzz: {stats}; refused at check by {dict(refused)}")
    assert stats["generated"] == EXAMPLES
    assert stats["built"] >= 3, stats  # the strategy must reach the build, or it tests nothing
