"""Strict parsers of what data-altinn-no/plugin-banking reads, written from its C# models.

The plugin deserialises every answer with Newtonsoft.Json into NSwag-generated classes; a body that one of them
refuses ends the plugin's case (an ApiException), so the replay refuses it too. The rules, as Newtonsoft applies
the attributes the classes carry:

- `Required.Always`: the property must be present and not null.
- `Required.DisallowNull`: it may be missing, but not null.
- no `Required` (Default): missing is fine; null is fine for a reference type (string, object, list) and for a
  property with `NullValueHandling.Ignore` (the null is skipped), but a null for a non-nullable value type (bool,
  decimal, double, DateTimeOffset, an enum) without `NullValueHandling.Ignore` cannot be converted: an error.
- enums carry `StringEnumConverter`: a string must be one of the `EnumMember` values (Newtonsoft matches them
  exactly, then ignoring letter case); anything else, e.g. a value the plugin's OpenAPI does not know, is an error.
- `DateTimeOffset`: an ISO 8601 date or date-time; `DateFormatConverter` (NSwag's IsoDateTimeConverter with
  `yyyy-MM-dd`) for account and role start/end dates.
- extra properties land in `AdditionalProperties` (`JsonExtensionData`): allowed.

Sources (data-altinn-no/plugin-banking, src/Altinn.Dan.Plugin.Banking/):
- Clients/V2/BankClient_v2.cs (NSwag 14, Bank_v2.yaml): Accounts, Account, AccountDetails, AccountDetail,
  AccountRole, Balance, FinancialInstitution, Identifier, Link, ResponseDetails, Transactions, Transaction,
  TransactionReference, BankTransactionCode, CounterParty, PostalAddress, CurrencyExchange, PaymentCard and their
  enums; Error400…Error500 (`code`, `message`: DisallowNull).
- Clients/KARClient.cs (NSwag 13, KAR.yaml): ListCustomerRelation, CustomerRelation, ErrorResponse.
- Models/Endpoints.cs: EndpointExternal (the directory's entries; plain `JsonProperty`, all strings).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

ALWAYS, DISALLOW_NULL, DEFAULT = "Always", "DisallowNull", "Default"


class ModelError(ValueError):
    """A body the plugin's Newtonsoft deserialisation would refuse; the message names the JSON path."""


@dataclass(frozen=True)
class Prop:
    """One `[JsonProperty]` of a C# class: its JSON name, type and the attributes that decide strictness."""

    name: str
    kind: object  # "string" | "bool" | "decimal" | "double" | "datetime" | "date" | Enum tuple | Model | ("list", x)
    required: str = DEFAULT
    ignore_null: bool = False  # NullValueHandling.Ignore
    # ([Required(AllowEmptyStrings)], [StringLength], [RegularExpression] are DataAnnotations, which Newtonsoft does
    # not run: the plugin never validates them, so neither does this module.)


VALUE_TYPES = ("bool", "decimal", "double", "datetime", "date")


class Model:
    """A C# class: name and properties. `parse(value, path)` raises ModelError where Newtonsoft would throw."""

    def __init__(self, name: str, *props: Prop):
        self.name, self.props = name, props

    def parse(self, value, path: str = "$"):
        if not isinstance(value, dict):
            raise ModelError(f"{path}: expected a JSON object for {self.name}, got {type(value).__name__}")
        for prop in self.props:
            where = f"{path}.{prop.name}"
            if prop.name not in value:
                if prop.required == ALWAYS:
                    raise ModelError(f"{where}: required property of {self.name} is missing (Required.Always)")
                continue
            item = value[prop.name]
            if item is None:
                if prop.required in (ALWAYS, DISALLOW_NULL):
                    raise ModelError(f"{where}: null is not allowed (Required.{prop.required}) in {self.name}")
                if not prop.ignore_null and _is_value_type(prop.kind):
                    raise ModelError(f"{where}: null cannot be converted to the value type of {self.name}.{prop.name}")
                continue
            _parse_kind(prop.kind, item, where)
        return value


class Enum:
    """A C# enum with `[EnumMember(Value=...)]` values, read through StringEnumConverter."""

    def __init__(self, name: str, *values: str):
        self.name, self.values = name, values

    def parse(self, value, path: str):
        if isinstance(value, str):
            if value in self.values or value.lower() in {v.lower() for v in self.values}:
                return value
            raise ModelError(f"{path}: '{value}' is not a {self.name} value ({', '.join(self.values)})")
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(self.values):
            return self.values[value]  # AllowIntegerValues (the default): a defined ordinal
        raise ModelError(f"{path}: {value!r} is not a {self.name} value")


