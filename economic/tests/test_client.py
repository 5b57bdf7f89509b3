# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Unit tests of EconomicClient against a canned transport (no network, no Odoo)."""

import json
import logging
import unittest
import urllib.parse
from datetime import datetime, timezone
from unittest.mock import patch

import requests
from requests.structures import CaseInsensitiveDict

from economic import const
from economic import filters as F
from economic.client import EconomicClient, RateLimit, parse_rate_limit, parse_retry_after
from economic.exceptions import (
    AuthenticationError,
    ConflictError,
    EconomicError,
    ForbiddenError,
    MissingModuleError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    TransportError,
    ValidationError,
)

SECRET = "app-secret-4f9a1c"
GRANT = "grant-77be02d"
REST = "https://restapi.e-conomic.com"
PROJECTS = "https://apis.e-conomic.com/projectsapi/v1.1.0"


def make_response(status=200, body=None, headers=None, content=None):
    response = requests.Response()
    response.status_code = status
    if content is None:
        content = json.dumps(body).encode() if body is not None else b""
    response._content = content
    response.headers = CaseInsensitiveDict(headers or {})
    response.encoding = "utf-8"
    return response


def page(items, next_page=None, results=None):
    pagination = {"results": len(items) if results is None else results, "pageSize": 1000}
    if next_page:
        pagination["nextPage"] = next_page
    return make_response(200, {"collection": items, "pagination": pagination})


class CannedSession(requests.Session):
    """A requests.Session whose send() replays canned responses or raises canned errors."""

    def __init__(self, *outcomes):
        super().__init__()
        self.outcomes = list(outcomes)
        self.sent = []
        self.send_kwargs = []

    def send(self, request, **kwargs):
        self.sent.append(request)
        self.send_kwargs.append(kwargs)
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        outcome.request = request
        outcome.url = request.url
        return outcome


class ClientCase(unittest.TestCase):
    def setUp(self):
        super().setUp()
        sleep_patcher = patch.object(EconomicClient, "sleep")
        self.sleep = sleep_patcher.start()
        self.addCleanup(sleep_patcher.stop)

    def client(self, *outcomes, **kwargs):
        self.session = CannedSession(*outcomes)
        return EconomicClient(SECRET, GRANT, session=self.session, **kwargs)

    def sent_url(self, index=-1):
        return urllib.parse.urlsplit(self.session.sent[index].url)

    def sent_path(self, index=-1):
        return self.sent_url(index).path

    def sent_query(self, index=-1):
        return dict(urllib.parse.parse_qsl(self.sent_url(index).query))

    def sent_json(self, index=-1):
        return json.loads(self.session.sent[index].body)

    def delays(self):
        return [call.args[0] for call in self.sleep.call_args_list]


