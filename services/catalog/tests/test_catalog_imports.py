"""CSV imports and exports: rows applied or reported, idempotent uploads, limits, tenancy, round trips."""
from __future__ import annotations

import csv
import io
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select, update

from chassis.tables import audit_log
from catalog import categories
from catalog.app import definition
from catalog.imports import jobs, offer_rows, product_rows
from catalog.imports.cells import guarded, unguarded
from catalog.models import ImportError_, ImportJob, Offer, Product, StockMovement
from catalog.products import Editor, create_product

VENDOR_A, VENDOR_B = "vendor-a", "vendor-b"


def ean13(body: str) -> str:
    """``body`` (12 digits) with its check digit."""
    total = sum(int(digit) * (3 if index % 2 else 1) for index, digit in enumerate(body))
    return body + str((10 - total % 10) % 10)


GTIN_PHONE, GTIN_CASE, GTIN_UNKNOWN = ean13("400638133393"), ean13("400638133394"), ean13("400638133395")


@pytest.fixture
def app(service_app):
    return service_app(definition())


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def vendor_a(bearer):
    return bearer(subject="user-a", roles=["vendor"], vendor_id=VENDOR_A)


@pytest.fixture
def vendor_b(bearer):
    return bearer(subject="user-b", roles=["vendor"], vendor_id=VENDOR_B)


@pytest.fixture
def admin(bearer):
    return bearer(subject="operator-1", roles=["operator", "admin"])


@pytest.fixture
def catalog_world(app):
    """A ``phones`` category (attributes storage_gb, dual_sim, color) and two products to offer."""
    with app.extensions["chassis.runtime"].uow() as uow:
        phones = categories.create_category(uow, name="Phones", slug="phones", parent_id=None)
        uow.session.flush()
        categories.add_attribute(uow, phones, {"code": "storage_gb", "label": "Storage", "kind": "number",
                                               "unit": "GB"})
        categories.add_attribute(uow, phones, {"code": "dual_sim", "label": "Dual SIM", "kind": "boolean"})
        categories.add_attribute(uow, phones, {"code": "color", "label": "Colour", "kind": "enum",
                                               "options": ["black", "white"], "required": True})
        operator = Editor(vendor_id=None, is_operator=True)
        phone = create_product(uow, {"title": "Phone X", "gtin": GTIN_PHONE, "category_id": phones.id,
                                     "attributes": {"color": "black"}}, operator)
        case = create_product(uow, {"title": "Case", "gtin": GTIN_CASE}, operator)
        uow.commit()
        return {"phone": phone.id, "case": case.id, "phones": phones.id}


def upload(client, headers, text: str | bytes, kind: str = "offers", query: str = "", name: str = "file.csv"):
    raw = text.encode() if isinstance(text, str) else text
    return client.post(f"/api/v1/imports?kind={kind}{query}", headers=headers,
                       data={"file": (io.BytesIO(raw), name)}, content_type="multipart/form-data")


def offers_of(app, vendor_id: str) -> dict[str, dict]:
    with app.extensions["chassis.runtime"].database.reads() as session:
        rows = session.scalars(select(Offer).where(Offer.vendor_id == vendor_id))
        return {offer.sku: {"product_id": offer.product_id, "price_minor": offer.price_minor,
                            "shipping_minor": offer.shipping_minor, "available": offer.available,
                            "condition": offer.condition, "lead_time_days": offer.lead_time_days,
                            "active": offer.active, "version": offer.version} for offer in rows}


def count(app, model, *where) -> int:
    with app.extensions["chassis.runtime"].database.reads() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def error_report(client, headers, job_id: str) -> list[dict]:
    response = client.get(f"/api/v1/imports/{job_id}/errors.csv", headers=headers)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


