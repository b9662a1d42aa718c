"""The money pages over a stub gateway: payments and refunds, commission rules, payouts, balances,
statements and commission invoices — what each shows, and what each sends with the user's token."""
from __future__ import annotations

from console.testing import OPERATOR, VENDOR, csrf_of

PAYMENT = {"id": "pay-1", "order_id": "o-1", "customer_id": "cus-1", "status": "authorized", "currency": "EUR",
           "amount_minor": 4599, "captured_minor": 2599, "voided_minor": 0, "payment_method": "pm_card_visa",
           "card_brand": "visa", "card_last4": "4242", "failure_code": None, "created_at": "2026-11-28T10:00:00+00:00",
           "charges": [{"vendor_order_id": "vo-1", "vendor_id": "ven-a", "status": "captured", "currency": "EUR",
                        "amount_minor": 2599, "captured_minor": 2599, "refunded_minor": 1000, "failure_code": None,
                        "captured_at": "2026-11-28T11:00:00+00:00"}]}
REFUND = {"id": "ref-1", "payment_id": "pay-1", "order_id": "o-1", "vendor_order_id": "vo-1", "vendor_id": "ven-a",
          "status": "refunded", "currency": "EUR", "amount_minor": 1000, "commission_reversed_minor": 150,
          "reason": "return", "failure_code": None, "created_at": "2026-11-29T09:00:00+00:00"}
RULE = {"id": "rule-1", "scope": "vendor_category", "vendor_id": "ven-a", "category_id": "books", "rate_bps": 1250,
        "fixed_fee_minor": 30, "min_minor": None, "max_minor": 5000, "created_at": "2026-11-01T00:00:00+00:00",
        "updated_at": None}
DEFAULT_RULE = {**RULE, "id": "rule-0", "scope": "default", "vendor_id": None, "category_id": None, "rate_bps": 1500,
                "fixed_fee_minor": 0, "max_minor": None}
RUN = {"id": "run-1", "trigger": "operator", "actor_id": "user-op", "minimum_minor": 1000, "payout_count": 1,
       "created_at": "2026-11-29T10:00:00+00:00",
       "payouts": [{"id": "po-1", "run_id": "run-1", "vendor_id": "ven-a", "currency": "EUR", "amount_minor": 8800,
                    "status": "failed", "provider_reference": None, "failure_code": "account_closed",
                    "created_at": "2026-11-29T10:00:00+00:00"}]}
STATEMENT = {"vendor_id": "ven-a", "account": "available", "currency": "EUR", "opening_balance_minor": 1000,
             "closing_balance_minor": 3210, "next_cursor": "c-2", "entries": [
                 {"id": 7, "created_at": "2026-11-10T10:00:00+00:00", "kind": "release", "memo": "return window over",
                  "order_id": "o-1", "vendor_order_id": "vo-1", "amount_minor": 2210, "balance_after_minor": 3210}]}
INVOICE = {"number": "COM-ven-a-2026-11", "vendor_id": "ven-a", "month": "2026-11",
           "start": "2026-11-01T00:00:00+00:00", "end": "2026-12-01T00:00:00+00:00",
           "lines": [{"id": 1, "created_at": "2026-11-10T10:00:00+00:00", "kind": "charge", "vendor_order_id": "vo-1",
                      "category_id": "books", "rule_scope": "vendor", "rate_bps": 1250, "base_minor": 2599,
                      "fixed_fee_minor": 0, "commission_minor": 325, "currency": "EUR"}],
           "totals": [{"currency": "EUR", "charged_minor": 325, "reversed_minor": 0, "commission_minor": 325,
                       "line_count": 1}]}
CSV = b"created_at,entry_id,kind,amount\r\n2026-11-10T10:00:00+00:00,7,release,22.10\r\n"
EN = {"Accept-Language": "en"}


def without_scope(rule: dict) -> dict:
    return {name: value for name, value in rule.items() if name != "scope"}


def _sub(stub, call) -> str:
    return stub.access_tokens[call.token].sub


def test_operators_filter_payments_and_the_filters_reach_the_api(operator_browser, stub):
    stub.answer("GET", "/api/v1/payments", [PAYMENT], headers={"X-Pagination": '{"total": 1, "total_pages": 1}'})

    page = operator_browser.get("/console/payments?status=authorized&vendor_id=ven-a&created_from=2026-11-01",
                                headers=EN).get_data(as_text=True)

    assert "pay-1" in page and "€45.99" in page and "visa 4242" in page and "Authorized" in page
    call = stub.calls_to("/api/v1/payments")[0]
    assert call.args == {"status": "authorized", "vendor_id": "ven-a", "created_from": "2026-11-01", "page": "1",
                         "page_size": "20"}
    assert _sub(stub, call) == OPERATOR.sub


