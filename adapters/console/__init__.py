"""The console adapter: talk to the bot in a terminal; also the fake platform of the tests."""
