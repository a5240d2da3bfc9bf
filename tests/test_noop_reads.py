"""A build with nothing to do reads none of the files the film is finished with.

The soundtrack, the captions and a card's image decide the film (its finish digest), and the
timeline shows the soundtrack; a no-op build must know them unchanged by their stat (the
store's hash cache), not by reading them. Watched with the kernel's inotify (IN_OPEN,
IN_ACCESS): any open of those files by anyone (the hasher, a probe through PyAV, an ffmpeg
child) is seen, whatever the code path. The compile before the build is outside the watch:
it parses the captions and probes the media, as `check` must.
"""

from __future__ import annotations

import ctypes
import os
import struct
from collections.abc import Iterable
from pathlib import Path

import pytest

from storyboard.ops import build
from tests.conftest import Project, build_clean, compiled_of

IN_ACCESS, IN_OPEN = 0x001, 0x020
EVENT = struct.Struct("iIII")  # struct inotify_event: wd, mask, cookie, len (then len bytes of name)


class Opens:
    """The files of ``paths`` opened or read since the watch began (by this process or any other)."""

    def __init__(self, paths: Iterable[Path]) -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        self.fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if self.fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1")
        self.names: dict[int, str] = {}
        for path in paths:
            wd = libc.inotify_add_watch(self.fd, os.fsencode(path), IN_OPEN | IN_ACCESS)
            if wd < 0:
                raise OSError(ctypes.get_errno(), "inotify_add_watch", str(path))
            self.names[wd] = path.name

    def seen(self) -> list[str]:
        out: list[str] = []
        while True:
            try:
                data = os.read(self.fd, 65536)
            except BlockingIOError:
                return out
            i = 0
            while i < len(data):
                wd, _, _, length = EVENT.unpack_from(data, i)
                out.append(self.names[wd])
                i += EVENT.size + length

    def close(self) -> None:
        os.close(self.fd)


BOARD = """
version: 1
settings: {resolution: 480p, duration: 3, loudness: -16}
shots:
  - {id: a, prompt: the first shot, sound: true}
  - {id: b, prompt: the second shot}
cut:
  - a
  - {shot: b, transition: {type: fade, seconds: 0.5}}
  - {card: {text: The end, image: refs/c.png, seconds: 1}, id: endcard}
soundtrack:
  - {file: refs/jingle.wav, volume: -12, duck: -9}
  - {file: refs/voice.wav, at: 2.0}
captions: {file: refs/film.srt}
"""
SRT = "1\n00:00:00,500 --> 00:00:02,000\nHello\n"


@pytest.mark.slow  # builds a film
def test_a_no_op_build_opens_no_soundtrack_caption_or_card_image_file(project: Project) -> None:
    refs = project.root / "refs"
    (refs / "film.srt").write_text(SRT, encoding="utf-8")
    path = project.write(BOARD)
    build_clean(project, path)
    watched = [refs / "jingle.wav", refs / "voice.wav", refs / "film.srt", refs / "c.png"]
    compiled = compiled_of(path)
    opens = Opens(watched)
    try:
        again = build(compiled)
        seen = opens.seen()
        (refs / "voice.wav").read_bytes()  # the watch itself works: a read is seen
        control = opens.seen()
    finally:
        opens.close()
    assert again.ok and again.films[0].film.method == "up to date"
    assert seen == []
    assert "voice.wav" in control