def test_a_bad_day_in_the_filters_is_explained_and_kept_without_calling_the_api(operator_browser, stub):
    answer = operator_browser.get("/console/payments?created_from=2026-13-45&order_id=o-7", headers=EN)

    page = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "“2026-13-45” is not a date (YYYY-MM-DD)." in page
    assert 'value="2026-13-45"' in page and 'value="o-7"' in page
    assert stub.calls_to("/api/v1/payments") == []


def test_a_payment_shows_its_charges_and_only_its_own_refunds(operator_browser, stub):
    stub.answer("GET", "/api/v1/payments/pay-1", PAYMENT)
    stub.answer("GET", "/api/v1/refunds", [REFUND, {**REFUND, "id": "ref-other", "payment_id": "pay-0"}])

    page = operator_browser.get("/console/payments/pay-1", headers=EN).get_data(as_text=True)

    assert "vo-1" in page and "€25.99" in page and "ref-1" in page and "€1.50" in page and "ref-other" not in page
    assert stub.calls_to("/api/v1/refunds")[0].args["order_id"] == "o-1"


def test_a_payment_the_api_does_not_know_is_the_404_page(operator_browser, stub):
    answer = operator_browser.get("/console/payments/pay-unknown", headers=EN)

    assert answer.status_code == 404 and "Page not found" in answer.get_data(as_text=True)


def test_refunds_are_listed_with_the_commission_given_back(operator_browser, stub):
    stub.answer("GET", "/api/v1/refunds", [REFUND])

    page = operator_browser.get("/console/refunds?status=refunded", headers=EN).get_data(as_text=True)

    assert "ref-1" in page and "€10.00" in page and "€1.50" in page
    assert stub.calls_to("/api/v1/refunds")[0].args["status"] == "refunded"


def test_a_vendor_gets_the_403_page_on_the_operators_money_pages(vendor_browser, stub):
    pages = ["/console/payments", "/console/payments/pay-1", "/console/refunds", "/console/commission-rules",
             "/console/payouts/runs", "/console/payouts/preview", "/console/payouts/runs/run-1"]

    assert {vendor_browser.get(page).status_code for page in pages} == {403}
    assert vendor_browser.post("/console/payouts/runs", data={"csrf_token": csrf_of(vendor_browser)}).status_code == 403
    assert stub.calls == []


def test_commission_rules_are_listed_in_precedence_with_their_terms_and_scope(operator_browser, stub):
    # The list's rows are the rules' columns: no "scope" there (a single rule has one), the console names it.
    stub.answer("GET", "/api/v1/commission-rules", [without_scope(RULE), without_scope(DEFAULT_RULE)])

    page = operator_browser.get("/console/commission-rules", headers=EN).get_data(as_text=True)

    assert page.index("Vendor + category") < page.index("Default")
    assert "12.5 %" in page and "€0.30" in page and "€50.00" in page and "vendor + category, then vendor" in page


def test_a_new_rule_is_sent_in_basis_points_and_minor_units(operator_browser, stub):
    stub.answer("POST", "/api/v1/commission-rules", RULE, status=201)

    answer = operator_browser.post("/console/commission-rules", headers={"Accept-Language": "fr"}, data={
        "vendor_id": "ven-a", "category_id": "", "rate": "12,5", "fixed_fee": "0,30", "minimum": "",
        "maximum": "50", "csrf_token": csrf_of(operator_browser)})

    assert answer.status_code == 302
    call = stub.calls_to("/api/v1/commission-rules", "POST")[0]
    assert call.body == {"vendor_id": "ven-a", "category_id": None, "rate_bps": 1250, "fixed_fee_minor": 30,
                         "min_minor": None, "max_minor": 5000}
    assert _sub(stub, call) == OPERATOR.sub


def test_an_unreadable_rate_is_explained_and_the_form_keeps_what_was_typed(operator_browser, stub):
    stub.answer("GET", "/api/v1/commission-rules", [])

    answer = operator_browser.post("/console/commission-rules", headers=EN, data={
        "vendor_id": "ven-a", "category_id": "books", "rate": "lots", "fixed_fee": "1.2.3",
        "csrf_token": csrf_of(operator_browser)})

    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "“lots” is not a percentage between 0 and 100." in page and "“1.2.3” is not an amount." in page
    assert 'value="lots"' in page and 'value="books"' in page
    assert stub.calls_to("/api/v1/commission-rules", "POST") == []