class TestRequest(ClientCase):
    def test_headers_timeout_and_url(self):
        client = self.client(make_response(200, {"agreementNumber": 1}))
        result = client.get_self()
        self.assertEqual(result, {"agreementNumber": 1})
        sent = self.session.sent[0]
        self.assertEqual(sent.method, "GET")
        self.assertEqual(sent.url, f"{REST}/self")
        self.assertEqual(sent.headers["X-AppSecretToken"], SECRET)
        self.assertEqual(sent.headers["X-AgreementGrantToken"], GRANT)
        self.assertEqual(sent.headers["Accept"], "application/json")
        self.assertEqual(sent.headers["Content-Type"], "application/json")
        self.assertNotIn("Idempotency-Key", sent.headers)
        self.assertEqual(self.session.send_kwargs[0]["timeout"], const.DEFAULT_TIMEOUT)
        self.assertEqual(client.call_count, 1)

    def test_configured_base_urls_and_timeout(self):
        client = self.client(
            make_response(200, {}),
            make_response(200, {}),
            rest_url="http://localhost:8079/",
            openapi_url="http://localhost:8079/",
            timeout=5,
        )
        client.request("GET", "customers")
        client.request("GET", "/Employees", api="projects")
        self.assertEqual(self.session.sent[0].url, "http://localhost:8079/customers")
        self.assertEqual(
            self.session.sent[1].url, "http://localhost:8079/projectsapi/v1.1.0/Employees"
        )
        self.assertEqual(self.session.send_kwargs[1]["timeout"], 5)

    def test_unknown_api_is_refused(self):
        client = self.client()
        with self.assertRaises(ValueError):
            client.request("GET", "/x", api="nope")
        self.assertEqual(client.call_count, 0)

    def test_json_body_and_idempotency_key(self):
        client = self.client(make_response(201, {"customerNumber": 7}))
        result = client.create_customer({"name": "Jens"}, idempotency_key="key-1")
        self.assertEqual(result, {"customerNumber": 7})
        sent = self.session.sent[0]
        self.assertEqual((sent.method, self.sent_path()), ("POST", "/customers"))
        self.assertEqual(self.sent_json(), {"name": "Jens"})
        self.assertEqual(sent.headers["Idempotency-Key"], "key-1")

    def test_links_never_leave_the_configured_host(self):
        client = self.client(make_response(200, {}), rest_url="http://localhost:8079")
        client.request("GET", "https://elsewhere.example/customers/3?demo=true")
        self.assertEqual(self.session.sent[0].url, "http://localhost:8079/customers/3?demo=true")

    def test_projects_link_keeps_the_service_path_once(self):
        client = self.client(make_response(200, {}))
        client.request("GET", f"{PROJECTS}/Employees/3", api="projects")
        self.assertEqual(self.session.sent[0].url, f"{PROJECTS}/Employees/3")

    def test_from_cache_flag(self):
        client = self.client(
            make_response(201, {"customerNumber": 7}, {"X-ResultFromCache": "true"}),
            make_response(201, {"customerNumber": 8}),
        )
        cached = client.request("POST", "/customers", json={})
        self.assertTrue(cached.from_cache)
        self.assertEqual(cached.headers["x-resultfromcache"], "true")
        self.assertFalse(client.request("POST", "/customers", json={}).from_cache)

    def test_empty_body_and_raw_content(self):
        client = self.client(make_response(204), make_response(200, content=b"%PDF-1.4 x"))
        response = client.request("DELETE", "/units/3")
        self.assertEqual((response.status, response.data, response.content), (204, None, b""))
        self.assertEqual(response.headers, {})
        self.assertEqual(client.get_draft_pdf(5), b"%PDF-1.4 x")
        self.assertEqual(self.sent_path(), "/invoices/drafts/5/pdf")
        self.assertNotEqual(self.session.sent[-1].headers["Accept"], "application/json")

    def test_count_customers_reads_one_item(self):
        client = self.client(page([{"customerNumber": 1}], results=3684), page([]))
        self.assertEqual(client.count_customers(), 3684)
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.session.sent[0].url).query)
        self.assertEqual(query, {"pagesize": ["1"]})
        self.assertEqual(client.count_customers(), 0)

    def test_success_that_is_not_json(self):
        client = self.client(make_response(200, content=b"<html>maintenance</html>"))
        with self.assertRaises(EconomicError) as caught:
            client.get_self()
        self.assertEqual(caught.exception.status, 200)


class TestRateLimit(ClientCase):
    HEADERS = {"X-RateLimiting": "token-limit-10000-per-60-seconds: 147/10000", "X-CallCost": "3"}

    def test_parse(self):
        limit = parse_rate_limit(CaseInsensitiveDict(self.HEADERS))
        self.assertEqual(limit, RateLimit(used=147, limit=10000, window=60, call_cost=3))
        self.assertEqual(limit.remaining, 9853)
        self.assertIsNone(parse_rate_limit(CaseInsensitiveDict()))
        cost_only = parse_rate_limit(CaseInsensitiveDict({"X-CallCost": "2"}))
        self.assertEqual(
            (cost_only.call_cost, cost_only.used, cost_only.remaining), (2, None, None)
        )

    def test_client_keeps_the_last_values(self):
        later = {
            "X-RateLimiting": "token-limit-10000-per-60-seconds: 9990/10000",
            "X-CallCost": "1",
        }
        client = self.client(
            make_response(200, {}, self.HEADERS),
            make_response(200, {}),
            make_response(404, {"message": "Resource not found."}, later),
        )
        self.assertIsNone(client.rate_limit)
        client.get_self()
        self.assertEqual(client.rate_limit.used, 147)
        client.get_self()  # no headers: keep what we know
        self.assertEqual(client.rate_limit.call_cost, 3)
        with self.assertRaises(NotFoundError):
            client.get_self()  # error responses count too
        self.assertEqual((client.rate_limit.used, client.rate_limit.remaining), (9990, 10))


