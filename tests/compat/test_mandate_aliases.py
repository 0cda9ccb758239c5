"""ServiceProfiles with a participant's extra mandate texts (sandbox/profiles/grant.py `aliases`): they name a
service, never a consumer's right to it, and only at the step they are given for."""

from __future__ import annotations

from datetime import date

import pytest

from sandbox.compat.deviations import BANK_MANDATES, REGISTER_MANDATES
from sandbox.profiles import MandateNotForConsumer, ServiceProfiles, UnknownMandate


@pytest.fixture(scope="module")
def profiles(app):
    return ServiceProfiles(app.extensions["dsop"].world)


@pytest.fixture(scope="module")
def oed_consumer(plugin):
    return plugin.consumer


def test_an_alias_names_its_service(profiles, oed_consumer):
    profile, consumer = profiles.identify(oed_consumer, "OED", aliases=BANK_MANDATES)
    assert profile.service == "oed" and consumer is oed_consumer
    profile, _ = profiles.identify(oed_consumer, "Prosjekt  OED ", step="register", aliases=REGISTER_MANDATES)
    assert profile.service == "oed"  # compared after the same normalisation as the standard's texts


def test_without_the_alias_the_text_is_unknown(profiles, oed_consumer):
    with pytest.raises(UnknownMandate):
        profiles.identify(oed_consumer, "OED")
    with pytest.raises(UnknownMandate):
        profiles.identify(oed_consumer, "Prosjekt OED", step="register")


def test_an_alias_gives_no_right_to_the_service(profiles, app):
    from sandbox.world.model import Consumer

    stranger = Consumer("skatt", "Skatteetaten", "974761076", ("skatt",))
    with pytest.raises(MandateNotForConsumer):
        profiles.identify(stranger, "OED", aliases=BANK_MANDATES)


def test_grants_with_and_without_aliases_are_kept_apart(profiles, oed_consumer, app):
    from sandbox.world.period import Period

    window = Period(date(2025, 4, 1), date(2025, 6, 30))
    grant = profiles.authorize(oed_consumer, "accounts", mandate="OED", window=window, only_primary=True,
                               aliases=BANK_MANDATES)
    assert grant.service == "oed" and grant.mandate == "OED"
    with pytest.raises(UnknownMandate):  # not served from the cache of the aliased call
        profiles.authorize(oed_consumer, "accounts", mandate="OED", window=window, only_primary=True)
