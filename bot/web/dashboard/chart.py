"""The overview's chart, drawn as SVG on the server by pygal (no JavaScript: its tooltips
script, loaded from a CDN by default, is turned off). The page shows it as an image, so the
chart's own inline styles need nothing from the page's Content-Security-Policy."""

from __future__ import annotations

import pygal
from pygal.style import Style

from bot.texts import number

# The dashboard's colours (static/dashboard.css): shares, then clicks.
STYLE = Style(background="transparent", plot_background="transparent", foreground="#1f2933",
              foreground_strong="#1f2933", foreground_subtle="#d9dee3",
              colors=("#2f6fdf", "#e07b39"), font_family="Liberation Sans, Arial, sans-serif",
              label_font_size=13, major_label_font_size=13, legend_font_size=14,
              value_font_size=12, title_font_size=16)
CSP = "default-src 'none'; style-src 'unsafe-inline'"
# (width, height) drawn: a phone gets fewer, bigger pixels for the same twelve weeks.
SIZES = {"wide": (900, 340), "narrow": (420, 320)}


def weekly(labels: list[str], shares: list[int], clicks: list[int], names: tuple[str, str],
           locale: str, size: str = "wide") -> bytes:
    """Bars of shares (left axis) and clicks (right axis) per week, numbers in `locale`."""
    width, height = SIZES.get(size, SIZES["wide"])
    narrow = size == "narrow"
    chart = pygal.Bar(style=STYLE, js=[], width=width, height=height, legend_at_bottom=True,
                      show_y_guides=True, x_label_rotation=60 if narrow else 0,
                      truncate_label=-1, show_minor_x_labels=not narrow,
                      value_formatter=lambda v: number(v, locale),
                      disable_xml_declaration=True, explicit_size=False, margin=16)
    chart.x_labels = labels
    chart.add(names[0], shares)
    chart.add(names[1], clicks, secondary=True)
    return str(chart.render(is_unicode=True)).encode("utf-8")
