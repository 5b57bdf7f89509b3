# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The contract table (economic/contract.py) against the client and the published reference.

- Every endpoint method of the client is run against the fake; each request it sends must be
  a row of the table (and the fake, which validates bodies, must accept it).
- Every row must name a route, schema or artefact that e-conomic publishes (the copies in
  economic/fake/schemas/: schema file names, the OpenAPI specifications, fixtures).
"""

import datetime
import inspect
import json
import os
import unittest
from urllib.parse import urlsplit

import requests

from economic import contract
from economic.client import EconomicClient
from economic.fake import FakeEconomic
from economic.fake import openapi as fake_openapi
from economic.fake import schema as fake_schema
from economic.fake.app import Request

from .test_fake_strict import published_legacy_names, template_matches_schema_name

# Generic helpers of the client, not endpoints: their callers' requests are checked instead.
GENERIC = {"request", "iter_collection", "iter_cursor"}


WEBHOOK = {
    "eventType": "INVOICE_BOOKED",
    "name": "Odoo",
    "url": "https://odoo.example/economic/webhook/1/INVOICE_BOOKED",
    "contentType": "application/json",
    "customHeaders": [{"key": "X-Secret", "value": "abc"}],
}


def customer_payload(name):
    return {
        "name": name,
        "currency": "DKK",
        "customerGroup": {"customerGroupNumber": 1},
        "paymentTerms": {"paymentTermsNumber": 1},
        "vatZone": {"vatZoneNumber": 1},
    }


def problems_of(route, published=None):
    """Why a row of the table is not a route of the published reference ([] when it is)."""
    published = published_legacy_names() if published is None else published
    problems = []
    if route.api == "rest":
        for name in (route.request, route.response):
            if name and name not in published:
                problems.append(f"{name} is not a published schema")
        named = [n for n in (route.request, route.response) if n]
        for name in named:
            own = template_matches_schema_name(route.method, route.path, name)
            if route.request == name and not own:
                problems.append(f"{name} does not describe {route.method} {route.path}")
        if not named or (route.request is None and route.method != "GET"):
            problems += _source_problems(route)
        elif route.response and route.method == "GET":
            if not template_matches_schema_name("GET", route.path, route.response):
                problems.append(f"{route.response} does not describe GET {route.path}")
        return problems
    service = fake_openapi.service(route.api)
    found = service.operation(route.method, route.path)
    if found == fake_openapi.NOT_FOUND or found[0] == fake_openapi.METHOD_NOT_ALLOWED:
        return [f"{route.method} {route.path} is not in {service.title}"]
    template, operation = found
    if template != route.path:
        problems.append(f"{route.path} is spelt {template} in the specification")
    declared = service.schema_name(service.request_schema(operation))
    if (route.request or "").rsplit("#", 1)[-1] != (declared or ""):
        problems.append(f"request schema {route.request} but the specification says {declared}")
    answered = service.schema_name(
        service.response_schema(operation, "201" if route.method == "POST" else "200")
    )
    if route.response and route.response.rsplit("#", 1)[-1] != answered:
        problems.append(f"response schema {route.response} but the specification says {answered}")
    return problems


def _source_problems(route):
    source = route.source or ""
    if source.startswith("link:"):
        name, _, prop = source[len("link:") :].partition("#")
        try:
            document = fake_schema.load(name)
        except FileNotFoundError:
            return [f"{name} is not a published schema"]
        node = document
        for part in prop.split("."):
            node = (node.get("properties") or {}).get(part) or {}
        if not node:
            return [f"{name} has no link {prop}"]
        owner_method, segments = "GET", name.split(".")[:-1]
        link_parts = route.path.strip("/").split("/")
        expected_tail = prop.split(".")[0]
        if link_parts[-1] != expected_tail or not template_matches_schema_name(
            owner_method, "/" + "/".join(link_parts[:-1]), name
        ):
            return [f"{route.path} is not the {prop} link of {name} ({segments})"]
        return []
    if source.startswith("fixture:"):
        path = os.path.join(fake_schema.FIXTURE_DIR, source[len("fixture:") :])
        if not os.path.exists(path):
            return [f"no captured response {source}"]
        with open(path, encoding="utf-8-sig") as handle:
            urls = [u for u in _strings(json.load(handle)) if u.startswith("https://")]
        pattern = contract._pattern(route.path)
        if not any(pattern.fullmatch(urlsplit(url).path) for url in urls):
            return [f"{source} is no answer of {route.path}"]
        return []
    return [f"{route.method} {route.path} names no published schema or artefact"]


def _strings(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


class TestContractTable(unittest.TestCase):
    def test_every_row_is_published(self):
        published = published_legacy_names()
        for route in contract.ROUTES:
            with self.subTest(route=f"{route.method} {route.path}"):
                self.assertEqual(problems_of(route, published), [])

    def test_unpublished_rows_are_caught(self):
        published = published_legacy_names()
        for bad in (
            contract.Route("POST", "rest", "/invoices/drafts/{n}/attachment/file", None, None),
            contract.Route(
                "POST", "rest", "/invoices/drafts/{n}/attachment/file", None, None,
                "link:invoices.drafts.draftInvoiceNumber.get#attachment",
            ),
            contract.Route("GET", "rest", "/invoices/booked", None, "invoices.booked.last.get"),
            contract.Route("POST", "rest", "/customers", "products.post", None),
            contract.Route("DELETE", "rest", "/customers/{n}", None, None, "fixture:none.json"),
            contract.Route("PATCH", "projects", "/Employees", contract._p("Employee"), None),
            contract.Route("POST", "projects", "/Employees", contract._p("EmployeeGroup"), None),
            contract.Route("GET", "projects", "/Employees/last", None, None),
        ):  # fmt: skip
            with self.subTest(route=bad):
                self.assertTrue(problems_of(bad, published))

    def test_rows_are_unique(self):
        keys = [(r.method, r.api, r.path.lower()) for r in contract.ROUTES]
        self.assertEqual(len(keys), len(set(keys)))


class TestClientStaysInTheTable(unittest.TestCase):
    """Run every endpoint method against the fake; every request must be a row."""

    def setUp(self):
        self.fake = FakeEconomic()
        session = requests.Session()
        session.send = self.fake.send
        self.client = EconomicClient("fake-secret", "fake-grant", session=session)

    def endpoint_calls(self):
        """(method name, callable) for every public endpoint method of the client."""
        fake, client = self.fake, self.client
        customer = fake.add_customer(name="Kunde A/S")
        draft_payload = client.get_customer_invoice_template(customer)
        draft_payload.update(
            {"date": "2026-11-20", "layout": {"layoutNumber": 19}, "paymentTerms": {
                "paymentTermsNumber": 1}}
        )  # fmt: skip
        state = {}

        def create_draft():
            state["draft"] = client.create_draft(draft_payload, idempotency_key="k-draft")
            return state["draft"]

        def draft_number():
            return state["draft"]["draftInvoiceNumber"]

        def book():
            state["booked"] = client.book_draft(draft_number(), idempotency_key="k-book")
            return state["booked"]

        employee = {"number": None, "groupNumber": 1, "name": "Ny", "isBarred": False}
        product = client.list_products()[0]
        calls = {
            "get_self": lambda: client.get_self(),
            "list_customers": lambda: client.list_customers(),
            "count_customers": lambda: client.count_customers(),
            "get_customer": lambda: client.get_customer(customer),
            "create_customer": lambda: client.create_customer(
                customer_payload("Ny kunde"), idempotency_key="k-c"
            ),
            "update_customer": lambda: client.update_customer(
                customer, customer_payload("Kunde A/S"), idempotency_key="k-cu"
            ),
            "list_customer_groups": lambda: client.list_customer_groups(),
            "list_payment_terms": lambda: client.list_payment_terms(),
            "list_vat_zones": lambda: client.list_vat_zones(),
            "list_layouts": lambda: client.list_layouts(),
            "list_units": lambda: client.list_units(),
            "list_product_groups": lambda: client.list_product_groups(),
            "list_products": lambda: client.list_products(),
            "get_product": lambda: client.get_product(product["productNumber"]),
            "create_product": lambda: client.create_product(
                {"productNumber": "NY 1", "name": "Ny", "productGroup": {"productGroupNumber": 1}},
                idempotency_key="k-p",
            ),
            "update_product": lambda: client.update_product(
                "NY 1",
                {"productNumber": "NY 1", "name": "Ny!", "productGroup": {"productGroupNumber": 1}},
                idempotency_key="k-pu",
            ),
            "list_employees": lambda: client.list_employees(),
            "create_employee": lambda: client.create_employee(employee, idempotency_key="k-e"),
            "get_project_employee": lambda: client.get_project_employee(1),
            "update_employee": lambda: client.update_employee(
                dict(client.get_project_employee(1), name="Nyt navn", isBarred=False),
                idempotency_key="k-eu",
            ),
            "list_employee_groups": lambda: client.list_employee_groups(),
            "get_customer_invoice_template": lambda: client.get_customer_invoice_template(
                customer
            ),
            "get_customer_invoice_line_template": (
                lambda: client.get_customer_invoice_line_template(
                    customer, product["productNumber"], quantity=2
                )
            ),
            "create_draft": create_draft,
            "get_draft": lambda: client.get_draft(draft_number()),
            "list_drafts": lambda: client.list_drafts(),
            "update_draft": lambda: client.update_draft(
                draft_number(), dict(draft_payload, notes={"heading": "Ny"}),
                idempotency_key="k-du",
            ),
            "add_draft_lines": lambda: client.add_draft_lines(
                draft_number(),
                [{"lineNumber": 1, "sortKey": 1, "description": "Arbejde", "quantity": 2.0,
                  "unitNetPrice": 950.0, "product": {"productNumber": product["productNumber"]}}],
                idempotency_key="k-dl",
            ),
            "get_draft_pdf": lambda: client.get_draft_pdf(draft_number()),
            "book_draft": book,
            "get_booked": lambda: client.get_booked(state["booked"]["bookedInvoiceNumber"]),
            "list_booked": lambda: client.list_booked(),
            "get_booked_pdf": lambda: client.get_booked_pdf(
                state["booked"]["bookedInvoiceNumber"]
            ),
            "has_project_module": lambda: client.has_project_module(),
            "list_drafts_changed": lambda: client.list_drafts_changed(
                datetime.datetime(2026, 1, 1)
            ),
            "list_event_types": lambda: client.list_event_types(),
            "create_webhook": lambda: client.create_webhook(WEBHOOK, idempotency_key="k-w"),
            "list_webhooks": lambda: client.list_webhooks(),
            "update_webhook": lambda: client.update_webhook(
                dict(client.list_webhooks()[0], name="Odoo 2"), idempotency_key="k-wu"
            ),
            "delete_webhook": lambda: client.delete_webhook(
                "INVOICE_BOOKED", idempotency_key="k-wd"
            ),
        }  # fmt: skip
        calls["delete_draft"] = None  # after booking a draft of its own, below
        return calls

    def public_endpoints(self):
        return {
            name
            for name, member in inspect.getmembers(EconomicClient, inspect.isfunction)
            if not name.startswith("_") and name not in GENERIC
        }

    def test_every_endpoint_request_is_in_the_table(self):
        calls = self.endpoint_calls()
        self.assertEqual(
            set(calls),
            self.public_endpoints(),
            "a new endpoint method of the client needs a call here (and a row in the table)",
        )
        for name, call in calls.items():
            if call is None:
                continue
            with self.subTest(endpoint=name):
                call()
        second = self.client.create_draft(
            self.client.get_draft(self.fake.add_draft(1)) | {"layout": {"layoutNumber": 19}},
            idempotency_key="k-d2",
        )
        self.client.delete_draft(second["draftInvoiceNumber"], idempotency_key="k-dd")
        used = set()
        for sent in self.fake.requests:
            request = Request(sent["method"], "https://x" + sent["path"], {}, b"")
            route = contract.find(sent["method"], request.api, request.path)
            with self.subTest(request=f"{sent['method']} {sent['path']}"):
                self.assertIsNotNone(route, "not in economic/contract.py")
                self.assertLess(sent["status"], 400, sent["body"])
            used.add(route)
        self.assertEqual(self.fake.idempotency_conflicts, [])
        self.assertEqual(set(contract.ROUTES) - used, set(), "rows the client never uses")

    def test_a_request_outside_the_table_is_caught(self):
        self.assertIsNone(contract.find("POST", "rest", "/invoices/drafts/3/attachment/file"))
        self.assertIsNone(contract.find("GET", "rest", "/invoices/booked/3/attachment"))
        self.assertIsNone(contract.find("DELETE", "projects", "/Employees/3"))
        self.assertIsNotNone(contract.find("GET", "projects", "/employees/3"))


class TestReadmeTable(unittest.TestCase):
    def test_rst_table_lists_every_row(self):
        text = contract.table_rst()
        for route in contract.ROUTES:
            self.assertIn(route.path, text)


if __name__ == "__main__":
    unittest.main()
