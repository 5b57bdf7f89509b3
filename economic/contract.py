# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The contract table: every request the client may send, and where e-conomic publishes it.

One row per method + path template. ``request`` and ``response`` name the published schema
of the body (Legacy REST: a file of e-conomic's JSON schema set, e.g. ``customers.post``;
OpenAPI services: ``<spec file>#<component>``). A route without a schema of its own names
the published artefact that documents it in ``source``:

- ``link:<schema>#<property>``: a link property of a published response schema (the PDF of
  an invoice is ``pdf.download`` of the invoice's schema);
- ``fixture:<file>``: a captured real response of that route (shared/economic-reference
  fixtures, copied in economic/fake/schemas/fixtures).

``economic/tests/test_contract.py`` fails when the client sends a request that no row allows,
and when a row names a route, schema or artefact that the published reference does not have.
Nothing here imports the client: the table is data.
"""

import re
from typing import NamedTuple

PROJECTS_SPEC = "openapi-Projects.json"
WEBHOOKS_SPEC = "openapi-webhooks-api.json"


class Route(NamedTuple):
    method: str
    api: str  # "rest" or an OpenAPI service name of const.OPENAPI_SERVICES
    path: str  # template; {name} stands for one path segment
    request: str | None  # published schema the body is checked against
    response: str | None  # published schema of the answer, where one is published
    source: str | None = None  # the published artefact of a route without a schema name


def _p(component):
    return f"{PROJECTS_SPEC}#{component}"


def _w(component):
    return f"{WEBHOOKS_SPEC}#{component}"


ROUTES = (
    # --- Legacy REST (restapi.e-conomic.com): agreement and reference lists
    Route("GET", "rest", "/self", None, "self.get"),
    Route("GET", "rest", "/customer-groups", None, "customer-groups.get"),
    Route("GET", "rest", "/payment-terms", None, "payment-terms.get"),
    Route("GET", "rest", "/vat-zones", None, "vat-zones.get"),
    Route("GET", "rest", "/layouts", None, "layouts.get"),
    Route("GET", "rest", "/units", None, "units.get"),
    Route("GET", "rest", "/product-groups", None, "product-groups.get"),
    Route("GET", "rest", "/employees", None, "employees.get"),
    # customers
    Route("GET", "rest", "/customers", None, "customers.get"),
    Route("POST", "rest", "/customers", "customers.post", "customers.customerNumber.get"),
    Route("GET", "rest", "/customers/{customerNumber}", None, "customers.customerNumber.get"),
    Route(
        "PUT",
        "rest",
        "/customers/{customerNumber}",
        "customers.customerNo.put",
        "customers.customerNumber.get",
    ),
    Route(
        "GET",
        "rest",
        "/customers/{customerNumber}/templates/invoice",
        None,
        "customers.customerNumber.templates.invoice.get",
    ),
    Route(
        "GET",
        "rest",
        "/customers/{customerNumber}/templates/invoiceline/{productNumber}",
        None,
        "customers.customerNumber.templates.invoiceline.productNumber.get",
    ),
    # products
    Route("GET", "rest", "/products", None, "products.get"),
    Route("POST", "rest", "/products", "products.post", "products.productNumber.get"),
    Route("GET", "rest", "/products/{productNumber}", None, "products.productNumber.get"),
    Route(
        "PUT",
        "rest",
        "/products/{productNumber}",
        "products.productNumber.put",
        "products.productNumber.get",
    ),
    # draft invoices
    Route("GET", "rest", "/invoices/drafts", None, "invoices.drafts.get"),
    Route(
        "POST",
        "rest",
        "/invoices/drafts",
        "invoices.drafts.post",
        "invoices.drafts.draftInvoiceNumber.get",
    ),
    Route(
        "GET",
        "rest",
        "/invoices/drafts/{draftInvoiceNumber}",
        None,
        "invoices.drafts.draftInvoiceNumber.get",
    ),
    Route(
        "PUT",
        "rest",
        "/invoices/drafts/{draftInvoiceNumber}",
        "invoices.drafts.draftInvoiceNumber.put",
        "invoices.drafts.draftInvoiceNumber.get",
    ),
    Route(
        "DELETE",
        "rest",
        "/invoices/drafts/{draftInvoiceNumber}",
        None,
        None,
        "fixture:invoice_delete.json",
    ),
    Route(
        "POST",
        "rest",
        "/invoices/drafts/{draftInvoiceNumber}/lines",
        "invoices.drafts.draftInvoiceNumber.lines.post",
        None,
    ),
    Route(
        "GET",
        "rest",
        "/invoices/drafts/{draftInvoiceNumber}/pdf",
        None,
        None,
        "link:invoices.drafts.draftInvoiceNumber.get#pdf.download",
    ),
    # booked invoices
    Route("GET", "rest", "/invoices/booked", None, "invoices.booked.get"),
    Route(
        "POST",
        "rest",
        "/invoices/booked",
        "invoices.booked.post",
        "invoices.booked.bookedInvoiceNumber.get",
    ),
    Route(
        "GET",
        "rest",
        "/invoices/booked/{bookedInvoiceNumber}",
        None,
        "invoices.booked.bookedInvoiceNumber.get",
    ),
    Route(
        "GET",
        "rest",
        "/invoices/booked/{bookedInvoiceNumber}/pdf",
        None,
        None,
        "link:invoices.booked.bookedInvoiceNumber.get#pdf.download",
    ),
    # --- projectsapi v1.1.0 (apis.e-conomic.com/projectsapi/v1.1.0)
    Route("POST", "projects", "/Employees", _p("Employee"), _p("CreatedResult")),
    Route("PUT", "projects", "/Employees", _p("Employee"), None),
    Route("GET", "projects", "/Employees/{number}", None, _p("Employee")),
    Route("GET", "projects", "/EmployeeGroups", None, _p("EmployeeGroupCursorResults")),
    Route("GET", "projects", "/Projects/count", None, None),
    # --- Webhooks API v1.0.0 (apis.e-conomic.com/webhooksapi/v1.0.0)
    Route("GET", "webhooks", "/EventTypes", None, None),  # an array of EventType
    Route("GET", "webhooks", "/webhooks", None, _w("WebhookCursorResults")),
    Route("POST", "webhooks", "/webhooks", _w("Webhook"), _w("WebhookCreatedResult")),
    Route("PUT", "webhooks", "/webhooks", _w("Webhook"), None),
    Route("DELETE", "webhooks", "/webhooks/{eventType}", None, None),
)


def _pattern(template):
    pattern = re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(template))
    return re.compile(pattern, re.IGNORECASE)


_PATTERNS = [(route, _pattern(route.path)) for route in ROUTES]


def find(method, api, path):
    """The row that allows ``method path`` on ``api`` (path without the service prefix)."""
    path = path.split("?", 1)[0].rstrip("/") or "/"
    for route, pattern in _PATTERNS:
        if route.method == method.upper() and route.api == api and pattern.fullmatch(path):
            return route
    return None


def table_rst():
    """The table as reStructuredText (README "Under the hood")."""
    rows = [("Method", "Path", "Request body schema", "Response schema")]
    for route in ROUTES:
        prefix = "" if route.api == "rest" else f"{route.api}api "
        rows.append(
            (
                route.method,
                f"``{prefix}{route.path}``",
                route.request or "",
                route.response or (route.source or "").replace("fixture:", "captured: "),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    rule = "  ".join("=" * width for width in widths)
    lines = [rule]
    for index, row in enumerate(rows):
        lines.append(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
        if index == 0:
            lines.append(rule)
    lines.append(rule)
    return "\n".join(lines) + "\n"
