"""Operators manage OAuth2 clients: list, create and rotate (the secret shown once), revoke."""
from __future__ import annotations

from flask import request
from flask.views import MethodView
from sqlalchemy import select

from chassis.app import runtime
from chassis.audit import audit_reason
from chassis.blueprint import Blueprint
from chassis.pagination import SelectPage, close_request_session
from chassis.permissions import operator_read, operator_write
from identity.api.problems import as_problems
from identity.api.schemas import ClientRequestSchema, ClientSchema, ClientSecretSchema
from identity.models import OAuthClient
from identity.handlers import register_client
from identity.vendors import clients as handlers

blueprint = Blueprint("clients", __name__, url_prefix="/api/v1/clients",
                      description="Every OAuth2 client, for operators (admin writes, support reads).")
blueprint.teardown_request(close_request_session)
SECURITY = [{"bearerAuth": []}]
#: A secret is in the answer: no cache (browser, proxy) may keep it.
SHOWN_ONCE = {"Cache-Control": "no-store"}


@blueprint.route("")
class Clients(MethodView):
    @operator_read()
    @blueprint.response(200, ClientSchema(many=True))
    @blueprint.paginate(SelectPage)
    @blueprint.doc(security=SECURITY)
    def get(self):
        """List clients, oldest first (secrets are never shown again)."""
        return select(OAuthClient.__table__).order_by(OAuthClient.created_at, OAuthClient.client_id)

    @operator_write()
    @blueprint.arguments(ClientRequestSchema)
    @blueprint.response(201, ClientSecretSchema)
    @blueprint.doc(security=SECURITY)
    def post(self, body):
        """Register a client; its secret is in this answer only (`Cache-Control: no-store`)."""
        with as_problems(), runtime().uow() as uow:
            client = register_client(uow, body.pop("name"), body.pop("grant_type"), **body)
            uow.commit()
            return client, 201, SHOWN_ONCE


@blueprint.route("/<client_id>/rotate", methods=["POST"])
@operator_write()
@blueprint.response(200, ClientSecretSchema)
@blueprint.doc(security=SECURITY)
def rotate(client_id):
    """A new secret for any active confidential client, in this answer only; the old one stops working at once.
    Say why in `X-Audit-Reason`."""
    with as_problems():
        rotated = handlers.rotate_client_secret(runtime().uow(), client_id, reason=audit_reason(request.headers))
    return rotated, 200, SHOWN_ONCE


@blueprint.route("/<client_id>", methods=["DELETE"])
@operator_write()
@blueprint.response(204)
@blueprint.doc(security=SECURITY)
def revoke(client_id):
    """Revoke a client: no more tokens, its refresh tokens stop at once."""
    with as_problems():
        handlers.revoke_client(runtime().uow(), client_id)
