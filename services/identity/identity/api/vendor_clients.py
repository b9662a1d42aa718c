"""A vendor's own API clients (client_credentials): the secret is shown once, rotatable, revocable."""
from __future__ import annotations

from flask import request
from flask.views import MethodView
from sqlalchemy import select

from chassis.app import runtime
from chassis.audit import audit_reason
from chassis.auth.flask import require_auth
from chassis.blueprint import Blueprint
from identity.api.clients import SHOWN_ONCE
from identity.api.problems import as_problems
from identity.api.schemas import ClientSchema, ClientSecretSchema, VendorClientRequestSchema
from identity.api.vendor_access import check_may_manage, check_may_read_staff
from identity.models import OAuthClient
from identity.vendors import clients as handlers

blueprint = Blueprint("vendor_clients", __name__, url_prefix="/api/v1/vendors/<vendor_id>/clients",
                      description="API clients acting for a vendor (tokens carry role vendor and its vendor_id).")
SECURITY = [{"bearerAuth": []}]


@blueprint.route("")
class VendorClients(MethodView):
    @require_auth()
    @blueprint.response(200, ClientSchema(many=True))
    @blueprint.doc(security=SECURITY)
    def get(self, vendor_id):
        """The vendor's clients, revoked ones included (owners, managers, operators)."""
        with runtime().uow() as uow:
            check_may_read_staff(uow.session, vendor_id)
            query = select(OAuthClient.__table__).where(OAuthClient.vendor_id == vendor_id)
            return [dict(row) for row in uow.session.execute(query.order_by(OAuthClient.created_at)).mappings()]

    @require_auth()
    @blueprint.arguments(VendorClientRequestSchema)
    @blueprint.response(201, ClientSecretSchema)
    @blueprint.doc(security=SECURITY)
    def post(self, body, vendor_id):
        """Create a client for the vendor (owners); its secret is in this answer only (`Cache-Control: no-store`)."""
        with runtime().uow() as uow:
            check_may_manage(uow.session, vendor_id)
        with as_problems():
            return handlers.create_vendor_client(runtime().uow(), vendor_id, body["name"]), 201, SHOWN_ONCE


@blueprint.route("/<client_id>/rotate", methods=["POST"])
@require_auth()
@blueprint.response(200, ClientSecretSchema)
@blueprint.doc(security=SECURITY)
def rotate(vendor_id, client_id):
    """A new secret (shown once, `Cache-Control: no-store`); the old one stops working at once.
    Say why in `X-Audit-Reason`."""
    with runtime().uow() as uow:
        check_may_manage(uow.session, vendor_id)
    with as_problems():
        rotated = handlers.rotate_client_secret(runtime().uow(), client_id, vendor_id, audit_reason(request.headers))
    return rotated, 200, SHOWN_ONCE


@blueprint.route("/<client_id>", methods=["DELETE"])
@require_auth()
@blueprint.response(204)
@blueprint.doc(security=SECURITY)
def revoke(vendor_id, client_id):
    """Revoke the client: it gets no more tokens."""
    with runtime().uow() as uow:
        check_may_manage(uow.session, vendor_id)
    with as_problems():
        handlers.revoke_client(runtime().uow(), client_id, vendor_id)