MIXED_OFFERS = (
    "sku,gtin,price,quantity,condition\n"
    f"A-1,{GTIN_PHONE},12.50,5,new\n"
    f"A-2,{GTIN_CASE},9.999,3,new\n"
    f"A-3,{GTIN_UNKNOWN},1.00,1,new\n"
    f"A-4,{GTIN_CASE},5.00,2,broken\n"
    f"A-5,{GTIN_CASE},7,-1,used\n"
    f"A-6,{GTIN_CASE},7,1,used\n"
)


def test_offer_import_applies_good_rows_and_reports_bad_ones(client, app, catalog_world, vendor_a):
    response = upload(client, vendor_a, MIXED_OFFERS)

    assert response.status_code == 201, response.get_json()
    job = response.get_json()
    assert {key: job[key] for key in ("vendor_id", "kind", "status", "total_rows", "processed_rows",
                                      "applied_rows", "error_rows", "failure")} == {
        "vendor_id": VENDOR_A, "kind": "offers", "status": "done", "total_rows": 6, "processed_rows": 6,
        "applied_rows": 2, "error_rows": 4, "failure": None}
    offers = offers_of(app, VENDOR_A)
    assert sorted(offers) == ["A-1", "A-6"]
    assert offers["A-1"] | {"version": None} == {
        "product_id": catalog_world["phone"], "price_minor": 1250, "shipping_minor": 0, "available": 5,
        "condition": "new", "lead_time_days": 1, "active": True, "version": None}
    report = error_report(client, vendor_a, job["id"])
    assert [(row["line"], row["column"]) for row in report] == [
        ("3", "price"), ("4", "gtin"), ("5", "condition"), ("6", "quantity")]
    assert report[0]["message"] == "at most 2 decimals"
    assert client.get(f"/api/v1/imports/{job['id']}", headers=vendor_a).get_json() == job


def test_same_file_again_returns_the_same_job_and_applies_nothing_twice(client, app, catalog_world, vendor_a):
    first = upload(client, vendor_a, MIXED_OFFERS)
    again = upload(client, vendor_a, MIXED_OFFERS, name="renamed.csv")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    assert count(app, ImportJob) == 1
    assert count(app, StockMovement) == 2
    assert offers_of(app, VENDOR_A)["A-1"]["available"] == 5


def test_offers_are_upserted_by_sku(client, app, catalog_world, vendor_a):
    upload(client, vendor_a, f"sku,gtin,price,quantity\nA-1,{GTIN_PHONE},12.50,5\n")
    response = upload(client, vendor_a, "sku,price,quantity,active\nA-1,11.00,8,no\n")

    assert response.get_json()["applied_rows"] == 1
    offer = offers_of(app, VENDOR_A)["A-1"]
    assert (offer["price_minor"], offer["available"], offer["active"]) == (1100, 8, False)


def test_semicolon_files_with_a_bom_and_decimal_commas_are_read(client, app, catalog_world, vendor_a):
    text = f"\ufeffsku;product_id;price;shipping\nA-1;{catalog_world['case']};12,50;4,9\n"

    response = upload(client, vendor_a, text)

    assert response.get_json()["applied_rows"] == 1
    assert (offers_of(app, VENDOR_A)["A-1"]["price_minor"], offers_of(app, VENDOR_A)["A-1"]["shipping_minor"]) \
        == (1250, 490)


def test_a_file_of_too_many_rows_is_refused_before_any_row_is_applied(client, app, catalog_world, vendor_a):
    rows = "".join(f"S-{index},{GTIN_CASE},1.00\n" for index in range(10_001))

    response = upload(client, vendor_a, "sku,gtin,price\n" + rows)

    assert response.status_code == 422
    assert response.get_json()["type"] == "urn:marketplace:problem:too-many-rows"
    assert (count(app, ImportJob), count(app, Offer)) == (0, 0)


def test_a_file_that_is_not_utf8_is_refused(client, app, catalog_world, vendor_a):
    response = upload(client, vendor_a, f"sku,gtin,price\nCAFÉ,{GTIN_CASE},1.00\n".encode("latin-1"))

    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert "not UTF-8" in response.get_json()["detail"]
    assert count(app, ImportJob) == 0


