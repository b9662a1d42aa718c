"""Catalog API: product media (images uploaded as multipart, videos by URL) and the public file server.

Uploads are judged by content (``catalog.media.images``): a text file called ``x.png`` is
refused with 415, an image over the runtime setting ``media_max_bytes`` with 413, one with
too many pixels with 422. Files are served at ``/api/v1/media/<key>`` to anyone, cached for
a year: keys embed a random media id and a file never changes under its key.
"""
from __future__ import annotations

import hashlib

import marshmallow as ma
from flask import request, send_file
from flask.views import MethodView
from marshmallow import validate
from sqlalchemy import select

from chassis.app import runtime
from chassis.audit import UtcDateTime
from chassis.auth.flask import require_auth
from chassis.blueprint import Blueprint
from chassis.errors import Problem
from chassis.runtime_settings import current as current_settings
from catalog.api import access
from catalog.media import handlers, images
from catalog.media.storage import is_valid_key, media_id_of, storage_for
from catalog.media.videos import parse_video_url
from catalog.models import ProductMedia
from catalog.settings import CatalogRuntimeSettings

FILES_PREFIX = "/api/v1/media/"
ONE_YEAR = 365 * 24 * 3600
#: Room for the multipart boundaries and part headers around the file itself.
MULTIPART_OVERHEAD = 64 * 1024
SECURITY = [{"bearerAuth": []}]

_blueprint = Blueprint("catalog_media", __name__, description="Product images and videos, and the media files.")


def blueprint() -> Blueprint:
    return _blueprint


class ThumbnailUrlsSchema(ma.Schema):
    original = ma.fields.String(metadata={"description": "The image without its metadata"})
    thumbnails = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(),
                                metadata={"description": "By the side of the square they fit in (160, 480): WebP"})


class MediaSchema(ma.Schema):
    id = ma.fields.String()
    product_id = ma.fields.String()
    kind = ma.fields.String(metadata={"description": "image or video"})
    position = ma.fields.Integer()
    content_type = ma.fields.String(allow_none=True)
    size = ma.fields.Integer(allow_none=True, metadata={"description": "Bytes of the stored original"})
    width = ma.fields.Integer(allow_none=True)
    height = ma.fields.Integer(allow_none=True)
    urls = ma.fields.Nested(ThumbnailUrlsSchema, allow_none=True)
    video_url = ma.fields.String(allow_none=True)
    embed_url = ma.fields.String(allow_none=True, metadata={"description": "The player to embed (videos)"})
    created_at = UtcDateTime()


class VideoSchema(ma.Schema):
    video_url = ma.fields.String(required=True, validate=validate.Length(min=1, max=2000),
                                 metadata={"description": "https URL on youtube.com, youtu.be or vimeo.com"})


class MoveSchema(ma.Schema):
    position = ma.fields.Integer(required=True, validate=validate.Range(min=0, max=10_000))


_UPLOAD_DOC = {"required": True, "content": {
    "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary", "description": "JPEG, PNG, WebP or GIF"}}}},
    "application/json": {"schema": {"type": "object", "required": ["video_url"], "properties": {
        "video_url": {"type": "string", "description": "https URL on youtube.com, youtu.be or vimeo.com"}}}}}}


@_blueprint.route("/api/v1/products/<product_id>/media")
class ProductMediaCollection(MethodView):
    @_blueprint.response(200, MediaSchema(many=True))
    def get(self, product_id):
        """A product's media in display order: public for approved products, else its vendor and operators."""
        reader = access.reader() if access.optional_principal() is not None else None
        with runtime().database.reads() as session:
            handlers.readable_product(session, product_id, reader)
            rows = session.scalars(select(ProductMedia).where(ProductMedia.product_id == product_id)
                                   .order_by(ProductMedia.position, ProductMedia.created_at, ProductMedia.id))
            return [media_body(media) for media in rows]

    @require_auth()
    @_blueprint.response(201, MediaSchema)
    @_blueprint.doc(security=SECURITY, requestBody=_UPLOAD_DOC, responses={
        "413": {"description": "Larger than the `media_max_bytes` setting"},
        "415": {"description": "Not a JPEG, PNG, WebP or GIF image (judged by content)"},
        "422": {"description": "Too many pixels, or a video URL not allowed"}})
    def post(self, product_id):
        """Add an image (multipart field `file`) or a video (JSON `{"video_url": ...}`): the product's vendor or an admin operator."""
        uow, editor = runtime().uow(), access.writer()
        if request.mimetype == "application/json":
            body = _load(VideoSchema(), request.get_json(silent=True))
            media_id = handlers.add_video(uow, editor, handlers.AddVideo(product_id, body["video_url"]))
        elif request.mimetype == "multipart/form-data":
            media_id = _upload(uow, editor, product_id)
        else:
            raise Problem(415, "unsupported-media-type", "send multipart/form-data with a `file`, "
                                                         "or application/json with a `video_url`")
        return _read(product_id, media_id)