def test_a_rule_for_a_scope_that_has_one_shows_the_apis_refusal(operator_browser, stub):
    stub.answer("POST", "/api/v1/commission-rules", "a rule for this scope exists: rule-1", status=409)

    answer = operator_browser.post("/console/commission-rules", headers=EN, data={
        "vendor_id": "ven-a", "rate": "10", "csrf_token": csrf_of(operator_browser)})

    assert answer.status_code == 409 and "a rule for this scope exists: rule-1" in answer.get_data(as_text=True)


def test_changing_a_rules_terms_patches_only_the_terms(operator_browser, stub):
    stub.answer("GET", "/api/v1/commission-rules/rule-1", RULE)
    stub.answer("PATCH", "/api/v1/commission-rules/rule-1", {**RULE, "rate_bps": 900})
    form = operator_browser.get("/console/commission-rules/rule-1", headers=EN).get_data(as_text=True)

    operator_browser.post("/console/commission-rules/rule-1", headers=EN, data={
        "rate": "9", "fixed_fee": "0.30", "minimum": "", "maximum": "50.00", "csrf_token": csrf_of(operator_browser)})

    assert 'value="12.5"' in form and 'value="50.00"' in form
    assert stub.calls_to("/api/v1/commission-rules/rule-1", "PATCH")[0].body == {
        "rate_bps": 900, "fixed_fee_minor": 30, "min_minor": None, "max_minor": 5000}


def test_a_maximum_below_the_minimum_is_refused_on_the_edit_page(operator_browser, stub):
    stub.answer("GET", "/api/v1/commission-rules/rule-1", RULE)

    answer = operator_browser.post("/console/commission-rules/rule-1", headers=EN, data={
        "rate": "9", "minimum": "10", "maximum": "5", "csrf_token": csrf_of(operator_browser)})

    assert answer.status_code == 422 and "The maximum is below the minimum." in answer.get_data(as_text=True)
    assert stub.calls_to("/api/v1/commission-rules/rule-1", "PATCH") == []


def test_deleting_a_rule_sends_a_delete_with_the_users_token(operator_browser, stub):
    stub.answer("DELETE", "/api/v1/commission-rules/rule-1", None, status=204)

    answer = operator_browser.post("/console/commission-rules/rule-1/delete",
                                   data={"csrf_token": csrf_of(operator_browser)})

    assert answer.status_code == 302 and "notice=rule-deleted" in answer.headers["Location"]
    assert _sub(stub, stub.calls_to("/api/v1/commission-rules/rule-1", "DELETE")[0]) == OPERATOR.sub


def test_a_rule_delete_the_api_refuses_shows_its_explanation(operator_browser, stub):
    stub.answer("DELETE", "/api/v1/commission-rules/rule-1", "admin role required", status=403)

    answer = operator_browser.post("/console/commission-rules/rule-1/delete",
                                   data={"csrf_token": csrf_of(operator_browser)}, headers=EN)

    assert answer.status_code == 403 and "admin role required" in answer.get_data(as_text=True)


def test_the_preview_shows_the_rule_that_applies_and_the_commission(operator_browser, stub):
    stub.answer("GET", "/api/v1/commission-rules", [RULE])
    stub.answer("GET", "/api/v1/commission-rules/preview", {
        "vendor_id": "ven-a", "category_id": "books", "amount_minor": 10000, "rule": RULE, "commission_minor": 1280,
        "net_minor": 8720, "precedence": ["vendor_category", "vendor", "category", "default"]})

    page = operator_browser.get("/console/commission-rules?vendor_id=ven-a&category_id=books&amount=100",
                                headers=EN).get_data(as_text=True)

    assert "€12.80" in page and "€87.20" in page
    assert stub.calls_to("/api/v1/commission-rules/preview")[0].args == {
        "vendor_id": "ven-a", "category_id": "books", "amount_minor": "10000"}


