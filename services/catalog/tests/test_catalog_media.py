"""Product media: images judged by content, thumbnails served for a year, videos by URL, tenancy."""
from __future__ import annotations

import io
import random

import pytest
from PIL import Image

from catalog.app import definition
from catalog.media import images, storage, videos
from catalog.models import Product
from catalog.models.base import new_id, now

VENDOR_A, VENDOR_B = "vendor-a", "vendor-b"
PROBLEM = "application/problem+json"


@pytest.fixture
def media_dir(tmp_path):
    return tmp_path / "media"


@pytest.fixture
def catalog_app(service_app, media_dir):
    return service_app(definition(), media_dir=str(media_dir))


@pytest.fixture
def http(catalog_app):
    return catalog_app.test_client()


@pytest.fixture
def tokens(bearer):
    class Tokens:
        vendor_a = bearer(subject="staff-a", roles=["vendor"], vendor_id=VENDOR_A)
        vendor_b = bearer(subject="staff-b", roles=["vendor"], vendor_id=VENDOR_B)
        admin = bearer(subject="op-admin", roles=["operator", "admin"])
        support = bearer(subject="op-support", roles=["operator"])
        customer = bearer(subject="customer-1", roles=["customer"])
    return Tokens


def add_product(app, vendor_id: str | None = VENDOR_A, status: str = "approved") -> str:
    product_id = new_id()
    with app.extensions["chassis.runtime"].uow() as uow:
        uow.session.add(Product(id=product_id, vendor_id=vendor_id, title="Mug", status=status,
                                created_at=now(), updated_at=now()))
        uow.commit()
    return product_id


def picture(fmt: str = "PNG", size=(640, 320), colour=(200, 30, 30), **save_options) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format=fmt, **save_options)
    return out.getvalue()


def upload(http, product_id, content: bytes, headers, filename="photo.png", content_type="image/png"):
    return http.post(f"/api/v1/products/{product_id}/media", headers=headers, content_type="multipart/form-data",
                     data={"file": (io.BytesIO(content), filename, content_type)})


def stored_files(media_dir) -> list[str]:
    return sorted(str(p.relative_to(media_dir)) for p in media_dir.rglob("*") if p.is_file()) \
        if media_dir.exists() else []


# --- uploads ------------------------------------------------------------------------------------

def test_vendor_uploads_a_png_and_gets_dimensions_and_thumbnail_urls(catalog_app, http, tokens):
    product_id = add_product(catalog_app)
    response = upload(http, product_id, picture(), tokens.vendor_a)
    assert response.status_code == 201, response.json
    body = response.json
    assert (body["kind"], body["content_type"], body["width"], body["height"], body["position"]) == (
        "image", "image/png", 640, 320, 0)
    assert body["size"] > 0
    assert body["urls"]["original"] == f"/api/v1/media/{body['id']}/original.png"
    assert body["urls"]["thumbnails"] == {"160": f"/api/v1/media/{body['id']}/thumb-160.webp",
                                          "480": f"/api/v1/media/{body['id']}/thumb-480.webp"}


def test_thumbnails_and_original_are_served_with_immutable_cache_headers(catalog_app, http, tokens):
    body = upload(http, add_product(catalog_app), picture(), tokens.vendor_a).json
    for url, content_type, size in ((body["urls"]["thumbnails"]["160"], "image/webp", (160, 80)),
                                    (body["urls"]["thumbnails"]["480"], "image/webp", (480, 240)),
                                    (body["urls"]["original"], "image/png", (640, 320))):
        served = http.get(url)
        assert served.status_code == 200
        assert served.content_type == content_type
        assert set(served.headers["Cache-Control"].replace(" ", "").split(",")) == {
            "public", "max-age=31536000", "immutable"}
        assert served.headers["ETag"].startswith('"') and served.headers["X-Content-Type-Options"] == "nosniff"
        assert Image.open(io.BytesIO(served.data)).size == size


def test_a_file_asked_again_with_its_etag_answers_304(catalog_app, http, tokens):
    url = upload(http, add_product(catalog_app), picture(), tokens.vendor_a).json["urls"]["original"]
    etag = http.get(url).headers["ETag"]
    assert http.get(url, headers={"If-None-Match": etag}).status_code == 304


def test_jpeg_loses_its_exif_and_is_turned_upright(catalog_app, http, tokens):
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90 degrees to display
    content = picture("JPEG", size=(200, 100), exif=exif.tobytes())
    body = upload(http, add_product(catalog_app), content, tokens.vendor_a, "p.jpg", "image/jpeg").json
    assert (body["content_type"], body["width"], body["height"]) == ("image/jpeg", 100, 200)
    served = Image.open(io.BytesIO(http.get(body["urls"]["original"]).data))
    assert (served.format, served.size, dict(served.getexif())) == ("JPEG", (100, 200), {})