def test_a_file_over_10_mb_is_refused(client, catalog_world, vendor_a):
    response = upload(client, vendor_a, b"sku,gtin,price\n" + b"x" * (10 * 1024 * 1024))

    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"


def test_unknown_and_missing_columns_are_named(client, app, catalog_world, vendor_a):
    response = upload(client, vendor_a, f"vendor_id,gtin,price\n{VENDOR_B},{GTIN_CASE},1.00\n")

    assert response.status_code == 422
    body = response.get_json()
    assert (body["unknown_columns"], body["missing_columns"]) == (["vendor_id"], ["sku"])
    assert count(app, Offer) == 0


def test_progress_is_committed_chunk_by_chunk(client, app, catalog_world, vendor_a, monkeypatch):
    seen, apply = [], offer_rows.apply

    def observing(uow, vendor_id, cells, **options):
        with app.extensions["chassis.runtime"].database.reads() as session:
            seen.append(session.scalar(select(ImportJob.processed_rows)))
        apply(uow, vendor_id, cells, **options)
    monkeypatch.setattr(jobs, "CHUNK_ROWS", 2)
    monkeypatch.setattr(offer_rows, "apply", observing)

    upload(client, vendor_a, "sku,gtin,price\n" + "".join(f"S-{i},{GTIN_CASE},1.00\n" for i in range(5)))

    assert seen == [0, 0, 2, 2, 4]


def test_an_unexpected_error_fails_the_job_and_keeps_committed_chunks(client, app, catalog_world, vendor_a,
                                                                      monkeypatch):
    apply = offer_rows.apply

    def breaking(uow, vendor_id, cells, **options):
        if cells["sku"] == "S-3":
            raise RuntimeError("disk on fire")
        apply(uow, vendor_id, cells, **options)
    monkeypatch.setattr(jobs, "CHUNK_ROWS", 2)
    monkeypatch.setattr(offer_rows, "apply", breaking)

    job = upload(client, vendor_a, "sku,gtin,price\n" + "".join(f"S-{i},{GTIN_CASE},1.00\n" for i in range(5)))

    body = job.get_json()
    assert (body["status"], body["processed_rows"], body["applied_rows"]) == ("failed", 2, 2)
    assert "lines 4-5" in body["failure"] and "disk" not in body["failure"]
    assert sorted(offers_of(app, VENDOR_A)) == ["S-0", "S-1"]


PRODUCTS = (
    "title,gtin,brand,category,attr:storage_gb,attr:dual_sim,attr:color\n"
    "Phone Y,,Acme,phones,128,yes,white\n"
    "Phone Z,,Acme,phones,lots,no,black\n"
    "Phone W,,Acme,phones,64,no,\n"
    "Thing,,Acme,nowhere,,,\n"
)


def test_product_import_types_attributes_and_reports_bad_ones(client, app, catalog_world, vendor_a):
    response = upload(client, vendor_a, PRODUCTS, kind="products")

    job = response.get_json()
    assert (response.status_code, job["applied_rows"], job["error_rows"]) == (201, 1, 3)
    with app.extensions["chassis.runtime"].database.reads() as session:
        product = session.scalars(select(Product).where(Product.vendor_id == VENDOR_A)).one()
        assert (product.title, product.status, product.attributes) == (
            "Phone Y", "draft", {"storage_gb": 128, "dual_sim": True, "color": "white"})
    assert [(row["line"], row["column"]) for row in error_report(client, vendor_a, job["id"])] == [
        ("3", "attr:storage_gb"), ("4", "attr:color"), ("5", "category")]


