# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The fake against e-conomic's published material (economic/fake/schemas/).

- every GET answer validates against e-conomic's GET schema (seeded and after writes);
- its shapes match captured responses (keys, pagination, nested references);
- writes are checked against the POST/PUT schemas and refused with the property path;
- the seeded reference lists look like the captured demo agreement.
"""

import copy

from economic.fake import encode_id, schema
from economic.tests.test_fake import CUSTOMER, REST, FakeCase, draft_payload

# e-conomic's GET schema for each answer the product reads ({n}: filled in by the test).
SINGLE_SCHEMAS = {
    "customer": "customers.customerNumber.get",
    "invoice_template": "customers.customerNumber.templates.invoice.get",
    "line_template": "customers.customerNumber.templates.invoiceline.productNumber.get",
    "customer_group": "customer-groups.customerGroupNumber.get",
    "payment_terms": "payment-terms.paymentTermsNumber.get",
    "vat_zone": "vat-zones.vatZoneNumber.get",
    "layout": "layouts.layoutNumber.get",
    "unit": "units.unitNumber.get",
    "product": "products.productNumber.get",
    "product_group": "product-groups.productGroupNumber.get",
    "employee": "employees.employeeNumber.get",
    "draft": "invoices.drafts.draftInvoiceNumber.get",
    "booking_instructions": "invoices.drafts.draftInvoiceNumber.templates.booking-instructions.get",
    "booked": "invoices.booked.bookedInvoiceNumber.get",
    "self": "self.get",
}
COLLECTION_SCHEMAS = {
    "/customers": "customers.get",
    "/customer-groups": "customer-groups.get",
    "/payment-terms": "payment-terms.get",
    "/vat-zones": "vat-zones.get",
    "/layouts": "layouts.get",
    "/units": "units.get",
    "/products": "products.get",
    "/product-groups": "product-groups.get",
    "/employees": "employees.get",
    "/invoices/drafts": "invoices.drafts.get",
    "/invoices/booked": "invoices.booked.get",
}
# Where e-conomic's schema contradicts e-conomic itself, the schema is not the reference.
# This one declares draftInvoiceNumber > 1 (minimum 1 + exclusiveMinimum), yet draft 1 is
# bookable like any other (test_erratum_still_holds keeps this list honest).
SCHEMA_ERRATA = {
    (
        "invoices.drafts.draftInvoiceNumber.templates.booking-instructions.get",
        ("draftInvoice", "draftInvoiceNumber"),
    ),
}
FULL_CUSTOMER = dict(
    CUSTOMER,
    address="Vestergade 1\nBagbygningen",
    city="Aarhus C",
    zip="8000",
    country="Danmark",
    email="a@example.com b@example.com",
    telephoneAndFaxNumber="12345678",
    mobilePhone="87654321",
    website="https://example.com",
    corporateIdentificationNumber="12345678",
    pNumber="1234567890",
    ean="5790000123456",
    publicEntryNumber="A1",
    vatNumber="DK12345678",
    barred=True,
    creditLimit=1000.5,
    layout={"layoutNumber": 20},
    salesPerson={"employeeNumber": 1},
)


def schema_errors(document, name, mode="read"):
    return [
        error
        for error in schema.validate(document, schema.load(name), mode=mode)
        if (name, error.path) not in SCHEMA_ERRATA
    ]


def keys(document):
    return set(document)


class ConformanceCase(FakeCase):
    def get(self, path, **params):
        response = self.call("GET", path, params=params or None)
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()

    def assertConforms(self, document, name, label=None):
        errors = schema_errors(document, name)
        self.assertEqual(errors, [], f"{label or name} does not conform to {name}")

    def assertAllGetsConform(self):
        """Every collection page and every single resource the fake holds."""
        checked = 0
        for path, name in COLLECTION_SCHEMAS.items():
            body = self.get(path, pagesize=2)
            while True:
                self.assertConforms(body, name, path)
                checked += 1
                next_page = body["pagination"].get("nextPage")
                if not next_page:
                    break
                body = self.session.get(next_page, headers=self.call_headers()).json()
        fake = self.fake
        singles = [("self", "/self")]
        singles += [("customer", f"/customers/{n}") for n in fake.customers]
        singles += [
            ("invoice_template", f"/customers/{n}/templates/invoice") for n in fake.customers
        ]
        singles += [
            ("line_template", f"/customers/1/templates/invoiceline/{encode_id(p)}")
            for p in fake.products
            if 1 in fake.customers
        ]
        singles += [("customer_group", f"/customer-groups/{n}") for n in fake.customer_groups]
        singles += [("payment_terms", f"/payment-terms/{n}") for n in fake.payment_terms]
        singles += [("vat_zone", f"/vat-zones/{n}") for n in fake.vat_zones]
        singles += [("layout", f"/layouts/{n}") for n in fake.layouts]
        singles += [("unit", f"/units/{n}") for n in fake.units]
        singles += [("product", f"/products/{encode_id(p)}") for p in fake.products]
        singles += [("product_group", f"/product-groups/{n}") for n in fake.product_groups]
        singles += [("employee", f"/employees/{n}") for n in fake.employees]
        singles += [("draft", f"/invoices/drafts/{n}") for n in fake.drafts]
        singles += [
            ("booking_instructions", f"/invoices/drafts/{n}/templates/booking-instructions")
            for n in fake.drafts
        ]
        singles += [("booked", f"/invoices/booked/{n}") for n in fake.booked]
        for kind, path in singles:
            self.assertConforms(self.get(path), SINGLE_SCHEMAS[kind], path)
            checked += 1
        return checked

    def call_headers(self):
        return {"X-AppSecretToken": "fake-secret", "X-AgreementGrantToken": "fake-grant"}


class TestGetResponsesConform(ConformanceCase):
    def test_seeded_agreement(self):
        self.assertGreaterEqual(self.assertAllGetsConform(), 30)

    def test_empty_agreement(self):
        self.fake = type(self.fake)(seed=False)
        self.session.send = self.fake.send
        self.assertGreaterEqual(self.assertAllGetsConform(), 11)

    def test_after_writes_through_the_api(self):
        customer = self.call("POST", "/customers", json=FULL_CUSTOMER)
        self.assertEqual(customer.status_code, 201, customer.text)
        self.assertConforms(customer.json(), SINGLE_SCHEMAS["customer"], "POST /customers")
        replaced = self.call("PUT", "/customers/1", json=dict(FULL_CUSTOMER, barred=False))
        self.assertConforms(replaced.json(), SINGLE_SCHEMAS["customer"], "PUT /customers/1")
        product = self.call(
            "POST",
            "/products",
            json={
                "productNumber": "A/B 1_x",
                "name": "Special",
                "description": "Beskrivelse",
                "productGroup": {"productGroupNumber": 2},
                "unit": {"unitNumber": 2},
                "salesPrice": 10.5,
                "costPrice": 1.25,
                "recommendedPrice": 12,
                "barCode": "123",
                "barred": True,
            },
        )
        self.assertEqual(product.status_code, 201, product.text)
        self.assertConforms(product.json(), SINGLE_SCHEMAS["product"], "POST /products")
        self.call(
            "PUT", "/products/NEW", json={"name": "Ny", "productGroup": {"productGroupNumber": 1}}
        )
        draft = self.call(
            "POST",
            "/invoices/drafts",
            json=draft_payload(
                dueDate="2026-03-30",
                exchangeRate=100,
                project={"projectNumber": 3},
                recipient={
                    "name": "Hansen & Co ApS",
                    "address": "Vej 1",
                    "zip": "8000",
                    "city": "Aarhus",
                    "country": "Danmark",
                    "ean": "5790000123456",
                    "attention": {"customerContactNumber": 4},
                    "vatZone": {"vatZoneNumber": 1},
                },
                delivery={
                    "address": "Lager 2",
                    "zip": "8000",
                    "city": "Aarhus",
                    "country": "Danmark",
                    "deliveryDate": "2026-03-11",
                    "deliveryTerms": "Fragtfrit",
                },
                notes={"heading": "Projekt 7", "textLine1": "Timer", "textLine2": "Tak"},
                references={
                    "other": "odoo-project-7",
                    "salesPerson": {"employeeNumber": 1},
                    "vendorReference": {"employeeNumber": 1},
                    "customerContact": {"customerContactNumber": 4},
                },
            ),
        )
        self.assertEqual(draft.status_code, 201, draft.text)
        self.assertConforms(draft.json(), SINGLE_SCHEMAS["draft"], "POST /invoices/drafts")
        number = draft.json()["draftInvoiceNumber"]
        lines = self.call(
            "POST",
            f"/invoices/drafts/{number}/lines",
            json={
                "lines": [
                    {
                        "lineNumber": 2,
                        "sortKey": 2,
                        "product": {"productNumber": "A/B 1_x"},
                        "description": "Mere",
                        "quantity": 1.5,
                        "unitNetPrice": 50,
                        "discountPercentage": 10,
                        "unit": {"unitNumber": 1},
                    }
                ]
            },
        )
        self.assertEqual(lines.status_code, 201, lines.text)
        second = self.fake.add_draft(2, lines=[{"product": {"productNumber": "2"}}])
        booked = self.call(
            "POST",
            "/invoices/booked",
            json={"draftInvoice": {"draftInvoiceNumber": second}, "bookWithNumber": 40},
        )
        self.assertEqual(booked.status_code, 201, booked.text)
        self.assertConforms(booked.json(), SINGLE_SCHEMAS["booked"], "POST /invoices/booked")
        self.fake.book(self.fake.add_draft(1, lines=[{"product": {"productNumber": "1"}}]))
        self.assertGreaterEqual(self.assertAllGetsConform(), 40)

    def test_a_nonconforming_answer_is_caught(self):
        """The check above can fail: a customer without its required group is reported."""
        self.fake.customers[1].pop("customerGroup")
        self.fake.customers[1]["name"] = "x" * 256
        body = self.get("/customers/1")
        errors = schema_errors(body, SINGLE_SCHEMAS["customer"])
        self.assertEqual(sorted(error.path for error in errors), [("customerGroup",), ("name",)])

    def test_erratum_still_holds(self):
        """The tolerated schema error is real (and only that one is tolerated)."""
        first = self.fake.add_draft(1, lines=[{"product": {"productNumber": "1"}}])
        second = self.fake.add_draft(1, lines=[{"product": {"productNumber": "1"}}])
        name = SINGLE_SCHEMAS["booking_instructions"]
        path = "/invoices/drafts/%d/templates/booking-instructions"
        self.assertEqual(
            [error.path for error in schema.validate(self.get(path % first), schema.load(name))],
            [("draftInvoice", "draftInvoiceNumber")],
        )
        self.assertEqual(schema.validate(self.get(path % second), schema.load(name)), [])


class TestShapesMatchCapturedResponses(ConformanceCase):
    def test_collection_envelope_and_single_page_pagination(self):
        captured = schema.load_fixture("vat_zones.json")
        body = self.get("/vat-zones", pagesize=1000)
        self.assertEqual(keys(body), keys(captured))
        self.assertEqual(body["pagination"], captured["pagination"])
        self.assertEqual(body["self"], captured["self"])

    def test_first_and_middle_page_pagination(self):
        captured = schema.load_fixture("pagination.json")  # first of several pages
        for index in range(3):
            self.fake.add_customer(name=f"Kunde {index}")
        first = self.get("/customers", pagesize=2)["pagination"]
        self.assertEqual(keys(first), keys(captured))
        middle = self.get("/customers", pagesize=2, skippages=1)["pagination"]
        self.assertEqual(keys(middle), keys(captured) | {"previousPage"})
        self.assertEqual(middle["previousPage"], REST + "/customers?skippages=0&pagesize=2")
        self.assertEqual(middle["nextPage"], REST + "/customers?skippages=2&pagesize=2")

    def test_customer(self):
        captured = schema.load_fixture("customer.json")
        body = self.call("POST", "/customers", json=FULL_CUSTOMER).json()
        # Everything e-conomic answered for a customer is there (and nothing invented).
        self.assertEqual(keys(captured) - keys(body), set())
        allowed = schema.load(SINGLE_SCHEMAS["customer"])["properties"]
        self.assertEqual(keys(body) - set(allowed), set())
        for name in (
            "customerGroup",
            "paymentTerms",
            "vatZone",
            "layout",
            "templates",
            "totals",
            "invoices",
            "metaData",
        ):
            self.assertEqual(keys(body[name]), keys(captured[name]), name)
        self.assertEqual(
            body["customerGroup"], {"customerGroupNumber": 1, "self": REST + "/customer-groups/1"}
        )
        for action in ("delete", "replace"):
            self.assertEqual(keys(body["metaData"][action]), keys(captured["metaData"][action]))
        created = schema.load_fixture("create_customer.json")
        plain = self.call("POST", "/customers", json=CUSTOMER).json()
        self.assertEqual(keys(plain) - keys(created), set())
        # False booleans are omitted; the capture shows eInvoicingDisabledByDefault anyway.
        self.assertEqual(keys(created) - keys(plain), {"eInvoicingDisabledByDefault"})

    def test_product(self):
        captured = schema.load_fixture("product.json")
        body = self.get("/products/1")
        # inventory only exists with e-conomic's stock module
        self.assertEqual(keys(captured) - keys(body), {"inventory", "barred"})
        for name in ("productGroup", "unit", "invoices", "pricing", "metaData"):
            self.assertEqual(keys(body[name]), keys(captured[name]), name)

    def test_reference_lists(self):
        for path, fixture in (
            ("/customer-groups", "customer_groups.json"),
            ("/product-groups", "product_groups.json"),
            ("/payment-terms", "payment_terms.json"),
            ("/layouts", "layouts.json"),
        ):
            captured = schema.load_fixture(fixture)
            body = self.get(path)
            self.assertEqual(keys(body), keys(captured), path)
            item, model = body["collection"][0], captured["collection"][0]
            self.assertEqual(keys(item) - {"account"}, keys(model) - {"account"}, path)
        group = self.get("/customer-groups/2")
        captured_group = schema.load_fixture("customer_groups.json")["collection"][1]
        self.assertEqual(keys(group["layout"]), keys(captured_group["layout"]))
        self.assertEqual(group["account"]["self"], captured_group["account"]["self"])

    def test_draft(self):
        captured = schema.load_fixture("create_draft_invoice.json")
        body = self.call(
            "POST", "/invoices/drafts", json=draft_payload(references={"other": "Custom reference"})
        ).json()
        self.assertEqual(keys(captured) - keys(body), set())
        for name in ("soap", "templates", "customer", "layout", "pdf", "references"):
            self.assertEqual(keys(body[name]), keys(captured[name]), name)
        self.assertEqual(keys(body["recipient"]["vatZone"]), keys(captured["recipient"]["vatZone"]))
        # the capture's terms also carry a description (an optional property)
        self.assertEqual(
            keys(captured["paymentTerms"]) - keys(body["paymentTerms"]), {"description"}
        )
        line = body["lines"][0]
        captured_line = schema.load_fixture("invoice.json")["lines"][0]
        self.assertEqual(keys(captured_line) - keys(line), set())
        self.assertEqual(keys(line["product"]), keys(captured_line["product"]))
        self.assertEqual(keys(line["unit"]), keys(captured_line["unit"]))
        listed = self.get("/invoices/drafts")["collection"][0]
        self.assertNotIn("lines", listed)

    def test_booked_invoice(self):
        captured = schema.load_fixture("invoice_book.json")
        number = self.fake.add_draft(
            1,
            lines=[{"product": {"productNumber": "1"}}],
            references={"other": "FM765"},
            delivery={"address": "Vej 1", "deliveryDate": "2026-05-28"},
        )
        body = self.call(
            "POST", "/invoices/booked", json={"draftInvoice": {"draftInvoiceNumber": number}}
        ).json()
        self.assertEqual(keys(body), keys(captured))
        self.assertEqual(keys(body["lines"][0]), keys(captured["lines"][0]))
        for name in ("customer", "layout", "pdf", "references"):
            self.assertEqual(keys(body[name]), keys(captured[name]), name)
        self.assertEqual(keys(body["recipient"]["vatZone"]), keys(captured["recipient"]["vatZone"]))
        self.assertEqual(keys(body["lines"][0]["unit"]), keys(captured["lines"][0]["unit"]))

    def test_delete_draft_and_404_bodies(self):
        number = self.fake.add_draft(1, lines=[{"product": {"productNumber": "1"}}])
        deleted = self.call("DELETE", f"/invoices/drafts/{number}").json()
        captured = schema.load_fixture("invoice_delete.json")
        self.assertEqual(keys(deleted), keys(captured))
        self.assertEqual(keys(deleted["deletedItems"][0]), keys(captured["deletedItems"][0]))
        missing = self.call("GET", "/customers/424242")
        self.assertEqual(keys(missing.json()), keys(schema.load_fixture("404.json")))

    def test_self(self):
        captured = schema.load_fixture("self.json")
        body = self.get("/self")
        self.assertEqual(keys(body) - keys(captured), set())
        for name in ("agreementType", "company", "settings"):
            self.assertEqual(keys(body[name]) - keys(captured[name]), set(), name)
        self.assertEqual(keys(body["user"]), keys(captured["user"]))
        self.assertEqual(keys(body["user"]["language"]), keys(captured["user"]["language"]))
        self.assertEqual(keys(body["modules"][0]), keys(captured["modules"][0]))


class TestSeedLooksLikeTheDemoAgreement(ConformanceCase):
    def test_vat_zones_are_the_captured_ones(self):
        captured = schema.load_fixture("vat_zones.json")["collection"]
        self.assertEqual(self.get("/vat-zones")["collection"], captured)

    def test_layouts_are_the_captured_ones(self):
        captured = schema.load_fixture("layouts.json")["collection"]
        self.assertEqual(self.get("/layouts")["collection"], captured)

    def test_payment_terms_match_by_number(self):
        captured = {
            item["paymentTermsNumber"]: item
            for item in schema.load_fixture("payment_terms.json")["collection"]
        }
        seeded = self.get("/payment-terms")["collection"]
        self.assertGreaterEqual(len(seeded), 7)
        for item in seeded:
            model = captured[item["paymentTermsNumber"]]
            self.assertEqual(keys(item), keys(model), item["paymentTermsNumber"])
            self.assertEqual(
                (item["paymentTermsType"], item.get("daysOfCredit")),
                (model["paymentTermsType"], model.get("daysOfCredit")),
            )
            self.assertEqual(item["self"], model["self"])
        # the Danish demo names of the net terms
        self.assertEqual(
            [item["name"] for item in seeded[:5]], [captured[n]["name"] for n in range(1, 6)]
        )

    def test_customer_and_product_groups(self):
        groups = {
            item["customerGroupNumber"]: item
            for item in schema.load_fixture("customer_groups.json")["collection"]
        }
        for item in self.get("/customer-groups")["collection"]:
            model = groups[item["customerGroupNumber"]]
            self.assertEqual(item["account"]["accountNumber"], model["account"]["accountNumber"])
            self.assertEqual(
                item.get("layout", {}).get("layoutNumber"),
                model.get("layout", {}).get("layoutNumber"),
            )
        captured = schema.load_fixture("product_groups.json")["collection"]
        for item in self.get("/product-groups")["collection"]:
            self.assertEqual(keys(item), keys(captured[0]))


class TestWritesAreCheckedAgainstTheSchemas(ConformanceCase):
    """Each POST/PUT body is checked against e-conomic's schema before the fake's rules."""

    def assertRefused(self, method, path, body, error_path, code=None):
        before = copy.deepcopy(
            (self.fake.customers, self.fake.products, self.fake.drafts, self.fake.booked)
        )
        response = self.call(method, path, json=body)
        errors = self.assertFieldError(response, error_path, code)
        self.assertEqual(len(errors), 1, errors)  # one error per property, not two
        after = (self.fake.customers, self.fake.products, self.fake.drafts, self.fake.booked)
        self.assertEqual(after, before, "a refused write changed the state")
        return response.json()

    def test_customers(self):
        self.assertRefused("POST", "/customers", dict(CUSTOMER, ean="5" * 14), ("ean",), "E04600")
        self.assertRefused(
            "PUT", "/customers/1", dict(CUSTOMER, vatNumber="x" * 21), ("vatNumber",), "E04600"
        )
        self.assertRefused(
            "PUT",
            "/customers/1",
            dict(CUSTOMER, defaultDeliveryLocation={"deliveryLocationNumber": "one"}),
            ("defaultDeliveryLocation", "deliveryLocationNumber"),
            "E04100",
        )

    def test_products(self):
        product = {"productNumber": "P1", "name": "P", "productGroup": {"productGroupNumber": 1}}
        self.assertRefused(
            "POST",
            "/products",
            dict(product, inventory={"packageVolume": 1.234}),
            ("inventory", "packageVolume"),
            "E04740",
        )
        self.assertRefused(
            "PUT",
            "/products/1",
            dict(product, departmentalDistribution={"departmentalDistributionNumber": 0}),
            ("departmentalDistribution", "departmentalDistributionNumber"),
            "E04610",
        )
        # the URL supplies the required productNumber on PUT
        self.assertEqual(
            self.call(
                "PUT", "/products/1", json={"name": "P", "productGroup": {"productGroupNumber": 1}}
            ).status_code,
            200,
        )

    def test_drafts(self):
        self.assertRefused(
            "POST",
            "/invoices/drafts",
            draft_payload(currency="D1K"),
            ("currency",),
            schema.CODE_PATTERN,
        )
        self.assertRefused(
            "POST",
            "/invoices/drafts",
            draft_payload(exchangeRate=100.1234567),
            ("exchangeRate",),
            "E04740",
        )
        number = self.fake.add_draft(1, lines=[{"product": {"productNumber": "1"}}])
        self.assertRefused(
            "PUT",
            f"/invoices/drafts/{number}",
            draft_payload(deliveryLocation={"deliveryLocationNumber": "x"}),
            ("deliveryLocation", "deliveryLocationNumber"),
        )
        self.assertRefused(
            "POST",
            f"/invoices/drafts/{number}/lines",
            {
                "lines": [
                    {
                        "lineNumber": 2,
                        "sortKey": 2,
                        "product": {"productNumber": "1"},
                        "description": "x",
                        "quantity": 1,
                        "accrual": {"startDate": "2026-13-01", "endDate": "2026-12-31"},
                    }
                ]
            },
            ("lines", 0, "accrual", "startDate"),
        )

    def test_booking(self):
        number = self.fake.add_draft(1, lines=[{"product": {"productNumber": "1"}}])
        self.assertRefused(
            "POST",
            "/invoices/booked",
            {"draftInvoice": {"draftInvoiceNumber": number, "self": f"drafts/{number}"}},
            ("draftInvoice", "self"),
        )
        self.assertRefused(
            "PUT",
            "/invoices/booked/9",
            {"draftInvoice": {"draftInvoiceNumber": number, "self": f"drafts/{number}"}},
            ("draftInvoice", "self"),
        )

    def test_fake_rules_keep_their_codes_next_to_schema_errors(self):
        body = self.assertRefused(
            "POST",
            "/invoices/drafts",
            draft_payload(
                paymentTerms={"paymentTermsNumber": 1, "paymentTermsType": "Net"}, currency="D1K"
            ),
            ("currency",),
            schema.CODE_PATTERN,
        )
        self.assertEqual(body["errorCount"], 2)
        self.assertFieldError(
            self.call(
                "POST",
                "/invoices/drafts",
                json=draft_payload(
                    paymentTerms={"paymentTermsNumber": 1, "paymentTermsType": "Net"},
                    currency="D1K",
                ),
            ),
            ("paymentTerms", "paymentTermsType"),
            "E04700",
        )
        # both flag a 3-decimal price: reported once, with the fake's specific code
        lines = [
            {
                "lineNumber": 1,
                "sortKey": 1,
                "product": {"productNumber": "1"},
                "description": "x",
                "quantity": 1,
                "unitNetPrice": 10.123,
            }
        ]
        self.assertRefused(
            "POST",
            "/invoices/drafts",
            draft_payload(lines=lines),
            ("lines", 0, "unitNetPrice"),
            "E04740",
        )
        self.assertRefused("POST", "/customers", dict(CUSTOMER, name=""), ("name",), "E04600")

    def test_read_only_and_unknown_properties_are_ignored(self):
        payload = draft_payload(
            netAmount="not a number",
            pdf={"download": 7},
            paymentTerms={"paymentTermsNumber": 1, "daysOfCredit": -1},
            soap={"anything": True},
        )
        response = self.call("POST", "/invoices/drafts", json=payload)
        self.assertEqual(response.status_code, 201, response.text)
        self.assertEqual(response.json()["netAmount"], 200.0)
        customer = self.call("POST", "/customers", json=dict(CUSTOMER, balance="lots"))
        self.assertEqual(customer.status_code, 201, customer.text)

    def test_self_links_stand_in_for_numbers(self):
        response = self.call(
            "POST",
            "/customers",
            json=dict(
                CUSTOMER,
                customerGroup={"self": REST + "/customer-groups/2"},
                vatZone={"self": REST + "/vat-zones/2"},
            ),
        )
        self.assertEqual(response.status_code, 201, response.text)
        self.assertEqual(response.json()["customerGroup"]["customerGroupNumber"], 2)

    def test_payloads_used_by_the_tests_are_schema_valid(self):
        """The reference payloads of test_fake conform, so they test rules, not typos."""
        self.assertEqual(schema_errors(CUSTOMER, "customers.post", "write"), [])
        self.assertEqual(schema_errors(FULL_CUSTOMER, "customers.post", "write"), [])
        self.assertEqual(schema_errors(draft_payload(), "invoices.drafts.post", "write"), [])
        template = self.get("/customers/1/templates/invoice")
        # e-conomic's own template, posted back as is, is a valid draft body
        self.assertEqual(schema_errors(template, "invoices.drafts.post", "write"), [])
        self.assertEqual(self.call("POST", "/invoices/drafts", json=template).status_code, 201)
