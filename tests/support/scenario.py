"""The test world of the HTTP tests: one persona per behavioural rule of spec/data-model.md §4 (the default
scenario of the `make_app` fixture in tests/conftest.py)."""

# ----------------------------------------------------------------------------------------------------------
#  The test world. Dates are relative to today = 2025-06-30 unless written out.
# ----------------------------------------------------------------------------------------------------------
SCENARIO = """
version: 1
name: api-tests
description: One persona per behavioural rule of the bank and register APIs (tests/support.py).
seed: api-tests-1
today: 2025-06-30
banks:
  - {id: alpha, name: ALPHA TESTBANK ASA, registration_numbers: ["9950"]}
  - {id: beta, name: BETA SPAREBANK, registration_numbers: ["9960"]}
  - {id: kfr, name: KFR FINANS AS, registration_numbers: ["9970"], register: kfr}
consumers:
  - {id: skatteetaten, name: Skatteetaten, org_number: "974761076", services: [skatt]}
  - {id: nav, name: NAV, org_number: "889640782", services: [nav]}
  - {id: politiet, name: Politi- og lensmannsetaten, org_number: "915429785", services: [politi]}
people:
  - {id: ola, name: Ola Felles}                      # primary owner of the joint account; main borrower
  - {id: eva, name: Eva Felles}                      # secondary owner of the joint account only
  - {id: siri, name: Siri Medlaaner}                 # co-borrower on Ola's loan; own salary account at alpha
  - {id: kari, name: Kari Kausjon}                   # guarantor only
  - {id: per, name: Per Disponent}                   # disponent only (on Fjell's accounts)
  - {id: hanne, name: Hanne Skjermet, shielded: true}
  - {id: lukas, name: Lukas Dnummer, d_number: true}
  - {id: arne, name: Arne Avdod}                     # deceased three weeks ago (event)
  - {id: odd, name: Odd Gjenaapnet}                  # close + reopen; closed inside a period
  - {id: sigrid, name: Sigrid Gammel}                # only a role that ended before 2019-07-01
  - {id: erik, name: Erik Overtaker}                 # took over his company's account
  - {id: nils, name: Nils Arkiv}                     # partial: archived transactions
  - {id: lars, name: Lars Kortmann}                  # > 1000 transactions a year, cards, pending, KFR bank
organisations:
  - {id: fjell, name: Fjell Testkonsern AS}
  - {id: bakeri, name: Smuldre Bakeri AS, bankruptcy_date: -4m}
  - {id: enk, name: Erik Overtaker Enk}
accounts:
  - id: joint
    bank: alpha
    type: salaryAccount
    opened: -9y
    owners: [{party: ola, primary: true}, {party: eva}]
    activity: {profile: household, amount: 50000, purchases_per_month: 6}
    cards:
      - {id: ola-debit, holder: ola, issued: -2y, expires: +2y}
      - {id: eva-debit, holder: eva, issued: -1y, expires: +3y}
  - id: ola-salary
    bank: alpha
    type: salaryAccount
    opened: -12y
    opening_balance: 1500
    owners: [{party: ola}]
    roles: [{party: sigrid, permission: rightToSeeOnly, from: 2016-01-01, to: 2019-03-31}]
    activity: {profile: household, amount: 42000, purchases_per_month: 4}
  - id: cabin-loan
    bank: beta
    type: loanAccount
    opened: -6y
    opening_balance: -2850000
    owners: [{party: ola}]
    co_borrowers: [siri]
    guarantors: [{party: kari, from: -6y}]
  - id: siri-salary
    bank: alpha
    type: salaryAccount
    opened: -7y
    owners: [{party: siri}]
    activity: {profile: household, amount: 39000, purchases_per_month: 3}
  - id: fjell-drift
    bank: alpha
    type: businessAccount
    opened: -14y
    owners: [{party: fjell}]
    roles: [{party: per, permission: rightToUseAlone, from: -4y}]    # revoked -2y, granted again -1y
    activity: {profile: business, amount: 300000, purchases_per_month: 2}
  - id: fjell-klient
    bank: alpha
    type: clientAccount
    opened: -6y
    owners: [{party: fjell}]
    data_not_delivered: true
  - id: fjell-pool
    bank: alpha
    type: accountWithoutBalance
    opened: -8y
    owners: [{party: fjell}]
  - id: fjell-eur
    bank: alpha
    type: currencyAccount
    currency: EUR
    opened: -5y
    opening_balance: 12000
    owners: [{party: fjell}]
    roles: [{party: per, permission: rightToSeeOnly, from: -3y}]
    activity: none                # only the transactions below (a currency account's default profile generates)
    transactions:
      - {date: -4m, amount: 48500, direction: credit, kind: other_credit, text: "Faktura 2025-017",
         counterparty: {name: NORDBAU GMBH}}
      - {date: -2m, amount: 16250.40, direction: debit, kind: transfer_out, text: "Staalleveranse",
         counterparty: {name: ACCIAIERIA ESEMPIO SPA, account: "99982173945"}}
      - {date: -12d, amount: 22000, direction: credit, kind: other_credit, text: "Faktura 2025-031",
         counterparty: {name: NORDBAU GMBH, org_number: "222297672"}}
  - id: fjell-leasing
    bank: beta
    type: leasingAccount
    opened: -2y
    owners: [{party: fjell}]
  - id: hanne-salary
    bank: alpha
    type: salaryAccount
    opened: -6y
    owners: [{party: hanne}]
    activity: {profile: household, amount: 30000, purchases_per_month: 2}
  - id: lukas-salary
    bank: beta
    type: salaryAccount
    opened: -2y
    owners: [{party: lukas}]
    activity: {profile: household, amount: 38000, purchases_per_month: 3, foreign_share: 0.3}
    cards: [{id: lukas-debit, holder: lukas, issued: -2y, expires: +2y}]
  - id: arne-savings
    bank: alpha
    type: savingsAccount
    opened: -20y
    opening_balance: 150000
    owners: [{party: arne}]
    activity: {profile: savings, amount: 1500}
  - id: bakeri-drift
    bank: alpha
    type: businessAccount
    opened: -8y
    owners: [{party: bakeri}]
    activity: {profile: business, amount: 90000, purchases_per_month: 2}
  - id: odd-savings
    bank: beta
    type: savingsAccount
    opened: -6y
    opening_balance: 40000
    owners: [{party: odd}]                           # closed -2y, reopened -1y (events)
  - id: odd-salary
    bank: beta
    type: salaryAccount
    opened: -9y
    closed: -90d                                     # 2025-04-01
    owners: [{party: odd}]
    activity: {profile: household, amount: 41000, purchases_per_month: 3}
  - id: enk-business
    bank: beta
    type: businessAccount
    opened: -7y
    owners: [{party: enk}]                           # passes to Erik -1y as his salary account (event)
    activity: {profile: business, amount: 45000, purchases_per_month: 2}
  - id: nils-salary
    bank: beta
    type: salaryAccount
    opened: -12y
    owners: [{party: nils}]
    activity: {profile: household, amount: 52000, purchases_per_month: 2}
    partial:
      - to: 2015-12-31
        message: "Transaksjoner foer 2016 er arkivert; send en forespoersel som digitalt brev i Altinn."
        endpoints: [transactions]
  - id: lars-salary
    bank: alpha
    type: salaryAccount
    opened: -14m
    owners: [{party: lars}]
    activity: {profile: household, amount: 60000, purchases_per_month: 150}
    blocked_amount: 2000
    cards:
      - {id: lars-old, holder: lars, issued: -3y, expires: -1y, status: blocked}
      - {id: lars-debit, holder: lars, issued: -3y, expires: +1y}
    pending:
      - {date: -1d, amount: 459.90, merchant: "SPORT TESTBYEN"}
      - {date: today, amount: 1200, text: "Vipps reservasjon"}
    transactions:
      - {date: -40d, amount: 1023.75, direction: debit, kind: card_purchase, card: lars-debit,
         merchant: "CAFE DEL MAR MALAGA", original_currency: EUR, original_amount: 88.50}
      - {date: -20d, amount: 14250, direction: credit, kind: other_credit, text: "Skatteoppgjoer 2024",
         counterparty: {name: SKATTEETATEN, org_number: "974761076"}}
  - id: lars-kfr-savings
    bank: kfr
    type: savingsAccount
    opened: -4y
    owners: [{party: lars}]
    activity: {profile: savings, amount: 500}
  - id: lars-kfr-card
    bank: kfr
    type: creditCardAccount
    opened: -4y
    credit_line: 30000
    credit_line_included: true
    owners: [{party: lars}]
    cards: [{id: lars-kreditt, holder: lars, type: creditCard, issued: -4y, expires: +1y}]
events:
  - {date: -3w, type: death, party: arne}
  - {date: -2y, type: close, account: odd-savings}
  - {date: -1y, type: reopen, account: odd-savings}
  - {date: -1y, type: transfer_ownership, account: enk-business, party: erik, account_type: salaryAccount}
  - {date: -2y, type: revoke_role, account: fjell-drift, party: per}
  - {date: -1y, type: grant_role, account: fjell-drift, party: per, permission: rightToUseAlone}
"""


