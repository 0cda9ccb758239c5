"""Which behaviour profile each participant answers with (DESIGN D22): `strict` (the standard to the letter,
the default) or `production` (also what real participants accept and answer: deviations.py). Plain Python.

Chosen in the scenario per bank (`banks[].profile`) and for the register (`register: {profile: ...}`); the
serve flag `--profile strict|production` (Settings.profile) sets it for all and wins over the scenario. A bank's
`deviations` knobs act only while it answers as production.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import deviations
from .knobs import Knobs

STRICT, PRODUCTION = "strict", "production"
PROFILES = (STRICT, PRODUCTION)


@dataclass(frozen=True)
class AuthOptions:
    """What a participant's token check accepts beyond the standard (Maskinporten.check keyword arguments)."""

    accept_audiences: tuple[str, ...] = ()
    bare_token: bool = False

    @property
    def standard(self) -> bool:
        return not self.accept_audiences and not self.bare_token


@dataclass(frozen=True)
class Compat:
    """The profiles of one sandbox: the register's, each bank's (by org number) and the production banks' knobs."""

    register: str = STRICT
    banks: dict[str, str] = field(default_factory=dict)
    knobs: dict[str, Knobs] = field(default_factory=dict)

    @classmethod
    def from_world(cls, world, override: str | None = None) -> Compat:
        if override is not None and override not in PROFILES:
            raise ValueError(f"profile must be one of {', '.join(PROFILES)}, not {override!r}")
        data = getattr(getattr(world, "spec", None), "data", None) or {}
        register = override or (data.get("register") or {}).get("profile") or STRICT
        by_id = {b["id"]: b for b in data.get("banks") or ()}
        banks, knobs = {}, {}
        for bank in world.banks.values():
            item = by_id.get(bank.id, {})
            profile = override or item.get("profile") or STRICT
            banks[bank.org_number] = profile
            found = Knobs.from_scenario(world.seed, item.get("deviations")) if profile == PRODUCTION else None
            if found is not None:
                knobs[bank.org_number] = found
        return cls(register, banks, knobs)

    # ---- the register ---------------------------------------------------------------------------------
    @property
    def register_auth(self) -> AuthOptions:
        if self.register != PRODUCTION:
            return AuthOptions()
        return AuthOptions((deviations.AUDIENCE_UNSPECIFIED,), bare_token=True)

    @property
    def register_mandates(self) -> tuple[tuple[str, str], ...]:
        return deviations.REGISTER_MANDATES if self.register == PRODUCTION else ()

    # ---- the banks ------------------------------------------------------------------------------------
    def bank(self, org_number: str) -> str:
        return self.banks.get(org_number, STRICT)

    def bank_mandates(self, org_number: str) -> tuple[tuple[str, str], ...]:
        return deviations.BANK_MANDATES if self.bank(org_number) == PRODUCTION else ()

    def bank_knobs(self, org_number: str) -> Knobs | None:
        return self.knobs.get(org_number)

    def describe(self, world) -> dict:
        """For /health: the register's profile and each bank's (by id)."""
        return {"register": self.register,
                "banks": {b.id: self.bank(b.org_number) for b in world.banks.values()}}