def test_a_payout_run_is_started_with_the_forms_idempotency_key(operator_browser, stub):
    stub.answer("GET", "/api/v1/payouts/runs", [])
    stub.answer("POST", "/api/v1/payouts/runs", RUN, status=201)
    form = operator_browser.get("/console/payouts/runs", headers=EN).get_data(as_text=True)
    key = form.split('name="idempotency_key" value="')[1].split('"')[0]

    answer = operator_browser.post("/console/payouts/runs", data={"idempotency_key": key,
                                                                  "csrf_token": csrf_of(operator_browser)})

    assert answer.headers["Location"] == "/console/payouts/runs/run-1?notice=payout-run"
    call = stub.calls_to("/api/v1/payouts/runs", "POST")[0]
    assert call.headers["Idempotency-Key"] == key and _sub(stub, call) == OPERATOR.sub


def test_a_refused_payout_run_shows_the_apis_detail(operator_browser, stub):
    stub.answer("POST", "/api/v1/payouts/runs", "admin role required", status=403)

    answer = operator_browser.post("/console/payouts/runs", headers=EN,
                                   data={"idempotency_key": "k-1", "csrf_token": csrf_of(operator_browser)})

    assert answer.status_code == 403 and "admin role required" in answer.get_data(as_text=True)


def test_a_run_shows_each_payout_and_why_it_failed(operator_browser, stub):
    stub.answer("GET", "/api/v1/payouts/runs/run-1", RUN)

    page = operator_browser.get("/console/payouts/runs/run-1?notice=payout-run", headers=EN).get_data(as_text=True)

    assert "Payout run done." in page and "ven-a" in page and "€88.00" in page and "account_closed" in page


def test_the_preview_shows_what_the_payments_service_says_a_run_would_pay(operator_browser, stub):
    stub.answer("GET", "/api/v1/payments/settings", {"payout_minimum_minor": 1000})
    stub.answer("GET", "/api/v1/payouts/preview", [
        {"vendor_id": "ven-a", "currency": "EUR", "amount_minor": 4400, "in_transit_minor": 2200,
         "available_minor": 2200}], headers={"X-Pagination": '{"total": 1, "total_pages": 1}'})

    page = operator_browser.get("/console/payouts/preview?currency=eur&vendor_id=ven-a",
                                headers=EN).get_data(as_text=True)

    assert "ven-a" in page and "<strong>€44.00</strong>" in page and page.count("€22.00") == 2
    assert "Minimum payout: €10.00" in page
    call = stub.calls_to("/api/v1/payouts/preview")[0]
    assert call.args == {"vendor_id": "ven-a", "currency": "EUR", "page": "1", "page_size": "20"}
    assert _sub(stub, call) == OPERATOR.sub
    assert stub.calls_to("/api/v1/balances") == []


def test_a_preview_paying_nothing_says_so(operator_browser, stub):
    stub.answer("GET", "/api/v1/payments/settings", {"payout_minimum_minor": 1000})
    stub.answer("GET", "/api/v1/payouts/preview", [])

    page = operator_browser.get("/console/payouts/preview", headers=EN).get_data(as_text=True)

    assert "A run started now would pay nothing." in page and "<table>" not in page


def test_a_bad_currency_in_the_preview_is_explained_without_calling_the_api(operator_browser, stub):
    answer = operator_browser.get("/console/payouts/preview?currency=euro", headers=EN)

    assert answer.status_code == 422 and "is not a currency code" in answer.get_data(as_text=True)
    assert stub.calls_to("/api/v1/payouts/preview") == []


def test_a_vendor_reads_its_own_payouts_with_its_token(vendor_browser, stub):
    stub.answer("GET", "/api/v1/payouts", RUN["payouts"])

    page = vendor_browser.get("/console/payouts?status=failed", headers=EN).get_data(as_text=True)

    assert "po-1" in page and "€88.00" in page and "Failed (account_closed)" in page and "run-1" not in page
    call = stub.calls_to("/api/v1/payouts")[0]
    assert call.args["status"] == "failed" and "vendor_id" not in call.args and _sub(stub, call) == VENDOR.sub


def test_a_vendors_balance_comes_from_the_api_with_its_token(vendor_browser, stub):
    stub.answer("GET", "/api/v1/balances", [{"vendor_id": "ven-a", "currency": "EUR", "pending_minor": 1234,
                                             "available_minor": -500}])

    page = vendor_browser.get("/console/balances", headers=EN).get_data(as_text=True)

    assert "€12.34" in page and "-€5.00" in page
    assert _sub(stub, stub.calls_to("/api/v1/balances")[0]) == VENDOR.sub