def test_offers_export_imports_back_unchanged(client, app, catalog_world, vendor_a):
    upload(client, vendor_a, MIXED_OFFERS)
    before = offers_of(app, VENDOR_A)
    exported = client.get("/api/v1/exports/offers.csv", headers=vendor_a)

    again = upload(client, vendor_a, exported.get_data(), name="offers.csv")

    assert exported.mimetype == "text/csv"
    assert exported.get_data(as_text=True).splitlines()[0] == \
        "sku,product_id,gtin,price,currency,shipping,quantity,condition,lead_time_days,active"
    assert (again.status_code, again.get_json()["applied_rows"], again.get_json()["error_rows"]) == (201, 2, 0)
    assert offers_of(app, VENDOR_A) == before
    assert client.get("/api/v1/exports/offers.csv", headers=vendor_a).get_data() == exported.get_data()


def test_products_export_imports_back_unchanged(client, app, catalog_world, vendor_a):
    upload(client, vendor_a, PRODUCTS, kind="products")
    exported = client.get("/api/v1/exports/products.csv", headers=vendor_a).get_data(as_text=True)

    again = upload(client, vendor_a, exported, kind="products")

    assert exported.splitlines()[0] == \
        "id,title,description,brand,gtin,category,attr:color,attr:dual_sim,attr:storage_gb"
    assert (again.get_json()["applied_rows"], again.get_json()["error_rows"]) == (1, 0)
    assert count(app, Product, Product.vendor_id == VENDOR_A) == 1
    assert client.get("/api/v1/exports/products.csv", headers=vendor_a).get_data(as_text=True) == exported


def test_vendor_cannot_see_another_vendors_jobs(client, catalog_world, vendor_a, vendor_b):
    job_id = upload(client, vendor_a, MIXED_OFFERS).get_json()["id"]

    assert client.get(f"/api/v1/imports/{job_id}", headers=vendor_b).status_code == 404
    assert client.get(f"/api/v1/imports/{job_id}/errors.csv", headers=vendor_b).status_code == 404
    assert client.get("/api/v1/imports", headers=vendor_b).get_json() == []
    assert [job["id"] for job in client.get("/api/v1/imports", headers=vendor_a).get_json()] == [job_id]


def test_vendor_cannot_import_or_export_for_another_vendor(client, app, catalog_world, vendor_a):
    imported = upload(client, vendor_a, MIXED_OFFERS, query=f"&vendor_id={VENDOR_B}")
    exported = client.get(f"/api/v1/exports/offers.csv?vendor_id={VENDOR_B}", headers=vendor_a)

    assert (imported.status_code, exported.status_code) == (403, 403)
    assert count(app, Offer) == 0


def test_the_same_file_of_two_vendors_is_two_jobs(client, app, catalog_world, vendor_a, vendor_b):
    first = upload(client, vendor_a, MIXED_OFFERS).get_json()
    second = upload(client, vendor_b, MIXED_OFFERS).get_json()

    assert first["id"] != second["id"]
    assert (sorted(offers_of(app, VENDOR_A)), sorted(offers_of(app, VENDOR_B))) == (["A-1", "A-6"], ["A-1", "A-6"])


def test_operator_imports_and_exports_for_a_vendor(client, app, catalog_world, admin, vendor_a):
    response = upload(client, admin, MIXED_OFFERS, query=f"&vendor_id={VENDOR_A}")

    assert (response.status_code, response.get_json()["vendor_id"]) == (201, VENDOR_A)
    assert sorted(offers_of(app, VENDOR_A)) == ["A-1", "A-6"]
    assert client.get(f"/api/v1/imports/{response.get_json()['id']}", headers=vendor_a).status_code == 200
    exported = client.get(f"/api/v1/exports/offers.csv?vendor_id={VENDOR_A}", headers=admin)
    assert exported.get_data(as_text=True).count("\r\n") == 3


def test_operator_names_the_vendor(client, catalog_world, admin):
    response = upload(client, admin, MIXED_OFFERS)

    assert response.status_code == 422
    assert response.get_json()["errors"] == {"vendor_id": ["required for operators"]}


