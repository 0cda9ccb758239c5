"""Exact literals of the DSOP Control Information standard (spec/data-model.md §1.6, Appendix A)."""

# v2.1 Owners lists 12 account types; the v2.0 endpoints know 11 (no leasingAccount, which maps to
# otherAccount there: spec/data-model.md Q-30).
ACCOUNT_TYPES_V21 = (
    "loanAccount", "salaryAccount", "currencyAccount", "savingsAccount", "clientAccount",
    "taxDeductionAccount", "businessAccount", "creditCardAccount", "leasingAccount",
    "prepaidCardAccount", "accountWithoutBalance", "otherAccount",
)
ACCOUNT_TYPES_V20 = tuple(t for t in ACCOUNT_TYPES_V21 if t != "leasingAccount")


def v20_account_type(account_type: str) -> str:
    """The account type as the v2.0 endpoints report it (Q-30: leasing → otherAccount)."""
    return "otherAccount" if account_type == "leasingAccount" else account_type


ACCOUNT_STATUSES = ("enabled", "disabled", "deleted")
PERMISSIONS = ("rightToUseAlone", "rightToUseWithOther", "rightToSeeOnly")
CARD_TYPES = ("creditCard", "debitCard")
CARD_STATUSES = ("active", "blocked")
IDENTIFIER_TYPES = ("countryIdentificationCode", "nationalIdentityNumber")
OWNERSHIP_TYPES = ("primaryOwner", "notPrimaryOwner", "unknown")
TRANSACTION_STATUSES = ("booked", "pending", "info")
# AdditionalReferenceIDType header values (spec/protocol.md §3.2): read by the bank's parameter parser and
# documented by its schemas, so kept here, below both (bank.schemas importing bank.params closed an import cycle).
ADDITIONAL_REFERENCE_TYPES = ("pol1", "srf")

# Account types that can receive payments or hold available funds: these make a customer a "primary owner"
# in the register's sense (spec/data-model.md R-21) and can be credited through NICS.
FUNDS_ACCOUNT_TYPES = frozenset({
    "salaryAccount", "currencyAccount", "savingsAccount", "clientAccount", "taxDeductionAccount",
    "businessAccount", "prepaidCardAccount", "otherAccount",
})

# The DSOP services of spec/services.md §1, by the short names used in scenarios and on the CLI.
SERVICES = ("skatt", "politi", "konkurs", "oed", "verge", "fi-utlegg", "nav")
