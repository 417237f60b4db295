"""Porte-Voix core: platform-neutral events, cards, handlers and services."""