@pytest.mark.parametrize("fmt, content_type", [("WEBP", "image/webp"), ("GIF", "image/gif")])
def test_webp_and_gif_are_accepted(catalog_app, http, tokens, fmt, content_type):
    response = upload(http, add_product(catalog_app), picture(fmt, size=(50, 40)), tokens.vendor_a)
    assert (response.status_code, response.json["content_type"], response.json["width"]) == (201, content_type, 50)


def test_a_text_file_named_png_with_an_image_content_type_is_refused_with_415(catalog_app, http, tokens, media_dir):
    product_id = add_product(catalog_app)
    response = upload(http, product_id, b"just some text, honest\n" * 20, tokens.vendor_a, "x.png", "image/png")
    assert (response.status_code, response.content_type) == (415, PROBLEM)
    assert response.json["type"] == "urn:marketplace:problem:unsupported-media-type"
    assert response.json["accepted"] == ["image/gif", "image/jpeg", "image/png", "image/webp"]
    assert stored_files(media_dir) == []
    assert http.get(f"/api/v1/products/{product_id}/media").json == []


def test_other_image_formats_and_truncated_images_are_refused_with_415(catalog_app, http, tokens):
    product_id = add_product(catalog_app)
    bmp = picture("BMP", size=(20, 20))
    truncated = picture(size=(300, 300), colour=(1, 2, 3))[:-40]
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    for content in (bmp, truncated, svg):
        assert upload(http, product_id, content, tokens.vendor_a).status_code == 415


def test_an_image_with_too_many_pixels_is_refused_with_422_before_decoding(catalog_app, http, tokens):
    out = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(out, format="PNG")  # 100 MP in a few kilobytes
    response = upload(http, add_product(catalog_app), out.getvalue(), tokens.vendor_a)
    assert (response.status_code, response.json["type"]) == (422, "urn:marketplace:problem:image-too-many-pixels")


def set_media_max_bytes(http, tokens, value: int) -> None:
    changed = http.patch("/api/v1/catalog/settings", json={"media_max_bytes": value}, headers=tokens.admin)
    assert changed.status_code == 200, changed.json


def test_an_image_over_the_media_max_bytes_setting_is_refused_with_413(catalog_app, http, tokens, media_dir):
    set_media_max_bytes(http, tokens, 2048)
    noisy = Image.frombytes("RGB", (64, 64), random.Random(7).randbytes(64 * 64 * 3))
    out = io.BytesIO()
    noisy.save(out, format="PNG")
    assert len(out.getvalue()) > 2048
    response = upload(http, add_product(catalog_app), out.getvalue(), tokens.vendor_a)
    assert (response.status_code, response.content_type) == (413, PROBLEM)
    assert (response.json["type"], response.json["max_bytes"]) == ("urn:marketplace:problem:payload-too-large", 2048)
    assert stored_files(media_dir) == []


def test_the_default_limit_refuses_a_six_megabyte_upload_with_413(catalog_app, http, tokens):
    response = upload(http, add_product(catalog_app), b"\0" * (6 * 1024 * 1024), tokens.vendor_a)
    assert (response.status_code, response.content_type) == (413, PROBLEM)


def test_the_setting_can_allow_uploads_above_the_apps_general_body_limit(catalog_app, http, tokens):
    set_media_max_bytes(http, tokens, 12 * 1024 * 1024)
    # 11 MB is over the 10 MB every other endpoint accepts: it gets as far as the content check.
    response = upload(http, add_product(catalog_app), b"\0" * (11 * 1024 * 1024), tokens.vendor_a)
    assert response.status_code == 415


def test_an_upload_without_a_file_field_is_422_and_another_body_type_415(catalog_app, http, tokens):
    product_id = add_product(catalog_app)
    url = f"/api/v1/products/{product_id}/media"
    missing = http.post(url, headers=tokens.vendor_a, content_type="multipart/form-data", data={"other": "x"})
    assert (missing.status_code, missing.json["errors"]) == (422, {"file": ["Missing"]})
    assert http.post(url, headers=tokens.vendor_a, data=picture(), content_type="image/png").status_code == 415


# --- videos -------------------------------------------------------------------------------------

