"""Everything HTTP that is not a platform webhook: tracked links, health and metrics."""

from bot.web.keys import CLICKS, RUNTIME
from bot.web.listeners import make_app, make_operations_app, start_operations

__all__ = ["CLICKS", "RUNTIME", "make_app", "make_operations_app", "start_operations"]
