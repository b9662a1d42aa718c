"""Hostile CSV imports: too big, too many rows, malformed in every way a file can be. Each is a 413/422 problem
answered before any row is applied, never a server error."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from catalog.imports.csv_files import MAX_BYTES, MAX_ROWS

PROBLEM = "application/problem+json"
HEADER = b"sku,price,quantity\n"


def definition():
    from catalog.app import definition
    return definition()


@pytest.fixture(scope="module")
def client(module_app):
    return module_app.test_client()


@pytest.fixture
def nothing_imported(module_app):
    """Asserts the test stored no job, offer or product."""
    from catalog.models import ImportJob, Offer, Product

    def stored() -> list[int]:
        with module_app.extensions["chassis.runtime"].database.reads() as session:
            return [session.scalar(select(func.count()).select_from(model)) for model in (ImportJob, Offer, Product)]
    before = stored()
    return lambda: stored() == before or pytest.fail(f"stored (jobs, offers, products): {before} -> {stored()}")


def upload(client, headers, raw: bytes, kind: str = "offers"):
    return client.post(f"/api/v1/imports?kind={kind}", headers=headers, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(raw), "upload.csv")})


def test_a_file_one_byte_over_the_limit_is_a_413(client, vendor_a, nothing_imported):
    raw = HEADER + b"x" * (MAX_BYTES - len(HEADER) + 1)
    response = upload(client, vendor_a, raw)
    assert (response.status_code, response.mimetype, response.get_json()["type"]) == (
        413, PROBLEM, "urn:marketplace:problem:file-too-large")
    nothing_imported()


def test_a_request_far_over_the_limit_is_a_413_on_its_announced_length(client, vendor_a, nothing_imported):
    response = upload(client, vendor_a, HEADER + b"x" * (2 * MAX_BYTES))
    assert (response.status_code, response.mimetype) == (413, PROBLEM)
    nothing_imported()


def test_one_row_too_many_is_a_422_before_any_row_is_applied(client, vendor_a, nothing_imported):
    raw = HEADER + b"".join(b"SKU-%d,1.00,1\n" % number for number in range(MAX_ROWS + 1))
    response = upload(client, vendor_a, raw)
    assert (response.status_code, response.mimetype, response.get_json()["type"]) == (
        422, PROBLEM, "urn:marketplace:problem:too-many-rows")
    nothing_imported()


MALFORMED = {
    "empty": b"",
    "blank lines only": b"\n\r\n  \n",
    "not utf-8": HEADER + b"SKU-1,\xff\xfe,1\n",
    "utf-16": "sku,price\nSKU-1,1.00\n".encode("utf-16"),
    "a picture": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8,
    "duplicate columns": b"sku,sku,price\nSKU-1,SKU-2,1.00\n",
    "a nameless column": b"sku,,price\nSKU-1,x,1.00\n",
    "unknown columns": b"sku,price,vendor_id,commission_bps\nSKU-1,1.00,ven-b,0\n",
    "a cell past the csv field limit": b"sku,price\n" + b"S" * 200_000 + b",1.00\n",
    "a hundred thousand columns": b",".join(b"c%d" % n for n in range(100_000)) + b"\nx\n",
}


@pytest.mark.parametrize("raw", MALFORMED.values(), ids=MALFORMED.keys())
@pytest.mark.parametrize("kind", ["offers", "products"])
def test_a_malformed_file_is_a_422_problem(client, vendor_a, nothing_imported, raw, kind):
    response = upload(client, vendor_a, raw, kind)
    assert (response.status_code, response.mimetype) == (422, PROBLEM), response.get_data(as_text=True)[:500]
    nothing_imported()


def test_an_unterminated_quote_swallows_the_rest_of_the_file_into_one_reported_row(client, vendor_a):
    response = upload(client, vendor_a, b'sku,price\n"SKU-1,1.00\nSKU-2,2.00\n')
    assert response.status_code == 201, response.get_json()
    assert (response.get_json()["applied_rows"], response.get_json()["error_rows"]) == (0, 1)


def test_an_upload_without_its_file_field_is_a_422(client, vendor_a, nothing_imported):
    response = client.post("/api/v1/imports?kind=offers", headers=vendor_a, content_type="multipart/form-data",
                           data={"other": (io.BytesIO(HEADER), "upload.csv")})
    assert (response.status_code, response.mimetype) == (422, PROBLEM)
    nothing_imported()