def test_a_youtube_video_is_added_by_url_with_its_embed_url(catalog_app, http, tokens):
    product_id = add_product(catalog_app)
    response = http.post(f"/api/v1/products/{product_id}/media", headers=tokens.vendor_a,
                         json={"video_url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ"})
    assert response.status_code == 201, response.json
    assert (response.json["kind"], response.json["video_url"], response.json["embed_url"], response.json["urls"]) == (
        "video", "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
        None)


@pytest.mark.parametrize("url", ["http://www.youtube.com/watch?v=dQw4w9WgXcQ", "https://evil.example/watch?v=x",
                                 "https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ",
                                 "https://user@vimeo.com/76979871", "javascript:alert(1)",
                                 "https://www.youtube.com/redirect?q=https://evil.example", ""])
def test_video_urls_off_the_allow_list_are_refused_with_422(catalog_app, http, tokens, url):
    response = http.post(f"/api/v1/products/{add_product(catalog_app)}/media", headers=tokens.vendor_a,
                         json={"video_url": url})
    assert (response.status_code, response.content_type) == (422, PROBLEM)
    assert "video_url" in response.json["errors"]


@pytest.mark.parametrize("url, embed", [
    ("https://youtu.be/dQw4w9WgXcQ", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
    ("https://www.youtube.com/shorts/dQw4w9WgXcQ", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
    ("https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871"),
    ("https://player.vimeo.com/video/76979871", "https://player.vimeo.com/video/76979871")])
def test_video_links_of_each_allowed_shape_give_their_player(url, embed):
    assert videos.parse_video_url(url).embed_url == embed


# --- reading, ordering, deleting --------------------------------------------------------------

def test_an_approved_products_media_are_public_in_position_order(catalog_app, http, tokens):
    product_id = add_product(catalog_app)
    first = upload(http, product_id, picture(), tokens.vendor_a).json["id"]
    second = http.post(f"/api/v1/products/{product_id}/media", headers=tokens.vendor_a,
                       json={"video_url": "https://vimeo.com/76979871"}).json["id"]
    assert [m["id"] for m in http.get(f"/api/v1/products/{product_id}/media").json] == [first, second]
    moved = http.patch(f"/api/v1/products/{product_id}/media/{second}", json={"position": 0}, headers=tokens.vendor_a)
    assert moved.status_code == 200 and moved.json["position"] == 0
    http.patch(f"/api/v1/products/{product_id}/media/{first}", json={"position": 1}, headers=tokens.vendor_a)
    assert [m["id"] for m in http.get(f"/api/v1/products/{product_id}/media").json] == [second, first]


def test_a_draft_products_media_are_seen_by_its_vendor_and_operators_only(catalog_app, http, tokens):
    product_id = add_product(catalog_app, status="draft")
    upload(http, product_id, picture(), tokens.vendor_a)
    url = f"/api/v1/products/{product_id}/media"
    assert http.get(url).status_code == 404
    assert http.get(url, headers=tokens.customer).status_code == 404
    assert http.get(url, headers=tokens.vendor_b).status_code == 404
    assert [len(http.get(url, headers=who).json) for who in (tokens.vendor_a, tokens.support)] == [1, 1]


def test_deleting_a_media_removes_its_files(catalog_app, http, tokens, media_dir):
    product_id = add_product(catalog_app)
    body = upload(http, product_id, picture(), tokens.vendor_a).json
    assert len(stored_files(media_dir)) == 3
    assert http.delete(f"/api/v1/products/{product_id}/media/{body['id']}", headers=tokens.vendor_a).status_code == 204
    assert stored_files(media_dir) == []
    assert http.get(body["urls"]["original"]).status_code == 404
    assert http.get(f"/api/v1/products/{product_id}/media").json == []


def test_uploads_and_deletions_are_audited(catalog_app, http, tokens):
    product_id = add_product(catalog_app)
    media_id = upload(http, product_id, picture(), tokens.vendor_a).json["id"]
    http.delete(f"/api/v1/products/{product_id}/media/{media_id}", headers=tokens.admin)
    entries = http.get(f"/api/v1/catalog/audit?target_id={product_id}", headers=tokens.support).json
    assert [(e["action"], e["actor"], e["target_type"]) for e in entries] == [
        ("media.deleted", "op-admin", "product"), ("media.uploaded", "staff-a", "product")]
    assert entries[1]["after"]["media_id"] == media_id


# --- who may do what ----------------------------------------------------------------------------

def test_another_vendor_gets_404_on_every_media_endpoint_of_a_product(catalog_app, http, tokens, media_dir):
    product_a = add_product(catalog_app, VENDOR_A, status="draft")
    product_b = add_product(catalog_app, VENDOR_B)
    media_a = upload(http, product_a, picture(), tokens.vendor_a).json["id"]
    for url in (f"/api/v1/products/{product_a}/media/{media_a}", f"/api/v1/products/{product_b}/media/{media_a}"):
        assert http.delete(url, headers=tokens.vendor_b).status_code == 404
        assert http.patch(url, json={"position": 3}, headers=tokens.vendor_b).status_code == 404
    assert upload(http, product_a, picture(), tokens.vendor_b).status_code == 404
    assert http.post(f"/api/v1/products/{product_a}/media", headers=tokens.vendor_b,
                     json={"video_url": "https://vimeo.com/76979871"}).status_code == 404
    assert http.get(f"/api/v1/products/{product_a}/media", headers=tokens.vendor_b).status_code == 404
    assert len(stored_files(media_dir)) == 3
    assert [m["position"] for m in http.get(f"/api/v1/products/{product_a}/media", headers=tokens.vendor_a).json] == [0]


def test_an_unknown_product_is_404(catalog_app, http, tokens):
    assert upload(http, new_id(), picture(), tokens.admin).status_code == 404
    assert http.get(f"/api/v1/products/{new_id()}/media").status_code == 404


def test_writes_need_a_token_of_the_vendor_or_an_admin_operator(catalog_app, http, tokens):
    product_id = add_product(catalog_app)
    assert upload(http, product_id, picture(), {}).status_code == 401
    assert upload(http, product_id, picture(), tokens.customer).status_code == 403
    assert upload(http, product_id, picture(), tokens.support).status_code == 403
    media_id = upload(http, product_id, picture(), tokens.admin).json["id"]
    url = f"/api/v1/products/{product_id}/media/{media_id}"
    assert http.delete(url).status_code == 401
    assert http.delete(url, headers=tokens.support).status_code == 403
    assert http.delete(url, headers=tokens.vendor_a).status_code == 204


def test_operators_manage_media_of_products_they_created(catalog_app, http, tokens):
    product_id = add_product(catalog_app, vendor_id=None)
    assert upload(http, product_id, picture(), tokens.vendor_a).status_code == 404
    response = upload(http, product_id, picture(), tokens.admin)
    assert response.status_code == 201


# --- the file server ----------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "%2e%2e/%2e%2e/etc/passwd",
                                  "x/original.png", "00000000-0000-0000-0000-000000000000/original.png",
                                  "00000000-0000-0000-0000-000000000000/../original.png"])