class TestPaging(ClientCase):
    def test_follows_next_page_not_results(self):
        client = self.client(
            page([{"n": 1}, {"n": 2}], f"{REST}/customers?skippages=1&pagesize=1000", results=2),
            page([{"n": 3}, {"n": 4}], f"{REST}/customers?skippages=2&pagesize=1000", results=2),
            page([{"n": 5}], results=2),
        )
        flt = F.eq("email", "a(b)@x.dk") & F.contains("name", "A/S")
        items = list(client.iter_collection("/customers", filter=flt, sort="-name"))
        self.assertEqual([item["n"] for item in items], [1, 2, 3, 4, 5])
        self.assertEqual(client.call_count, 3)
        self.assertEqual(
            self.sent_query(0),
            {"skippages": "0", "pagesize": "1000", "filter": str(flt), "sort": "-name"},
        )
        self.assertEqual(self.session.sent[1].url, f"{REST}/customers?skippages=1&pagesize=1000")
        self.assertEqual(self.sent_query(2), {"skippages": "2", "pagesize": "1000"})

    def test_filter_is_url_encoded(self):
        client = self.client(page([]))
        list(client.iter_collection("/customers", filter=F.eq("name", "a&b=c$d")))
        raw_query = self.sent_url().query
        self.assertNotIn("a&b", raw_query)
        self.assertEqual(self.sent_query()["filter"], "name$eq:a&b=c$$d")

    def test_next_page_from_another_base_is_fetched_from_ours(self):
        client = self.client(
            page([{"n": 1}], f"{REST}/products?skippages=1&pagesize=1000"),
            page([{"n": 2}]),
            rest_url="http://127.0.0.1:8079",
        )
        self.assertEqual(len(client.list_products()), 2)
        self.assertEqual(
            self.session.sent[1].url, "http://127.0.0.1:8079/products?skippages=1&pagesize=1000"
        )

    def test_repeated_next_page_stops(self):
        next_page = f"{REST}/units?skippages=1&pagesize=1000"
        client = self.client(page([{"n": 1}], next_page), page([{"n": 2}], next_page))
        with self.assertRaises(EconomicError):
            client.list_units()

    def test_cursor_listing(self):
        client = self.client(
            make_response(200, {"items": [{"number": 1}], "cursor": "abc"}),
            make_response(200, {"items": [{"number": 2}]}),
        )
        self.assertEqual(client.list_employee_groups(), [{"number": 1}, {"number": 2}])
        self.assertEqual(self.session.sent[0].url, f"{PROJECTS}/EmployeeGroups")
        self.assertEqual(self.sent_query(1), {"cursor": "abc"})

    def test_list_endpoints_read_every_page(self):
        cases = {
            "list_customers": "/customers",
            "list_customer_groups": "/customer-groups",
            "list_payment_terms": "/payment-terms",
            "list_vat_zones": "/vat-zones",
            "list_layouts": "/layouts",
            "list_units": "/units",
            "list_product_groups": "/product-groups",
            "list_products": "/products",
            "list_employees": "/employees",
            "list_drafts": "/invoices/drafts",
            "list_booked": "/invoices/booked",
        }
        for method, path in cases.items():
            with self.subTest(method=method):
                client = self.client(
                    page([{"n": 1}], f"{REST}{path}?skippages=1&pagesize=1000"), page([{"n": 2}])
                )
                self.assertEqual(getattr(client, method)(), [{"n": 1}, {"n": 2}])
                self.assertEqual(self.sent_path(0), path)
                self.assertEqual(self.sent_query(0)["pagesize"], "1000")