def test_an_operator_reads_a_vendors_statement_for_a_period(operator_browser, stub):
    stub.answer("GET", "/api/v1/ledger/statement", STATEMENT)

    page = operator_browser.get("/console/statement?vendor_id=ven-a&account=available&from=2026-11-01&to=2026-11-30",
                                headers=EN).get_data(as_text=True)

    assert "€10.00" in page and "€32.10" in page and "Return window passed" in page and "cursor=c-2" in page
    assert stub.calls_to("/api/v1/ledger/statement")[0].args == {
        "vendor_id": "ven-a", "account": "available", "from": "2026-11-01", "to": "2026-11-30", "limit": "100"}


def test_an_operator_is_asked_to_pick_a_vendor_before_any_statement(operator_browser, stub):
    page = operator_browser.get("/console/statement", headers=EN).get_data(as_text=True)

    assert "Pick a vendor and a period." in page and stub.calls_to("/api/v1/ledger/statement") == []


def test_a_period_ending_before_it_starts_is_explained(vendor_browser, stub):
    answer = vendor_browser.get("/console/statement?from=2026-11-30&to=2026-11-01", headers=EN)

    assert answer.status_code == 422 and "The first day is after the last one." in answer.get_data(as_text=True)
    assert stub.calls_to("/api/v1/ledger/statement") == []


def test_the_statement_csv_is_the_apis_csv_as_a_download(vendor_browser, stub):
    stub.answer("GET", "/api/v1/ledger/statement", CSV, headers={"Content-Type": "text/csv; charset=utf-8"})

    answer = vendor_browser.get("/console/statement.csv?account=pending&from=2026-11-01&to=2026-11-30&cursor=c-2")

    assert answer.content_type == "text/csv; charset=utf-8" and answer.data == CSV
    assert answer.headers["Content-Disposition"] == (
        'attachment; filename="statement-ven-a-pending-2026-11-01-2026-11-30.csv"')
    call = stub.calls_to("/api/v1/ledger/statement")[0]
    assert call.args == {"format": "csv", "account": "pending", "from": "2026-11-01", "to": "2026-11-30"}
    assert _sub(stub, call) == VENDOR.sub


def test_a_vendor_reads_its_commission_invoice_for_a_month(vendor_browser, stub):
    stub.answer("GET", "/api/v1/ledger/invoices/ven-a/2026-11", INVOICE)

    page = vendor_browser.get("/console/invoices?month=2026-11", headers=EN).get_data(as_text=True)

    assert "COM-ven-a-2026-11" in page and "€3.25" in page and "Commission charged" in page
    assert 'href="/console/invoices.csv?month=2026-11"' in page


def test_the_invoice_csv_is_passed_through_from_the_api(operator_browser, stub):
    stub.answer("GET", "/api/v1/ledger/invoices/ven-b/2026-10", b"number,line\r\nCOM-1,1\r\n",
                headers={"Content-Type": "text/csv; charset=utf-8"})

    answer = operator_browser.get("/console/invoices.csv?vendor_id=ven-b&month=2026-10")

    assert answer.content_type == "text/csv; charset=utf-8" and answer.data.splitlines() == [b"number,line",
                                                                                              b"COM-1,1"]
    assert 'filename="commission-invoice-ven-b-2026-10.csv"' in answer.headers["Content-Disposition"]
    assert stub.calls_to("/api/v1/ledger/invoices/ven-b/2026-10")[0].args == {"format": "csv"}


def test_a_month_that_is_not_one_is_explained(operator_browser, stub):
    answer = operator_browser.get("/console/invoices?vendor_id=ven-a&month=2026-13", headers=EN)

    assert answer.status_code == 422 and "“2026-13” is not a month (YYYY-MM)." in answer.get_data(as_text=True)


def test_another_vendors_invoice_is_the_404_page(operator_browser, stub):
    answer = operator_browser.get("/console/invoices?vendor_id=ven-zzz&month=2026-11", headers=EN)

    assert answer.status_code == 404 and "Page not found" in answer.get_data(as_text=True)


def test_the_money_pages_speak_french(vendor_browser, stub):
    stub.answer("GET", "/api/v1/balances", [{"vendor_id": "ven-a", "currency": "EUR", "pending_minor": 1234,
                                             "available_minor": 0}])

    page = vendor_browser.get("/console/balances", headers={"Accept-Language": "fr"}).get_data(as_text=True)

    assert "Mon solde" in page and "12,34\xa0€" in page and "Relevé" in page
