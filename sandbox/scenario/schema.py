"""The scenario format, version 1, as marshmallow schemas: the single description of what a file may say.

Keys are snake_case (it is our file format, not the wire format). Every schema rejects unknown keys, so a
misspelt key is an error with its line, not a silently ignored setting. The JSON Schema published by
`dsop-sandbox validate --schema` is generated from these classes (jsonschema.py).
"""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from sandbox.dsop.enums import (
    ACCOUNT_STATUSES,
    ACCOUNT_TYPES_V21,
    CARD_STATUSES,
    CARD_TYPES,
    PERMISSIONS,
    SERVICES,
)

from .compat_schema import DeviationsSchema, Profile, RegisterCompatSchema, check_bank
from .fault_schema import FaultSchema
from .fields import SLUG, SLUG_MESSAGE, DateField, Identifier, Money, MonthField, Range, Seed, TodayField, Unique

ACTIVITY_PROFILES = ("household", "savings", "loan", "business", "credit_card", "currency", "prepaid", "none")
TRANSACTION_KINDS = (
    "salary", "card_purchase", "cash_withdrawal", "e_invoice", "transfer_in", "transfer_out",
    "fee", "interest", "other_credit", "other_debit",
)
EVENT_TYPES = (
    "open", "close", "reopen", "transfer_ownership", "grant_role", "revoke_role",
    "issue_card", "block_card", "death", "bankruptcy",
)
PARTIAL_ENDPOINTS = ("accounts", "details", "transactions", "cards", "roles", "owners")


def Id(**kw):
    return fields.String(required=True, validate=validate.Regexp(SLUG, error=SLUG_MESSAGE), **kw)


def Ref(required: bool = True, **kw):
    """A reference to another entity's id; resolved in checks.py, which knows every id in the file."""
    return fields.String(required=required, validate=validate.Regexp(SLUG, error=SLUG_MESSAGE), **kw)


def Text(max_len: int, **kw):
    return fields.String(validate=validate.Length(min=1, max=max_len), **kw)


def OneOf(choices, **kw):
    return fields.String(validate=validate.OneOf(choices, error="expected one of: {choices}"), **kw)


class _Strict(Schema):
    class Meta:
        ordered = True


def _party_shorthand(data):
    """`- kari` is short for `- {party: kari}` in lists of party periods."""
    return {"party": data} if isinstance(data, str) else data


class AddressSchema(_Strict):
    street = Text(70, required=True)
    building_number = Text(16)
    post_code = Text(16, required=True)
    town = Text(35, required=True)
    country = fields.String(load_default="NO", validate=validate.Regexp(r"^[A-Z]{2}$", error="expected a 2-letter country code"))


class BankSchema(_Strict):
    id = Id()
    name = Text(140, required=True)
    org_number = Identifier("validate_organisation_number")
    registration_numbers = fields.List(
        fields.String(validate=validate.Regexp(r"^\d{4}$", error="expected a 4-digit registration number")),
        validate=validate.Length(min=1))
    register = OneOf(("kar", "kfr"), load_default="kar")
    country = fields.String(load_default="NO", validate=validate.Regexp(r"^[A-Z]{2}$", error="expected a 2-letter country code"))
    about = Text(500)
    profile = Profile()  # sandbox/compat (DESIGN D22); absent: strict
    deviations = fields.Nested(DeviationsSchema)

    @validates_schema
    def deviations_need_production(self, data, **kwargs):
        check_bank(data)


class ClientKeySchema(_Strict):
    """One more public key registered for a consumer's Maskinporten client, named by the `kid` its assertions send."""

    kid = fields.String(required=True, validate=validate.Regexp(r"^[\x21-\x7e]{1,200}$", error="expected a kid of "
                                                                "printable ASCII without spaces"))
    key = Text(500, required=True, metadata={"description": "PEM file with the RSA public key (relative to the "
                                                             "scenario file)"})


class ConsumerSchema(_Strict):
    id = Id()
    name = Text(140, required=True)
    org_number = Identifier("validate_organisation_number", required=True)
    services = fields.List(OneOf(SERVICES), required=True, validate=validate.Length(min=1))
    about = Text(500)
    client_id = fields.String(validate=validate.Regexp(r"^[\x21-\x7e]{1,200}$", error="expected a client id of printable ASCII without spaces"),
                              metadata={"description": "the Maskinporten client id (integration id); default: the consumer's id"})
    key = Text(500, metadata={"description": "PEM file with the consumer's RSA public key (relative to the scenario file; "
                                             "a key pair's PEM works too, only its public half is used): the sandbox "
                                             "verifies the consumer's client assertions with it and encrypts its JWE "
                                             "bodies to it, while the consumer keeps the private half. Default: the "
                                             "sandbox's published test key pair for this org. number (sandbox/keys/)"})
    keys = fields.List(fields.Nested(ClientKeySchema), load_default=list,
                       metadata={"description": "more public keys registered for the consumer's client, each with "
                                                "the kid its client assertions name it by (docs/maskinporten.md)"})

    @validates_schema
    def distinct_kids(self, data, **kwargs):
        kids = [k["kid"] for k in data.get("keys", [])]
        twice = sorted({k for k in kids if kids.count(k) > 1})
        if twice:
            raise ValidationError(f"kid '{twice[0]}' is listed twice", "keys")