class TestEndpoints(ClientCase):
    def call(self, method, *args, response=None, **kwargs):
        if response is None:
            response = make_response(200, {"ok": True})
        client = self.client(response)
        result = getattr(client, method)(*args, **kwargs)
        return result, self.session.sent[0]

    def test_paths_and_methods(self):
        cases = [
            ("get_customer", (5,), {}, "GET", "/customers/5"),
            ("update_customer", (5, {"a": 1}), {"idempotency_key": "k"}, "PUT", "/customers/5"),
            ("get_product", ("My Product_1",), {}, "GET", "/products/My_9_Product_8_1"),
            ("create_product", ({"a": 1},), {"idempotency_key": "k"}, "POST", "/products"),
            ("update_product", ("A/B", {}), {"idempotency_key": "k"}, "PUT", "/products/A_6_B"),
            ("get_customer_invoice_template", (5,), {}, "GET", "/customers/5/templates/invoice"),
            ("create_draft", ({"a": 1},), {"idempotency_key": "k"}, "POST", "/invoices/drafts"),
            ("get_draft", (9,), {}, "GET", "/invoices/drafts/9"),
            ("update_draft", (9, {"a": 1}), {"idempotency_key": "k"}, "PUT", "/invoices/drafts/9"),
            ("delete_draft", (9,), {"idempotency_key": "k"}, "DELETE", "/invoices/drafts/9"),
            ("get_booked", (12,), {}, "GET", "/invoices/booked/12"),
        ]
        for method, args, kwargs, http_method, path in cases:
            with self.subTest(method=method):
                result, sent = self.call(method, *args, **kwargs)
                self.assertEqual(result, {"ok": True})
                self.assertEqual((sent.method, self.sent_path()), (http_method, path))
                self.assertEqual(sent.headers.get("Idempotency-Key"), kwargs.get("idempotency_key"))

    def test_invoice_line_template(self):
        self.call("get_customer_invoice_line_template", 5, "P 1", quantity=2)
        self.assertEqual(self.sent_path(), "/customers/5/templates/invoiceline/P_9_1")
        self.assertEqual(self.sent_query(), {"quantity": "2"})

    def test_add_draft_lines(self):
        lines = [{"lineNumber": 1, "sortKey": 1, "product": {"productNumber": "50"}}]
        self.call("add_draft_lines", 9, lines, idempotency_key="k", response=make_response(201, {}))
        self.assertEqual(self.sent_path(), "/invoices/drafts/9/lines")
        self.assertEqual(self.sent_json(), {"lines": lines})

    def test_book_draft(self):
        booked = {"bookedInvoiceNumber": 7}
        result, sent = self.call(
            "book_draft", 9, idempotency_key="k", response=make_response(201, booked)
        )
        self.assertEqual(result, booked)
        self.assertEqual((sent.method, self.sent_path()), ("POST", "/invoices/booked"))
        # e-conomic's own number series: no bookWithNumber guessed by the client
        self.assertEqual(self.sent_json(), {"draftInvoice": {"draftInvoiceNumber": 9}})

    def test_booked_pdf(self):
        result, sent = self.call("get_booked_pdf", 12, response=make_response(200, content=b"%PDF"))
        self.assertEqual((result, self.sent_path()), (b"%PDF", "/invoices/booked/12/pdf"))

    def test_employees_in_projects_api(self):
        result, sent = self.call(
            "create_employee", {"name": "Ann", "groupNumber": 1}, idempotency_key="k",
            response=make_response(201, {"number": 4}),
        )  # fmt: skip
        self.assertEqual(result, {"number": 4})
        self.assertEqual((sent.method, sent.url), ("POST", f"{PROJECTS}/Employees"))
        self.call("update_employee", {"number": 4, "objectVersion": "v1"}, idempotency_key="k2")
        self.assertEqual(self.session.sent[0].method, "PUT")
        self.assertEqual(self.session.sent[0].url, f"{PROJECTS}/Employees")
        self.call("get_project_employee", 4)
        self.assertEqual(self.session.sent[0].url, f"{PROJECTS}/Employees/4")

    def test_has_project_module(self):
        self.assertTrue(self.call("has_project_module", response=make_response(200, 3))[0])
        self.assertEqual(self.session.sent[0].url, f"{PROJECTS}/Projects/count")
        missing = make_response(
            403, {"title": "Missing modules: Project", "status": 403,
                  "errorCode": "AccessDeniedAgreementMissingModules"},
        )  # fmt: skip
        self.assertFalse(self.call("has_project_module", response=missing)[0])
        with self.assertRaises(AuthenticationError):
            self.call("has_project_module", response=make_response(401, {"message": "no"}))


