"""The dashboard's routes on the public application."""

from __future__ import annotations

from aiohttp import web

from bot.web.dashboard import pages, signin
from bot.web.dashboard.access import ROOT
from bot.web.dashboard.keys import PAGES
from bot.web.dashboard.render import STATIC, make_pages


def add_dashboard(app: web.Application) -> None:
    """Serve the dashboard from `app` (its RUNTIME set)."""
    app[PAGES] = make_pages()
    routes = app.router
    routes.add_get(ROOT + "login/{token}", signin.login)
    routes.add_post(ROOT + "language", signin.language)
    routes.add_post(ROOT + "signout", signin.sign_out)
    routes.add_get(ROOT, pages.overview)
    routes.add_get(ROOT + "chart.svg", pages.chart)
    routes.add_get(ROOT + "posts", pages.posts)
    routes.add_get(ROOT + "posts/{post_id}", pages.post)
    routes.add_get(ROOT + "volunteers", pages.volunteers)
    routes.add_get(ROOT + "volunteers/{member_id}", pages.volunteer)
    routes.add_get(ROOT + "works", pages.works)
    routes.add_get(ROOT + "settings", pages.settings)
    routes.add_static(ROOT + "static/", STATIC)
