"""Products: creation, edits (held for moderation once approved), the workflow and its events.

A vendor's product goes draft -> submitted -> approved | rejected; with moderation
off, or for a trusted vendor, submitting approves at once. Once approved, a vendor's
edit is kept in ``pending_changes`` while the live fields stay as they are, until an
operator approves (applies it) or rejects it (drops it). Operators edit live.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chassis.actors import event_actor
from chassis.errors import Problem
from chassis.runtime_settings import current
from catalog import categories, gtin, listing, markdown, search
from catalog.models import Category, Product
from catalog.models.base import new_id, now
from catalog.products_workflow import APPROVED, ARCHIVED, DRAFT, REJECTED, SUBMITTED, check_transition
from catalog.settings import CatalogRuntimeSettings

EDITABLE_FIELDS = ("title", "description", "brand", "gtin", "category_id", "attributes")


@dataclass(frozen=True)
class Editor:
    """Who edits: an operator, or the vendor the product belongs to."""

    vendor_id: str | None
    is_operator: bool

    def owns(self, vendor_id: str | None) -> bool:
        """Operators manage everything; vendor staff what belongs to their vendor."""
        return self.is_operator or (vendor_id is not None and self.vendor_id == vendor_id)

    def owner_of_new(self, requested: str | None) -> str | None:
        """Whose a new product or offer is: vendor staff's own vendor, or the one an operator names.

        A vendor's token decides its vendor, so naming another one is refused, not
        ignored. Catalog cannot tell an unknown vendor (VendorState only holds those
        it heard of), so none is checked.
        """
        if requested is not None and not self.owns(requested):
            raise Problem(422, "validation-failed", "vendor_id comes from your token",
                          errors={"vendor_id": ["not allowed"]})
        return requested if self.is_operator else self.vendor_id


def create_product(uow, fields: dict[str, Any], editor: Editor, *, vendor_id: str | None = None) -> Product:
    """A draft owned by the editor's vendor; an operator may name the vendor (else it is the marketplace's)."""
    session = uow.session
    owner = editor.owner_of_new(vendor_id)
    values = _checked(session, fields, product_id=None)
    product = Product(id=new_id(), vendor_id=owner, status=DRAFT, version=1, created_at=now(), updated_at=now(),
                      listed=False, in_stock=False, offer_count=0, **values)
    _derive(session, product)
    session.add(product)
    # The owner goes in the record: for an operator's product it is not the actor's vendor.
    uow.audit("product.created", "product", product.id, after={**_snapshot(product), "vendor_id": owner})
    return product


def update_product(uow, product: Product, changes: dict[str, Any], editor: Editor) -> Product:
    """Apply ``changes`` live, or hold them for moderation when a vendor edits an approved product."""
    if product.status == ARCHIVED:
        raise Problem(409, "product-archived", "an archived product cannot be edited")
    session = uow.session
    merged = {field: changes.get(field, getattr(product, field)) for field in EDITABLE_FIELDS}
    values = _checked(session, merged, product_id=product.id)
    before = _snapshot(product)
    changed = {field: value for field, value in values.items() if value != getattr(product, field)}
    if not changed:
        return product
    if product.status == APPROVED and _needs_review(session, product, editor):
        product.pending_changes = _json_ready(changed)
        product.pending_since = now()
        uow.audit("product.edit_submitted", "product", product.id, before=before, after=product.pending_changes)
    else:
        _apply(session, product, values)
        uow.audit("product.updated", "product", product.id, before=before, after=_snapshot(product))
    product.version += 1
    product.updated_at = now()
    return product


def submit(uow, product: Product, editor: Editor) -> Product:
    """Ask for review; approved at once when moderation does not apply to this product."""
    if _needs_review(uow.session, product, editor):
        check_transition(product.status, SUBMITTED)
        product.status, product.submitted_at, product.rejection_reason = SUBMITTED, now(), None
        uow.audit("product.submitted", "product", product.id)
        return product
    return approve(uow, product, asked=True)


def approve(uow, product: Product, *, asked: bool = False) -> Product:
    """Approve a submitted product, or the pending edit of an approved one.

    A vendor's draft is only decided once the vendor ``asked`` (submitted it);
    the marketplace's own products (no vendor) may go live from draft.
    """
    if product.status == DRAFT and product.vendor_id is not None and not asked:
        raise Problem(409, "illegal-transition", "the vendor has not submitted this product yet",
                      status_from=DRAFT, status_to=APPROVED)
    session = uow.session
    if product.status == APPROVED and product.pending_changes:
        _apply(session, product, _checked(session, {**_live(product), **product.pending_changes}, product.id))
        product.pending_changes, product.pending_since = None, None
    else:
        check_transition(product.status, APPROVED)
        product.status, product.approved_at, product.rejection_reason = APPROVED, now(), None
    product.updated_at = now()
    uow.audit("product.approved", "product", product.id, after=_snapshot(product))
    uow.publish("product.approved", {"product_id": product.id, "vendor_id": product.vendor_id,
                                     "actor": event_actor()})
    session.flush()
    listing.refresh(session, [product.id])
    return product


def reject(uow, product: Product, reason: str) -> Product:
    """Reject a submitted product, or drop the pending edit of an approved one (it stays live)."""
    if product.status == APPROVED and product.pending_changes:
        product.pending_changes, product.pending_since = None, None
    else:
        check_transition(product.status, REJECTED)
        product.status = REJECTED
    product.rejection_reason = reason
    product.updated_at = now()
    uow.audit("product.rejected", "product", product.id, reason=reason)
    uow.publish("product.rejected", {"product_id": product.id, "vendor_id": product.vendor_id, "reason": reason,
                                     "actor": event_actor()})
    return product


def archive(uow, product: Product) -> Product:
    check_transition(product.status, ARCHIVED)
    product.status, product.updated_at = ARCHIVED, now()
    uow.audit("product.archived", "product", product.id)
    uow.session.flush()
    listing.refresh(uow.session, [product.id])
    return product


def pending_diff(product: Product) -> list[dict[str, Any]]:
    """Field-by-field: what an approved product's pending edit would change."""
    pending = product.pending_changes or {}
    return [{"field": field, "live": getattr(product, field), "proposed": pending[field]}
            for field in EDITABLE_FIELDS if field in pending]


