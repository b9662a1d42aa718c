"""CSV imports over a stub gateway: the upload, the job page polling while it runs, and the error report."""
from __future__ import annotations

from io import BytesIO

from console.testing import csrf_of

PAGED = {"X-Pagination": '{"total": 1, "total_pages": 1, "page": 1}'}
JOB = {"id": "job-1", "vendor_id": "ven-a", "kind": "offers", "status": "running", "filename": "stock.csv",
       "total_rows": 100, "processed_rows": 40, "applied_rows": 39, "error_rows": 1, "failure": None,
       "created_at": "2026-11-28T10:00:00+00:00"}
DONE = {**JOB, "status": "done", "processed_rows": 100, "applied_rows": 98, "error_rows": 2}
REPORT = b"line,column,message\n3,price,not an amount: 'abc'\n7,sku,required\n"


def test_a_vendor_uploads_a_csv_as_multipart_with_its_token(vendor_browser, stub):
    stub.answer("POST", "/api/v1/imports", JOB, status=201)

    answer = vendor_browser.post("/console/imports", content_type="multipart/form-data", data={
        "kind": "offers", "file": (BytesIO(b"sku,price\nA,1\n"), "stock.csv", "text/csv"),
        "csrf_token": csrf_of(vendor_browser)})

    call = stub.calls_to("/api/v1/imports", "POST")[0]
    assert call.args == {"kind": "offers"}
    assert call.files == {"file": ("stock.csv", b"sku,price\nA,1\n", "text/csv")}
    assert stub.access_tokens[call.token].vendor_id == "ven-a"
    assert answer.headers["Location"] == "/console/imports/job-1"


def test_an_upload_without_a_file_is_explained_and_keeps_the_kind(vendor_browser, stub):
    stub.answer("GET", "/api/v1/imports", [], headers=PAGED)

    answer = vendor_browser.post("/console/imports", data={"kind": "products", "csrf_token": csrf_of(vendor_browser)})
    page = answer.get_data(as_text=True)

    assert answer.status_code == 422 and "Choose what the file holds and a CSV file." in page
    assert 'value="products" required checked' in page and stub.calls_to("/api/v1/imports", "POST") == []


def test_a_file_the_api_refuses_is_explained_on_the_import_page(vendor_browser, stub):
    stub.answer("GET", "/api/v1/imports", [], headers=PAGED)
    stub.answer("POST", "/api/v1/imports", "unknown column 'vendor_id': the vendor comes from your token", status=422)

    answer = vendor_browser.post("/console/imports", content_type="multipart/form-data", data={
        "kind": "offers", "file": (BytesIO(b"vendor_id\n"), "x.csv", "text/csv"),
        "csrf_token": csrf_of(vendor_browser)})

    assert answer.status_code == 422 and "the vendor comes from your token" in answer.get_data(as_text=True)


def test_the_import_list_shows_past_jobs(vendor_browser, stub):
    stub.answer("GET", "/api/v1/imports", [DONE], headers=PAGED)

    page = vendor_browser.get("/console/imports").get_data(as_text=True)

    assert "/console/imports/job-1" in page and "stock.csv" in page and 'type="file"' in page


def test_a_running_job_polls_every_two_seconds(vendor_browser, stub):
    stub.answer("GET", "/api/v1/imports/job-1", JOB)

    page = vendor_browser.get("/console/imports/job-1").get_data(as_text=True)

    assert 'hx-trigger="every 2s"' in page and 'hx-get="/console/imports/job-1"' in page
    assert '<progress max="100" value="40">' in page and "<html" in page
    assert stub.calls_to("/api/v1/imports/job-1/errors.csv") == []  # the report waits for the end


def test_a_poll_answers_the_progress_block_alone(vendor_browser, stub):
    stub.answer("GET", "/api/v1/imports/job-1", JOB)

    page = vendor_browser.get("/console/imports/job-1", headers={"HX-Request": "true"}).get_data(as_text=True)

    assert "<html" not in page and 'id="import-progress"' in page


def test_a_finished_job_stops_polling_and_shows_the_error_report(vendor_browser, stub):
    stub.answer("GET", "/api/v1/imports/job-1", DONE)
    stub.answer("GET", "/api/v1/imports/job-1/errors.csv", REPORT, headers={"Content-Type": "text/csv"})

    page = vendor_browser.get("/console/imports/job-1", headers={"HX-Request": "true"}).get_data(as_text=True)

    assert "hx-trigger" not in page
    assert "<td>3</td><td>price</td><td>not an amount: &#39;abc&#39;</td>" in page
    assert "<td>7</td><td>sku</td><td>required</td>" in page
    assert "/console/imports/job-1/errors.csv" in page


def test_the_error_report_downloads_through_the_console(vendor_browser, stub):
    stub.answer("GET", "/api/v1/imports/job-1/errors.csv", REPORT, headers={"Content-Type": "text/csv; charset=utf-8"})

    answer = vendor_browser.get("/console/imports/job-1/errors.csv")

    assert answer.data == REPORT and answer.content_type.startswith("text/csv")
    assert answer.headers["Content-Disposition"] == 'attachment; filename="import-job-1-errors.csv"'
    assert stub.calls_to("/api/v1/imports/job-1/errors.csv")[0].token in stub.access_tokens


def test_a_failed_job_says_how_to_resume_it(vendor_browser, stub):
    stub.answer("GET", "/api/v1/imports/job-1", {**JOB, "status": "failed", "error_rows": 0,
                                                 "failure": "database unavailable"})

    page = vendor_browser.get("/console/imports/job-1").get_data(as_text=True)

    assert "database unavailable" in page and "Upload the same file again" in page and "hx-trigger" not in page


def test_another_vendors_job_is_a_404_page(vendor_browser, stub):
    answer = vendor_browser.get("/console/imports/job-of-someone-else")

    assert answer.status_code == 404 and "Page not found" in answer.get_data(as_text=True)


def test_job_pages_are_in_french_for_a_french_reader(vendor_browser, stub):
    stub.answer("GET", "/api/v1/imports/job-1", JOB)

    page = vendor_browser.get("/console/imports/job-1", headers={"Accept-Language": "fr"}).get_data(as_text=True)

    assert "En cours" in page and "lignes lues" in page


def test_an_operator_imports_for_the_vendor_it_names(operator_browser, stub):
    stub.answer("POST", "/api/v1/imports", JOB, status=201)

    operator_browser.post("/console/imports", content_type="multipart/form-data", data={
        "kind": "products", "vendor_id": "ven-a", "file": (BytesIO(b"title\nLamp\n"), "p.csv", "text/csv"),
        "csrf_token": csrf_of(operator_browser)})

    assert stub.calls_to("/api/v1/imports", "POST")[0].args == {"kind": "products", "vendor_id": "ven-a"}


def test_a_vendor_downloads_its_offers_in_the_format_the_import_reads(vendor_browser, stub):
    stub.answer("GET", "/api/v1/exports/offers.csv", b"sku,price\nA,1.00\n", headers={"Content-Type": "text/csv"})

    answer = vendor_browser.get("/console/exports/offers.csv")

    assert answer.data == b"sku,price\nA,1.00\n"
    assert answer.headers["Content-Disposition"] == 'attachment; filename="offers.csv"'
