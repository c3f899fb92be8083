"""WSGI entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi``."""

from evalsite import create_app

app = create_app()
