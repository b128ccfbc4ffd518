"""The portal (FastAPI + Jinja2, no SPA): owners and reviewers act from the signed links in
their mail; staff sign in with a one-time link mailed to them."""

from app.web.main import create_app

__all__ = ["create_app"]
