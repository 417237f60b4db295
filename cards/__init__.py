"""The cards as people see them: Porte-Voix's cards rendered the way Teams and Slack draw
them, measured and photographed (issue 12, "Seen as people see it").

- catalog.py: every kind of card and form, in English and French, made by the real code
  (a console workspace on a temporary SQLite database, driven as people use it);
- render.py: headless Chromium (Debian's) driven by Playwright, Microsoft's Adaptive Cards
  renderer from npm with Teams' host config, and the DOM measures;
- slack_html.py: Block Kit drawn as HTML and CSS in Slack's look;
- __main__.py: `make screenshots`, the PNGs and measures under docs/cards/.

The npm packages live in cards/node_modules (package.json and package-lock.json here,
`npm ci`). This is a development tool beside bench/: nothing in the bot imports it, and it
is not part of the installed package.
"""
