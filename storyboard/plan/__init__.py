"""plan: what a build will generate, why, and what it costs."""

from .films import Plans, make_plans
from .planner import Plan, PlannedShot, make_plan
from .price import PRICE_PER_SECOND, price, rate

__all__ = ["make_plan", "make_plans", "Plan", "Plans", "PlannedShot", "price", "rate", "PRICE_PER_SECOND"]
