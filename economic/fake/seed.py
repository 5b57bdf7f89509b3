# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Seed data for the fake, modelled on e-conomic's Danish demo agreement.

Reference lists (VAT zones, payment terms, layouts, units, groups) are always loaded;
`demo_records()` adds the customers, products and employees of a seeded agreement.
Internal documents use e-conomic's field names; links (`self`) are added when rendering.
"""

AGREEMENT = {
    "agreementNumber": 1118081,
    "agreementType": {"agreementTypeNumber": 1, "name": "denmark"},
    "userName": "Demo",
    "signupDate": "2016-02-17",
    "user": {
        "loginId": "Demo",
        "email": "demo@example.com",
        "name": "Demo Bruger",
        "language": {"languageNumber": 1, "name": "Danish", "culture": "da-DK"},
        "agreementNumber": 1118081,
    },
    "company": {
        "addressLine1": "Langebrogade 1",
        "zip": "1411",
        "city": "København K",
        "name": "Demo Konsulent ApS",
        "phoneNumber": "+4512345678",
        "email": "demo@example.com",
        "companyIdentificationNumber": "29403473",
    },
    "settings": {"baseCurrency": "DKK"},
    "companyAffiliation": "e-conomic",
    "canSendElectronicInvoice": True,
}

# Agreement modules as /self lists them; the Project module is toggled by the fake.
BASE_MODULES = [
    {"moduleNumber": 3, "name": "Indscanning"},
    {"moduleNumber": 14, "name": "Dimension (afdeling/kvantum)"},
    {"moduleNumber": 57, "name": "Budget"},
]
PROJECT_MODULE = {"moduleNumber": 4, "name": "Projektstyring"}

VAT_ZONES = [
    {
        "vatZoneNumber": 1,
        "name": "Domestic",
        "enabledForCustomer": True,
        "enabledForSupplier": True,
    },
    {"vatZoneNumber": 2, "name": "EU", "enabledForCustomer": True, "enabledForSupplier": True},
    {"vatZoneNumber": 3, "name": "Abroad", "enabledForCustomer": True, "enabledForSupplier": True},
    # The live capture (vat_zones.json) shows this false explicitly, despite the
    # "booleans only when true" rule.
    {
        "vatZoneNumber": 4,
        "name": "Domestic exempt VAT",
        "enabledForCustomer": True,
        "enabledForSupplier": False,
    },
]
# Only the domestic zone carries Danish VAT; EU, abroad and exempt invoices carry none.
VAT_ZONES_WITH_VAT = {1}
DANISH_VAT_RATE = 25.0

PAYMENT_TERMS = [
    {"paymentTermsNumber": 1, "name": "Netto 8 dage", "paymentTermsType": "net", "daysOfCredit": 8},
    {
        "paymentTermsNumber": 2,
        "name": "Netto 14 dage",
        "paymentTermsType": "net",
        "daysOfCredit": 14,
    },
    {
        "paymentTermsNumber": 3,
        "name": "Til omgående betaling",
        "paymentTermsType": "net",
        "daysOfCredit": 0,
    },
    {
        "paymentTermsNumber": 4,
        "name": "Løbende måned 30 dage",
        "paymentTermsType": "invoiceMonth",
        "daysOfCredit": 30,
    },
    {
        "paymentTermsNumber": 5,
        "name": "Netto 30 dage",
        "paymentTermsType": "net",
        "daysOfCredit": 30,
    },
    {"paymentTermsNumber": 7, "name": "Forfaldsdato", "paymentTermsType": "dueDate"},
    {"paymentTermsNumber": 8, "name": "Forudbetaling", "paymentTermsType": "prepaid"},
]

LAYOUTS = [
    {"layoutNumber": 19, "name": "DK. std. m. bankoplys. 1.5"},
    {"layoutNumber": 20, "name": "DK. std. m. girokort 1.5"},
    {"layoutNumber": 21, "name": "Eng. std. m. bankoplys. 1.5 07.01.14"},
]
DEFAULT_LAYOUT = 19

UNITS = [
    {"unitNumber": 1, "name": "timer"},
    {"unitNumber": 2, "name": "stk."},
]

# `vatRate` is internal (e-conomic derives it from the group's accounts); not rendered.
PRODUCT_GROUPS = [
    {"productGroupNumber": 1, "name": "Ydelser m/moms", "vatRate": DANISH_VAT_RATE},
    {"productGroupNumber": 2, "name": "Ydelser u/moms", "vatRate": 0.0},
]

CUSTOMER_GROUPS = [
    {"customerGroupNumber": 1, "name": "Danske kunder", "account": {"accountNumber": 5600}},
    {
        "customerGroupNumber": 2,
        "name": "Udenlandske kunder",
        "account": {"accountNumber": 5600},
        "layout": {"layoutNumber": 21},
    },
]

EMPLOYEE_GROUPS = [
    {"number": 1, "name": "Medarbejdere"},
]


def demo_records():
    """Customers, products and employees of the seeded demo agreement."""
    customers = [
        {
            "customerNumber": 1,
            "name": "Hansen & Co ApS",
            "currency": "DKK",
            "customerGroup": {"customerGroupNumber": 1},
            "paymentTerms": {"paymentTermsNumber": 1},
            "vatZone": {"vatZoneNumber": 1},
            "address": "Vestergade 12",
            "zip": "8000",
            "city": "Aarhus C",
            "country": "Danmark",
            "email": "faktura@hansen.example",
            "corporateIdentificationNumber": "12345678",
        },
        {
            "customerNumber": 2,
            "name": "Nordic Trading GmbH",
            "currency": "EUR",
            "customerGroup": {"customerGroupNumber": 2},
            "paymentTerms": {"paymentTermsNumber": 5},
            "vatZone": {"vatZoneNumber": 2},
            "address": "Hafenstraße 4",
            "zip": "20457",
            "city": "Hamburg",
            "country": "Tyskland",
            "layout": {"layoutNumber": 21},
        },
    ]
    products = [
        {
            "productNumber": "1",
            "name": "Konsulenttime",
            "productGroup": {"productGroupNumber": 1},
            "unit": {"unitNumber": 1},
            "salesPrice": 950.0,
            "costPrice": 0.0,
            "recommendedPrice": 0.0,
        },
        {
            "productNumber": "2",
            "name": "Konsulenttime u/moms",
            "productGroup": {"productGroupNumber": 2},
            "unit": {"unitNumber": 1},
            "salesPrice": 950.0,
            "costPrice": 0.0,
            "recommendedPrice": 0.0,
        },
    ]
    employees = [
        {
            "employeeNumber": 1,
            "name": "Demo Bruger",
            "email": "demo@example.com",
            "employeeGroup": {"employeeGroupNumber": 1},
        },
    ]
    return customers, products, employees
