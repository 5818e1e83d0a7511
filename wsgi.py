"""WSGI entry point for gunicorn and Elastic Beanstalk: `wsgi:application`."""
from anchor import create_app

application = create_app()