def test_the_file_server_serves_nothing_but_recorded_media_files(catalog_app, http, path):
    response = http.get(f"/api/v1/media/{path}")
    assert response.status_code == 404


def test_a_recorded_media_serves_only_its_own_files(catalog_app, http, tokens):
    body = upload(http, add_product(catalog_app), picture(), tokens.vendor_a).json
    assert http.get(f"/api/v1/media/{body['id']}/thumb-999.webp").status_code == 404
    assert http.get(f"/api/v1/media/{body['id']}/original.jpg").status_code == 404


def test_the_filesystem_store_refuses_keys_that_are_not_generated(tmp_path):
    store = storage.FilesystemStorage(tmp_path)
    for key in ("../escape.png", "/etc/passwd", "a/b/c.png", f"{new_id()}/original.exe", f"{new_id()}/../x.png"):
        with pytest.raises(ValueError):
            store.save(key, b"x")
    key = storage.media_key(new_id(), "original", "png")
    store.save(key, b"content")
    assert store.open(key).read() == b"content" and store.exists(key)
    store.delete(key)
    assert not store.exists(key) and list(tmp_path.iterdir()) == []


def test_thumbnails_keep_transparency_and_never_upscale():
    out = io.BytesIO()
    Image.new("RGBA", (100, 50), (0, 0, 0, 0)).save(out, format="PNG")
    processed = images.process(out.getvalue())
    assert [(t.size, t.width, t.height) for t in processed.thumbnails] == [(160, 100, 50), (480, 100, 50)]
    assert Image.open(io.BytesIO(processed.thumbnails[0].content)).mode == "RGBA"


def test_an_animated_gif_keeps_its_frames_and_its_thumbnail_is_the_first():
    frames = [Image.new("RGB", (30, 20), colour) for colour in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=80, loop=0)
    processed = images.process(out.getvalue())
    stored = Image.open(io.BytesIO(processed.content))
    assert (processed.content_type, stored.n_frames, stored.info["duration"]) == ("image/gif", 3, 80)
    thumbnail = Image.open(io.BytesIO(processed.thumbnails[0].content)).convert("RGB")
    assert thumbnail.getpixel((0, 0))[0] > 200  # red, the first frame