def _is_value_type(kind) -> bool:
    return kind in VALUE_TYPES or isinstance(kind, Enum)


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _parse_kind(kind, item, path: str):
    if isinstance(kind, Model) or isinstance(kind, Enum):
        return kind.parse(item, path)
    if isinstance(kind, tuple) and kind[0] == "list":
        if not isinstance(item, list):
            raise ModelError(f"{path}: expected a JSON array, got {type(item).__name__}")
        for i, element in enumerate(item):
            if element is None and _is_value_type(kind[1]):
                raise ModelError(f"{path}[{i}]: null in a list of value types")
            if element is not None:
                _parse_kind(kind[1], element, f"{path}[{i}]")
        return item
    if kind == "string":
        # Newtonsoft converts a number or boolean token to a string property; an object or array it does not.
        if isinstance(item, (dict, list)):
            raise ModelError(f"{path}: expected a string, got {type(item).__name__}")
        return item
    if kind == "bool":
        if not isinstance(item, bool):
            raise ModelError(f"{path}: expected true/false, got {item!r}")
        return item
    if kind in ("decimal", "double"):
        if isinstance(item, bool) or not isinstance(item, (int, float)):
            raise ModelError(f"{path}: expected a number, got {item!r}")
        return item
    if kind == "date":  # DateFormatConverter: yyyy-MM-dd
        if not isinstance(item, str) or not _ISO_DATE.match(item):
            raise ModelError(f"{path}: expected a date yyyy-MM-dd, got {item!r}")
        date.fromisoformat(item)
        return item
    if kind == "datetime":  # DateTimeOffset: an ISO 8601 date or date-time
        if not isinstance(item, str):
            raise ModelError(f"{path}: expected a date-time string, got {item!r}")
        try:
            (date.fromisoformat if _ISO_DATE.match(item) else datetime.fromisoformat)(item)
        except ValueError:
            raise ModelError(f"{path}: '{item}' is not an ISO 8601 date-time") from None
        return item
    raise AssertionError(f"unknown kind {kind!r}")  # a mistake in this module, not in a body


def P(name, kind, required=DEFAULT, ignore_null=False) -> Prop:
    return Prop(name, kind, required, ignore_null)


def dn(name, kind) -> Prop:
    """`Required = DisallowNull, NullValueHandling = Ignore`: NSwag's spelling of an optional property."""
    return Prop(name, kind, DISALLOW_NULL, True)


def opt(name, kind) -> Prop:
    """`[JsonProperty(name, NullValueHandling = Ignore)]` without Required."""
    return Prop(name, kind, DEFAULT, True)


def listof(kind):
    return ("list", kind)


# ---- enums (BankClient_v2.cs) ------------------------------------------------------------------------------
AccountStatus = Enum("AccountStatus", "enabled", "disabled", "deleted")
AccountType = Enum("AccountType", "loanAccount", "salaryAccount", "currencyAccount", "savingsAccount",
                   "clientAccount", "taxDeductionAccount", "businessAccount", "creditCardAccount",
                   "prepaidCardAccount", "accountWithoutBalance", "otherAccount")
AccountPermissionType = Enum("AccountPermissionType", "rightToUseAlone", "rightToUseWithOther", "rightToSeeOnly")
AddressType = Enum("AddressType", "residential", "business", "mailTo", "deliveryTo")
BalanceType = Enum("BalanceType", "availableBalance", "bookedBalance")
CreditOrDebit = Enum("CreditOrDebit", "credit", "debit")
CounterPartyType = Enum("CounterPartyType", "debtor", "creditor", "ultimateDebtor", "ultimateCreditor")
IdentifierType = Enum("IdentifierType", "countryIdentificationCode", "nationalIdentityNumber")
CardStatus = Enum("CardStatus", "active", "blocked")
CardType = Enum("CardType", "debitCard", "creditCard")
ResponseDetailsStatus = Enum("ResponseDetailsStatus", "complete", "partial")
TransactionStatus = Enum("TransactionStatus", "booked", "pending", "info")
TransactionReferenceType = Enum(
    "TransactionReferenceType", "accountServicerReference", "archiveReference", "chequeNumber",
    "endToEndIdentification", "instructionIdentification", "invoiceNumber", "mandateIdentification",
    "messageIdentification", "otherReference", "paymentInformationIdentification", "remittanceReference")
