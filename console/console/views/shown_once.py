"""Answers that hold a secret (a client secret, a TOTP secret, recovery codes): shown once, kept nowhere.

The secret is only in the answer to the POST that made it: no redirect carries it, no session stores
it, and ``no-store`` keeps it out of the browser's cache and history snapshots, so a reload or the back
button never shows it again.
"""
from __future__ import annotations

from flask import make_response, render_template


def shown_once(template: str, status: int = 200, **context):
    response = make_response(render_template(template, **context), status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response