#: The ids of the rules (spec/data-model.md §4, R-01 … R-70) and open questions (§5, Q-01 … Q-35) a persona can
#: demonstrate.
RULE_ID = r"^(R-(0[1-9]|[1-6][0-9]|70)|Q-(0[1-9]|[12][0-9]|3[0-5]))$"


def Rules():
    return fields.List(
        fields.String(validate=validate.Regexp(RULE_ID, error="expected a rule id of spec/data-model.md: R-01 … R-70 "
                                                              "(§4) or Q-01 … Q-35 (§5)")),
        load_default=list,
        metadata={"description": "the rules of spec/data-model.md this persona demonstrates (R-nn of §4, Q-nn of "
                                 "§5), listed by GET /sandbox/v1/parties"})


class PersonSchema(_Strict):
    id = Id()
    name = Text(140)
    national_id = Identifier("validate_person_number")
    d_number = fields.Boolean(load_default=False)
    birth_date = DateField()
    death_date = DateField()
    shielded = fields.Boolean(load_default=False)
    address = fields.Nested(AddressSchema)
    tags = fields.List(Text(40), load_default=list)
    about = Text(500)
    rules = Rules()


class OrganisationSchema(_Strict):
    id = Id()
    name = Text(140)
    org_number = Identifier("validate_organisation_number")
    legal_form = OneOf(("AS", "ASA", "ENK", "ANS", "DA", "SA", "NUF", "STI"), metadata={
        "description": "Enhetsregisteret's organisation form; default: the one the name ends with (AS, ASA, ...)"})
    bankruptcy_date = DateField(metadata={"description": "the bankruptcy ruling date (kjennelsesdato)"})
    address = fields.Nested(AddressSchema)
    tags = fields.List(Text(40), load_default=list)
    about = Text(500)
    rules = Rules()


class OwnershipSchema(_Strict):
    party = Ref()
    primary = fields.Boolean()
    from_ = DateField(data_key="from")
    to = DateField()
    account_type = OneOf(ACCOUNT_TYPES_V21, metadata={"description": "the account's type during this ownership (v2.1 Owners)"})

    @pre_load
    def shorthand(self, data, **kwargs):
        return _party_shorthand(data)


class RoleSchema(_Strict):
    party = Ref()
    permission = OneOf(PERMISSIONS, required=True)
    from_ = DateField(data_key="from")
    to = DateField()


class PartyPeriodSchema(_Strict):
    party = Ref()
    from_ = DateField(data_key="from")
    to = DateField()

    @pre_load
    def shorthand(self, data, **kwargs):
        return _party_shorthand(data)


class CardSchema(_Strict):
    id = Id()
    holder = Ref()
    type = OneOf(CARD_TYPES, load_default="debitCard")
    issued = MonthField(required=True)
    expires = MonthField(required=True)
    status = OneOf(CARD_STATUSES, load_default="active")
    version = fields.Integer(load_default=1, validate=validate.Range(min=1, max=9))


class ActivitySchema(_Strict):
    profile = OneOf(ACTIVITY_PROFILES, required=True)
    amount = Money(metadata={"description": "the main monthly flow: salary, deposit, instalment or turnover"})
    purchases_per_month = fields.Integer(validate=validate.Range(min=0, max=400))
    foreign_share = fields.Float(validate=validate.Range(min=0, max=1))


class CounterpartySchema(_Strict):
    name = Text(140, required=True)
    account = Identifier("validate_account_number")
    org_number = Identifier("validate_organisation_number")
    national_id = Identifier("validate_person_number")


