# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Contract tests of the fake e-conomic (pure Python, no Odoo, no network but localhost)."""

import re
import threading
import unittest

import requests

from economic.fake import FakeEconomic, FakeSetupError, decode_id, encode_id, filters
from economic.fake.server import make_server

REST = "https://restapi.e-conomic.com"
PROJECTS = "https://apis.e-conomic.com/projectsapi/v1.1.0"
TOKENS = {"X-AppSecretToken": "fake-secret", "X-AgreementGrantToken": "fake-grant"}
CUSTOMER = {
    "name": "Test ApS",
    "currency": "DKK",
    "customerGroup": {"customerGroupNumber": 1},
    "paymentTerms": {"paymentTermsNumber": 1},
    "vatZone": {"vatZoneNumber": 1},
}


def draft_payload(**overrides):
    payload = {
        "date": "2026-03-10",
        "currency": "DKK",
        "customer": {"customerNumber": 1},
        "layout": {"layoutNumber": 19},
        "paymentTerms": {"paymentTermsNumber": 1},
        "recipient": {"name": "Hansen & Co ApS", "vatZone": {"vatZoneNumber": 1}},
        "lines": [
            {
                "lineNumber": 1,
                "sortKey": 1,
                "product": {"productNumber": "1"},
                "description": "Konsulenttime",
                "quantity": 2.0,
                "unitNetPrice": 100.0,
            }
        ],
    }
    payload.update(overrides)
    return payload


class FakeCase(unittest.TestCase):
    seed = True

    def setUp(self):
        super().setUp()
        self.fake = FakeEconomic(seed=self.seed)
        self.fake.clock.freeze(1_780_000_000)  # 2026-05-28, no real time in these tests
        self.session = requests.Session()
        self.session.send = self.fake.send

    def call(self, method, path, *, json=None, params=None, headers=None, base=REST, tokens=True):
        all_headers = dict(TOKENS) if tokens else {}
        all_headers.update(headers or {})
        return self.session.request(
            method, base + path, json=json, params=params, headers=all_headers
        )

    def assertFieldError(self, response, path, code=None):
        """Assert the validation body holds an error at `path` (e.g. ("lines", 0, "x"))."""
        self.assertEqual(response.status_code, 400, response.text)
        body = response.json()
        self.assertEqual(body["errorCode"], "E04300")
        node = body["errors"]
        for part in path:
            if isinstance(part, int):
                node = next(item for item in node if item["arrayIndex"] == part)
            else:
                self.assertIn(part, node, body)
                node = node[part]
        codes = [error["errorCode"] for error in node["errors"]]
        if code:
            self.assertIn(code, codes)
        return node["errors"]


