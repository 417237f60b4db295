"""Everything HTTP that is not a platform webhook: tracked links, one-time links, the admins'
dashboard, health and metrics (the app itself: bot/web/listeners.py)."""
