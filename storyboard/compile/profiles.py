"""What each provider's own page offers: one capability profile per provider, as data.

Every number and flag here is read off the provider's seed page in ``shared/seeds/``
(the ``source`` strings say where); where a page is silent, the SkyReels V4 model's own
limits apply and the source says so. The compiler's provider rules are generic over
these fields, so correcting a provider is a one-line change here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

ALL_RATIOS = frozenset({"16:9", "9:16", "1:1", "4:3", "3:4"})
V4_PROMPT_CHARS = 4000  # "1280 tokens (roughly 4000 characters)", seed 001; seed 004 says 1280 tokens

# Runware's supported width x height for skywork:skyreels@v4 ("The following dimension
# combinations are supported", https://runware.ai/docs/models/skywork-skyreels-v4.md).
# The stored copy of that page breaks off after the sixth row: 720p 9:16 and 1:1 rest on a
# third-party table re-checked against the page; 720p ~4:3 / ~3:4 and all 1080p rows are
# unread, so those combinations are not sent as width and height (16:9 goes as `resolution`).
RUNWARE_SIZES: Mapping[tuple[str, str], tuple[int, int]] = MappingProxyType({
    ("480p", "16:9"): (848, 480),  # reference page
    ("480p", "9:16"): (480, 848),  # reference page
    ("480p", "4:3"): (736, 560),  # reference page ("~4:3", 1.31)
    ("480p", "3:4"): (560, 736),  # reference page ("~3:4")
    ("480p", "1:1"): (640, 640),  # reference page
    ("720p", "16:9"): (1280, 720),  # reference page
    ("720p", "9:16"): (720, 1280),  # third-party confirmation of the page
    ("720p", "1:1"): (960, 960),  # third-party confirmation of the page
})  # fmt: skip


@dataclass(frozen=True)
class Profile:
    """One provider's capabilities as the compiler's generic rules read them; a default is SkyReels V4's own limit."""

    id: str
    seed: str | None
    tiers: frozenset[str] = frozenset({"std", "fast"})
    aspect_ratios: frozenset[str] = ALL_RATIOS
    size_from_width_height: bool = False  # takes width/height rather than an aspect ratio
    # with size_from_width_height: the only (resolution, aspect ratio) -> width x height it takes,
    # and the ratios it takes as the resolution preset alone when the pair is not in the table
    sizes: Mapping[tuple[str, str], tuple[int, int]] | None = None
    resolution_only_ratios: frozenset[str] = frozenset()
    sound: bool = True  # offers a sound-effects switch
    fast_requires_silence: bool = False
    prompt_optimizer: bool = True  # offers switching prompt rewriting off
    prompt_max_chars: int | None = V4_PROMPT_CHARS
    grouped_references: bool = True  # reference images as tagged groups
    flat_images_max: int | None = None  # a flat images list instead of groups
    max_groups: int = 6
    max_images_per_group: int = 5
    grid: bool = True
    group_audio: bool = True
    group_audio_max_seconds: float | None = None
    first_frame: bool = True
    last_frame: bool = True
    max_mid_frames: int = 6
    max_frame_images: int | None = None  # first + last + mid frames together
    mid_frame_tags: bool = True  # each mid frame carries a tag
    ref_video_types: frozenset[str] = frozenset({"reference", "extend"})
    ref_video_tags: bool = True
    reference_video_max_seconds: float = 10.0
    extend_video_max_seconds: float = 15.0
    ref_video_min_pixels: int | None = None
    reference_video_resolutions: frozenset[str] | None = None  # the only resolutions with a motion video, when limited
    reference_video_with_grid: bool = True
    reference_video_with_groups: bool = True  # a motion (reference-type) video combines with reference groups
    reference_video_sound: bool = True  # sound generation on a shot with a motion (reference-type) video
    max_grid_groups: int | None = None  # how many grid groups one shot takes, when fewer than max_groups
    shot_audio: bool = True  # audio-driven generation from a standalone audio file
    tags_must_appear_in_prompt: bool = False
    inline_media: frozenset[str] = frozenset()  # media kinds accepted inline (data URI) rather than by URL
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def paid(self) -> bool:
        """Hosted: its inputs must be reachable and it is offered as an alternative; False only for ``local``."""
        return self.id != "local"


