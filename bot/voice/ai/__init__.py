"""The optional AI writer: drafts from an OpenAI-compatible model, checked by code before
anyone sees them, the template engine standing in for every draft refused."""