class TestCollections(FakeCase):
    seed = False

    def setUp(self):
        super().setUp()
        for index in range(45):
            self.fake.add_customer(name=f"Kunde {index:02d}")

    def test_default_page_and_links_from_request_base(self):
        response = self.call("GET", "/customers", base="http://127.0.0.1:9")
        body = response.json()
        pagination = body["pagination"]
        self.assertEqual(len(body["collection"]), 20)
        self.assertEqual(pagination["pageSize"], 20)
        self.assertEqual(pagination["skipPages"], 0)
        self.assertEqual(pagination["maxPageSizeAllowed"], 1000)
        self.assertEqual(pagination["results"], 45)
        self.assertEqual(pagination["resultsWithoutFilter"], 45)
        self.assertNotIn("previousPage", pagination)
        self.assertEqual(
            pagination["nextPage"], "http://127.0.0.1:9/customers?skippages=1&pagesize=20"
        )
        self.assertEqual(
            pagination["lastPage"], "http://127.0.0.1:9/customers?skippages=2&pagesize=20"
        )
        self.assertEqual(body["self"], "http://127.0.0.1:9/customers?skippages=0&pagesize=20")
        self.assertEqual(body["collection"][0]["self"], "http://127.0.0.1:9/customers/1")

    def test_last_page_has_no_next(self):
        pagination = self.call("GET", "/customers", params={"skippages": 2}).json()["pagination"]
        self.assertNotIn("nextPage", pagination)
        self.assertIn("previousPage", pagination)

    def test_following_next_page_visits_everything_once(self):
        url, numbers = REST + "/customers?pagesize=7", []
        while url:
            body = self.session.get(url, headers=TOKENS).json()
            numbers += [item["customerNumber"] for item in body["collection"]]
            url = body["pagination"].get("nextPage")
        self.assertEqual(numbers, list(range(1, 46)))

    def test_skippages_past_end_is_empty(self):
        response = self.call("GET", "/customers", params={"skippages": 9, "pagesize": 20})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["collection"], [])
        self.assertEqual(response.json()["pagination"]["results"], 45)

    def test_pagesize_bounds(self):
        self.assertEqual(
            len(self.call("GET", "/customers", params={"pagesize": 1000}).json()["collection"]), 45
        )
        for size in (1001, 0, "x"):
            response = self.call("GET", "/customers", params={"pagesize": size})
            self.assertEqual(response.status_code, 400)
            self.assertEqual(response.json()["errorCode"], "E04810")

    def test_links_carry_filter_and_sort(self):
        body = self.call(
            "GET", "/customers", params={"filter": "name$like:Kunde", "sort": "-name"}
        ).json()
        self.assertIn("filter=name%24like%3AKunde", body["pagination"]["nextPage"])
        self.assertIn("sort=-name", body["self"])
        self.assertEqual(body["collection"][0]["name"], "Kunde 44")

    def test_unknown_filter_field(self):
        response = self.call("GET", "/customers", params={"filter": "bogusProp$eq:1"})
        self.assertEqual(response.status_code, 400)
        body = response.json()
        self.assertEqual(body["message"], "Could not parse query string filter.")
        self.assertEqual(body["errors"], ["Filtering is not allowed on property 'bogusProp'."])
        self.assertIn("customerNumber", body["allowedFilteringFields"])

    def test_too_many_list_values(self):
        values = ",".join(str(n) for n in range(1, 202))
        response = self.call(
            "GET", "/customers", params={"filter": f"customerNumber$in:[{values}]"}
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["message"], "Could not parse query string filter.")
        values = ",".join(str(n) for n in range(1, 201))
        response = self.call(
            "GET", "/customers", params={"filter": f"customerNumber$in:[{values}]"}
        )
        self.assertEqual(response.json()["pagination"]["results"], 45)

    def test_unsortable_field(self):
        response = self.call("GET", "/customers", params={"sort": "bogus"})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["message"], "Could not parse query string sort parameter.")

    def test_last_updated_incremental_pull(self):
        self.fake.clock.advance(3600)
        self.fake.edit_customer(5, name="Opdateret")
        body = self.call(
            "GET",
            "/customers",
            params={"filter": "lastUpdated$gt:2026-05-28T21:00:00Z"},
        ).json()
        self.assertEqual([c["customerNumber"] for c in body["collection"]], [5])
        self.assertRegex(body["collection"][0]["lastUpdated"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


class TestFilterParser(unittest.TestCase):
    FIELDS = {
        "name": "string",
        "number": "int",
        "barred": "bool",
        "ean": "string",
        "group.number": "int",
    }
    DOCS = [
        {"name": "Joe", "number": 1, "group": {"number": 1}},
        {"name": "Anne (CEO)", "number": 2, "ean": "123", "group": {"number": 2}},
        {"name": "Price $5, *special*", "number": 30, "barred": True, "group": {"number": 2}},
        {"name": "joe-port", "number": 1000, "group": {"number": 3}},
    ]

    def numbers(self, text):
        predicate = filters.parse_filter(text, self.FIELDS)
        return [doc["number"] for doc in self.DOCS if predicate(doc)]

    def test_comparisons(self):
        self.assertEqual(self.numbers("name$eq:JOE"), [1])  # case-insensitive
        self.assertEqual(self.numbers("number$ne:1"), [2, 30, 1000])
        self.assertEqual(self.numbers("number$gt:2"), [30, 1000])
        self.assertEqual(self.numbers("number$gte:2"), [2, 30, 1000])
        self.assertEqual(self.numbers("number$lt:30"), [1, 2])
        self.assertEqual(self.numbers("number$lte:30"), [1, 2, 30])
        self.assertEqual(self.numbers("barred$eq:true"), [30])
        self.assertEqual(self.numbers("barred$eq:false"), [1, 2, 1000])
        self.assertEqual(self.numbers("group.number$eq:2"), [2, 30])

    def test_like(self):
        self.assertEqual(self.numbers("name$like:oe"), [1, 1000])  # no * = contains
        self.assertEqual(self.numbers("name$like:*port"), [1000])
        self.assertEqual(self.numbers("name$like:j*"), [1, 1000])

    def test_like_character_class(self):
        # [...] is a character class under $like:, [[] the literal bracket.
        def matches(text):
            return filters.parse_filter(text, self.FIELDS)({"name": "[Draft] B2"})

        self.assertTrue(matches("name$like:[[]Draft]"))
        self.assertFalse(matches("name$like:[[]Draft]x"))
        self.assertTrue(matches("name$like:B[0-9]"))
        self.assertFalse(matches("name$like:B[^0-9]"))
        self.assertTrue(matches("name$eq:[Draft] B2"))  # literal outside $like:

    def test_lists_and_null(self):
        self.assertEqual(self.numbers("number$in:[1,30]"), [1, 30])
        self.assertEqual(self.numbers("number$nin:[1,30]"), [2, 1000])
        self.assertEqual(self.numbers("ean$eq:$null:"), [1, 30, 1000])
        self.assertEqual(self.numbers("ean$ne:$null:"), [2])
        values = ",".join(str(n) for n in range(200))
        self.assertEqual(self.numbers(f"number$in:[{values}]"), [1, 2, 30])
        with self.assertRaises(filters.FilterError):
            self.numbers(f"number$in:[{values},200]")

    def test_and_or_parentheses(self):
        self.assertEqual(self.numbers("name$like:joe$and:number$gt:1"), [1000])
        self.assertEqual(self.numbers("number$eq:1$or:number$eq:2$and:barred$eq:true"), [1])
        self.assertEqual(self.numbers("(number$eq:1$or:number$eq:30)$and:barred$eq:true"), [30])
        self.assertEqual(self.numbers("name$eq:Joe$and:(name$like:*port$or:number$lt:40)"), [1])

    def test_escapes(self):
        self.assertEqual(self.numbers("name$eq:Anne $(CEO$)"), [2])
        self.assertEqual(self.numbers("name$eq:Price $$5$, $*special$*"), [30])
        self.assertEqual(self.numbers("name$in:[Price $$5$, $*special$*,joe]"), [1, 30])
        self.assertEqual(self.numbers("name$in:[x],[y,joe]$or:number$eq:2"), [1, 2])
        # An escaped * is a literal star under $like:, not a wildcard.
        self.assertEqual(self.numbers("name$like:$*special"), [30])
        self.assertEqual(self.numbers("name$like:e$*"), [])

    def test_errors(self):
        for text in ("bogus$eq:1", "name$xx:1", "name", "(name$eq:a", "number$in:1"):
            with self.assertRaises(filters.FilterError, msg=text):
                self.numbers(text)

    def test_sort(self):
        keys = filters.parse_sort("-number,~name", {"number", "name"})
        self.assertEqual(keys, [("number", True, False), ("name", False, True)])
        ordered = filters.sort_documents(self.DOCS, keys, self.FIELDS)
        self.assertEqual([d["number"] for d in ordered], [1000, 30, 2, 1])
        alphabetical = filters.sort_documents(self.DOCS, [("number", False, True)], self.FIELDS)
        self.assertEqual([d["number"] for d in alphabetical], [1, 1000, 2, 30])
        with self.assertRaises(filters.SortError):
            filters.parse_sort("ean", {"name"})


class TestCustomers(FakeCase):
    def test_post_returns_201_location_and_full_entity(self):
        response = self.call("POST", "/customers", json=CUSTOMER)
        self.assertEqual(response.status_code, 201)
        body = response.json()
        self.assertEqual(body["customerNumber"], 3)  # lowest free after the seeded 1 and 2
        self.assertEqual(response.headers["Location"], REST + "/customers/3")
        self.assertEqual(body["self"], REST + "/customers/3")
        self.assertEqual(body["customerGroup"]["self"], REST + "/customer-groups/1")
        self.assertEqual(body["metaData"]["replace"]["httpMethod"], "put")
        self.assertEqual(self.fake.customers[3]["name"], "Test ApS")

    def test_numbers_reuse_deleted_and_respect_range(self):
        self.assertEqual(self.call("DELETE", "/customers/1").status_code, 204)
        self.assertEqual(self.call("POST", "/customers", json=CUSTOMER).json()["customerNumber"], 1)
        response = self.call("POST", "/customers", json=dict(CUSTOMER, customerNumber=900123))
        self.assertEqual(response.json()["customerNumber"], 900123)
        self.assertFieldError(
            self.call("POST", "/customers", json=dict(CUSTOMER, customerNumber=900123)),
            ("customerNumber",),
        )
        self.assertFieldError(
            self.call("POST", "/customers", json=dict(CUSTOMER, customerNumber=1000000000)),
            ("customerNumber",),
        )
        self.assertFieldError(
            self.call("POST", "/customers", json=dict(CUSTOMER, customerNumber=0)),
            ("customerNumber",),
        )
        self.assertFieldError(
            self.call("POST", "/customers", json=dict(CUSTOMER, customerNumber="12")),
            ("customerNumber",),
        )

    def test_required_fields(self):
        response = self.call("POST", "/customers", json={"name": "Only a name"})
        for field in ("currency", "customerGroup", "paymentTerms", "vatZone"):
            self.assertFieldError(response, (field,))
        self.assertEqual(response.json()["errorCount"], 4)
        self.assertEqual(response.json()["message"], "Validation failed. 4 errors found.")

    def test_null_is_rejected(self):
        response = self.call("POST", "/customers", json=dict(CUSTOMER, address=None))
        errors = self.assertFieldError(response, ("address",))
        self.assertIn("Expected String but got Null", errors[0]["errorMessage"])

    def test_validation_body_format(self):
        response = self.call(
            "POST", "/customers", json=dict(CUSTOMER, customerGroup={"customerGroupNumber": 99})
        )
        body = response.json()
        self.assertEqual(
            set(body)
            >= {
                "message",
                "errorCode",
                "developerHint",
                "logId",
                "httpStatusCode",
                "logTime",
                "errorCount",
                "errors",
            },
            True,
        )
        self.assertEqual(body["httpStatusCode"], 400)
        self.assertEqual(body["message"], "Validation failed. 1 error found.")
        error = body["errors"]["customerGroup"]["errors"][0]
        self.assertEqual(error["errorCode"], "E07140")
        self.assertEqual(error["propertyName"], "customerGroup")
        self.assertEqual(error["inputValue"], 99)
        self.assertEqual(
            set(error), {"propertyName", "errorMessage", "errorCode", "inputValue", "developerHint"}
        )
        self.assertFieldError(
            self.call("POST", "/customers", json=dict(CUSTOMER, vatZone={"vatZoneNumber": 9})),
            ("vatZone",),
            "E06000",
        )

    def test_reference_by_self_link(self):
        response = self.call(
            "POST",
            "/customers",
            json=dict(CUSTOMER, paymentTerms={"self": REST + "/payment-terms/5"}),
        )
        self.assertEqual(response.status_code, 201)
        self.assertEqual(response.json()["paymentTerms"]["paymentTermsNumber"], 5)

    def test_put_replaces_and_upserts(self):
        self.call("PUT", "/customers/1", json=dict(CUSTOMER, barred=True, address="Vej 1"))
        self.assertTrue(self.call("GET", "/customers/1").json()["barred"])
        response = self.call("PUT", "/customers/1", json=CUSTOMER)
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertNotIn("address", body)  # omitted = cleared
        self.fake.clock.advance(5)
        self.assertGreater(
            self.call("PUT", "/customers/1", json=CUSTOMER).json()["lastUpdated"],
            body["lastUpdated"],
        )
        self.assertNotIn("barred", body)  # false booleans are omitted
        self.assertEqual(body["name"], "Test ApS")
        created = self.call("PUT", "/customers/777", json=CUSTOMER)
        self.assertEqual(created.status_code, 201)
        self.assertEqual(created.headers["Location"], REST + "/customers/777")

    def test_unknown_and_readonly_fields_are_ignored(self):
        response = self.call(
            "POST",
            "/customers",
            json=dict(CUSTOMER, balance=99.0, bogus=1, self="http://x", barred=False),
        )
        self.assertEqual(response.status_code, 201)
        body = response.json()
        self.assertEqual(body["balance"], 0.0)
        self.assertNotIn("bogus", body)
        self.assertNotIn("barred", body)

    def test_enum_is_case_sensitive(self):
        base = draft_payload()
        wrong = dict(base, paymentTerms={"paymentTermsNumber": 1, "paymentTermsType": "Net"})
        self.assertFieldError(
            self.call("POST", "/invoices/drafts", json=wrong), ("paymentTerms", "paymentTermsType")
        )
        right = dict(base, paymentTerms={"paymentTermsNumber": 1, "paymentTermsType": "net"})
        self.assertEqual(self.call("POST", "/invoices/drafts", json=right).status_code, 201)
        mismatch = dict(
            base, paymentTerms={"paymentTermsNumber": 1, "paymentTermsType": "invoiceMonth"}
        )
        self.assertFieldError(
            self.call("POST", "/invoices/drafts", json=mismatch),
            ("paymentTerms", "paymentTermsType"),
            "E07180",
        )

    def test_delete_blocked_while_invoiced(self):
        self.fake.add_draft(1, lines=[{"product": {"productNumber": "1"}}])
        self.assertEqual(self.call("DELETE", "/customers/1").status_code, 400)
        self.assertEqual(self.call("DELETE", "/customers/999").status_code, 404)

    def test_templates(self):
        template = self.call("GET", "/customers/2/templates/invoice").json()
        self.assertEqual(template["customer"]["customerNumber"], 2)
        self.assertEqual(template["currency"], "EUR")
        self.assertEqual(template["recipient"]["name"], "Nordic Trading GmbH")
        self.assertEqual(template["recipient"]["vatZone"]["vatZoneNumber"], 2)
        self.assertEqual(template["paymentTerms"]["paymentTermsNumber"], 5)
        self.assertEqual(template["layout"]["layoutNumber"], 21)
        line = self.call(
            "GET", "/customers/1/templates/invoiceline/1", params={"quantity": "3"}
        ).json()
        self.assertEqual(line["unitNetPrice"], 950.0)
        self.assertEqual(line["quantity"], 3.0)
        self.assertEqual(line["product"]["productNumber"], "1")
        self.assertEqual(line["unit"]["name"], "timer")
        self.assertEqual(
            self.call("GET", "/customers/1/templates/invoiceline/nope").status_code, 404
        )


class TestProducts(FakeCase):
    PRODUCT = {
        "productNumber": "A/B 1_x",
        "name": "Special",
        "productGroup": {"productGroupNumber": 1},
        "salesPrice": 10.5,
    }

    def test_id_encoding(self):
        self.assertEqual(encode_id("A/B 1_x"), "A_6_B_9_1_8_x")
        self.assertEqual(
            decode_id("My_9_Awesome_9_Product_8_Discount5_3_"), "My Awesome Product_Discount5%"
        )
        self.assertEqual(decode_id(encode_id("_3_")), "_3_")

    def test_post_get_with_encoded_path(self):
        response = self.call("POST", "/products", json=self.PRODUCT)
        self.assertEqual(response.status_code, 201)
        self.assertEqual(response.headers["Location"], REST + "/products/A_6_B_9_1_8_x")
        body = self.call("GET", "/products/A_6_B_9_1_8_x").json()
        self.assertEqual(body["productNumber"], "A/B 1_x")
        self.assertEqual(body["productGroup"]["name"], "Ydelser m/moms")

    def test_product_number_rules(self):
        for number in (1, "", "x" * 26, None):
            payload = dict(self.PRODUCT, productNumber=number)
            self.assertFieldError(self.call("POST", "/products", json=payload), ("productNumber",))
        self.call("POST", "/products", json=self.PRODUCT)
        self.assertFieldError(self.call("POST", "/products", json=self.PRODUCT), ("productNumber",))

    def test_two_decimals(self):
        response = self.call("POST", "/products", json=dict(self.PRODUCT, salesPrice=1.234))
        self.assertFieldError(response, ("salesPrice",), "E04740")
        self.assertEqual(
            self.call("POST", "/products", json=dict(self.PRODUCT, salesPrice=1.23)).status_code,
            201,
        )

    def test_put_upsert_and_delete(self):
        created = self.call(
            "PUT", "/products/NEW", json={"name": "Ny", "productGroup": {"productGroupNumber": 2}}
        )
        self.assertEqual(created.status_code, 201)
        replaced = self.call(
            "PUT",
            "/products/NEW",
            json={
                "productNumber": "NEW",
                "name": "Ny 2",
                "productGroup": {"productGroupNumber": 2},
            },
        )
        self.assertEqual(replaced.status_code, 200)
        self.assertEqual(self.fake.products["NEW"]["name"], "Ny 2")
        self.assertEqual(self.call("DELETE", "/products/NEW").status_code, 204)
        self.assertEqual(self.call("GET", "/products/NEW").status_code, 404)

    def test_filter_by_group(self):
        body = self.call(
            "GET", "/products", params={"filter": "productGroup.productGroupNumber$eq:2"}
        ).json()
        self.assertEqual([p["productNumber"] for p in body["collection"]], ["2"])


class TestDrafts(FakeCase):
    def post_draft(self, **overrides):
        return self.call("POST", "/invoices/drafts", json=draft_payload(**overrides))

    def test_create_computes_totals_and_due_date(self):
        response = self.post_draft(dueDate="2000-01-01")
        self.assertEqual(response.status_code, 201)
        body = response.json()
        number = body["draftInvoiceNumber"]
        self.assertEqual(response.headers["Location"], REST + f"/invoices/drafts/{number}")
        self.assertEqual(body["netAmount"], 200.0)
        self.assertEqual(body["vatAmount"], 50.0)
        self.assertEqual(body["grossAmount"], 250.0)
        self.assertEqual(body["dueDate"], "2026-03-18")  # net 8 days; sent dueDate ignored
        self.assertEqual(body["pdf"]["download"], REST + f"/invoices/drafts/{number}/pdf")
        self.assertIn("bookingInstructions", body["templates"])
        self.assertEqual(body["lines"][0]["totalNetAmount"], 200.0)

    def test_vat_by_zone_and_product_group(self):
        without_vat_product = self.post_draft(
            lines=[
                {
                    "lineNumber": 1,
                    "sortKey": 1,
                    "product": {"productNumber": "2"},
                    "description": "u/moms",
                    "quantity": 1,
                    "unitNetPrice": 100,
                }
            ]
        ).json()
        self.assertEqual(without_vat_product["vatAmount"], 0.0)
        eu = self.post_draft(recipient={"name": "EU", "vatZone": {"vatZoneNumber": 2}}).json()
        self.assertEqual((eu["vatAmount"], eu["grossAmount"]), (0.0, 200.0))
        exempt = self.post_draft(recipient={"name": "X", "vatZone": {"vatZoneNumber": 4}}).json()
        self.assertEqual(exempt["vatAmount"], 0.0)

    def test_price_defaults_to_product_and_discount(self):
        body = self.post_draft(
            lines=[
                {
                    "lineNumber": 1,
                    "sortKey": 1,
                    "product": {"productNumber": "1"},
                    "description": "x",
                    "quantity": 1.5,
                    "discountPercentage": 10,
                }
            ]
        ).json()
        self.assertEqual(body["lines"][0]["unitNetPrice"], 950.0)
        self.assertEqual(body["netAmount"], 1282.5)

    def test_due_date_rules(self):
        terms = {"paymentTermsNumber": 7}
        self.assertFieldError(self.post_draft(paymentTerms=terms), ("dueDate",), "E04042")
        self.assertFieldError(
            self.post_draft(paymentTerms=terms, dueDate="2026-03-09"), ("dueDate",), "E04760"
        )
        body = self.post_draft(paymentTerms=terms, dueDate="2026-04-01").json()
        self.assertEqual(body["dueDate"], "2026-04-01")
        month = self.post_draft(paymentTerms={"paymentTermsNumber": 4}).json()
        self.assertEqual(month["dueDate"], "2026-04-30")  # end of March + 30 days

    def test_required_fields_and_lines(self):
        response = self.call(
            "POST",
            "/invoices/drafts",
            json={
                "lines": [
                    {"lineNumber": 0, "product": {"productNumber": "1"}, "unitNetPrice": 10.005},
                    {
                        "lineNumber": 2,
                        "sortKey": 2,
                        "product": {"productNumber": "nope"},
                        "quantity": 1,
                        "description": "x",
                    },
                    {"lineNumber": 3, "sortKey": 3, "quantity": 1},
                ]
            },
        )
        for field in ("date", "currency", "customer", "layout", "paymentTerms", "recipient"):
            self.assertFieldError(response, (field,))
        self.assertFieldError(response, ("lines", 0, "lineNumber"))
        self.assertFieldError(response, ("lines", 0, "sortKey"))
        self.assertFieldError(response, ("lines", 0, "unitNetPrice"), "E04740")
        self.assertFieldError(response, ("lines", 0, "quantity"), "E04730")
        self.assertFieldError(response, ("lines", 0, "description"))
        self.assertFieldError(response, ("lines", 1, "product"), "E06000")
        self.assertFieldError(response, ("lines", 2, "product"))
        missing_zone = self.post_draft(recipient={"name": "x"})
        self.assertFieldError(missing_zone, ("recipient", "vatZone"))
        self.assertFieldError(
            self.post_draft(customer={"customerNumber": 424242}), ("customer",), "E06000"
        )

    def test_list_has_no_lines_get_has(self):
        number = self.post_draft().json()["draftInvoiceNumber"]
        listed = self.call("GET", "/invoices/drafts").json()["collection"]
        self.assertEqual([d["draftInvoiceNumber"] for d in listed], [number])
        self.assertNotIn("lines", listed[0])
        self.assertEqual(len(self.call("GET", f"/invoices/drafts/{number}").json()["lines"]), 1)

    def test_filter_by_reference(self):
        self.post_draft(references={"other": "odoo-42"})
        self.post_draft(references={"other": "odoo-43"})
        body = self.call(
            "GET", "/invoices/drafts", params={"filter": "references.other$eq:odoo-43"}
        ).json()
        self.assertEqual([d["references"]["other"] for d in body["collection"]], ["odoo-43"])

    def test_put_replaces_lines_and_post_lines_appends(self):
        number = self.post_draft().json()["draftInvoiceNumber"]
        path = f"/invoices/drafts/{number}"
        added = self.call(
            "POST",
            path + "/lines",
            json={
                "lines": [
                    {
                        "lineNumber": 2,
                        "sortKey": 2,
                        "product": {"productNumber": "1"},
                        "description": "mere",
                        "quantity": 1,
                        "unitNetPrice": 50,
                    }
                ]
            },
        )
        self.assertEqual(added.status_code, 201)
        self.assertEqual(added.json()["lines"][0]["lineNumber"], 2)
        self.assertEqual(self.call("GET", path).json()["netAmount"], 250.0)
        replaced = self.call(
            "PUT",
            path,
            json=draft_payload(
                lines=[
                    {
                        "lineNumber": 1,
                        "sortKey": 1,
                        "product": {"productNumber": "1"},
                        "description": "x",
                        "quantity": 3,
                        "unitNetPrice": 100,
                    }
                ]
            ),
        )
        self.assertEqual(replaced.status_code, 200)
        self.assertEqual(len(replaced.json()["lines"]), 1)
        self.assertEqual(replaced.json()["netAmount"], 300.0)
        self.assertEqual(
            self.call("PUT", "/invoices/drafts/999", json=draft_payload()).status_code, 404
        )

    def test_delete_body(self):
        number = self.post_draft().json()["draftInvoiceNumber"]
        response = self.call("DELETE", f"/invoices/drafts/{number}")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.json(),
            {
                "message": "Deleted invoice.",
                "deletedCount": 1,
                "deletedItems": [
                    {"draftInvoiceNumber": number, "self": REST + f"/invoices/drafts/{number}"}
                ],
            },
        )
        again = self.call("DELETE", f"/invoices/drafts/{number}")
        self.assertEqual(again.status_code, 404)

    def test_pdf_is_valid(self):
        number = self.post_draft().json()["draftInvoiceNumber"]
        response = self.call("GET", f"/invoices/drafts/{number}/pdf")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        content = response.content
        self.assertTrue(content.startswith(b"%PDF-1."))
        self.assertTrue(content.rstrip().endswith(b"%%EOF"))
        xref_at = int(re.search(rb"startxref\n(\d+)", content).group(1))
        self.assertTrue(content[xref_at:].startswith(b"xref"))
        for offset in re.findall(rb"(\d{10}) 00000 n", content):
            self.assertRegex(content[int(offset) : int(offset) + 12], rb"^\d+ 0 obj")


class TestBooking(FakeCase):
    def setUp(self):
        super().setUp()
        self.draft = self.call("POST", "/invoices/drafts", json=draft_payload()).json()

    def test_book_removes_draft(self):
        number = self.draft["draftInvoiceNumber"]
        response = self.call(
            "POST", "/invoices/booked", json={"draftInvoice": {"draftInvoiceNumber": number}}
        )
        self.assertEqual(response.status_code, 201)
        booked = response.json()
        self.assertEqual(booked["bookedInvoiceNumber"], 1)
        self.assertEqual(response.headers["Location"], REST + "/invoices/booked/1")
        self.assertEqual(booked["remainder"], 250.0)
        self.assertEqual(booked["lines"][0]["vatRate"], 25.0)
        self.assertEqual(booked["lines"][0]["vatAmount"], 50.0)
        self.assertEqual(booked["pdf"]["download"], REST + "/invoices/booked/1/pdf")
        self.assertEqual(self.call("GET", f"/invoices/drafts/{number}").status_code, 404)
        self.assertEqual(self.call("GET", "/invoices/booked/1").json()["grossAmount"], 250.0)
        pdf = self.call("GET", "/invoices/booked/1/pdf")
        self.assertTrue(pdf.content.startswith(b"%PDF"))
        self.assertEqual(self.call("DELETE", "/invoices/booked/1").status_code, 405)

    def test_book_with_number_and_next(self):
        response = self.call(
            "POST",
            "/invoices/booked",
            json={"draftInvoice": {"self": self.draft["self"]}, "bookWithNumber": 500},
        )
        self.assertEqual(response.json()["bookedInvoiceNumber"], 500)
        second = self.fake.add_draft(1, lines=[{"product": {"productNumber": "1"}}])
        duplicate = self.call(
            "POST",
            "/invoices/booked",
            json={"draftInvoice": {"draftInvoiceNumber": second}, "bookWithNumber": 500},
        )
        self.assertFieldError(duplicate, ("bookWithNumber",))
        self.assertIn(second, self.fake.drafts)  # nothing happened
        following = self.call(
            "POST", "/invoices/booked", json={"draftInvoice": {"draftInvoiceNumber": second}}
        )
        self.assertEqual(following.json()["bookedInvoiceNumber"], 501)

    def test_undocumented_draft_attachment_routes_are_unknown(self):
        # Only journal vouchers have an attachment route in e-conomic's published reference;
        # the draft's `attachment` link is published, a route behind it is not.
        number = self.draft["draftInvoiceNumber"]
        self.assertEqual(self.draft["attachment"], REST + f"/invoices/drafts/{number}/attachment")
        for method, path in (
            ("GET", f"/invoices/drafts/{number}/attachment"),
            ("POST", f"/invoices/drafts/{number}/attachment/file"),
        ):
            response = self.call(method, path, json={} if method == "POST" else None)
            self.assertEqual(response.status_code, 404, (method, path))
            self.assertEqual(response.json()["message"], "Resource not found.")

    def test_unknown_draft_and_send_by_enum(self):
        self.assertFieldError(
            self.call(
                "POST", "/invoices/booked", json={"draftInvoice": {"draftInvoiceNumber": 999}}
            ),
            ("draftInvoice",),
            "E06000",
        )
        self.assertFieldError(
            self.call(
                "POST",
                "/invoices/booked",
                json={
                    "draftInvoice": {"draftInvoiceNumber": self.draft["draftInvoiceNumber"]},
                    "sendBy": "ean",
                },
            ),
            ("sendBy",),
        )

    def test_booked_list_filters(self):
        self.fake.book(self.draft["draftInvoiceNumber"])
        other = self.fake.add_draft(
            2, lines=[{"product": {"productNumber": "2"}}], date="2025-12-31"
        )
        self.fake.book(other, 77)
        body = self.call(
            "GET",
            "/invoices/booked",
            params={"filter": "date$gte:2026-01-01$and:date$lte:2026-12-31"},
        ).json()
        self.assertEqual([b["bookedInvoiceNumber"] for b in body["collection"]], [1])
        self.assertNotIn("lines", body["collection"][0])
        body = self.call(
            "GET", "/invoices/booked", params={"filter": "customer.customerNumber$eq:2"}
        ).json()
        self.assertEqual([b["bookedInvoiceNumber"] for b in body["collection"]], [77])


class TestTransport(FakeCase):
    def test_rate_limit_headers_on_every_response(self):
        for response in (
            self.call("GET", "/self"),
            self.call("GET", "/nowhere"),
            self.call("POST", "/customers", json={}),
        ):
            self.assertIn("X-CallCost", response.headers)
            self.assertRegex(
                response.headers["X-RateLimiting"], r"^token-limit-\d+-per-\d+-seconds: \d+/\d+$"
            )

    def test_token_bucket(self):
        self.fake.set_rate_limit(5, 60)
        for _ in range(5):
            self.assertEqual(self.call("GET", "/self").status_code, 200)
        self.assertEqual(
            self.call("GET", "/self").headers["X-RateLimiting"], "token-limit-5-per-60-seconds: 5/5"
        )
        limited = self.call("GET", "/vat-zones")
        self.assertEqual(limited.status_code, 429)
        self.assertEqual(limited.headers["Retry-After"], "12")
        self.assertIn("message", limited.json())
        self.fake.clock.advance(12)
        self.assertEqual(self.call("GET", "/vat-zones").status_code, 200)

    def test_idempotent_replay(self):
        headers = {"Idempotency-Key": "key-1"}
        first = self.call("POST", "/customers", json=CUSTOMER, headers=headers)
        second = self.call("POST", "/customers", json=CUSTOMER, headers=headers)
        self.assertEqual(second.status_code, 201)
        self.assertEqual(second.json()["customerNumber"], first.json()["customerNumber"])
        self.assertEqual(second.headers["Location"], first.headers["Location"])
        self.assertEqual(second.headers["X-ResultFromCache"], "true")
        self.assertNotIn("X-ResultFromCache", first.headers)
        self.assertEqual(len(self.fake.customers), 3)
        self.fake.clock.advance(3601)  # the cache holds one hour
        third = self.call("POST", "/customers", json=CUSTOMER, headers=headers)
        self.assertNotIn("X-ResultFromCache", third.headers)
        self.assertEqual(len(self.fake.customers), 4)

    def test_idempotent_delete_and_get_ignores_key(self):
        number = self.fake.add_draft(1, lines=[{"product": {"productNumber": "1"}}])
        headers = {"Idempotency-Key": "del-1"}
        path = f"/invoices/drafts/{number}"
        self.assertEqual(self.call("DELETE", path, headers=headers).status_code, 200)
        replay = self.call("DELETE", path, headers=headers)
        self.assertEqual(replay.status_code, 200)
        self.assertEqual(replay.json()["deletedCount"], 1)
        self.call("GET", "/self", headers={"Idempotency-Key": "get"})
        self.assertNotIn(
            "X-ResultFromCache",
            self.call("GET", "/self", headers={"Idempotency-Key": "get"}).headers,
        )

    def test_auth_401(self):
        response = self.call("GET", "/customers", headers={"X-AgreementGrantToken": "wrong"})
        self.assertEqual(response.status_code, 401)
        body = response.json()
        self.assertEqual(body["httpStatusCode"], 401)
        self.assertIn("logId", body)
        self.assertNotIn("wrong", response.text)
        self.assertEqual(self.call("GET", "/self", tokens=False).status_code, 401)

    def test_404_body(self):
        response = self.call("GET", "/customers/424242")
        self.assertEqual(response.status_code, 404)
        body = response.json()
        self.assertEqual(body["message"], "Resource not found.")
        self.assertEqual(
            set(body), {"message", "developerHint", "logId", "httpStatusCode", "logTime"}
        )
        self.assertRegex(body["logId"], r"^[0-9a-f]{16}-CPH$")

    def test_415_for_non_json(self):
        response = self.session.post(
            REST + "/customers",
            data="name=x",
            headers=dict(TOKENS, **{"Content-Type": "application/x-www-form-urlencoded"}),
        )
        self.assertEqual(response.status_code, 415)
        self.assertEqual(len(self.fake.customers), 2)

    def test_405_for_unsupported_method(self):
        self.assertEqual(self.call("PUT", "/customers", json=CUSTOMER).status_code, 405)

    def test_fail_next(self):
        self.fake.fail_next(2, 503, method="GET", path="/customers*")
        self.assertEqual(self.call("POST", "/customers", json=CUSTOMER).status_code, 201)
        self.assertEqual(self.call("GET", "/self").status_code, 200)
        first = self.call("GET", "/customers/1")
        self.assertEqual(first.status_code, 503)
        self.assertEqual(first.json()["httpStatusCode"], 503)
        self.assertEqual(self.call("GET", "/customers").status_code, 503)
        self.assertEqual(self.call("GET", "/customers").status_code, 200)
        self.fake.fail_next(1, 429)
        limited = self.call("GET", "/self")
        self.assertEqual((limited.status_code, limited.headers["Retry-After"]), (429, "1"))
        self.fake.fail_next(1, 401)
        self.assertEqual(self.call("GET", "/self").status_code, 401)
        self.fake.fail_next(1, 500, path="/Employees")
        self.assertEqual(self.call("GET", "/Employees", base=PROJECTS).status_code, 500)

    def test_failed_write_is_not_applied(self):
        self.fake.fail_next(1, 500, method="POST")
        self.assertEqual(self.call("POST", "/customers", json=CUSTOMER).status_code, 500)
        self.assertEqual(len(self.fake.customers), 2)

    def test_timeout_next(self):
        self.fake.timeout_next(1, method="POST")
        with self.assertRaises(requests.exceptions.ReadTimeout):
            self.call("POST", "/customers", json=CUSTOMER)
        self.assertEqual(len(self.fake.customers), 2)
        self.assertEqual(self.call("POST", "/customers", json=CUSTOMER).status_code, 201)

    def test_timeout_after_processing(self):
        self.fake.timeout_next(1, method="POST", apply=True)
        with self.assertRaises(requests.exceptions.ReadTimeout):
            self.call("POST", "/customers", json=CUSTOMER)
        self.assertEqual(len(self.fake.customers), 3)

    def test_lose_response_commits_write(self):
        self.fake.lose_response_next(1, method="POST", path="/customers")
        headers = {"Idempotency-Key": "lost-1"}
        with self.assertRaises(requests.exceptions.ConnectionError):
            self.call("POST", "/customers", json=CUSTOMER, headers=headers)
        self.assertEqual(len(self.fake.customers), 3)
        retry = self.call("POST", "/customers", json=CUSTOMER, headers=headers)
        self.assertEqual(retry.headers["X-ResultFromCache"], "true")
        self.assertEqual(len(self.fake.customers), 3)

    def test_latency_uses_patchable_sleep(self):
        slept = []
        self.fake.sleep = slept.append
        self.fake.latency = 0.25
        self.call("GET", "/self")
        self.assertEqual(slept, [0.25])

    def test_calls_log(self):
        self.fake.reset_calls()
        self.call("GET", "/customers/1")
        self.call("GET", "/nope")
        self.assertEqual(self.fake.calls, [("GET", "/customers/1", 200), ("GET", "/nope", 404)])

    def test_handle_directly(self):
        status, headers, body = self.fake.handle(
            "POST",
            REST + "/customers",
            dict(TOKENS, **{"Content-Type": "application/json"}),
            b'{"name": "Direkte", "currency": "DKK", "customerGroup": {"customerGroupNumber": 1},'
            b' "paymentTerms": {"paymentTermsNumber": 1}, "vatZone": {"vatZoneNumber": 1}}',
        )
        self.assertEqual(status, 201)
        self.assertEqual(headers["Location"], REST + "/customers/3")
        self.assertIn(b'"customerNumber": 3', body)

    def test_concurrent_sends_are_safe(self):
        numbers, errors = [], []

        def create():
            session = requests.Session()
            session.send = self.fake.send
            try:
                for _ in range(10):
                    response = session.post(REST + "/customers", json=CUSTOMER, headers=TOKENS)
                    numbers.append(response.json()["customerNumber"])
            except Exception as exc:  # noqa: BLE001  (collected for the assertion)
                errors.append(exc)

        threads = [threading.Thread(target=create) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(errors, [])
        self.assertEqual(sorted(numbers), list(range(3, 83)))


class TestProjectsApi(FakeCase):
    def test_self_and_reference_lists(self):
        body = self.call("GET", "/self").json()
        self.assertEqual(body["agreementNumber"], 1118081)
        self.assertIn("Projektstyring", [m["name"] for m in body["modules"]])
        zones = self.call("GET", "/vat-zones").json()["collection"]
        self.assertEqual(
            [z["name"] for z in zones], ["Domestic", "EU", "Abroad", "Domestic exempt VAT"]
        )
        terms = self.call("GET", "/payment-terms").json()["collection"]
        self.assertIn(
            ("Netto 8 dage", "net", 8),
            [(t["name"], t["paymentTermsType"], t.get("daysOfCredit")) for t in terms],
        )
        self.assertIn("dueDate", [t["paymentTermsType"] for t in terms])
        units = self.call("GET", "/units/1").json()
        self.assertEqual(units["name"], "timer")
        self.assertEqual(self.call("GET", "/customer-groups/1").json()["name"], "Danske kunder")
        self.assertEqual(len(self.call("GET", "/layouts").json()["collection"]), 3)
        self.assertEqual(len(self.call("GET", "/product-groups").json()["collection"]), 2)
        self.assertEqual(
            self.call("GET", "/employees").json()["collection"][0]["employeeNumber"], 1
        )

    def test_employees(self):
        incomplete = self.call(
            "POST", "/Employees", base=PROJECTS, json={"name": "Ny Medarbejder", "groupNumber": 1}
        )
        self.assertEqual(incomplete.status_code, 400, "isBarred and number are required")
        self.assertEqual(
            {e["property"] for e in incomplete.json()["errors"]}, {"isBarred", "number"}
        )
        created = self.call(
            "POST",
            "/Employees",
            base=PROJECTS,
            json={"name": "Ny Medarbejder", "groupNumber": 1, "isBarred": False, "number": None},
        )
        self.assertEqual(created.status_code, 201)
        self.assertEqual(created.json(), {"number": 2})
        listed = self.call("GET", "/Employees", base=PROJECTS).json()
        self.assertEqual([e["number"] for e in listed["items"]], [1, 2])
        self.assertNotIn("cursor", listed)
        legacy = self.call("GET", "/employees/2").json()
        self.assertEqual(legacy["name"], "Ny Medarbejder")
        invalid = self.call(
            "POST",
            "/Employees",
            base=PROJECTS,
            json={"name": "x" * 101, "groupNumber": 1, "isBarred": False, "number": None},
        )
        self.assertEqual(invalid.status_code, 400)
        self.assertTrue(invalid.headers["Content-Type"].startswith("application/problem+json"))
        self.assertEqual({e["property"] for e in invalid.json()["errors"]}, {"name"})
        unknown_group = self.call(
            "POST",
            "/Employees",
            base=PROJECTS,
            json={"name": "Ny", "groupNumber": 9, "isBarred": False, "number": None},
        )
        self.assertEqual({e["property"] for e in unknown_group.json()["errors"]}, {"groupNumber"})
        groups = self.call("GET", "/EmployeeGroups", base=PROJECTS).json()
        self.assertEqual(groups["items"][0]["number"], 1)

    def test_employee_cursor(self):
        for number in range(2, 1102):
            self.fake.add_employee(number)
        first = self.call("GET", "/Employees", base=PROJECTS).json()
        self.assertEqual(len(first["items"]), 1000)
        second = self.call(
            "GET", "/Employees", base=PROJECTS, params={"cursor": first["cursor"]}
        ).json()
        self.assertEqual(len(second["items"]), 101)
        self.assertNotIn("cursor", second)

    def test_missing_project_module(self):
        self.assertEqual(self.call("GET", "/Projects/count", base=PROJECTS).json(), 0)
        self.fake.set_project_module(False)
        response = self.call("GET", "/Projects/count", base=PROJECTS)
        self.assertEqual(response.status_code, 403)
        body = response.json()
        self.assertEqual(body["errorCode"], "AccessDeniedAgreementMissingModules")
        self.assertEqual(body["title"], "Missing modules: Project")
        self.assertTrue(response.headers["Content-Type"].startswith("application/problem+json"))
        self.assertEqual(self.call("GET", "/TimeEntries", base=PROJECTS).status_code, 403)
        self.assertEqual(self.call("GET", "/Employees", base=PROJECTS).status_code, 200)
        self.assertNotIn(
            "Projektstyring", [m["name"] for m in self.call("GET", "/self").json()["modules"]]
        )


class TestHelpers(FakeCase):
    def test_empty_agreement(self):
        fake = FakeEconomic(seed=False)
        self.assertEqual(fake.customers, {})
        self.assertEqual(fake.products, {})
        self.assertEqual(sorted(fake.vat_zones), [1, 2, 3, 4])

    def test_seeded_products(self):
        self.assertEqual(self.fake.products["1"]["name"], "Konsulenttime")
        self.assertEqual(self.fake.products["1"]["salesPrice"], 950.0)
        self.assertEqual(self.fake.products["2"]["name"], "Konsulenttime u/moms")

    def test_arrange_draft_edit_line_and_book(self):
        number = self.fake.add_draft(1, lines=[{"product": {"productNumber": "1"}, "quantity": 2}])
        self.assertEqual(self.fake.drafts[number]["netAmount"], 1900.0)
        self.fake.edit_draft_line(number, 1, quantity=3)
        self.assertEqual(self.fake.drafts[number]["netAmount"], 2850.0)
        self.assertEqual(
            self.call("GET", f"/invoices/drafts/{number}").json()["grossAmount"], 3562.5
        )
        booked = self.fake.book(number)
        self.assertNotIn(number, self.fake.drafts)
        self.assertEqual(self.fake.booked[booked]["remainder"], 3562.5)

    def test_helpers_apply_rules(self):
        with self.assertRaises(FakeSetupError):
            self.fake.add_customer(vatZone={"vatZoneNumber": 99})
        with self.assertRaises(FakeSetupError):
            self.fake.add_draft(
                1, lines=[{"product": {"productNumber": "1"}, "unitNetPrice": 1.001}]
            )
        number = self.fake.add_customer(name="Ny")
        self.assertEqual(self.call("GET", f"/customers/{number}").json()["name"], "Ny")


class TestHttpServer(unittest.TestCase):
    def test_serves_both_apis_on_localhost(self):
        fake = FakeEconomic("demo-secret", "demo-grant")
        server = make_server(fake, "127.0.0.1", 0, log_requests=False)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        base = f"http://127.0.0.1:{server.server_address[1]}"
        headers = {"X-AppSecretToken": "demo-secret", "X-AgreementGrantToken": "demo-grant"}
        response = requests.get(base + "/customers/1", headers=headers, timeout=5)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["self"], base + "/customers/1")
        created = requests.post(
            base + "/projectsapi/v1.1.0/Employees",
            headers=headers,
            json={"name": "HTTP", "groupNumber": 1, "isBarred": False, "number": None},
            timeout=5,
        )
        self.assertEqual(created.status_code, 201)
        self.assertEqual(requests.get(base + "/self", timeout=5).status_code, 401)
        self.assertEqual(fake.employees[2]["name"], "HTTP")


if __name__ == "__main__":
    unittest.main()