def test_support_operators_cannot_import(client, catalog_world, bearer):
    support = bearer(subject="operator-2", roles=["operator"])

    assert upload(client, support, MIXED_OFFERS, query=f"&vendor_id={VENDOR_A}").status_code == 403
    assert client.get(f"/api/v1/exports/offers.csv?vendor_id={VENDOR_A}", headers=support).status_code == 200


def test_imports_need_a_vendor_or_operator_token(client, catalog_world, bearer):
    customer = bearer(subject="customer-1", roles=["customer"])

    assert upload(client, {}, MIXED_OFFERS).status_code == 401
    assert client.get("/api/v1/exports/offers.csv").status_code == 401
    assert upload(client, customer, MIXED_OFFERS).status_code == 403
    assert client.get("/api/v1/imports", headers=customer).status_code == 403


def test_products_are_updated_by_id_and_gtins_of_others_are_refused(client, app, catalog_world, vendor_a):
    upload(client, vendor_a, PRODUCTS, kind="products")
    with app.extensions["chassis.runtime"].database.reads() as session:
        product_id = session.scalar(select(Product.id).where(Product.vendor_id == VENDOR_A))
    text = ("id,title,gtin,category,attr:storage_gb\n"
            f"{product_id},Phone Y2,,phones,256\n"
            f",Copy of Phone X,{GTIN_PHONE},,\n"
            f"{catalog_world['case']},Not mine,,,\n")

    job = upload(client, vendor_a, text, kind="products").get_json()

    assert (job["applied_rows"], job["error_rows"]) == (1, 2)
    with app.extensions["chassis.runtime"].database.reads() as session:
        product = session.get(Product, product_id)
        assert (product.title, product.attributes["storage_gb"], product.attributes["color"]) == (
            "Phone Y2", 256, "white")
    assert [(row["line"], row["column"]) for row in error_report(client, vendor_a, job["id"])] == [
        ("3", "gtin"), ("4", "id")]


def test_operator_imports_products_as_the_vendors(client, app, catalog_world, admin):
    response = upload(client, admin, PRODUCTS, kind="products", query=f"&vendor_id={VENDOR_A}")

    assert response.get_json()["applied_rows"] == 1
    assert count(app, Product, Product.vendor_id == VENDOR_A) == 1