DomainType = Enum("DomainType", "accountManagement", "cashManagement", "foreignExchange", "payments", "securities",
                  "tradeServices", "extended")
FamilyType = Enum(
    "FamilyType", "additionalMiscellaneousCreditOperations", "additionalMiscellaneousDebitOperations",
    "miscellaneousCreditOperations", "miscellaneousDebitOperations", "openingAndClosing", "accountBalancing",
    "cashPooling", "notAvailable", "customerCardTransactions", "counterTransactions", "drafts",
    "issuedCashConcentrationTransactions", "issuedCreditTransfers", "issuedCheques", "issuedDirectDebits",
    "lockboxTransactions", "merchantCardTransactions", "other", "receivedCashConcentrationTransactions",
    "receivedCreditTransfers", "receivedCheques", "receivedDirectDebits", "corporateAction",
    "documentaryCollection", "standByLetterOfCredit")
SubFamilyType = Enum(
    "SubFamilyType", "valueDate", "chargesGeneric", "commissions", "interestsGeneric", "other", "accountClosing",
    "notAvailable", "sweeping", "topping", "zeroBalancing", "cashWithdrawal", "debitCardPayment",
    "crossBorderCashWithdrawal", "cashDeposit", "debitAdjustmentGeneric", "travellersChequesDeposit",
    "settlementAtMaturity", "intraCompanyTransfer", "corporateOwnAccountTransfer", "crossBorderIntraCompanyTransfer",
    "achDebit", "achReturn", "achTransactionAtxn", "automaticTransfer", "bankCheque", "booked",
    "domesticCreditTransfer", "dividend", "sepaCreditTransfer", "financialInstitutionCreditTransfer",
    "principalPayment", "priorityCreditTransfer", "reversalDueToPaymentReturn", "achTransactionSala",
    "sameDayValueCreditTransfer", "standingOrder", "taxes", "creditTransferWithAgreedCommercialInformation",
    "crossBorderCreditTransfer", "cashLetter", "cheques", "chequesReversal", "openCheque", "unpaidCheque",
    "crossBorderCheque", "sepaCoreDirectDebit", "directDebitPayment", "reversalDueToPayment",
    "reversalDueToPaymentCancellationRequest", "reversalDueToReturnUnpaidDirectDebit", "debit", "deposit",
    "adjustments", "fees", "creditCardPayment", "pointOfSalePosPayment", "creditAdjustment",
    "settlementAfterCollection")

# ---- classes (BankClient_v2.cs) ----------------------------------------------------------------------------
Identifier = Model("Identifier", opt("countryOfResidence", "string"), P("value", "string"),
                   P("type", IdentifierType))
FinancialInstitution = Model("FinancialInstitution", dn("identifier", Identifier), dn("name", "string"))
AccountRole = Model("AccountRole", dn("permission", AccountPermissionType), opt("identifier", Identifier),
                    opt("name", "string"), opt("startDate", "date"), opt("endDate", "date"))
PostalAddress = Model("PostalAddress", dn("postCode", "string"), dn("type", AddressType), dn("streetName", "string"),
                      dn("buildingNumber", "string"), dn("townName", "string"), dn("country", "string"),
                      dn("addressLines", listof("string")))
ResponseDetails = Model("ResponseDetails", P("status", ResponseDetailsStatus, ALWAYS), opt("message", "string"))
Link = Model("Link", P("rel", "string", ALWAYS), P("href", "string", ALWAYS))
Balance = Model("Balance", dn("creditLineIncluded", "bool"), dn("amount", "decimal"),
                dn("creditDebitIndicator", CreditOrDebit), dn("registered", "datetime"), dn("type", BalanceType),
                dn("creditLineAmount", "decimal"), dn("creditLineCurrency", "string"), dn("currency", "string"))
Account = Model("Account", dn("status", AccountStatus), dn("servicer", FinancialInstitution),
                P("accountIdentifier", "string", ALWAYS), P("accountReference", "string", ALWAYS),
                dn("type", AccountType), dn("currency", "string"), dn("primaryOwner", AccountRole),
                dn("name", "string"))
