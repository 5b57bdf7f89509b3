# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The fake is as strict as e-conomic's published contract (issue 8, item 1).

- projectsapi bodies are validated against the published OpenAPI specification;
- routes and methods e-conomic does not document answer 404/405 as e-conomic does;
- an Idempotency-Key reused for another request is recorded (EconomicCase fails on it).
"""

import json
import os
import re
import unittest

import requests

from economic import contract
from economic.fake import FakeEconomic
from economic.fake import openapi as fake_openapi
from economic.fake import schema as fake_schema
from economic.fake.resources import ROUTES

REST = "https://restapi.e-conomic.com"
PROJECTS = "https://apis.e-conomic.com/projectsapi/v1.1.0"
TOKENS = {"X-AppSecretToken": "fake-secret", "X-AgreementGrantToken": "fake-grant"}
VALID_EMPLOYEE = {"number": None, "groupNumber": 1, "name": "Ny Medarbejder", "isBarred": False}
PUBLISHED_LEGACY = os.path.join(fake_schema.SCHEMA_DIR, "published-legacy-schemas.txt")

# Fake routes documented by e-conomic but without a schema file of their own: `GET /` lists
# the endpoints and `/echo` answers any verb (economic-api.md §3.1 [V S1]); DELETE of
# customers and products answers 204 (§3.2, live [3P S2]); DELETE of a draft has a captured
# answer (fixtures/invoice_delete.json); the PDFs are the `pdf.download` links of the
# published invoice schemas.
DOCUMENTED_WITHOUT_SCHEMA = {
    ("GET", "/"),
    ("GET", "/echo"),
    ("POST", "/echo"),
    ("DELETE", "/customers/{number}"),
    ("DELETE", "/products/{product}"),
    ("DELETE", "/invoices/drafts/{number}"),
    ("GET", "/invoices/drafts/{number}/pdf"),
    ("GET", "/invoices/booked/{number}/pdf"),
}


def published_legacy_names():
    with open(PUBLISHED_LEGACY, encoding="utf-8") as handle:
        return {
            line.strip().removesuffix(".schema.json")
            for line in handle
            if line.strip() and not line.startswith("#")
        }


def legacy_route_of(name):
    """("PUT", ["customers", None]) for "customers.customerNo.put": None = a path parameter."""
    *segments, method = name.split(".")
    return method.upper(), segments


def template_matches_schema_name(method, template, name):
    """Whether ``method template`` is the route that the published schema ``name`` describes."""
    schema_method, segments = legacy_route_of(name)
    parts = [part for part in template.strip("/").split("/") if part]
    if schema_method != method or len(parts) != len(segments):
        return False
    for part, segment in zip(parts, segments, strict=True):
        is_param = part.startswith("{")
        if not is_param and part != segment:
            return False
        if is_param and segment in ("customers", "invoices", "drafts", "booked", "templates"):
            return False
    return True


class StrictCase(unittest.TestCase):
    def setUp(self):
        self.fake = FakeEconomic()
        self.session = requests.Session()
        self.session.send = self.fake.send

    def call(self, method, path, *, base=REST, json_body=None, headers=None):
        all_headers = dict(TOKENS, **(headers or {}))
        return self.session.request(method, base + path, json=json_body, headers=all_headers)

    def assertProblem(self, response, status):
        self.assertEqual(response.status_code, status, response.text)
        self.assertTrue(response.headers["Content-Type"].startswith("application/problem+json"))
        body = response.json()
        service = fake_openapi.service("projects")
        problem = service.component("ProblemDetails")
        self.assertEqual(service.validate(body, problem), [], body)
        self.assertEqual(body["status"], status)
        return body


class TestOpenApiValidation(StrictCase):
    def post_employee(self, **changes):
        body = dict(VALID_EMPLOYEE, **changes)
        for key in [key for key, value in changes.items() if value is Ellipsis]:
            del body[key]
        return self.call("POST", "/Employees", base=PROJECTS, json_body=body)

    def properties(self, response):
        errors = self.assertProblem(response, 400)["errors"]
        return {(error["property"], error["errorCode"]) for error in errors}

    def test_valid_employee_is_created(self):
        response = self.post_employee()
        self.assertEqual(response.status_code, 201, response.text)
        number = response.json()["number"]
        self.assertEqual(self.fake.employees[number]["name"], "Ny Medarbejder")

    def test_employee_without_is_barred_is_refused(self):
        # issue 8: "POST /Employees is sent without isBarred"; e-conomic requires it
        before = dict(self.fake.employees)
        response = self.post_employee(isBarred=...)
        self.assertEqual(self.properties(response), {("isBarred", "PropertyRequired")})
        self.assertEqual(self.fake.employees, before, "nothing stored")

    def test_employee_without_number_key_is_refused(self):
        # `number` is required but nullable: send null to let e-conomic number it
        response = self.post_employee(number=...)
        self.assertEqual(self.properties(response), {("number", "PropertyRequired")})

    def test_nullability_types_lengths_and_unknown_properties(self):
        cases = {
            "name": (None, "NullNotAllowed"),
            "groupNumber": ("1", "InvalidType"),
            "phone": ("1" * 21, "InvalidLength"),
            "email": ("x" * 51, "InvalidLength"),
            "isBarred": ("false", "InvalidType"),
            "number": (1_000_000, "OutOfRange"),
            "nickname": ("Bo", "PropertyNotAllowed"),
        }
        for prop, (value, code) in cases.items():
            with self.subTest(prop=prop):
                self.assertEqual(
                    self.properties(self.post_employee(**{prop: value})), {(prop, code)}
                )
        self.assertEqual(self.post_employee(phone=None, email=None).status_code, 201)

    def test_put_employee_is_validated_too(self):
        number = self.post_employee().json()["number"]
        current = self.call("GET", f"/Employees/{number}", base=PROJECTS).json()
        current.pop("isBarred", None)
        response = self.call("PUT", "/Employees", base=PROJECTS, json_body=current)
        self.assertEqual(self.properties(response), {("isBarred", "PropertyRequired")})
        current["isBarred"] = True
        self.assertEqual(
            self.call("PUT", "/Employees", base=PROJECTS, json_body=current).status_code, 204
        )

    def test_body_that_is_no_object(self):
        response = self.call("POST", "/Employees", base=PROJECTS, json_body=[VALID_EMPLOYEE])
        self.assertEqual(self.properties(response), {("body", "InvalidType")})

    def test_generic_validator_keywords(self):
        # the validator reads any published OpenAPI document (webhooksapi next)
        document = {
            "servers": [{"url": "https://apis.e-conomic.com/exampleapi/v1.0.0/"}],
            "paths": {"/Things": {"post": {"requestBody": {"content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Thing"}}}}}}},
            "components": {"schemas": {
                "Kind": {"enum": [1, 2], "type": "integer", "format": "int32"},
                "Thing": {
                    "required": ["id", "kind", "code"],
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "id": {"type": "integer", "readOnly": True},
                        "kind": {"allOf": [{"$ref": "#/components/schemas/Kind"}]},
                        "code": {"type": "string", "minLength": 2, "pattern": "^[A-Z]+$"},
                        "at": {"type": "string", "format": "date-time", "nullable": True},
                        "tags": {"type": "array", "maxItems": 1, "items": {"type": "string"}},
                    },
                },
            }},
        }  # fmt: skip
        service = fake_openapi.OpenApiService(document)
        self.assertEqual(service.base_path, "/exampleapi/v1.0.0")
        _template, operation = service.operation("POST", "/things")
        valid = {"kind": 2, "code": "AB", "at": None, "tags": ["x"]}
        self.assertEqual(service.validate_request(operation, valid), [], "readOnly id not needed")
        invalid = {"kind": 3, "code": "a", "at": "today", "tags": ["x", "y"]}
        found = {(e.path, e.code) for e in service.validate_request(operation, invalid)}
        self.assertEqual(
            found,
            {
                (("kind",), "InvalidEnumValue"),
                (("code",), "InvalidLength"),
                (("code",), "InvalidFormat"),
                (("at",), "InvalidFormat"),
                (("tags",), "InvalidItemCount"),
            },
        )
        self.assertEqual(service.operation("GET", "/Things"), (fake_openapi.METHOD_NOT_ALLOWED,
                                                                ["POST"]))  # fmt: skip
        self.assertEqual(service.operation("POST", "/Others"), fake_openapi.NOT_FOUND)


class TestUndocumentedRoutes(StrictCase):
    def test_undocumented_projectsapi_path_is_404(self):
        response = self.call("GET", "/Employees/1/attachment", base=PROJECTS)
        self.assertEqual(self.assertProblem(response, 404)["title"], "Resource not found.")
        response = self.call("POST", "/EmployeeImports", base=PROJECTS, json_body={})
        self.assertProblem(response, 404)

    def test_undocumented_projectsapi_method_is_405(self):
        # e-conomic documents GET/POST/PUT on /Employees, GET/DELETE on /Employees/{number}
        response = self.call("PATCH", "/Employees", base=PROJECTS, json_body=VALID_EMPLOYEE)
        self.assertProblem(response, 405)
        self.assertEqual(response.headers["Allow"], "GET, POST, PUT")
        response = self.call("PUT", "/Employees/1", base=PROJECTS, json_body=VALID_EMPLOYEE)
        self.assertProblem(response, 405)
        self.assertEqual(response.headers["Allow"], "DELETE, GET")
        self.assertFalse([e for e in self.fake.employees.values() if e["name"] == "Ny Medarbejder"])

    def test_undocumented_rest_routes_answer_like_the_captured_404(self):
        expected = fake_schema.load_fixture("404.json")
        for method, path in (
            ("POST", "/invoices/drafts/1/attachment/file"),
            ("GET", "/invoices/drafts/1/attachment"),
            ("GET", "/customers/1/attachments"),
        ):
            with self.subTest(path=path):
                response = self.call(method, path, json_body={} if method == "POST" else None)
                self.assertEqual(response.status_code, 404)
                body = response.json()
                self.assertEqual(set(body), set(expected))
                self.assertEqual(
                    (body["message"], body["developerHint"]),
                    (expected["message"], expected["developerHint"]),
                )
                self.assertRegex(body["logId"], r"^[0-9a-f]{16}-CPH$")

    def test_rest_method_not_documented_is_405(self):
        response = self.call("DELETE", "/invoices/booked/1")
        self.assertEqual(response.status_code, 405)

    def test_every_fake_route_is_published(self):
        """A fake REST route needs a published schema file (or documentation without one);
        a fake route of an OpenAPI service must be a path + method of its published
        specification."""
        published = published_legacy_names()
        for method, pattern, handler, api in ROUTES:
            template = re.sub(r"\(\?P<(\w+)>\[\^/\]\+\)", r"{\1}", pattern.pattern)
            with self.subTest(route=f"{method} {template}", handler=handler):
                if api == "rest":
                    self.assertTrue(
                        (method, template) in DOCUMENTED_WITHOUT_SCHEMA
                        or any(
                            template_matches_schema_name(method, template, name)
                            for name in published
                        ),
                        "not in e-conomic's published reference",
                    )
                else:
                    service = fake_openapi.service(api)
                    found = service.route(re.sub(r"\{\w+\}", "1", template))
                    self.assertIsNotNone(found, "path not in the published specification")
                    self.assertIn((method, found[0]), set(service.operations()))


class TestIdempotencyKeyReuse(StrictCase):
    def post_customer(self, name, key):
        body = {
            "name": name,
            "currency": "DKK",
            "customerGroup": {"customerGroupNumber": 1},
            "paymentTerms": {"paymentTermsNumber": 1},
            "vatZone": {"vatZoneNumber": 1},
        }
        return self.call("POST", "/customers", json_body=body, headers={"Idempotency-Key": key})

    def test_same_request_replayed_without_conflict(self):
        first = self.post_customer("A/S Alfa", "k-1")
        again = self.post_customer("A/S Alfa", "k-1")
        self.assertEqual(again.headers.get("X-ResultFromCache"), "true")
        self.assertEqual(first.json(), again.json())
        self.assertEqual(self.fake.idempotency_conflicts, [])

    def test_same_json_in_another_key_order_is_the_same_request(self):
        self.post_customer("A/S Alfa", "k-1")
        body = {
            "vatZone": {"vatZoneNumber": 1},
            "paymentTerms": {"paymentTermsNumber": 1},
            "customerGroup": {"customerGroupNumber": 1},
            "currency": "DKK",
            "name": "A/S Alfa",
        }
        self.session.request(
            "POST",
            REST + "/customers",
            data=json.dumps(body),
            headers=dict(TOKENS, **{"Idempotency-Key": "k-1", "Content-Type": "application/json"}),
        )
        self.assertEqual(self.fake.idempotency_conflicts, [])

    def test_key_reused_with_another_body_is_recorded(self):
        first = self.post_customer("A/S Alfa", "k-1")
        other = self.post_customer("A/S Beta", "k-1")
        self.assertEqual(other.json(), first.json(), "the first answer is replayed")
        self.assertNotIn("A/S Beta", [c["name"] for c in self.fake.customers.values()])
        [conflict] = self.fake.idempotency_conflicts
        self.assertEqual(conflict["key"], "k-1")
        self.assertEqual((conflict["first"], conflict["again"]), ("POST /customers",) * 2)
        self.assertIn("A/S Beta", conflict["body"])

    def test_key_reused_on_another_route_is_recorded(self):
        self.post_customer("A/S Alfa", "k-1")
        body = dict(VALID_EMPLOYEE)
        self.call("POST", "/Employees", base=PROJECTS, json_body=body,
                  headers={"Idempotency-Key": "k-1"})  # fmt: skip
        self.assertEqual(
            [c["again"] for c in self.fake.idempotency_conflicts],
            ["POST /projectsapi/v1.1.0/Employees"],
        )


class TestContractSchemasMatchTheFake(unittest.TestCase):
    def test_fake_validates_each_write_against_the_schema_of_the_table(self):
        handlers = {}
        for method, pattern, handler, api in ROUTES:
            if api == "rest":
                handlers[(method, handler)] = pattern
        for route in contract.ROUTES:
            if route.api != "rest" or not route.request:
                continue
            with self.subTest(route=f"{route.method} {route.path}"):
                sample = re.sub(r"\{\w+\}", "1", route.path)
                matching = [
                    handler
                    for (method, handler), pattern in handlers.items()
                    if method == route.method and pattern.fullmatch(sample)
                ]
                self.assertEqual(len(matching), 1)
                self.assertEqual(fake_schema.WRITE_SCHEMAS[matching[0]][0], route.request)


if __name__ == "__main__":
    unittest.main()