def test_a_file_just_under_the_limit_is_read(client, app, catalog_world, vendor_a):
    row = f"S-1,{GTIN_CASE},1.00\n".encode()
    body = b"sku,gtin,price\n" + row * ((10 * 1024 * 1024 - 100) // len(row))

    response = upload(client, vendor_a, body)

    assert (response.status_code, response.get_json()["type"]) == (422, "urn:marketplace:problem:too-many-rows")


def test_blank_lines_are_skipped_and_lines_count_from_the_header(client, catalog_world, vendor_a):
    text = f"sku,gtin,price\n\nA-1,{GTIN_CASE},1.00\n\nA-2,{GTIN_CASE},x\n"

    job = upload(client, vendor_a, text).get_json()

    assert (job["total_rows"], job["applied_rows"]) == (2, 1)
    assert error_report(client, vendor_a, job["id"]) == [
        {"line": "5", "column": "price", "message": "a non-negative amount like 12.50"}]


# --- a failed job resumes when its file is uploaded again -------------------------------------------

def observe_rows(monkeypatch, module, key: str, broken: set[str], applied: list[str]) -> None:
    """``module.apply`` records each row's ``key`` cell, and fails unexpectedly on those in ``broken``."""
    apply = module.apply

    def observing(uow, vendor_id, cells, **options):
        if cells[key] in broken:
            raise RuntimeError("disk on fire")
        applied.append(cells[key])
        apply(uow, vendor_id, cells, **options)
    monkeypatch.setattr(module, "apply", observing)


def audited(app, job_id: str) -> list[str]:
    with app.extensions["chassis.runtime"].database.reads() as session:
        return list(session.scalars(select(audit_log.c.action).where(audit_log.c.target_id == job_id)
                                    .order_by(audit_log.c.id)))


FIVE_OFFERS = "sku,gtin,price,quantity\n" + "".join(
    f"S-{i},{GTIN_CASE},{'x' if i == 1 else '1.00'},1\n" for i in range(5))


def test_a_failed_job_resumes_at_its_first_uncommitted_row_when_its_file_comes_again(
        client, app, catalog_world, vendor_a, monkeypatch):
    broken, applied = {"S-3"}, []
    monkeypatch.setattr(jobs, "CHUNK_ROWS", 2)
    observe_rows(monkeypatch, offer_rows, "sku", broken, applied)
    failed = upload(client, vendor_a, FIVE_OFFERS).get_json()
    broken.clear()
    applied.clear()

    again = upload(client, vendor_a, FIVE_OFFERS, name="again.csv")

    body = again.get_json()
    assert failed["status"] == "failed"
    assert again.status_code == 200
    assert {key: body[key] for key in ("id", "status", "processed_rows", "applied_rows", "error_rows",
                                       "failure")} == {
        "id": failed["id"], "status": "done", "processed_rows": 5, "applied_rows": 4, "error_rows": 1,
        "failure": None}
    assert applied == ["S-2", "S-3", "S-4"]
    assert sorted(offers_of(app, VENDOR_A)) == ["S-0", "S-2", "S-3", "S-4"]
    assert count(app, StockMovement) == 4
    assert [row["line"] for row in error_report(client, vendor_a, failed["id"])] == ["3"]
    assert audited(app, failed["id"]) == ["import_job.created", "import_job.restarted"]


def test_resuming_a_failed_products_file_creates_each_product_once(client, app, catalog_world, vendor_a,
                                                                  monkeypatch):
    # Product rows without id or GTIN have no key: applied twice they would be two products.
    broken = {"P-3"}
    monkeypatch.setattr(jobs, "CHUNK_ROWS", 2)
    observe_rows(monkeypatch, product_rows, "title", broken, [])
    text = "title,brand\n" + "".join(f"P-{i},Acme\n" for i in range(5))
    upload(client, vendor_a, text, kind="products")
    broken.clear()

    job = upload(client, vendor_a, text, kind="products").get_json()

    assert (job["status"], job["applied_rows"]) == ("done", 5)
    with app.extensions["chassis.runtime"].database.reads() as session:
        assert sorted(session.scalars(select(Product.title).where(Product.vendor_id == VENDOR_A))) == [
            f"P-{i}" for i in range(5)]


def test_a_running_job_is_answered_as_it_is_when_its_file_comes_again(client, app, catalog_world, vendor_a):
    job_id = upload(client, vendor_a, MIXED_OFFERS).get_json()["id"]
    with app.extensions["chassis.runtime"].uow() as uow:
        uow.session.execute(update(ImportJob).values(status="running"))
        uow.commit()

    again = upload(client, vendor_a, MIXED_OFFERS)

    assert (again.status_code, again.get_json()["id"], again.get_json()["status"]) == (200, job_id, "running")
    assert count(app, StockMovement) == 2


def test_only_one_of_concurrent_uploads_restarts_a_failed_job(client, app, catalog_world, vendor_a, monkeypatch):
    monkeypatch.setattr(jobs, "CHUNK_ROWS", 2)
    observe_rows(monkeypatch, offer_rows, "sku", {"S-3"}, [])
    job_id = upload(client, vendor_a, FIVE_OFFERS).get_json()["id"]
    runtime, start = app.extensions["chassis.runtime"], threading.Barrier(4)

    def restart(_):
        start.wait()
        return jobs.restart_job(runtime.uow(), job_id)
    with ThreadPoolExecutor(4) as pool:
        outcomes = sorted(pool.map(restart, range(4)))

    assert outcomes == [False, False, False, True]
    assert audited(app, job_id) == ["import_job.created", "import_job.restarted"]


def test_the_same_rows_in_another_file_change_nothing(client, app, catalog_world, vendor_a):
    offers_text = f"sku,gtin,price,quantity\nA-1,{GTIN_PHONE},12.50,5\n"
    products_text = f"title,gtin,brand\nMug,{GTIN_UNKNOWN},Acme\n"
    upload(client, vendor_a, offers_text)
    upload(client, vendor_a, products_text, kind="products")
    offers_before = offers_of(app, VENDOR_A)

    # Windows line ends: the same rows, another file (another SHA-256), so another job.
    offers_job = upload(client, vendor_a, offers_text.replace("\n", "\r\n")).get_json()
    products_job = upload(client, vendor_a, products_text.replace("\n", "\r\n"), kind="products").get_json()

    assert (offers_job["applied_rows"], products_job["applied_rows"]) == (1, 1)
    assert offers_of(app, VENDOR_A) == offers_before
    assert (count(app, StockMovement), count(app, Product, Product.vendor_id == VENDOR_A)) == (1, 1)


# --- CSV formula injection ---------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "written"), [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1+2", "'-1+2"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("\rx", "'\rx"), ("'=x", "''=x"), ("''+x", "'''+x"), ("'plain", "'plain"), ("plain", "plain"), ("", ""),
    ("-5", "-5"), ("-12.50", "-12.50"), ("-1.5e-07", "-1.5e-07"), ("-", "'-"), ("- item", "'- item")])
