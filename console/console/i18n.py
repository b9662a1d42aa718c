"""English and French (flask-babel): the switch's choice, else the browser's Accept-Language."""
from __future__ import annotations

from pathlib import Path

from flask import Flask, request
from flask_babel import Babel

LOCALES = ("en", "fr")
TRANSLATIONS = Path(__file__).resolve().parent / "translations"


def install(app: Flask, default_locale: str, timezone: str) -> None:
    app.config["BABEL_DEFAULT_LOCALE"] = default_locale
    app.config["BABEL_DEFAULT_TIMEZONE"] = timezone  # format_datetime converts every time to it
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS)
    Babel(app, locale_selector=select_locale)


def select_locale() -> str | None:
    from console.web import current_session
    session = current_session()
    if session is not None and session.locale in LOCALES:
        return session.locale
    return request.accept_languages.best_match(LOCALES)
