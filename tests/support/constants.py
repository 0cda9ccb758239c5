"""Values the tests write out again and again: the sandbox's test "today", the legal mandates of the services
(spec/services.md §2) as the plain text and as the percent-encoded header value, the consumers' organisation
numbers and the request ids of the ordinary Skatt-Kontroll request.

The encoded mandates are written out, not computed with urllib.parse.quote: they are what the spec shows and
what consumers send, and the sandbox must decode them whatever Python's quoting does.
"""

from __future__ import annotations

from datetime import date

#: The "today" of every inline test scenario unless a test says otherwise (spec/data-model.md §0.2 uses it too).
TODAY = date(2025, 6, 30)
T = TODAY.isoformat()

#: Periods (fromDate, toDate) used again and again.
TEN_YEARS = ("2015-07-01", T)
YEAR_2024 = ("2024-01-01", "2024-12-31")
TODAY_ONLY = (T, T)

# ----------------------------------------------------------------------------------------------------------
#  Consumers (organisation numbers of the synthetic scenarios; the shipped keys are named after them)
# ----------------------------------------------------------------------------------------------------------
SKATT_ORG = "974761076"  # Skatteetaten
NAV_ORG = "889640782"  # NAV
POLITI_ORG = "915429785"  # Politi- og lensmannsetaten
OED_ORG = "991825827"  # Digdir (Oppgjør etter dødsfall)

# ----------------------------------------------------------------------------------------------------------
#  Legal mandates (spec/services.md §2)
# ----------------------------------------------------------------------------------------------------------
#: Skatt-Kontroll (§2.1), variant A: as written, and as the Legal-Mandate header carries it.
SKATT_MANDATE_TEXT = ("Skatteforvaltningsloven § 10-2 første ledd, jf. § 10-14, jf. skatteforvaltningsforskriften "
                      "§ 10-2-1")
SKATT_MANDATE = ("Skatteforvaltningsloven%20%C2%A7%2010-2%20f%C3%B8rste%20ledd%2C%20jf.%20%C2%A7%2010-14%2C%20jf."
                 "%20skatteforvaltningsforskriften%20%C2%A7%2010-2-1")
#: NAV-kontroll.
NAV_MANDATE = "Folketrygdloven%20%C2%A7%2021-4%20f%C3%B8rste%20ledd"
#: Politi-Utlevering (§2.2): only it may ask the register which bank services an account number.
POLITI_MANDATE = "Straffeprosessloven%20%C2%A7210%20(3)%20f%C3%B8rste%20punktum"
#: OED (Oppgjør etter dødsfall).
OED_MANDATE = ("Arveloven%20%C2%A7%2092%20f%C3%B8rste%20ledd%20og%20%C2%A7%20118%2C%20jf.%20%C2%A7%2088%20a%2C%20jf."
               "%20forskrift%20om%20Digitalt%20d%C3%B8dsbo")

#: The tests run as Skatt-Kontroll unless they say otherwise. Its window reaches 10 years back (2015-06-30).
MANDATE = SKATT_MANDATE

# ----------------------------------------------------------------------------------------------------------
#  The ordinary request
# ----------------------------------------------------------------------------------------------------------
REQUEST_ID = "d4a820ca-ddde-41ed-b5ea-0242ac120002"  # AccountInfoRequestID
CORRELATION_ID = "14fbc062-aacb-4449-93c1-85c352d387a4"
#: Skatt-Kontroll's headers: its mandate, the two UUIDs, the RequesterID the profile requires, JSON.
HEADERS = {
    "AccountInfoRequestID": REQUEST_ID,
    "CorrelationID": CORRELATION_ID,
    "Legal-Mandate": MANDATE,
    "RequesterID": "caseworker-7f3a",
    "Accept": "application/json",
}
#: NAV-kontroll under its v1 rules (an app built with nav_v1=True): no period window of its own, so requests
#: about periods older than Skatt's 10 years can be made. Merged over HEADERS (RequesterID is simply ignored).
NAV_HEADERS = {"Legal-Mandate": NAV_MANDATE}
