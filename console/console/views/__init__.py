"""The console's pages, all on one blueprint under /console (the gateway forwards the prefix as is)."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint

from console import web

PAGE_MODULES = ("auth", "dashboards", "vendors", "moderation", "vendor_orders", "vendor_refunds", "orders", "returns",
                "offers", "users", "settings", "products", "product_media", "imports", "categories", "cms_pages",
                "account", "oauth_clients", "audit", "health", "team", "api_clients", "payments",
                "commissions", "payouts", "ledger", "invoices")


def blueprint() -> Blueprint:
    from importlib import import_module
    static = Path(__file__).resolve().parent.parent / "static"
    bp = Blueprint("console", __name__, url_prefix="/console", static_folder=str(static),
                   static_url_path="/static")
    bp.before_request(web.load_session)
    bp.before_request(web.check_csrf)
    bp.after_request(web.write_cookie)
    bp.app_context_processor(_page_context)
    for name in PAGE_MODULES:
        import_module(f"console.views.{name}").register(bp)
    return bp


def _page_context() -> dict:
    from flask_babel import get_locale
    session = web.current_session()
    return {"user": session.user if session is not None and session.signed_in else None,
            "csrf_token": web.csrf_token, "locale": str(get_locale() or "en")}
