"""Regenerate the small media every example (and the `storyboard init` starter) ships with.

Every picture, clip and sound is drawn by ffmpeg's own generators (lavfi sources,
`drawbox`, `drawgrid`, `geq`, `aevalsrc`, `anoisesrc`), so nothing is downloaded and no
font is needed. Output is deterministic where ffmpeg allows (bitexact flags, no metadata, no
x264 SEI, one encoder thread). Run from anywhere:

    python examples/make_media.py
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import imageio_ffmpeg

EXAMPLES = Path(__file__).resolve().parent
SCAFFOLD = EXAMPLES.parent / "storyboard" / "scaffold"
FF = imageio_ffmpeg.get_ffmpeg_exe()
EXACT = ["-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact", "-map_metadata", "-1"]

# --- drawing helpers: each returns filter strings appended to an rgb24 chain --------------


def _rgb(colour: str) -> tuple[int, int, int]:
    value = int(colour, 16)
    return value >> 16, (value >> 8) & 0xFF, value & 0xFF


def box(x: float, y: float, w: float, h: float, colour: str, thickness: str = "fill") -> str:
    return f"drawbox=x={round(x)}:y={round(y)}:w={round(w)}:h={round(h)}:color={colour}:t={thickness}"


def paint(mask: str, colour: str) -> str:
    """Paint `colour` wherever the geq expression `mask` (over X, Y, T) is non-zero."""
    r, g, b = _rgb(colour)
    return f"geq=r='if({mask},{r},r(X,Y))':g='if({mask},{g},g(X,Y))':b='if({mask},{b},b(X,Y))'"


def disc(cx: float, cy: float, radius: float, colour: str) -> str:
    return paint(f"lte(hypot(X-({cx}),Y-({cy})),{radius})", colour)


def ring(cx: float, cy: float, outer: float, inner: float, colour: str) -> str:
    d = f"hypot(X-({cx}),Y-({cy}))"
    return paint(f"lte({d},{outer})*gte({d},{inner})", colour)


def person(
    cx: float, top: float, u: float, skin: str, hair: str, shirt: str, legs: str, view: str, long_hair: bool = False
) -> list[str]:
    """A flat figure about 95*u pixels tall: `front`, `side` (facing right) or `back`."""
    f: list[str] = []
    if long_hair and view != "side":
        f += [box(cx - 13 * u, top + 10 * u, 26 * u, 22 * u, hair)]
    if view == "side":
        f += [box(cx - 17 * u, top + 10 * u, 6 * u, 16 * u, hair)]  # ponytail
        f += [disc(cx - 2 * u, top + 12 * u, 12 * u, hair), disc(cx + 2 * u, top + 15 * u, 10 * u, skin)]
        f += [box(cx + 11 * u, top + 13 * u, 3 * u, 4 * u, skin), box(cx + 5 * u, top + 12 * u, 2 * u, 2 * u, "0x1a1a1a")]
        f += [box(cx - 6 * u, top + 27 * u, 13 * u, 34 * u, shirt)]
        f += [box(cx, top + 31 * u, 18 * u, 5 * u, shirt), box(cx + 18 * u, top + 30 * u, 5 * u, 6 * u, skin)]
        f += [box(cx - 5 * u, top + 61 * u, 5 * u, 34 * u, legs), box(cx + 1 * u, top + 61 * u, 5 * u, 34 * u, legs)]
        return f
    f += [disc(cx, top + 12 * u, 13 * u, hair)]
    if view == "front":
        f += [disc(cx, top + 15 * u, 11 * u, skin)]
        f += [box(cx - 6 * u, top + 13 * u, 2 * u, 2 * u, "0x1a1a1a"), box(cx + 4 * u, top + 13 * u, 2 * u, 2 * u, "0x1a1a1a")]
        f += [box(cx - 3 * u, top + 20 * u, 6 * u, 1.5 * u, "0x8a3030")]
    f += [box(cx - 10 * u, top + 27 * u, 20 * u, 34 * u, shirt)]
    f += [box(cx - 15 * u, top + 29 * u, 5 * u, 28 * u, shirt), box(cx + 10 * u, top + 29 * u, 5 * u, 28 * u, shirt)]
    f += [box(cx - 15 * u, top + 57 * u, 5 * u, 5 * u, skin), box(cx + 10 * u, top + 57 * u, 5 * u, 5 * u, skin)]
    f += [box(cx - 9 * u, top + 61 * u, 8 * u, 34 * u, legs), box(cx + 1 * u, top + 61 * u, 8 * u, 34 * u, legs)]
    if view == "back":
        f += [box(cx - 10 * u, top + 40 * u, 20 * u, 4 * u, "0xf0f0f0")]  # a reflective stripe
    return f


def skyline(w: int, h: int, base: int, width: int, seed: float, colour: str, lit: str | None) -> list[str]:
    """Buildings of pseudo-random heights standing on y = base; windows lit when `lit` is given."""
    height = f"(0.25+0.6*abs(sin(floor(X/{width})*{seed})))*{base}"
    f = [paint(f"gt(Y,{base}-{height})*lt(Y,{base})", colour)]
    if lit:
        f.append(paint(f"gt(Y,{base}-{height}+4)*lt(Y,{base}-2)*lt(mod(X,{width}),{width}-3)*lt(mod(X,6),3)*lt(mod(Y,9),4)"
                       f"*gt(sin(X*7.1+Y*3.3),0.2)", lit))
    return f


# --- writers --------------------------------------------------------------------------------


def _run(args: list[str]) -> None:
    subprocess.run([FF, "-hide_banner", "-loglevel", "error", "-nostdin", "-y", *args], check=True)


def image(path: Path, source: str, *layers: str | list[str]) -> None:
    chain = [source, "format=rgb24"]
    for layer in layers:
        chain += [layer] if isinstance(layer, str) else layer
    _run(["-f", "lavfi", "-i", ",".join(chain), "-frames:v", "1", "-update", "1", "-pix_fmt", "rgb24",
          "-compression_level", "9", *EXACT, str(path)])


def video(path: Path, source: str, sound: str, seconds: float, *layers: str | list[str]) -> None:
    """H.264 yuv420p with an AAC track; `source` and `sound` are lavfi sources without a duration."""
    chain = [f"{source}:d={seconds}", "format=rgb24"]
    for layer in layers:
        chain += [layer] if isinstance(layer, str) else layer
    chain.append("format=yuv420p")
    _run(["-f", "lavfi", "-i", ",".join(chain), "-f", "lavfi", "-i", f"{sound}:d={seconds}",
          "-c:v", "libx264", "-preset", "veryslow", "-crf", "34", "-threads", "1", "-pix_fmt", "yuv420p",
          "-bsf:v", "filter_units=remove_types=6",  # drop x264's version/options SEI
          "-c:a", "aac", "-b:a", "32k", "-ac", "1", "-ar", "22050", "-shortest", *EXACT, str(path)])


def audio(path: Path, expr: str, seconds: float) -> None:
    """Mono audio from an aevalsrc expression: 16 kHz 16-bit wav, or 32 kb/s mp3."""
    source = f"aevalsrc=exprs='{expr}':s=16000:d={seconds}"
    codec = ["-c:a", "libmp3lame", "-b:a", "32k"] if path.suffix == ".mp3" else ["-c:a", "pcm_s16le"]
    _run(["-f", "lavfi", "-i", source, "-ac", "1", "-ar", "16000", *codec, *EXACT, str(path)])


def voice(f0: float, syllables: float, phrase: float) -> str:
    """A voice-like hum: three harmonics of a wavering pitch, in syllables and phrases."""
    pitch = f"({f0}+{f0 * 0.12}*sin(2*PI*0.8*t))"
    tone = f"(0.5*sin(2*PI*{pitch}*t)+0.3*sin(4*PI*{pitch}*t)+0.15*sin(6*PI*{pitch}*t))"
    envelope = f"pow(sin(PI*mod(t*{syllables},1)),2)*lt(mod(t,{phrase}),{phrase}-0.4)"
    return f"0.6*{tone}*{envelope}"


def melody(base: float, semitones: list[int], per_second: float, decay: float) -> str:
    """Plucked notes from a table of semitones above `base`, looping."""
    step = f"mod(floor(t*{per_second}),{len(semitones)})"
    table = "0"
    for i, k in reversed(list(enumerate(semitones))):
        table = f"if(eq({step},{i}),{k},{table})"
    freq = f"({base}*pow(2,({table})/12))"
    pluck = f"exp(-{decay}*mod(t,{1 / per_second}))"
    return f"0.45*sin(2*PI*{freq}*t)*{pluck}+0.15*sin(2*PI*{base / 2}*t)"


# --- the media ------------------------------------------------------------------------------


def aurora(refs: Path) -> None:
    """16:9, 320x180: the DESIGN example (a coffee brand film)."""
    skin, hair, apron, jeans = "0xe0ac7e", "0x3b2314", "0xb5472b", "0x2e3a5a"
    warm = "gradients=s=320x180:seed=1:c0=0xf2b45a:c1=0x7a3e12:x0=0:y0=0:x1=320:y1=180"
    counter = box(0, 150, 320, 30, "0x5a3418")
    image(refs / "mara_front.png", warm, counter, person(160, 40, 1.15, skin, hair, apron, jeans, "front", True))
    image(refs / "mara_side.png", warm, counter, person(150, 40, 1.15, skin, hair, apron, jeans, "side"),
          box(190, 142, 26, 8, "0xf5f0e6"))  # the cup she reaches for
    # the recipe board: a 2x2 collage (beans, milk, espresso, latte art)
    image(refs / "recipe_grid.png", "color=c=0xf3e9d2:s=320x180",
          box(0, 0, 160, 90, "0xe8d5b0"), box(160, 90, 160, 90, "0xe8d5b0"),
          disc(60, 45, 16, "0x4a2c17"), disc(100, 45, 16, "0x5c3820"), box(78, 30, 4, 30, "0x2a180c"),
          box(222, 18, 36, 56, "0xffffff"), box(228, 10, 24, 10, "0x3070c0"),
          ring(80, 135, 30, 24, "0xffffff"), disc(80, 135, 24, "0x3a2010"),
          ring(240, 135, 30, 24, "0xffffff"), disc(240, 135, 24, "0x9a6a40"), disc(240, 133, 10, "0xf5ead8"),
          "drawgrid=w=160:h=90:t=4:color=0x3a2010")
    table = "gradients=s=320x180:seed=1:c0=0x6b4226:c1=0x3a2010:x0=0:y0=180:x1=0:y1=0"
    cup_side = [box(100, 150, 120, 8, "0xe6e0d6"), box(125, 95, 70, 55, "0xfaf7f0"),
                box(195, 105, 22, 30, "0xfaf7f0", "6"), box(125, 95, 70, 6, "0xc8a27a")]
    image(refs / "cup.png", table, cup_side)
    image(refs / "cup_top.png", table, disc(160, 90, 70, "0xe6e0d6"), disc(160, 90, 48, "0xfaf7f0"),
          disc(160, 90, 40, "0x9a6a40"), disc(152, 84, 13, "0xf5ead8"), disc(168, 84, 13, "0xf5ead8"),
          paint("lt(abs(X-160)+abs(Y-92),14)*gt(Y,84)", "0xf5ead8"), box(205, 84, 30, 12, "0xfaf7f0"))
    steam = "lt(Y,92)*gt(Y,12)"
    image(refs / "cup_steam.png", table, cup_side,
          paint(f"lt(abs(X-(145+7*sin(Y/8))),2)*{steam}", "0xf0f0f0"),
          paint(f"lt(abs(X-(165+8*sin(Y/7+2))),2)*{steam}", "0xe0e0e0"),
          paint(f"lt(abs(X-(182+6*sin(Y/9+4))),2)*{steam}", "0xf0f0f0"))
    # dance: a figure swaying and swinging its arms, 3 s, a four-on-the-floor beat
    sway = "28*sin(2*PI*T)"  # the hips, in pixels; geq sees the frame time as T
    arms = "24*abs(sin(2*PI*T))"

    def part(x0: str, y0: str, w: int, h: int) -> str:
        return f"between(X-({x0}),0,{w - 1})*between(Y-({y0}),0,{h - 1})"

    video(refs / "dance.mp4", "color=c=0x2a1840:s=320x180:r=24", "aevalsrc=exprs='"
          "0.8*sin(2*PI*55*t)*exp(-18*mod(t,0.5))+0.2*sin(2*PI*880*t)*exp(-40*mod(t+0.25,0.5))':s=22050", 3,
          box(0, 150, 320, 30, "0x50306a"),
          paint(f"lt(hypot(X-160-{sway},Y-42),12)", skin),
          paint(part(f"150+{sway}", "56", 20, 44), apron),
          paint(part(f"142+{sway}", f"58-{arms}", 6, 30), apron),
          paint(part(f"172+{sway}", f"34+{arms}", 6, 30), apron),
          paint(part(f"150+0.5*{sway}", "100", 8, 50), jeans),
          paint(part(f"162+0.5*{sway}", "100", 8, 50), jeans))
    audio(refs / "mara_voice.wav", voice(230, 3, 1.25), 2.5)
    audio(refs / "jingle.mp3", melody(523.25, [0, 4, 7, 12, 9, 7, 4, 2], 4, 6), 4)


def trailer(refs: Path) -> None:
    """9:16, 180x320: a vertical trailer at night."""
    night = "gradients=s=180x320:seed=1:c0=0x05081a:c1=0x1c3a5e:x0=0:y0=0:x1=0:y1=320"
    rain = paint("lt(mod(X*5+Y,41),1)", "0x6d8fb0")
    image(refs / "hero.png", night, rain, box(0, 290, 180, 30, "0x1a1a24"),
          person(90, 150, 1.45, "0xc89070", "0x101010", "0x18b5a6", "0x202030", "front"))
    image(refs / "hero_back.png", night, rain, box(0, 290, 180, 30, "0x1a1a24"),
          person(90, 150, 1.45, "0xc89070", "0x101010", "0x18b5a6", "0x202030", "back"))
    image(refs / "rival.png", "gradients=s=180x320:seed=1:c0=0x2a0508:c1=0xa01830:x0=0:y0=320:x1=180:y1=0",
          box(0, 290, 180, 30, "0x14080a"),
          person(80, 150, 1.45, "0xd8b090", "0xd0d0d0", "0x181818", "0x181818", "side"),
          box(78, 189, 26, 6, "0xe02030"))  # the red scarf
    # the city: five views of one skyline, a scene group of five images
    image(refs / "city_dusk.png", "gradients=s=180x320:seed=1:c0=0xff9a50:c1=0x40306a:x0=0:y0=320:x1=0:y1=0",
          skyline(180, 320, 320, 22, 12.9898, "0x2a2038", None))
    image(refs / "city_night.png", "color=c=0x060818:s=180x320", disc(140, 50, 14, "0xe8e8d0"),
          skyline(180, 320, 320, 22, 12.9898, "0x141828", "0xffd070"))
    image(refs / "city_rain.png", "color=c=0x2a3440:s=180x320",
          skyline(180, 320, 320, 22, 12.9898, "0x161c24", "0x90a8c0"), paint("lt(mod(X*3+Y,23),1)", "0x8898a8"))
    image(refs / "city_neon.png", "color=c=0x0a0418:s=180x320",
          skyline(180, 320, 320, 18, 78.233, "0x120a20", "0xff40c0"),
          box(20, 120, 50, 18, "0x30f0ff", "3"), box(110, 90, 44, 14, "0xff3080", "3"))
    image(refs / "city_roof.png", "gradients=s=180x320:seed=1:c0=0x101838:c1=0x304878:x0=0:y0=0:x1=0:y1=240",
          skyline(180, 320, 240, 14, 4.1414, "0x0c1020", "0xffe0a0"),
          box(0, 240, 180, 80, "0x22222a"), box(20, 200, 8, 40, "0x22222a"), box(120, 180, 40, 60, "0x2c2c36"))
    corridor = "gradients=s=180x320:seed=1:c0=0x3a3e44:c1=0x1c1e22:x0=0:y0=0:x1=180:y1=0"
    frame = [box(30, 60, 120, 240, "0x0c0c0e"), box(0, 300, 180, 20, "0x26282c")]
    image(refs / "door_shut.png", corridor, frame, box(36, 66, 108, 234, "0x70767e"),
          box(44, 80, 92, 8, "0x5a6068"), box(44, 270, 92, 8, "0x5a6068"), box(124, 180, 10, 24, "0xc8c8c8"))
    image(refs / "door_open.png", corridor, frame,
          "drawbox=x=36:y=66:w=108:h=234:color=0xfff4d0:t=fill",
          paint("lt(Y,300)*gt(Y,66)*gt(X,36)*lt(X,144)*gt(hypot(X-90,Y-330),150)", "0xffe6a0"),
          box(36, 66, 18, 234, "0x70767e"))
    image(refs / "kf_flash.png", "color=c=0x101010:s=180x320",
          paint("lt(hypot(X-90,Y-170),110)", "0x806020"), paint("lt(hypot(X-90,Y-170),70)", "0xffd060"),
          paint("lt(hypot(X-90,Y-170),35)", "0xffffff"))
    image(refs / "kf_smoke.png", "color=c=0x303236:s=180x320",
          paint("gt(sin(X/11+sin(Y/17)*2)+sin(Y/13+sin(X/23)*3),0.6)", "0x8a8c90"),
          paint("gt(sin(X/7+Y/19)+sin(Y/9-X/29),1.2)", "0xb0b2b6"))
    image(refs / "kf_glass.png", "color=c=0x0a1018:s=180x320", box(0, 300, 180, 20, "0x26282c"),
          paint("lt(abs(mod(X*0.8+Y*0.5,47)-23),0.8)+lt(abs(mod(X*0.3-Y*0.9+400,61)-30),0.8)", "0xa8d8f0"),
          paint("lt(hypot(X-60,Y-250),6)+lt(hypot(X-130,Y-280),4)+lt(hypot(X-95,Y-210),3)", "0xe0f4ff"))
    audio(refs / "hero_voice.wav", voice(120, 2, 2.5), 2.5)
    audio(refs / "theme.mp3", melody(220, [0, 3, 7, 10, 12, 10, 7, 3, 0, 3, 8, 7], 3, 3), 6)


def recipe(refs: Path) -> None:
    """1:1, 180x180: a cooking video."""
    wood = "gradients=s=180x180:seed=1:c0=0xb07840:c1=0x704820:x0=0:y0=0:x1=180:y1=180"
    noodles = "lt(abs(mod(Y+6*sin(X/6),8)-4),1.2)"
    image(refs / "noodles_grid.png", "color=c=0xf6efe0:s=180x180",
          disc(45, 45, 36, "0xffffff"), disc(45, 45, 30, "0xd84a20"), paint(f"lt(hypot(X-45,Y-45),30)*{noodles}", "0xf0d070"),
          disc(135, 47, 30, "0xe03020"), box(129, 12, 12, 10, "0x30a040"),
          disc(45, 135, 32, "0xffffff"), disc(45, 135, 14, "0xffc020"),
          box(108, 110, 54, 8, "0x40b050"), box(108, 126, 54, 8, "0x60c060"), box(108, 142, 54, 8, "0x40b050"),
          "drawgrid=w=90:h=90:t=3:color=0x805030")
    pantry = [("0xe03020", "disc"), ("0xffffff", "disc"), ("0xf0d070", "box"), ("0x40b050", "box"), ("0x8a5a2a", "disc"),
              ("0xf8f8f0", "box"), ("0x202020", "disc"), ("0xc07030", "box"), ("0xffc020", "disc")]
    cells = []
    for i, (colour, shape) in enumerate(pantry):
        cx, cy = 30 + 60 * (i % 3), 30 + 60 * (i // 3)
        cells.append(disc(cx, cy, 18, colour) if shape == "disc" else box(cx - 16, cy - 16, 32, 32, colour))
    image(refs / "pantry_grid.png", "color=c=0xe8e0d0:s=180x180", cells, "drawgrid=w=60:h=60:t=2:color=0x604020")
    tiles = ["color=c=0xdfe8ec:s=180x180", "drawgrid=w=30:h=30:t=1:color=0xb0c0c8"]
    image(refs / "chef.png", tiles[0], tiles[1], box(0, 150, 180, 30, "0x909898"),
          person(90, 42, 1.1, "0xe8b890", "0x5a3a20", "0xfafafa", "0x303030", "front"),
          box(76, 22, 28, 18, "0xffffff"), disc(90, 22, 14, "0xffffff"))  # the toque
    bowl = [disc(90, 90, 70, "0xf4f4f4"), ring(90, 90, 70, 66, "0x3060a0")]
    image(refs / "bowl_empty.png", wood, bowl, disc(90, 90, 50, "0xe4e4e4"))
    full = [disc(90, 90, 60, "0xd84a20"), paint(f"lt(hypot(X-90,Y-90),58)*{noodles}", "0xf0d070"),
            disc(70, 75, 12, "0xffe070"), disc(110, 100, 10, "0xffe070")]
    image(refs / "bowl_full.png", wood, bowl, full)
    image(refs / "step1.png", "color=c=0x303438:s=180x180", disc(90, 90, 75, "0x202020"), disc(90, 90, 64, "0x4a90d0"),
          paint("lt(hypot(mod(X,23)-11,mod(Y,19)-9),4)*lt(hypot(X-90,Y-90),62)", "0xe8f4ff"))
    image(refs / "step2.png", wood, box(15, 30, 150, 120, "0xd8b080"),
          disc(70, 85, 26, "0xe03020"), box(70, 59, 26, 52, "0xd8b080"), disc(72, 85, 20, "0xf06040"),
          disc(115, 110, 14, "0xe03020"), box(95, 50, 70, 8, "0xb0b8c0"), box(150, 48, 24, 12, "0x202020"))
    image(refs / "step3.png", "color=c=0x181818:s=180x180", disc(90, 90, 78, "0x3a3a3a"), disc(90, 90, 66, "0x2a2a2a"),
          disc(75, 80, 20, "0xe04020"), disc(105, 100, 18, "0xffd040"), disc(95, 70, 10, "0x40b050"),
          box(100, 20, 10, 80, "0xa07040"))
    image(refs / "step4.png", wood, bowl, full, box(20, 150, 150, 5, "0x402010"), box(20, 160, 150, 5, "0x402010"),
          disc(90, 90, 8, "0x40b050"), disc(100, 82, 5, "0x60c060"))
    # stir: a spatula circling in a wok, 3 s, with the sizzle
    video(refs / "stir.mp4", "color=c=0x181818:s=180x180:r=24", "anoisesrc=color=pink:seed=7:amplitude=0.15:r=22050", 3,
          disc(90, 90, 78, "0x3a3a3a"), disc(90, 90, 66, "0x2a2a2a"),
          paint("lt(hypot(X-90-20*cos(2*PI*T),Y-90-20*sin(2*PI*T)),16)", "0xe04020"),
          paint("lt(hypot(X-90+24*cos(2*PI*T),Y-90+24*sin(2*PI*T)),14)", "0xffd040"),
          paint("lt(abs(X-90-40*cos(2*PI*T)),7)*lt(abs(Y-90-40*sin(2*PI*T)),7)", "0xa07040"))
    audio(refs / "voiceover.mp3", voice(165, 4, 2.5), 5)


def scaffold(refs: Path) -> None:
    """16:9, 320x180: the `storyboard init` starter."""
    sky = "gradients=s=320x180:seed=1:c0=0xffc890:c1=0x6aa0d8:x0=0:y0=180:x1=0:y1=0"
    street = [box(0, 140, 320, 40, "0x50545c"), box(0, 158, 320, 3, "0xe0e0e0")]
    lead = ("0xd8a07a", "0x202a40", "0x3a8f5a", "0x303848")
    image(refs / "lead_front.png", sky, street, person(160, 40, 1.1, *lead, "front"))
    image(refs / "lead_side.png", sky, street, person(160, 40, 1.1, *lead, "side"))
    image(refs / "opening.png", sky, skyline(320, 180, 140, 26, 12.9898, "0x404858", "0xfff0b0"), street,
          disc(260, 60, 16, "0xfff4c0"))


def main() -> None:
    jobs = [(aurora, EXAMPLES / "aurora"), (trailer, EXAMPLES / "trailer"), (recipe, EXAMPLES / "recipe"),
            (scaffold, SCAFFOLD)]
    for make, folder in jobs:
        refs = folder / "refs"
        refs.mkdir(parents=True, exist_ok=True)
        make(refs)
        for path in sorted(refs.iterdir()):
            print(f"{path.stat().st_size:7d}  {path.relative_to(EXAMPLES.parent)}")


if __name__ == "__main__":
    main()