def _needs_review(session: Session, product: Product, editor: Editor) -> bool:
    if editor.is_operator:
        return False
    settings = current(session, CatalogRuntimeSettings)
    return settings.moderation_enabled and product.vendor_id not in settings.trusted_vendor_ids


def _checked(session: Session, fields: dict[str, Any], product_id: str | None) -> dict[str, Any]:
    values = {field: fields.get(field) for field in EDITABLE_FIELDS}
    values["title"] = (values["title"] or "").strip()
    if not values["title"]:
        raise Problem(422, "validation-failed", "title is required", errors={"title": ["required"]})
    values["description"] = values["description"] or ""
    values["gtin"] = _checked_gtin(session, values["gtin"], product_id)
    values["attributes"] = categories.validate_attributes(categories.rules_for(session, values["category_id"]),
                                                          values["attributes"] or {})
    return values


def _checked_gtin(session: Session, code: str | None, product_id: str | None) -> str | None:
    if not code:
        return None
    if not gtin.is_valid(code):
        raise Problem(422, "invalid-gtin", f"{code!r} is not a valid GTIN/EAN (length or check digit)",
                      errors={"gtin": ["invalid check digit or length"]})
    normal = gtin.normalise(code)
    owner = session.scalar(select(Product.id).where(Product.gtin == normal))
    if owner is not None and owner != product_id:
        raise Problem(409, "gtin-taken", "another product already has this GTIN; offer that product instead",
                      product_id=owner)
    return normal


def _apply(session: Session, product: Product, values: dict[str, Any]) -> None:
    for field, value in values.items():
        setattr(product, field, value)
    _derive(session, product)


def _derive(session: Session, product: Product) -> None:
    product.description_html = markdown.render(product.description)
    category = session.get(Category, product.category_id) if product.category_id else None
    product.category_path = category.path if category else None
    words = [product.title, product.brand or "", product.gtin or ""] + [str(v) for v in product.attributes.values()]
    product.search_text = " ".join(word for word in words if word)
    product.search_vector = search.search_vector(session, product.search_text)


def _live(product: Product) -> dict[str, Any]:
    return {field: getattr(product, field) for field in EDITABLE_FIELDS}


def _snapshot(product: Product) -> dict[str, Any]:
    return _json_ready({**_live(product), "status": product.status})


def _json_ready(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items()}
