"""The Slack adapter: Bolt wiring, Block Kit rendering, Web API sending."""
