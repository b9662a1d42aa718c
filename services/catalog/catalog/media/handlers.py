"""Media use cases: upload an image, add a video by URL, reorder, delete.

Who may touch a product's media: its vendor (the token's ``vendor_id``) and admin
operators; another vendor's product answers 404 as if it did not exist. Files are
written before the row commits and removed if it does not; on delete the row goes
first and the files after, so a failure never leaves a row pointing at nothing.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chassis.errors import Problem
from catalog.media import images, videos
from catalog.media.storage import MediaStorage, media_key
from catalog.models import Product, ProductMedia
from catalog.models.base import new_id, now
from catalog.products import Editor
from catalog.products_workflow import APPROVED

IMAGE = "image"
VIDEO = "video"


def _not_found(product_id: str) -> Problem:
    return Problem(404, "not-found", f"no product {product_id}")


def writable_product(session: Session, product_id: str, editor: Editor) -> Product:
    """The product if ``editor`` may change its media (404 for another vendor's)."""
    product = session.get(Product, product_id)
    if product is None or not editor.owns(product.vendor_id):
        raise _not_found(product_id)
    return product


def readable_product(session: Session, product_id: str, reader: Editor | None) -> Product:
    """Anyone reads an approved product's media; its vendor and operators read any product's."""
    product = session.get(Product, product_id)
    if product is None or not (product.status == APPROVED or (reader is not None and reader.owns(product.vendor_id))):
        raise _not_found(product_id)
    return product


def media_of(session: Session, product_id: str, media_id: str) -> ProductMedia:
    media = session.get(ProductMedia, media_id)
    if media is None or media.product_id != product_id:
        raise Problem(404, "not-found", f"no media {media_id} on product {product_id}")
    return media


def _next_position(session: Session, product_id: str) -> int:
    highest = session.scalar(select(func.max(ProductMedia.position)).where(ProductMedia.product_id == product_id))
    return 0 if highest is None else highest + 1


@dataclass(frozen=True)
class UploadImage:
    product_id: str
    content: bytes


def upload_image(uow, storage: MediaStorage, editor: Editor, cmd: UploadImage) -> str:
    """Check, strip and store an image with its thumbnails; the new media's id (ImageRejected if refused)."""
    with uow:
        writable_product(uow.session, cmd.product_id, editor)  # before spending time on the image
    processed = images.process(cmd.content)
    media_id = new_id()
    original = media_key(media_id, "original", processed.extension)
    files = {original: processed.content}
    thumbnails = {}
    for thumb in processed.thumbnails:
        key = media_key(media_id, f"thumb-{thumb.size}", thumb.extension)
        files[key] = thumb.content
        thumbnails[str(thumb.size)] = {"key": key, "content_type": thumb.content_type,
                                       "width": thumb.width, "height": thumb.height}
    try:
        for key, content in files.items():
            storage.save(key, content)
        with uow:
            product = writable_product(uow.session, cmd.product_id, editor)
            media = ProductMedia(id=media_id, product_id=product.id, vendor_id=product.vendor_id, kind=IMAGE,
                                 storage_key=original, content_type=processed.content_type,
                                 size_bytes=len(processed.content), width=processed.width, height=processed.height,
                                 thumbnails=thumbnails, position=_next_position(uow.session, product.id),
                                 created_at=now())
            uow.session.add(media)
            uow.session.flush()
            uow.audit("media.uploaded", "product", product.id, after=_summary(media))
            uow.commit()
    except BaseException:
        for key in files:
            storage.delete(key)
        raise
    return media_id


@dataclass(frozen=True)
class AddVideo:
    product_id: str
    video_url: str


def add_video(uow, editor: Editor, cmd: AddVideo) -> str:
    """Attach a video by URL (allow-listed hosts only; nothing is downloaded)."""
    try:
        link = videos.parse_video_url(cmd.video_url)
    except videos.InvalidVideoUrl as error:
        raise Problem(422, "validation-failed", str(error), errors={"video_url": [str(error)]}) from None
    with uow:
        product = writable_product(uow.session, cmd.product_id, editor)
        media = ProductMedia(id=new_id(), product_id=product.id, vendor_id=product.vendor_id, kind=VIDEO,
                             video_url=link.url, thumbnails={}, position=_next_position(uow.session, product.id),
                             created_at=now())
        uow.session.add(media)
        uow.session.flush()
        uow.audit("media.video_added", "product", product.id, after=_summary(media))
        uow.commit()
        return media.id


def move_media(uow, editor: Editor, product_id: str, media_id: str, position: int) -> None:
    """Give a media a new position among its product's (lower shows first)."""
    with uow:
        writable_product(uow.session, product_id, editor)
        media = media_of(uow.session, product_id, media_id)
        before = media.position
        media.position = position
        uow.audit("media.moved", "product", product_id, before={"media_id": media_id, "position": before},
                  after={"media_id": media_id, "position": position})
        uow.commit()


def delete_media(uow, storage: MediaStorage, editor: Editor, product_id: str, media_id: str) -> None:
    """Remove a media and then its files."""
    with uow:
        writable_product(uow.session, product_id, editor)
        media = media_of(uow.session, product_id, media_id)
        keys = file_keys(media)
        uow.audit("media.deleted", "product", product_id, before=_summary(media))
        uow.session.delete(media)
        uow.commit()
    for key in keys:
        storage.delete(key)


def file_keys(media: ProductMedia) -> list[str]:
    """Every stored file of a media: the original and its thumbnails."""
    keys = [media.storage_key] if media.storage_key else []
    return keys + [thumb["key"] for thumb in (media.thumbnails or {}).values()]


def _summary(media: ProductMedia) -> dict:
    return {"media_id": media.id, "kind": media.kind, "storage_key": media.storage_key,
            "content_type": media.content_type, "size_bytes": media.size_bytes, "video_url": media.video_url}
