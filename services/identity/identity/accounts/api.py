"""Account API: public sign-up, email verification, password reset, invitations; the caller's own account."""
from __future__ import annotations

import logging

from flask import Response, current_app, request
from flask.views import MethodView

from chassis.app import runtime
from chassis.auth.flask import current_principal, require_auth
from chassis.blueprint import Blueprint
from chassis.errors import Problem
from identity.accounts import errors, signup, two_factor
from identity.accounts.schemas import (
    CodeSchema, EnrolmentSchema, InvitationAcceptSchema, PasswordChangeSchema, RecoveryCodesSchema,
    ResetConfirmSchema, ResetRequestSchema, SignUpSchema, TokenSchema, AccountSchema,
)
from identity.models import User, UserSecurity

log = logging.getLogger("identity.mail")
users_blueprint = Blueprint("identity_users", __name__, url_prefix="/api/v1/users",
                            description="Self-service accounts: sign-up, email verification, password reset, "
                                        "invitations.")
me_blueprint = Blueprint("identity_me", __name__, url_prefix="/api/v1/me",
                         description="The calling user's own account: profile, password, two-factor authentication.")
PEOPLE = ["operator", "vendor", "customer"]


@users_blueprint.route("")
class Users(MethodView):
    @users_blueprint.arguments(SignUpSchema)
    @users_blueprint.response(201, AccountSchema)
    def post(self, body):
        """Sign up as a customer; the verification link goes out with `user.registered`."""
        settings = runtime().settings
        mail = _run(signup.sign_up, body["email"], body["password"], request.remote_addr or "", settings.public_url)
        log_mail(mail.email, "verify your email", mail.url)
        return _user_view(mail.user_id)


@users_blueprint.route("/verify-email", methods=["POST"])
@users_blueprint.arguments(TokenSchema)
@users_blueprint.response(204)
def verify_email(body):
    """Confirm an email address with the token from the verification link (works once)."""
    _run(signup.verify_email, body["token"])


@users_blueprint.route("/password-reset", methods=["POST"])
@users_blueprint.arguments(ResetRequestSchema)
@users_blueprint.response(202)
def request_password_reset(body):
    """Mail a reset link if an active account has this email (`user.password_reset_requested` carries it);
    the answer is the same either way."""
    mail = _run(signup.request_password_reset, body["email"], request.remote_addr or "",
                runtime().settings.public_url)
    if mail:
        log_mail(mail.email, "reset your password", mail.url)
    return Response(status=202)


@users_blueprint.route("/password-reset/confirm", methods=["POST"])
@users_blueprint.arguments(ResetConfirmSchema)
@users_blueprint.response(204)
def confirm_password_reset(body):
    """Set a new password with a reset token (works once). Logging in still asks for 2FA."""
    _run(signup.confirm_password_reset, body["token"], body["new_password"])


@users_blueprint.route("/accept-invitation", methods=["POST"])
@users_blueprint.arguments(InvitationAcceptSchema)
@users_blueprint.response(204)
def accept_invitation(body):
    """Set the password of an invited account with the invitation token (works once); it becomes active."""
    _run(signup.accept_invitation, body["token"], body["password"])


@me_blueprint.route("")
@me_blueprint.doc(security=[{"bearerAuth": []}])
@require_auth(roles=PEOPLE)
@me_blueprint.response(200, AccountSchema)
def me():
    """The user the access token was issued to."""
    return _user_view(_my_id())


@me_blueprint.route("/password", methods=["POST"])
@me_blueprint.doc(security=[{"bearerAuth": []}])
@require_auth(roles=PEOPLE)
@me_blueprint.arguments(PasswordChangeSchema)
@me_blueprint.response(204)
def change_password(body):
    """Change my password (the current one is required); my refresh tokens stop working."""
    _run(signup.change_password, _my_id(), body["current_password"], body["new_password"])


@me_blueprint.route("/2fa")
class TwoFactor(MethodView):
    @me_blueprint.doc(security=[{"bearerAuth": []}])
    @require_auth(roles=PEOPLE)
    @me_blueprint.response(200, EnrolmentSchema)
    def post(self):
        """Start TOTP enrolment: a new secret and its provisioning URI (show it as a QR code)."""
        return _run(two_factor.start_enrolment, _my_id())

    @me_blueprint.doc(security=[{"bearerAuth": []}])
    @require_auth(roles=PEOPLE)
    @me_blueprint.arguments(CodeSchema)
    @me_blueprint.response(204)
    def delete(self, body):
        """Turn 2FA off with a current code."""
        _run(two_factor.disable, _my_id(), body["code"])


@me_blueprint.route("/2fa/confirm", methods=["POST"])
@me_blueprint.doc(security=[{"bearerAuth": []}])
@require_auth(roles=PEOPLE)
@me_blueprint.arguments(CodeSchema)
@me_blueprint.response(200, RecoveryCodesSchema)
def confirm_two_factor(body):
    """Turn 2FA on with a first code; the ten recovery codes are shown this once."""
    return {"recovery_codes": _run(two_factor.confirm_enrolment, _my_id(), body["code"])}


def _my_id() -> str:
    with runtime().uow() as uow:
        if uow.session.get(User, current_principal().subject) is None:
            raise Problem(404, "not-found", "this token was not issued to a user")
    return current_principal().subject


def _user_view(user_id: str) -> dict:
    with runtime().uow() as uow:
        user = uow.session.get(User, user_id)
        security = uow.session.get(UserSecurity, user_id)
        return {"id": user.id, "email": user.email, "roles": user.roles, "vendor_id": user.vendor_id,
                "email_verified": bool(security and security.email_verified_at),
                "two_factor_enabled": bool(security and security.has_two_factor)}


_PROBLEMS = {  # error class -> (status, problem slug)
    errors.EmailTaken: (409, "email-taken"), errors.PasswordRejected: (422, "password-rejected"),
    errors.TokenInvalid: (400, "token-invalid"), errors.CodeRejected: (422, "code-rejected"),
    errors.TwoFactorState: (409, "two-factor-state"),
}


def _run(handler, *args):
    """Call a use case with a fresh unit of work; its refusals become problem+json."""
    try:
        return handler(runtime().uow(), *args)
    except errors.Throttled as refused:
        raise Problem(429, "too-many-requests", "too many requests from this address; try again later",
                      headers={"Retry-After": str(refused.retry_after)}) from None
    except tuple(_PROBLEMS) as refused:
        status, slug = _PROBLEMS[type(refused)]
        raise Problem(status, slug, str(refused)) from None


def log_mail(to: str, subject: str, link: str) -> None:
    """No mail server: in development (IDENTITY_LOG_MAIL=true) the mail goes to the log."""
    if current_app.extensions["chassis.runtime"].settings.log_mail:
        log.info("mail to %s: %s: %s", to, subject, link)