class TestErrors(ClientCase):
    def raised(self, status, body=None, headers=None, content=None, method="GET"):
        client = self.client(make_response(status, body, headers, content))
        with self.assertRaises(EconomicError) as caught:
            client.request(method, "/customers", json={} if method != "GET" else None)
        self.assertEqual(client.call_count, 1)
        return caught.exception

    def test_annotated_validation_error_2015_shape(self):
        body = {
            "message": "Validation error.",
            "logId": "c7ca5bc2-1",
            "httpStatusCode": 400,
            "errors": {
                "currency": {"errors": [
                    {"errorCode": "E06000", "message": "currency does not exist."}]},
                "lines": [
                    {"arrayIndex": 0, "unitNetPrice": {"errors": [
                        {"errorCode": "E04740", "message": "unitNetPrice scale too big."}]}},
                ],
            },
        }  # fmt: skip
        exc = self.raised(400, body, method="POST")
        self.assertIsInstance(exc, ValidationError)
        self.assertEqual(
            exc.errors,
            [
                {"field": "currency", "code": "E06000", "message": "currency does not exist."},
                {"field": "lines[0].unitNetPrice", "code": "E04740",
                 "message": "unitNetPrice scale too big."},
            ],
        )  # fmt: skip
        self.assertEqual((exc.status, exc.code, exc.field), (400, "E06000", "currency"))
        self.assertEqual((exc.log_id, exc.summary), ("c7ca5bc2-1", "Validation error."))
        self.assertFalse(exc.retryable)

    def test_annotated_validation_error_current_shape(self):
        body = {
            "message": "Validation failed. 2 errors found.",
            "errorCode": "E04300",
            "logId": "7dacf1e1192c3689-FRA",
            "httpStatusCode": 400,
            "errorCount": 2,
            "errors": {
                "recipient": {"vatZone": {"errors": [{"propertyName": "vatZone",
                    "errorMessage": "VatZone '9' not found.", "errorCode": "E06000"}]}},
                "lines": [{"arrayIndex": 2, "quantity": {"errors": [{"propertyName": "quantity",
                    "errorMessage": "Property quantity must have a value.", "errorCode": "E04730",
                    "inputValue": None}]}}],
            },
        }  # fmt: skip
        exc = self.raised(400, body, method="POST")
        self.assertEqual(exc.response_code, "E04300")
        fields = [error["field"] for error in exc.errors]
        self.assertEqual(fields, ["recipient.vatZone", "lines[2].quantity"])
        self.assertEqual((exc.code, exc.field), ("E06000", "recipient.vatZone"))
        self.assertEqual(exc.message, "VatZone '9' not found.")
        self.assertEqual(exc.summary, "Validation failed. 2 errors found.")
        self.assertEqual(exc.log_id, "7dacf1e1192c3689-FRA")

    def test_query_error(self):
        body = {
            "message": "Could not parse query string filter.",
            "logId": "a2a282a789f20523-CPH",
            "httpStatusCode": 400,
            "errors": ["Filtering is not allowed on property 'bogusProp'."],
            "allowedFilteringFields": ["zip", "customerNumber", "name"],
        }
        exc = self.raised(400, body)
        self.assertIsInstance(exc, ValidationError)
        self.assertEqual(exc.allowed_fields, ["zip", "customerNumber", "name"])
        self.assertEqual(exc.message, "Filtering is not allowed on property 'bogusProp'.")
        self.assertEqual(exc.summary, "Could not parse query string filter.")
        self.assertIsNone(exc.field)
        self.assertEqual(len(exc.errors), 1)

    def test_not_found(self):
        body = {"message": "Resource not found.", "logId": "8d79f54f226ebe44-CPH",
                "httpStatusCode": 404}  # fmt: skip
        exc = self.raised(404, body)
        self.assertIsInstance(exc, NotFoundError)
        self.assertEqual((exc.status, exc.log_id), (404, "8d79f54f226ebe44-CPH"))
        self.assertEqual(exc.message, "Resource not found.")

    def test_openapi_problem_details(self):
        body = {
            "type": "https://tools.ietf.org/html/rfc9110#section-15.5.1",
            "title": "Validation failed.",
            "status": 400,
            "traceId": "a2a259bbe959d8d5-CPH",
            "errorCode": "ValidationFailed",
            "errors": [{"message": "Project is a main project.",
                        "errorCode": "EntriesNotAllowedProjectIsMain",
                        "property": "projectNumber"}],
        }  # fmt: skip
        exc = self.raised(400, body, {"Content-Type": "application/problem+json"}, method="POST")
        self.assertIsInstance(exc, ValidationError)
        self.assertEqual(
            (exc.code, exc.field, exc.log_id, exc.response_code),
            ("EntriesNotAllowedProjectIsMain", "projectNumber", "a2a259bbe959d8d5-CPH",
             "ValidationFailed"),
        )  # fmt: skip
        self.assertEqual(exc.message, "Project is a main project.")

    def test_forbidden_missing_module_or_other(self):
        exc = self.raised(403, {"title": "Missing modules: Project", "status": 403,
                                "errorCode": "AccessDeniedAgreementMissingModules",
                                "traceId": "t-1"})  # fmt: skip
        self.assertIsInstance(exc, MissingModuleError)
        self.assertIsInstance(exc, ForbiddenError)
        self.assertEqual((exc.code, exc.log_id), ("AccessDeniedAgreementMissingModules", "t-1"))
        exc = self.raised(403, {"message": "Insufficient role.", "logId": "x"})
        self.assertIsInstance(exc, ForbiddenError)
        self.assertNotIsInstance(exc, MissingModuleError)

    def test_statuses_are_told_apart(self):
        cases = [
            (401, AuthenticationError, False),
            (409, ConflictError, False),
            (500, ServerError, True),
            (501, ServerError, True),
            (405, EconomicError, False),
            (415, EconomicError, False),
        ]
        for status, error_class, retryable in cases:
            with self.subTest(status=status):
                exc = self.raised(status, {"message": "m", "logId": "L"})
                self.assertIs(type(exc), error_class)
                self.assertEqual((exc.status, exc.retryable), (status, retryable))

    def test_redirects_are_not_followed(self):
        exc = self.raised(302, headers={"Location": "https://elsewhere.example/self"})
        self.assertIs(type(exc), EconomicError)
        self.assertEqual(exc.status, 302)
        self.assertIs(self.session.send_kwargs[0]["allow_redirects"], False)

    def test_conflict_names_the_property(self):
        exc = self.raised(409, {"message": "Update conflict. Version does not match.",
                                "property": "version", "logId": "L"}, method="POST")  # fmt: skip
        self.assertIsInstance(exc, ConflictError)
        self.assertEqual(exc.field, "version")

    def test_body_that_is_not_json(self):
        exc = self.raised(500, content=b"<html>oops</html>")
        self.assertIsInstance(exc, ServerError)
        self.assertIsNone(exc.log_id)
        self.assertEqual(exc.message, ServerError.default_message)

    def test_str_is_short_english(self):
        body = {
            "message": "Validation failed. 1 error found.",
            "errorCode": "E04300",
            "logId": "7dac-FRA",
            "errors": {
                "customerGroup": {
                    "errors": [
                        {"errorMessage": "CustomerGroup '1' not found.", "errorCode": "E07140"}
                    ]
                }
            },
        }
        exc = self.raised(400, body, method="POST")  # fmt: skip
        self.assertEqual(
            str(exc),
            "customerGroup: CustomerGroup '1' not found. "
            "(HTTP 400, code E07140, POST /customers, log id 7dac-FRA)",
        )