class ExplicitTransactionSchema(_Strict):
    date = DateField(required=True)
    amount = Money(positive=True, required=True)
    direction = OneOf(("credit", "debit"), required=True)
    kind = OneOf(TRANSACTION_KINDS, metadata={"description": "default: other_credit for a credit, other_debit for a debit"})
    text = Text(500)
    merchant = Text(140)
    counterparty = fields.Nested(CounterpartySchema)
    card = Ref(required=False)
    original_currency = fields.String(validate=validate.Regexp(r"^[A-Z]{3}$", error="expected a 3-letter currency code"))
    original_amount = Money(positive=True)

    @validates_schema
    def currency_pair(self, data, **kwargs):
        if ("original_currency" in data) != ("original_amount" in data):
            raise ValidationError("original_currency and original_amount go together", "original_amount")


class PendingSchema(_Strict):
    date = DateField(required=True, metadata={"description": "when the payer made it (registered)"})
    amount = Money(positive=True, required=True)
    direction = OneOf(("credit", "debit"), load_default="debit")
    merchant = Text(140)
    text = Text(500)


class PartialSchema(_Strict):
    from_ = DateField(data_key="from")
    to = DateField()
    message = Text(500, required=True)
    endpoints = fields.List(OneOf(PARTIAL_ENDPOINTS), load_default=lambda: list(PARTIAL_ENDPOINTS))


class AccountSchema(_Strict):
    id = Id()
    bank = Ref()
    number = Identifier("validate_account_number")
    type = OneOf(ACCOUNT_TYPES_V21, required=True)
    currency = fields.String(load_default="NOK", validate=validate.Regexp(r"^[A-Z]{3}$", error="expected a 3-letter currency code"))
    name = Text(70)
    opened = DateField(required=True)
    closed = DateField()
    status = OneOf(ACCOUNT_STATUSES, metadata={"description": "overrides the status derived from the timeline"})
    owners = fields.List(fields.Nested(OwnershipSchema), required=True, validate=validate.Length(min=1))
    roles = fields.List(fields.Nested(RoleSchema), load_default=list)
    co_borrowers = fields.List(fields.Nested(PartyPeriodSchema), load_default=list)
    guarantors = fields.List(fields.Nested(PartyPeriodSchema), load_default=list)
    opening_balance = Money(signed=True, load_default=0)
    credit_line = Money(load_default=0)
    credit_line_included = fields.Boolean(load_default=False)
    blocked_amount = Money(load_default=0)
    data_not_delivered = fields.Boolean(load_default=False)
    cards = fields.List(fields.Nested(CardSchema), load_default=list)
    activity = fields.Nested(ActivitySchema)
    transactions = fields.List(fields.Nested(ExplicitTransactionSchema), load_default=list)
    pending = fields.List(fields.Nested(PendingSchema), load_default=list)
    partial = fields.List(fields.Nested(PartialSchema), load_default=list)

    @pre_load
    def activity_shorthand(self, data, **kwargs):
        if isinstance(data, dict) and isinstance(data.get("activity"), str):
            data = {**data, "activity": {"profile": data["activity"]}}
        return data


#: A guardian's task (FREG `vergeTjenesteoppgave`, e.g. representasjonDagligbank): a camelCase identifier.
GUARDIAN_TASK = r"^[a-z][A-Za-z0-9]{0,59}$"
GUARDIAN_TASK_MESSAGE = ("'{input}' is not a task as FREG writes vergeTjenesteoppgave: expected a camelCase identifier "
                         "(a lower-case letter, then ASCII letters and digits, at most 60 characters) such as "
                         "representasjonDagligbank")
#: The tasks of a guardianship that lists none: the one Vergekontroll needs (spec/services.md §2.5), so older
#: scenarios keep their meaning. The world's Guardianship has the same default (sandbox/world/model.py).
DEFAULT_GUARDIAN_TASKS = ("representasjonDagligbank",)


class GuardianshipSchema(_Strict):
    guardian = Ref()
    ward = Ref()
    from_ = DateField(data_key="from", required=True)
    to = DateField()
    tasks = fields.List(
        fields.String(validate=validate.Regexp(GUARDIAN_TASK, error=GUARDIAN_TASK_MESSAGE)),
        validate=[validate.Length(min=1, error="expected at least one task (omit tasks for representasjonDagligbank)"),
                  Unique()],
        load_default=lambda: list(DEFAULT_GUARDIAN_TASKS),
        metadata={"description": "the guardian's tasks in the population register (FREG vergeTjenesteoppgave); "
                                 "Vergekontroll needs representasjonDagligbank"})


_EVENT_NEEDS = {
    "open": ("account",), "close": ("account",), "reopen": ("account",),
    "transfer_ownership": ("account", "party"), "grant_role": ("account", "party", "permission"),
    "revoke_role": ("account", "party"), "issue_card": ("account", "card", "holder"),
    "block_card": ("account", "card"), "death": ("party",), "bankruptcy": ("party",),
}


