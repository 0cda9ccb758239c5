"""DSOP service profiles (spec/services.md §1–3, DESIGN D13): who may call what, with which mandate, headers and
period, about which control object, and which fields are delivered. Plain Python, no Flask.

- catalog.py: the seven profiles as data (mandates, endpoints, rules, withheld fields; the Owners decision);
- windows.py: the period windows;
- grant.py: ServiceProfiles.authorize / authorize_register → Grant, Grant.bind (subject preconditions);
- errors.py: ProfileError classes with an `outcome` each API maps once to its wire error.
"""

from .catalog import BY_SERVICE, ENDPOINTS, PROFILES, Profile  # noqa: F401, E402
from .errors import (  # noqa: F401  (errors first: sandbox.profiles.extradition imports them)
    EndpointNotInService,
    HeaderRuleViolated,
    MalformedOrder,
    MandateNotForConsumer,
    NotInGrant,
    OrderRefused,
    PeriodOutsideWindow,
    PreconditionFailed,
    ProfileError,
    UnknownMandate,
)
from .grant import Grant, ServiceProfiles, normalize, service_profiles  # noqa: F401, E402
