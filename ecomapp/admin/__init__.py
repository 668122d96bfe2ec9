"""The merchant's panel: server-rendered pages and HTMX partials (blueprint in `routes.py`)."""
