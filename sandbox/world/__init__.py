"""The simulated world: scenario → immutable entities with time-aware queries. Plain Python, no Flask."""

from .build import build_world
from .digest import world_digest
from .period import Period
from .world import Relation, World

__all__ = ["build_world", "world_digest", "Period", "Relation", "World"]