class TestRetries(ClientCase):
    def test_get_retried_with_growing_jittered_backoff(self):
        client = self.client(
            make_response(503, {"message": "busy"}),
            make_response(502),
            requests.exceptions.ReadTimeout("read timed out"),
            make_response(504),
            make_response(200, {"ok": True}),
        )
        self.assertEqual(client.get_self(), {"ok": True})
        self.assertEqual(client.call_count, 5)
        delays = self.delays()
        self.assertEqual(len(delays), 4)
        for attempt, delay in enumerate(delays, start=1):
            self.assertGreaterEqual(delay, 0)
            bound = min(const.BACKOFF_CAP, const.BACKOFF_BASE * 2 ** (attempt - 1))
            self.assertLessEqual(delay, bound)

    def test_backoff_is_capped(self):
        client = self.client()
        for attempt in (10, 30):
            self.assertLessEqual(client._backoff(attempt, None), const.BACKOFF_CAP)

    def test_retry_after_seconds_is_honoured(self):
        client = self.client(
            make_response(429, {"message": "Too many requests"}, {"Retry-After": "7"}),
            make_response(200, {}),
        )
        client.get_self()
        self.assertEqual(self.delays(), [7.0])

    def test_retry_after_http_date(self):
        now = datetime(2026, 3, 2, 10, 0, 0, tzinfo=timezone.utc)
        self.assertEqual(parse_retry_after("Mon, 02 Mar 2026 10:00:12 GMT", now=now), 12.0)
        self.assertEqual(parse_retry_after("Mon, 02 Mar 2026 09:00:00 GMT", now=now), 0.0)
        self.assertEqual(parse_retry_after("Tue, 03 Mar 2026 10:00:00 GMT", now=now), 86400.0)
        self.assertEqual(parse_retry_after("99999"), 99999.0)
        self.assertIsNone(parse_retry_after("soon"))
        self.assertIsNone(parse_retry_after(None))

    def test_retry_after_honoured_on_503(self):
        # issue 8: "the retries came after 0.1-0.5 s although the answer said Retry-After: 3"
        client = self.client(
            make_response(503, {"message": "Down"}, {"Retry-After": "3"}),
            make_response(502, {"message": "Bad gateway"}, {"Retry-After": "Mon, 02 Mar 2026"}),
            make_response(200, {"ok": True}),
        )
        self.assertEqual(client.get_self(), {"ok": True})
        delays = self.delays()
        self.assertEqual(delays[0], 3.0)
        # an unreadable Retry-After falls back to the jittered backoff
        self.assertLessEqual(delays[1], const.BACKOFF_BASE * 2)

    def test_retry_after_beyond_the_cap_is_not_waited_for(self):
        for header in (str(int(const.RETRY_AFTER_CAP) + 1), "Fri, 01 Jan 2100 00:00:00 GMT"):
            client = self.client(
                make_response(503, {"message": "Maintenance"}, {"Retry-After": header}),
                make_response(200, {}),
            )
            with self.assertRaises(ServerError) as caught:
                client.get_self()
            self.assertEqual(client.call_count, 1, "raised at once: the job retries later")
            self.assertGreater(caught.exception.retry_after, const.RETRY_AFTER_CAP)
            self.assertEqual(self.delays(), [])

    def test_retry_waits_stay_within_the_budget(self):
        wait = const.RETRY_AFTER_CAP
        answers = [make_response(429, {}, {"Retry-After": str(int(wait))})] * 5
        client = self.client(*answers)
        with self.assertRaises(RateLimitedError):
            client.get_self()
        delays = self.delays()
        self.assertEqual(delays, [wait] * int(const.RETRY_WAIT_BUDGET // wait))
        self.assertLessEqual(sum(delays), const.RETRY_WAIT_BUDGET)
        self.assertEqual(
            const.REQUEST_WORST_CASE_SECONDS,
            const.RETRY_WAIT_BUDGET + (const.DEFAULT_MAX_RETRIES + 1) * const.DEFAULT_TIMEOUT,
        )

    def test_rate_limit_exhausted(self):
        client = self.client(
            *[make_response(429, {"message": "Too many", "logId": "L"}, {"Retry-After": "2"})] * 5
        )
        with self.assertRaises(RateLimitedError) as caught:
            client.get_self()
        exc = caught.exception
        self.assertEqual((exc.retry_after, exc.retryable, exc.log_id), (2.0, True, "L"))
        self.assertEqual(client.call_count, const.DEFAULT_MAX_RETRIES + 1)
        self.assertEqual(self.delays(), [2.0] * const.DEFAULT_MAX_RETRIES)

    def test_transport_errors_retried_then_raised(self):
        failures = [
            requests.exceptions.ConnectTimeout("connect timed out"),
            requests.exceptions.ConnectionError("connection reset"),
            requests.exceptions.ChunkedEncodingError("response ended early"),
        ]
        client = self.client(*failures, max_retries=2)
        with self.assertRaises(TransportError) as caught:
            client.get_self()
        self.assertTrue(caught.exception.retryable)
        self.assertIsNone(caught.exception.status)
        self.assertEqual((client.call_count, len(self.delays())), (3, 2))

    def test_server_errors_exhausted(self):
        client = self.client(*[make_response(503)] * 3, max_retries=2)
        with self.assertRaises(ServerError) as caught:
            client.get_self()
        self.assertTrue(caught.exception.retryable)
        self.assertEqual(client.call_count, 3)

    def test_internal_server_error_is_not_retried(self):
        client = self.client(make_response(500, {"message": "boom"}), make_response(200, {}))
        with self.assertRaises(ServerError):
            client.get_self()
        self.assertEqual((client.call_count, self.delays()), (1, []))

    def test_write_without_key_is_never_retried(self):
        for outcome in (
            make_response(503),
            make_response(429, {}, {"Retry-After": "1"}),
            requests.exceptions.ReadTimeout("read timed out"),
            requests.exceptions.ConnectionError("reset"),
        ):
            for method in ("POST", "PUT", "DELETE"):
                with self.subTest(outcome=outcome, method=method):
                    client = self.client(outcome, make_response(200, {}))
                    with self.assertRaises(EconomicError) as caught:
                        client.request(method, "/customers/1", json={"name": "x"})
                    self.assertTrue(caught.exception.retryable)
                    self.assertEqual((client.call_count, self.delays()), (1, []))

    def test_write_with_key_sends_the_same_key_every_time(self):
        client = self.client(
            make_response(503),
            requests.exceptions.ReadTimeout("lost response"),
            make_response(201, {"customerNumber": 3}, {"X-ResultFromCache": "true"}),
        )
        response = client.request(
            "POST", "/customers", json={"name": "x"}, idempotency_key="odoo-res.partner-7-abc"
        )
        self.assertEqual((response.status, response.data), (201, {"customerNumber": 3}))
        self.assertTrue(response.from_cache)
        keys = [sent.headers["Idempotency-Key"] for sent in self.session.sent]
        self.assertEqual(keys, ["odoo-res.partner-7-abc"] * 3)
        self.assertEqual([json.loads(sent.body) for sent in self.session.sent], [{"name": "x"}] * 3)

    def test_delete_with_key_is_retried(self):
        client = self.client(make_response(502), make_response(200, {"deletedCount": 1}))
        self.assertEqual(client.delete_draft(4, idempotency_key="k"), {"deletedCount": 1})
        self.assertEqual(client.call_count, 2)

    def test_max_retries_zero(self):
        client = self.client(make_response(503), max_retries=0)
        with self.assertRaises(ServerError):
            client.get_self()
        self.assertEqual((client.call_count, self.delays()), (1, []))


class TestRedaction(ClientCase):
    def test_tokens_never_in_logs_or_errors(self):
        echo = {"message": f"Bad token {SECRET} for grant {GRANT}", "logId": f"log-{GRANT}",
                "errors": {"name": {"errors": [{"errorMessage": f"{SECRET} is wrong",
                                                "errorCode": "E1"}]}}}  # fmt: skip
        client = self.client(
            make_response(200, {"ok": True}),
            make_response(503, echo),
            requests.exceptions.ConnectionError(f"https://x/?t={SECRET}"),
            make_response(400, echo),
            make_response(401, echo),
        )
        raised = []
        with self.assertLogs("economic.client", logging.DEBUG) as logs:
            client.get_self()
            with self.assertRaises(ValidationError) as caught:
                client.request("GET", f"/customers?token={GRANT}")
            raised.append(caught.exception)
            with self.assertRaises(AuthenticationError) as caught:
                client.get_self()
            raised.append(caught.exception)
        text = "\n".join(logs.output)
        for exc in raised:
            text += "\n".join([str(exc), repr(exc), exc.message, exc.summary, str(exc.log_id),
                               exc.path, json.dumps(exc.data), json.dumps(exc.errors)])  # fmt: skip
        text += repr(client)
        for token in (SECRET, GRANT):
            self.assertNotIn(token, text)
        self.assertIn("***", raised[0].message)

    def test_log_lines_carry_method_path_status_and_log_id(self):
        client = self.client(make_response(404, {"message": "Resource not found.", "logId": "L-9"}))
        with (
            self.assertLogs("economic.client", logging.DEBUG) as logs,
            self.assertRaises(NotFoundError),
        ):
            client.get_customer(5)
        self.assertIn("GET /customers/5 -> 404", logs.output[0])
        self.assertIn("L-9", logs.output[0])


if __name__ == "__main__":
    unittest.main()