Accounts = Model("Accounts", P("responseDetails", ResponseDetails, ALWAYS), dn("accounts", listof(Account)),
                 dn("links", listof(Link)))
AccountDetail = Model("AccountDetail", dn("status", AccountStatus), dn("servicer", FinancialInstitution),
                      P("accountIdentifier", "string"), P("accountReference", "string"),
                      opt("type", AccountType), dn("currency", "string"), dn("name", "string"),
                      dn("balances", listof(Balance)), dn("primaryOwner", AccountRole), dn("startDate", "date"),
                      dn("endDate", "date"))
AccountDetails = Model("AccountDetails", P("responseDetails", ResponseDetails, ALWAYS), dn("account", AccountDetail))
BankTransactionCode = Model("BankTransactionCode", dn("domain", DomainType), dn("family", FamilyType),
                            dn("subFamily", SubFamilyType), dn("freeText", "string"))
CounterParty = Model("CounterParty", dn("accountIdentifier", "string"), dn("identifier", Identifier),
                     dn("name", "string"), dn("type", CounterPartyType), dn("postalAddress", PostalAddress))
CurrencyExchange = Model("CurrencyExchange", dn("originalAmount", "double"), dn("sourceCurrency", "string"),
                         dn("targetCurrency", "string"), dn("unitCurrency", "string"), dn("exchangeRate", "double"))
PaymentCard = Model("PaymentCard", P("cardIdentifier", "string"), opt("holderName", "string"),
                    opt("startDate", "string"), opt("expiryDate", "string"), opt("cardIssuerName", "string"),
                    opt("type", CardType), opt("cardStatus", CardStatus), opt("versionNumber", "string"),
                    opt("cardIssuerIdentifier", Identifier))
TransactionReference = Model("TransactionReference", P("value", "string", ALWAYS),
                             P("type", TransactionReferenceType, ALWAYS))
Transaction = Model("Transaction", P("transactionIdentifier", "string"),
                    opt("references", listof(TransactionReference)), opt("creditDebitIndicator", CreditOrDebit),
                    opt("reversalIndicator", "bool"), opt("status", TransactionStatus),
                    opt("transactionCode", BankTransactionCode), opt("bookingDate", "datetime"),
                    opt("valueDate", "datetime"), opt("counterParties", listof(CounterParty)),
                    opt("additionalInfo", "string"), opt("currencyExchange", CurrencyExchange),
                    opt("merchant", "string"), opt("paymentCard", PaymentCard), opt("registered", "datetime"),
                    opt("amount", "double"), opt("currency", "string"))
Transactions = Model("Transactions", P("responseDetails", ResponseDetails), dn("transactions", listof(Transaction)),
                     opt("links", listof(Link)))
BankError = Model("Error4xx", dn("code", "string"), dn("message", "string"))

# ---- KARClient.cs ------------------------------------------------------------------------------------------
CustomerRelation = Model("CustomerRelation", P("organizationID", "string", ALWAYS), P("bankName", "string", ALWAYS),
                         P("activeAccount", "bool"))
ListCustomerRelation = Model("ListCustomerRelation", P("banks", listof(CustomerRelation), ALWAYS))
KarErrorResponse = Model("ErrorResponse", P("errorCode", "string", ALWAYS), P("errorMessage", "string", ALWAYS),
                         P("timestamp", "datetime", ALWAYS))

# ---- Models/Endpoints.cs -----------------------------------------------------------------------------------
EndpointExternal = Model("EndpointExternal", P("orgNo", "string"), P("name", "string"), P("url", "string"),
                         P("version", "string"), P("env", "string"))


def endpoint_list(body, path: str = "$") -> list[dict]:
    """`List<EndpointExternal>`: what the plugin keeps of the directory (a JSON array; an object is an error)."""
    if not isinstance(body, list):
        raise ModelError(f"{path}: expected the directory's JSON array of EndpointExternal, got {type(body).__name__}")
    return [EndpointExternal.parse(e, f"{path}[{i}]") for i, e in enumerate(body)]


#: Which model reads the answer of each fixture step kind (status 200), and of its refusals.
SUCCESS = {"kar": ListCustomerRelation, "accounts": Accounts, "details": AccountDetails,
           "transactions": Transactions}
FAILURE = {"kar": KarErrorResponse, "accounts": BankError, "details": BankError, "transactions": BankError}
