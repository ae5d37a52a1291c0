"""WSGI entry point for any server: `gunicorn -c python:service.gunicorn_conf service.wsgi:app`."""

from service.app import create_app

app = create_app()
