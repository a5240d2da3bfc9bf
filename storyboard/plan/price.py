"""List prices per second (seeds 000 and 001), used for every provider's estimate.

Computed in Decimal so a plan's total is exact to the cent; ``local`` is free.
"""

from __future__ import annotations

from decimal import Decimal

# (tier, with video input) -> resolution -> USD per second
PRICE_PER_SECOND: dict[tuple[str, bool], dict[str, Decimal]] = {
    ("fast", False): {"480p": Decimal("0.08"), "720p": Decimal("0.11"), "1080p": Decimal("0.275")},
    ("std", False): {"480p": Decimal("0.11"), "720p": Decimal("0.14"), "1080p": Decimal("0.35")},
    ("fast", True): {"480p": Decimal("0.15"), "720p": Decimal("0.20"), "1080p": Decimal("0.50")},
    ("std", True): {"480p": Decimal("0.18"), "720p": Decimal("0.25"), "1080p": Decimal("0.625")},
}


def rate(provider: str, tier: str, resolution: str, video_input: bool) -> Decimal:
    """USD per second (0 for ``local``); ``video_input`` selects the dearer with-video-input column (seed 000)."""
    if provider == "local":
        return Decimal(0)
    return PRICE_PER_SECOND[(tier, video_input)][resolution]


def price(provider: str, tier: str, resolution: str, video_input: bool, seconds: float) -> Decimal:
    """The list price of one clip: the per-second rate times the billed seconds."""
    return rate(provider, tier, resolution, video_input) * Decimal(str(seconds))
