"""Vendors: apply, list, read, and the operator's decisions (approve, reject, suspend, reinstate)."""
from __future__ import annotations

from flask.views import MethodView
from sqlalchemy import or_, select

from chassis.app import runtime
from chassis.auth.flask import current_principal, require_auth
from chassis.blueprint import Blueprint
from chassis.pagination import SelectPage, close_request_session
from chassis.permissions import operator_write
from identity.api.problems import as_problems, forbidden
from identity.api.schemas import ReasonSchema, VendorApplicationSchema, VendorQuerySchema, VendorSchema
from identity.api.vendor_access import readable_vendor
from identity.models.vendors import Vendor, VendorMember
from identity.vendors import handlers
from identity.vendors.domain import VendorDecision

blueprint = Blueprint("vendors", __name__, url_prefix="/api/v1/vendors",
                      description="Companies selling on the marketplace, and the operators' decisions about them.")
blueprint.teardown_request(close_request_session)
SECURITY = [{"bearerAuth": []}]


@blueprint.route("")
class Vendors(MethodView):
    @require_auth()
    @blueprint.arguments(VendorApplicationSchema)
    @blueprint.response(201, VendorSchema)
    @blueprint.doc(security=SECURITY)
    def post(self, application):
        """Apply: the caller becomes the owner of a new `pending` vendor."""
        principal = current_principal()
        if principal.subject == principal.client_id:
            raise forbidden("a vendor application is made by a signed-in user")
        with as_problems():
            vendor_id = handlers.apply_for_vendor(runtime().uow(), principal.subject,
                                                  handlers.VendorApplication(**application))
        return _read(vendor_id)

    @require_auth()
    @blueprint.arguments(VendorQuerySchema, location="query")
    @blueprint.response(200, VendorSchema(many=True))
    @blueprint.paginate(SelectPage)
    @blueprint.doc(security=SECURITY)
    def get(self, filters):
        """Operators see every vendor (`?status=`, `?id=`); vendor staff and clients only their own."""
        query = select(Vendor.__table__).order_by(Vendor.created_at, Vendor.id)
        if "status" in filters:
            query = query.where(Vendor.status == filters["status"])
        if "id" in filters:
            query = query.where(Vendor.id.in_(filters["id"]))
        principal = current_principal()
        if not principal.is_operator:
            own = select(VendorMember.vendor_id).where(VendorMember.user_id == principal.subject)
            by_token = Vendor.id == principal.vendor_id if principal.is_vendor and principal.vendor_id else False
            query = query.where(or_(Vendor.id.in_(own), by_token))
        return query


@blueprint.route("/<vendor_id>")
class VendorResource(MethodView):
    @require_auth()
    @blueprint.response(200, VendorSchema)
    @blueprint.doc(security=SECURITY)
    def get(self, vendor_id):
        """One vendor (another vendor's answers 404)."""
        return _read(vendor_id)


def _decision_view(decision: VendorDecision):
    @operator_write()
    @blueprint.arguments(ReasonSchema)
    @blueprint.response(200, VendorSchema)
    @blueprint.doc(security=SECURITY)
    def view(body, vendor_id):
        with as_problems():
            handlers.decide(runtime().uow(), vendor_id, decision, body["reason"])
        return _read(vendor_id)
    view.__name__ = decision.value
    view.__doc__ = f"{decision.value.capitalize()} the vendor (admin operators; a reason is required)."
    return view


for _decision in VendorDecision:
    blueprint.route(f"/<vendor_id>/{_decision.value}", methods=["POST"])(_decision_view(_decision))


def _read(vendor_id: str) -> dict:
    with runtime().uow() as uow:
        vendor = readable_vendor(uow.session, vendor_id)
        return {column.name: getattr(vendor, column.name) for column in Vendor.__table__.columns}