PROFILES: dict[str, Profile] = {
    # The offline previewer accepts the whole SkyReels V4 surface with the model's own
    # limits, so a storyboard that builds locally is valid V4 for qingbo and apimart.
    "local": Profile(
        id="local",
        seed=None,
        mid_frame_tags=False,
        ref_video_tags=False,
        sources={"*": "SkyReels V4 model limits (seeds 001, 003, 004)"},
    ),
    "wavespeed": Profile(
        id="wavespeed",
        seed="000",
        aspect_ratios=frozenset({"16:9", "9:16", "1:1"}),
        fast_requires_silence=True,
        prompt_optimizer=False,
        prompt_max_chars=None,
        grouped_references=False,
        flat_images_max=3,
        max_groups=3,
        grid=False,
        group_audio=False,
        first_frame=False,
        last_frame=False,
        max_mid_frames=0,
        ref_video_types=frozenset({"reference"}),
        ref_video_tags=False,
        shot_audio=False,
        sources={
            "images": "seed 000: images, reference image URLs, up to 3",
            "ref_videos": "seed 000: ref_videos, at most 1 video, for motion/temporal guidance",
            "aspect_ratio": "seed 000: 16:9, 9:16, 1:1",
            "mode": "seed 000: fast mode currently requires sound=false",
            "prompt_optimizer": "seed 000: no such parameter",
        },
    ),
    "eachlabs": Profile(
        id="eachlabs",
        seed="001",
        sound=False,
        first_frame=False,
        last_frame=False,
        max_mid_frames=0,
        shot_audio=False,
        sources={
            "ref_images": "seed 001: groups, type image 1-5 urls or grid exactly 1, audio only on image groups",
            "ref_videos": "seed 001: single reference video, extend or reference",
            "prompt": "seed 001: 1280 tokens (roughly 4000 characters)",
            "sound": "seed 001: no sound parameter in the input schema",
            "max_groups": "seed 001 states none; SkyReels V4 limit of 6 (seeds 003, 004)",
        },
    ),
    "runware": Profile(
        id="runware",
        seed="002",
        tiers=frozenset({"std"}),
        size_from_width_height=True,
        sizes=RUNWARE_SIZES,
        resolution_only_ratios=frozenset({"16:9"}),
        prompt_max_chars=5120,
        max_groups=3,
        max_grid_groups=1,
        group_audio_max_seconds=15.0,
        max_mid_frames=8,  # its page caps frame images at 8 in all, not mid frames at 6 (seed 003's limit)
        max_frame_images=8,
        mid_frame_tags=False,
        reference_video_max_seconds=15.0,
        extend_video_max_seconds=15.0,
        ref_video_min_pixels=1_866_240,
        reference_video_with_groups=False,
        reference_video_sound=False,
        shot_audio=False,
        inline_media=frozenset({"image"}),
        sources={
            "tier": "seed 002: one model skywork:skyreels@v4, no fast/std switch",
            "referenceImages": "seed 002: 1-3 groups, 1-5 images each, optional audio max 15 s",
            "frameImages": "seed 002: 1-8 frame images, each a plain image or one with a target position",
            "referenceVideos": "seed 002: 1 video, max 15 s, at least 1,866,240 pixels",
            "positivePrompt": "seed 002: max 5120",
            "inline": "seed 002: images take UUID, URL, Data URI or Base64; audio and video only UUID or URL",
            "size": "seed 002: width and height in pixels, no aspect ratio",
            "sizes": "runware reference (skywork-skyreels-v4.md): only the listed width/height combinations; "
            "`resolution` cannot be used with width/height; its example sends `resolution: 1080p` alone",
            "4:3": "runware reference: the 4:3 and 3:4 rows are ~4:3 (736x560 is 1.31)",
            "grid": "runware reference: when referenceImages includes type grid, it is limited to 1 item",
            "referenceVideos+referenceImages": "runware reference: when referenceVideos is provided, "
            "referenceImages cannot be used",
            "audio": "runware reference: when referenceVideos includes type reference, settings.audio cannot be used "
            "(seed 002:84 the input video's audio is carried to the output)",
        },
    ),
    # qingbo's page after seed 003 (QingBo-AI/WaveAPI-Doc en/api-reference/video/skyreels.mdx @624b9e5,
    # "Q5" in storyboard/run/hosted/qingbo.py): generate only, "Any other parameter returns 400".
    "qingbo": Profile(
        id="qingbo",
        seed="003",
        sound=False,
        max_groups=3,
        max_grid_groups=1,
        group_audio_max_seconds=15.0,
        ref_video_types=frozenset({"reference"}),
        reference_video_resolutions=frozenset({"480p", "720p"}),
        shot_audio=False,
        tags_must_appear_in_prompt=True,
        sources={
            "action": "Q5: `generate` is the only action in this series (no extend)",
            "sound": "Q5: no `sound` parameter; any other parameter returns 400 (the output carries audio)",
            "ref_images": "Q5: type image 1 to 3 entries with 1 to 5 images each; type grid 1 entry with 1 image; "
            "audio_url only on image entries, up to 15 seconds",
            "video_urls": "Q5: 1 clip, tag @video_N; only 480p and 720p with video_urls, sent explicitly (else 400)",
            "audio_urls": "Q5: no standalone audio field; audio only as ref_images[].audio_url",
            "tags": "Q5: with video_urls, ref_images or mid_frame_images the prompt must contain the matching @ tag",
            "mid_frame_images": "Q5: up to 6, tag starting with @, time_stamp -1 or in (0, duration)",
            "exclusive": "Q5: first_frame_image / end_frame_image / mid_frame_images cannot combine with ref_images / video_urls",
            "prompt": "Q5 states none (seed 003 era: 5000 characters); SkyReels V4 limit 1280 tokens (seeds 001, 004)",
        },
    ),
    "apimart": Profile(
        id="apimart",
        seed="004",
        sound=False,
        reference_video_with_grid=False,
        shot_audio=False,
        tags_must_appear_in_prompt=True,
        sources={
            "tags": "seed 004: every declared tag must appear in the prompt",
            "reference": "seed 004: reference can be combined with ref_images.type=image",
            "prompt": "seed 004: max 1280 tokens",
            "sound": "seed 004 and the typed clients of its cn page list no `sound` parameter",
            "audio_urls": "seed 004 lists no standalone audio field; audio only as ref_images[].audio_url",
        },
    ),
}
