"""Code lists of the bank API's transaction fields (ISO 20022 bank transaction codes, reference and address
types) exactly as reference/Bank_v2.yaml enumerates them. Used by bank/schemas.py; the OpenAPI tests check
these lists against Bank_v2.yaml.
"""

DOMAINS = ("accountManagement", "cashManagement", "foreignExchange", "payments", "securities", "tradeServices",
           "extended")

FAMILIES = (
    "additionalMiscellaneousCreditOperations", "additionalMiscellaneousDebitOperations",
    "miscellaneousCreditOperations", "miscellaneousDebitOperations", "openingAndClosing", "accountBalancing",
    "cashPooling", "notAvailable", "customerCardTransactions", "counterTransactions", "drafts",
    "issuedCashConcentrationTransactions", "issuedCreditTransfers", "issuedCheques", "issuedDirectDebits",
    "lockboxTransactions", "merchantCardTransactions", "other", "receivedCashConcentrationTransactions",
    "receivedCreditTransfers", "receivedCheques", "receivedDirectDebits", "corporateAction",
    "documentaryCollection", "standByLetterOfCredit",
)

SUB_FAMILIES = (
    "valueDate", "chargesGeneric", "commissions", "interestsGeneric", "other", "accountClosing", "notAvailable",
    "sweeping", "topping", "zeroBalancing", "cashWithdrawal", "debitCardPayment", "crossBorderCashWithdrawal",
    "cashDeposit", "debitAdjustmentGeneric", "travellersChequesDeposit", "settlementAtMaturity",
    "intraCompanyTransfer", "corporateOwnAccountTransfer", "crossBorderIntraCompanyTransfer", "achDebit",
    "achReturn", "achTransactionAtxn", "automaticTransfer", "bankCheque", "booked", "domesticCreditTransfer",
    "dividend", "sepaCreditTransfer", "financialInstitutionCreditTransfer", "principalPayment",
    "priorityCreditTransfer", "reversalDueToPaymentReturn", "achTransactionSala", "sameDayValueCreditTransfer",
    "standingOrder", "taxes", "creditTransferWithAgreedCommercialInformation", "crossBorderCreditTransfer",
    "cashLetter", "cheques", "chequesReversal", "openCheque", "unpaidCheque", "crossBorderCheque",
    "sepaCoreDirectDebit", "directDebitPayment", "reversalDueToPayment", "reversalDueToPaymentCancellationRequest",
    "reversalDueToReturnUnpaidDirectDebit", "debit", "deposit", "adjustments", "fees", "creditCardPayment",
    "pointOfSalePosPayment", "creditAdjustment", "settlementAfterCollection",
)

TRANSACTION_REFERENCE_TYPES = (
    "accountServicerReference", "archiveReference", "chequeNumber", "endToEndIdentification",
    "instructionIdentification", "invoiceNumber", "mandateIdentification", "messageIdentification",
    "otherReference", "paymentInformationIdentification", "remittanceReference",
)

ADDRESS_TYPES = ("residential", "business", "mailTo", "deliveryTo")
COUNTERPARTY_TYPES = ("debtor", "creditor", "ultimateDebtor", "ultimateCreditor")
BALANCE_TYPES = ("availableBalance", "bookedBalance")
CREDIT_DEBIT = ("credit", "debit")
RESPONSE_STATUSES = ("partial", "complete")
