"""Commission rules, for operators: the list in the API's precedence, a preview, create, change terms, delete.

Admins write; support operators read (the API refuses their changes: the console offers them none).
A rule's scope (vendor, category) is fixed once made: the API changes terms only.
"""
from __future__ import annotations

from flask import redirect, render_template, request, url_for

from console import web
from console.api import ApiError
from console.display_names import vendor_names
from console.views.actions import action_failed
from console.views.commission_terms import BadTerms, amount_from, terms_from, typed_terms

RULES = "/api/v1/commission-rules"
EMPTY_RULE = {"vendor_id": "", "category_id": "", "rate": "", "fixed_fee": "", "minimum": "", "maximum": ""}


def register(bp) -> None:
    operator, change = web.signed_in("operator"), web.signed_in_to_change("operator")
    bp.route("/commission-rules")(operator(rule_list))
    bp.route("/commission-rules", methods=["POST"])(change(create_rule))
    bp.route("/commission-rules/<rule_id>")(operator(rule_detail))
    bp.route("/commission-rules/<rule_id>", methods=["POST"])(change(change_rule))
    bp.route("/commission-rules/<rule_id>/delete", methods=["POST"])(change(delete_rule))


def rule_list(typed: dict | None = None, errors: list[str] | None = None, status: int = 200):
    """The rules (most specific first, as the API sorts them), the new-rule form and the preview."""
    page = web.listed(RULES)
    for rule in page.items:
        rule.setdefault("scope", scope_of(rule))
    preview, preview_errors = _preview()
    return render_template("commission_rules.html", page=page, typed=typed or EMPTY_RULE, errors=errors or [],
                           vendors=vendor_names(rule.get("vendor_id") for rule in page.items),
                           preview=preview, preview_errors=preview_errors, asked=request.args,
                           notice=request.args.get("notice")), status


def scope_of(rule: dict) -> str:
    """The API's list rows are the rules' columns, without the ``scope`` its single rule carries."""
    vendor, category = rule.get("vendor_id"), rule.get("category_id")
    return ("vendor_category" if vendor and category else "vendor" if vendor else "category" if category
            else "default")


def create_rule():
    typed = {name: request.form.get(name, "").strip() for name in EMPTY_RULE}
    try:
        terms = terms_from(request.form)
    except BadTerms as bad:
        return rule_list(typed, bad.errors, 422)
    body = {"vendor_id": typed["vendor_id"] or None, "category_id": typed["category_id"] or None, **terms}
    try:
        web.api().post(RULES, body)
    except ApiError as error:
        return action_failed(error)
    return redirect(url_for("console.rule_list", notice="rule-created"))


def rule_detail(rule_id: str, typed: dict | None = None, errors: list[str] | None = None, status: int = 200):
    rule = web.api().get(f"{RULES}/{rule_id}")
    return render_template("commission_rule.html", rule=rule, typed=typed or typed_terms(rule),
                           errors=errors or []), status


def change_rule(rule_id: str):
    try:
        terms = terms_from(request.form)
    except BadTerms as bad:
        typed = {name: request.form.get(name, "").strip() for name in EMPTY_RULE}
        return rule_detail(rule_id, typed, bad.errors, 422)
    try:
        web.api().patch(f"{RULES}/{rule_id}", terms)
    except ApiError as error:
        return action_failed(error)
    return redirect(url_for("console.rule_list", notice="rule-changed"))


def delete_rule(rule_id: str):
    try:
        web.api().delete(f"{RULES}/{rule_id}")
    except ApiError as error:
        return action_failed(error)
    return redirect(url_for("console.rule_list", notice="rule-deleted"))


def _preview() -> tuple[dict | None, list[str]]:
    """Which rule applies to ``?vendor_id=&category_id=&amount=``, as the API computes it (when asked)."""
    if "amount" not in request.args:
        return None, []
    errors: list[str] = []
    amount = amount_from(request.args.get("amount", "").strip() or "0", errors)
    if errors:
        return None, errors
    try:
        return web.api().get(f"{RULES}/preview", vendor_id=request.args.get("vendor_id", "").strip(),
                             category_id=request.args.get("category_id", "").strip(), amount_minor=amount), []
    except ApiError as error:
        return None, [error.message]
