"""plan: what a build will generate, why, and what it costs."""

from .planner import Plan, PlannedShot, make_plan
from .price import PRICE_PER_SECOND, price, rate

__all__ = ["make_plan", "Plan", "PlannedShot", "price", "rate", "PRICE_PER_SECOND"]