@_blueprint.route("/api/v1/products/<product_id>/media/<media_id>")
class ProductMediaItem(MethodView):
    @require_auth()
    @_blueprint.arguments(MoveSchema)
    @_blueprint.response(200, MediaSchema)
    @_blueprint.doc(security=SECURITY)
    def patch(self, move, product_id, media_id):
        """Move a media to another position (lower shows first)."""
        handlers.move_media(runtime().uow(), access.writer(), product_id, media_id, move["position"])
        return _read(product_id, media_id)

    @require_auth()
    @_blueprint.response(204)
    @_blueprint.doc(security=SECURITY)
    def delete(self, product_id, media_id):
        """Remove a media and its files."""
        handlers.delete_media(runtime().uow(), storage_for(runtime().settings), access.writer(),
                              product_id, media_id)


@_blueprint.route("/api/v1/media/<path:key>")
@_blueprint.doc(responses={"200": {"description": "The file", "content": {
    "image/*": {"schema": {"type": "string", "format": "binary"}}}}, "404": {"description": "No such file"}})
def serve_media_file(key):
    """A stored image or thumbnail (public; `Cache-Control: immutable`, strong ETag)."""
    content_type = _content_type_of(key)
    try:
        handle = storage_for(runtime().settings).open(key)
    except FileNotFoundError:
        raise Problem(404, "not-found", "no such media file") from None
    response = send_file(handle, mimetype=content_type, etag=hashlib.sha256(key.encode()).hexdigest()[:32],
                         max_age=ONE_YEAR, conditional=True)
    response.cache_control.public = True
    response.cache_control.immutable = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _content_type_of(key: str) -> str:
    """The content type recorded for ``key``; 404 for a key that is malformed or not a media's file."""
    if not is_valid_key(key):
        raise Problem(404, "not-found", "no such media file")
    with runtime().database.reads() as session:
        media = session.get(ProductMedia, media_id_of(key))
        if media is not None and media.storage_key == key:
            return media.content_type
        for thumb in (media.thumbnails or {}).values() if media is not None else ():
            if thumb["key"] == key:
                return thumb["content_type"]
    raise Problem(404, "not-found", "no such media file")


def _upload(uow, editor, product_id: str) -> str:
    with runtime().database.reads() as session:
        max_bytes = current_settings(session, CatalogRuntimeSettings).media_max_bytes
    too_large = Problem(413, "payload-too-large", f"images are limited to {max_bytes} bytes", max_bytes=max_bytes)
    if (request.content_length or 0) > max_bytes + MULTIPART_OVERHEAD:
        raise too_large
    request.max_content_length = max_bytes + MULTIPART_OVERHEAD  # the app-wide limit is lower than the setting
    upload = request.files.get("file")
    if upload is None:
        raise Problem(422, "validation-failed", "the multipart body needs a `file`", errors={"file": ["Missing"]})
    content = upload.stream.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise too_large
    try:
        return handlers.upload_image(uow, storage_for(runtime().settings), editor,
                                     handlers.UploadImage(product_id, content))
    except images.TooManyPixels as error:
        raise Problem(422, "image-too-many-pixels", error.reason, max_pixels=images.MAX_PIXELS) from None
    except images.ImageRejected as error:
        raise Problem(415, "unsupported-media-type", error.reason,
                      accepted=sorted(ctype for ctype, _ in images.ALLOWED_FORMATS.values())) from None


def _load(schema: ma.Schema, body) -> dict:
    if not isinstance(body, dict):
        raise Problem(400, "bad-request", "the body must be a JSON object")
    try:
        return schema.load(body)
    except ma.ValidationError as error:
        raise Problem(422, "validation-failed", "The request did not validate; see 'errors'.",
                      errors=error.messages) from None


def _read(product_id: str, media_id: str) -> dict:
    with runtime().database.reads() as session:
        return media_body(handlers.media_of(session, product_id, media_id))


def media_body(media: ProductMedia) -> dict:
    """What clients see of a media: URLs instead of storage keys."""
    body = {"id": media.id, "product_id": media.product_id, "kind": media.kind, "position": media.position,
            "content_type": media.content_type, "size": media.size_bytes, "width": media.width,
            "height": media.height, "video_url": media.video_url, "created_at": media.created_at,
            "urls": None, "embed_url": None}
    if media.kind == handlers.IMAGE:
        body["urls"] = {"original": FILES_PREFIX + media.storage_key,
                        "thumbnails": {size: FILES_PREFIX + thumb["key"] for size, thumb in media.thumbnails.items()}}
    elif media.video_url:
        body["embed_url"] = parse_video_url(media.video_url).embed_url
    return body