class EventSchema(_Strict):
    date = DateField(required=True)
    type = OneOf(EVENT_TYPES, required=True)
    account = Ref(required=False)
    party = Ref(required=False, metadata={"description": "the new owner, role holder, deceased or bankrupt party"})
    permission = OneOf(PERMISSIONS)
    primary = fields.Boolean(load_default=True)
    card = Ref(required=False)
    holder = Ref(required=False)
    card_type = OneOf(CARD_TYPES, load_default="debitCard")
    expires = MonthField()
    account_type = OneOf(ACCOUNT_TYPES_V21, metadata={"description": "transfer_ownership: the type under the new owner"})

    @validates_schema
    def needs(self, data, **kwargs):
        for key in _EVENT_NEEDS.get(data.get("type"), ()):
            if key not in data:
                raise ValidationError(f"a '{data['type']}' event needs '{key}'", key)


class GeneratePeopleSchema(_Strict):
    count = fields.Integer(required=True, validate=validate.Range(min=0, max=8_000_000))
    accounts_per_person = Range(minimum=0, maximum=20, load_default=(1, 4))
    history_years = Range(minimum=0, maximum=40, load_default=(1, 12))
    d_number_share = fields.Float(load_default=0.05, validate=validate.Range(min=0, max=1))
    shielded_share = fields.Float(load_default=0.01, validate=validate.Range(min=0, max=1))
    deceased_share = fields.Float(load_default=0.02, validate=validate.Range(min=0, max=1))
    joint_share = fields.Float(load_default=0.1, validate=validate.Range(min=0, max=1))
    banks = fields.List(Ref(), metadata={"description": "banks to draw from; default all"})


class GenerateOrganisationsSchema(_Strict):
    count = fields.Integer(required=True, validate=validate.Range(min=0, max=2_000_000))
    accounts_per_organisation = Range(minimum=0, maximum=50, load_default=(1, 5))
    history_years = Range(minimum=0, maximum=40, load_default=(1, 15))
    bankrupt_share = fields.Float(load_default=0.04, validate=validate.Range(min=0, max=1))
    banks = fields.List(Ref())


class GenerateSchema(_Strict):
    people = fields.Nested(GeneratePeopleSchema)
    organisations = fields.Nested(GenerateOrganisationsSchema)


class MaskinportenSchema(_Strict):
    """The fake Maskinporten: token lifetime, the quick-start shortcut grant and the signing key."""

    token_shortcut = fields.Boolean(load_default=True, metadata={
        "description": "accept the sandbox shortcut grant (client id only, no signed assertion)"})
    token_ttl = fields.Integer(load_default=120, validate=validate.Range(min=1, max=86400, error="expected seconds between 1 and 86400"),
                               metadata={"description": "default access-token lifetime in seconds (Maskinporten: 120)"})
    signing_key = Text(500, metadata={"description": "PEM file with the RSA key that signs access tokens "
                                                     "(relative to the scenario file); default: the sandbox's published test key"})
    audience_aliases = fields.List(
        fields.String(validate=validate.Regexp(r"^https?://[\x21-\x7e]{1,300}$", error="expected an http(s) URL")),
        load_default=list,
        metadata={"description": "more aud values accepted in client assertions besides the sandbox's issuer, e.g. "
                                 "https://test.maskinporten.no/ for a client library whose audience is fixed"})


class ScenarioSchema(_Strict):
    version = fields.Integer(required=True, validate=validate.OneOf([1], error="this sandbox reads scenario format version 1"))
    name = Text(80, required=True)
    description = Text(2000)
    seed = Seed(load_default="0")
    today = TodayField(metadata={"description": "the sandbox's date; 'real' (or omitted) = the real date, which "
                                                "the running server follows"})
    banks = fields.List(fields.Nested(BankSchema), required=True, validate=validate.Length(min=1))
    consumers = fields.List(fields.Nested(ConsumerSchema), load_default=list)
    people = fields.List(fields.Nested(PersonSchema), load_default=list)
    organisations = fields.List(fields.Nested(OrganisationSchema), load_default=list)
    accounts = fields.List(fields.Nested(AccountSchema), load_default=list)
    guardianships = fields.List(fields.Nested(GuardianshipSchema), load_default=list)
    events = fields.List(fields.Nested(EventSchema), load_default=list)
    generate = fields.Nested(GenerateSchema)
    maskinporten = fields.Nested(MaskinportenSchema, load_default=lambda: MaskinportenSchema().load({}))
    faults = fields.List(fields.Nested(FaultSchema), load_default=list)  # sandbox/faults.py
    register = fields.Nested(RegisterCompatSchema, metadata={"description": "the register's behaviour profile"})
