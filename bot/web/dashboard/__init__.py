"""The admins' dashboard at /dashboard/ (docs/dashboard.md): pages rendered on the server,
opened by a one-time link from `/voix dashboard`; routes.py adds them to the public app."""
