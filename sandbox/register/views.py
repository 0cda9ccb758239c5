"""HTTP face of the register: `/kar-ws/api/v2/customers/...` (DESIGN D1). Thin."""

from __future__ import annotations

from flask import Blueprint, current_app, g, request

from sandbox.compat import auth as compat_auth
from sandbox.maskinporten.errors import AccessDenied, AuthenticationFailed
from sandbox.maskinporten.tokens import ANONYMOUS, SCOPE_ACCOUNT_PROVIDER, SCOPE_RELATIONS
from sandbox.profiles import ProfileError, service_profiles
from sandbox.web import json_response, request_headers

from .errors import Forbidden, RegisterError, Unauthorized, for_profile, provider_unauthorized_body
from .params import parse_provider, parse_relationships

bp = Blueprint("register", __name__, url_prefix="/kar-ws/api/v2/customers")


@bp.errorhandler(RegisterError)
def register_error(exc: RegisterError):
    return json_response(exc.body(current_app.extensions["dsop"].world.today), exc.status)


@bp.errorhandler(AuthenticationFailed)
def unauthenticated(exc: AuthenticationFailed):
    if request.endpoint == "register.account_servicing_provider":
        # The register's OpenAPI gives this one endpoint a different 401 body (spec/protocol.md §2.5).
        return json_response(provider_unauthorized_body(exc.message), 401, {"WWW-Authenticate": exc.challenge})
    response = register_error(Unauthorized(exc.message))
    response.headers["WWW-Authenticate"] = exc.challenge
    return response


@bp.errorhandler(AccessDenied)
def forbidden(exc: AccessDenied):
    return register_error(Forbidden(exc.message))


def _authenticate(scope: str) -> None:
    """D11/D12: a token of ours, for the register (`aud`), with the endpoint's scope."""
    services = current_app.extensions["dsop"]
    if not services.settings.auth:
        g.caller = ANONYMOUS
        return
    issuer = services.maskinporten
    g.caller = compat_auth.check(issuer, request.headers.get("Authorization"), issuer.register_audience(), scope,
                                 services.compat.register_auth)  # production: also a bare token, aud "unspecified"


@bp.errorhandler(ProfileError)
def profile_error(exc: ProfileError):
    return register_error(for_profile(exc))


def _grant(endpoint: str, mandate: str, **facts) -> None:
    """The service profile's step-1 rules (mandate for the consumer, endpoint, onlyPrimaryOwner, period)."""
    services = current_app.extensions["dsop"]
    profiles = service_profiles(services.world, services.settings.nav_v1)
    g.grant = profiles.authorize_register(g.caller.consumer, endpoint, mandate=mandate,
                                          aliases=services.compat.register_mandates, **facts)


@bp.get("/customerRelationships")
def customer_relationships():
    """Which banks the customer has or had a relation with in the period."""
    services = current_app.extensions["dsop"]
    _authenticate(SCOPE_RELATIONS)
    req = parse_relationships(request_headers(), request.args, services.world.today, lenient=services.settings.lenient)
    _grant("customerRelationships", req.legal_mandate, window=req.window, customer=req.customer,
           only_primary=req.only_primary)
    return json_response(services.register.customer_relationships(req.customer, req.window, req.only_primary))


@bp.get("/accountServicingProvider")
def account_servicing_provider():
    """Which bank services an account number."""
    services = current_app.extensions["dsop"]
    _authenticate(SCOPE_ACCOUNT_PROVIDER)
    req = parse_provider(request_headers())
    _grant("accountServicingProvider", req.legal_mandate)
    return json_response(services.register.account_servicing_provider(req.account_number))
