"""WSGI entry point: `gunicorn app:app`, `flask --app app ...`."""

from ecomapp import create_app

app = create_app()