def test_formula_starts_are_guarded_and_read_back_as_they_were(text, written):
    assert (guarded(text), unguarded(guarded(text))) == (written, text)


def test_products_export_guards_formulas_and_imports_back_unchanged(client, app, catalog_world, vendor_a):
    upload(client, vendor_a, 'title,description,brand\n"=HYPERLINK(""http://x"")",@SUM(A1),-Acme\n',
           kind="products")
    exported = client.get("/api/v1/exports/products.csv", headers=vendor_a).get_data(as_text=True)

    again = upload(client, vendor_a, exported, kind="products").get_json()

    assert list(csv.reader(io.StringIO(exported)))[1][1:4] == ["'=HYPERLINK(\"http://x\")", "'@SUM(A1)", "'-Acme"]
    assert (again["applied_rows"], again["error_rows"]) == (1, 0)
    with app.extensions["chassis.runtime"].database.reads() as session:
        product = session.scalars(select(Product).where(Product.vendor_id == VENDOR_A)).one()
        assert (product.title, product.description, product.brand) == ('=HYPERLINK("http://x")', "@SUM(A1)",
                                                                       "-Acme")
    assert client.get("/api/v1/exports/products.csv", headers=vendor_a).get_data(as_text=True) == exported


def test_offers_export_guards_formulas_and_imports_back_unchanged(client, app, catalog_world, vendor_a):
    upload(client, vendor_a, f"sku,gtin,price,quantity\n+1,{GTIN_CASE},1.00,2\n")
    before = offers_of(app, VENDOR_A)
    exported = client.get("/api/v1/exports/offers.csv", headers=vendor_a).get_data(as_text=True)

    again = upload(client, vendor_a, exported).get_json()

    assert exported.splitlines()[1].startswith("'+1,")
    assert (again["applied_rows"], again["error_rows"]) == (1, 0)
    assert offers_of(app, VENDOR_A) == before == {"+1": before["+1"]}


def test_error_report_guards_messages_echoing_formulas(client, app, catalog_world, vendor_a):
    job_id = upload(client, vendor_a, MIXED_OFFERS).get_json()["id"]
    with app.extensions["chassis.runtime"].uow() as uow:
        uow.session.add(ImportError_(job_id=job_id, line=9, column="", message="=cmd|' /C calc'!A0"))
        uow.commit()

    assert error_report(client, vendor_a, job_id)[-1] == {"line": "9", "column": "",
                                                          "message": "'=cmd|' /C calc'!A0"}
