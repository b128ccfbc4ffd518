"""The portal (FastAPI + Jinja2, no SPA): owners and reviewers act from the signed links in
their mail; staff sign in with a one-time link mailed to them. The app: app/web/main.py."""
