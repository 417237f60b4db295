"""The Microsoft Teams adapter: Bot Framework wiring, Adaptive Cards, proactive sending."""
