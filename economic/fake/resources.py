# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Resources of the fake: state, route handlers, business rules and rendering.

Internal documents use e-conomic's field names with references reduced to their number
(`{"customerGroupNumber": 1}`); links (`self`, `pdf.download`...) are added when rendering,
from the base URL of the request.
"""

import calendar
import copy
import datetime
import re
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import quote, unquote, urlencode

from . import filters, rules, schema, seed
from .pdf import make_pdf
from .rules import ValidationErrors

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 1000
CURSOR_PAGE_SIZE = 1000
TWO_PLACES = Decimal("0.01")

# e-conomic's path encoding of non-alphanumeric characters in ids (economic-api.md §3.1).
ID_ENCODING = {
    "<": "_0_",
    ">": "_1_",
    "*": "_2_",
    "%": "_3_",
    ":": "_4_",
    "&": "_5_",
    "/": "_6_",
    "\\": "_7_",
    "_": "_8_",
    " ": "_9_",
    "?": "_10_",
    ".": "_11_",
    "#": "_12_",
    "+": "_13_",
}
ID_DECODING = {code: char for char, code in ID_ENCODING.items()}


def encode_id(value):
    """Product number -> URL path segment."""
    return "".join(ID_ENCODING.get(char) or quote(char, safe="") for char in str(value))


def decode_id(segment):
    """URL path segment -> product number."""
    segment = unquote(segment)
    return re.sub(r"_(\d{1,2})_", lambda m: ID_DECODING.get(m.group(0), m.group(0)), segment)


class HttpError(Exception):
    """Raised by handlers to answer with a finished (status, body, headers)."""

    def __init__(self, response):
        super().__init__(response[0])
        self.status, self.body, self.headers = response


def _route(method, template, handler, api="rest"):
    pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
    flags = re.IGNORECASE if api == "projects" else 0
    return method, re.compile(pattern, flags), handler, api


ROUTES = [
    _route("GET", "/", "get_root"),
    _route("GET", "/self", "get_self"),
    _route("GET", "/echo", "echo"),
    _route("POST", "/echo", "echo"),
    _route("GET", "/customers", "list_customers"),
    _route("POST", "/customers", "post_customer"),
    _route("GET", "/customers/{number}", "get_customer"),
    _route("PUT", "/customers/{number}", "put_customer"),
    _route("DELETE", "/customers/{number}", "delete_customer"),
    _route("GET", "/customers/{number}/templates/invoice", "get_invoice_template"),
    _route(
        "GET", "/customers/{number}/templates/invoiceline/{product}", "get_invoice_line_template"
    ),
    _route("GET", "/customer-groups", "list_customer_groups"),
    _route("GET", "/customer-groups/{number}", "get_customer_group"),
    _route("GET", "/payment-terms", "list_payment_terms"),
    _route("GET", "/payment-terms/{number}", "get_payment_terms"),
    _route("GET", "/vat-zones", "list_vat_zones"),
    _route("GET", "/vat-zones/{number}", "get_vat_zone"),
    _route("GET", "/layouts", "list_layouts"),
    _route("GET", "/layouts/{number}", "get_layout"),
    _route("GET", "/units", "list_units"),
    _route("GET", "/units/{number}", "get_unit"),
    _route("GET", "/product-groups", "list_product_groups"),
    _route("GET", "/product-groups/{number}", "get_product_group"),
    _route("GET", "/products", "list_products"),
    _route("POST", "/products", "post_product"),
    _route("GET", "/products/{product}", "get_product"),
    _route("PUT", "/products/{product}", "put_product"),
    _route("DELETE", "/products/{product}", "delete_product"),
    _route("GET", "/employees", "list_employees"),
    _route("GET", "/employees/{number}", "get_employee"),
    _route("GET", "/invoices/drafts", "list_drafts"),
    _route("POST", "/invoices/drafts", "post_draft"),
    _route("GET", "/invoices/drafts/{number}", "get_draft"),
    _route("PUT", "/invoices/drafts/{number}", "put_draft"),
    _route("DELETE", "/invoices/drafts/{number}", "delete_draft"),
    _route("POST", "/invoices/drafts/{number}/lines", "post_draft_lines"),
    _route("GET", "/invoices/drafts/{number}/pdf", "get_draft_pdf"),
    _route(
        "GET",
        "/invoices/drafts/{number}/templates/booking-instructions",
        "get_booking_instructions",
    ),
    _route("GET", "/invoices/booked", "list_booked"),
    _route("POST", "/invoices/booked", "post_booked"),
    _route("GET", "/invoices/booked/{number}", "get_booked"),
    _route("PUT", "/invoices/booked/{number}", "put_booked"),
    _route("GET", "/invoices/booked/{number}/pdf", "get_booked_pdf"),
    # projectsapi v1.1.0 (paths relative to /projectsapi/v1.1.0)
    _route("GET", "/Employees", "projects_list_employees", "projects"),
    _route("POST", "/Employees", "projects_post_employee", "projects"),
    _route("PUT", "/Employees", "projects_put_employee", "projects"),
    _route("GET", "/Employees/count", "projects_count_employees", "projects"),
    _route("GET", "/Employees/{number}", "projects_get_employee", "projects"),
    _route("GET", "/EmployeeGroups", "projects_list_employee_groups", "projects"),
    _route("GET", "/EmployeeGroups/{number}", "projects_get_employee_group", "projects"),
    _route("GET", "/Projects", "projects_list_projects", "projects"),
    _route("GET", "/Projects/count", "projects_count_projects", "projects"),
]

# Filterable fields per collection with their types (schemas + live corrections, §3.4).
CUSTOMER_FILTERS = {
    "address": "string",
    "balance": "number",
    "barred": "bool",
    "city": "string",
    "corporateIdentificationNumber": "string",
    "country": "string",
    "creditLimit": "number",
    "currency": "string",
    "customerNumber": "int",
    "ean": "string",
    "email": "string",
    "lastUpdated": "date",
    "name": "string",
    "publicEntryNumber": "string",
    "telephoneAndFaxNumber": "string",
    "mobilePhone": "string",
    "vatNumber": "string",
    "website": "string",
    "zip": "string",
    "pNumber": "string",
    "customerGroup.customerGroupNumber": "int",
}
CUSTOMER_SORTS = set(CUSTOMER_FILTERS) - {"barred", "customerGroup.customerGroupNumber"}
PRODUCT_FILTERS = {
    "productNumber": "string",
    "description": "string",
    "name": "string",
    "costPrice": "number",
    "recommendedPrice": "number",
    "salesPrice": "number",
    "barCode": "string",
    "barred": "bool",
    "lastUpdated": "date",
    "unit.unitNumber": "int",
    "productGroup.productGroupNumber": "int",
}
PRODUCT_SORTS = {
    "productNumber",
    "description",
    "name",
    "costPrice",
    "recommendedPrice",
    "salesPrice",
    "barCode",
    "barred",
    "lastUpdated",
}
_INVOICE_FILTERS = {
    "date": "date",
    "currency": "string",
    "exchangeRate": "number",
    "dueDate": "date",
    "paymentTerms.paymentTermsNumber": "int",
    "customer.customerNumber": "int",
    "recipient.name": "string",
    "recipient.address": "string",
    "recipient.zip": "string",
    "recipient.city": "string",
    "recipient.country": "string",
    "recipient.ean": "string",
    "recipient.vatZone.vatZoneNumber": "int",
    "delivery.deliveryDate": "date",
    "notes.heading": "string",
    "references.other": "string",
    "references.salesPerson.employeeNumber": "int",
    "netAmount": "number",
    "grossAmount": "number",
}
DRAFT_FILTERS = dict(_INVOICE_FILTERS, draftInvoiceNumber="int", lastUpdated="date")
BOOKED_FILTERS = dict(_INVOICE_FILTERS, bookedInvoiceNumber="int", remainder="number")
EMPLOYEE_FILTERS = {
    "employeeNumber": "int",
    "employeeGroup.employeeGroupNumber": "int",
    "name": "string",
    "barred": "bool",
}
PROJECTS_EMPLOYEE_FILTERS = {"number": "int", "groupNumber": "int", "name": "string"}


def money(value):
    return float(Decimal(str(value)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP))


def lowest_free_number(table):
    """The lowest number from 1 up that `table` (a dict by number) does not use yet."""
    number = 1
    while number in table:
        number += 1
    return number


def _int_segment(value):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number


def _delete_replace_meta_data(link, noun):
    """The `metaData` of a record that can be deleted and replaced (PUT)."""
    return {
        "delete": {"description": f"Delete this {noun}.", "href": link, "httpMethod": "delete"},
        "replace": {"description": f"Replace this {noun}.", "href": link, "httpMethod": "put"},
    }


def _reference_handlers(table, render, relative, key):
    """The list and item route handlers of one read-only reference list (VAT zones...).

    `table` and `render` name the mixin's dict by number and its render method.
    """

    def list_handler(self, request):
        items = [getattr(self, render)(request, number) for number in sorted(getattr(self, table))]
        fields = {key: "int", "name": "string"}
        return self._collection(request, items, relative, fields, set(fields), key)

    def item_handler(self, request, number):
        number = self._existing_number(request, getattr(self, table), number)
        return 200, getattr(self, render)(request, number), {}

    return list_handler, item_handler


class ResourcesMixin:
    """State and handlers; mixed into FakeEconomic (which provides errors and the clock)."""

    # ----------------------------------------------------------------- state
    def _init_state(self, with_demo_records):
        self.project_module = True
        self._schema_errors = None  # body vs. published schema, for the running request
        self.self_info = copy.deepcopy(seed.AGREEMENT)
        self.vat_zones = {z["vatZoneNumber"]: dict(z) for z in seed.VAT_ZONES}
        self.payment_terms = {t["paymentTermsNumber"]: dict(t) for t in seed.PAYMENT_TERMS}
        self.layouts = {item["layoutNumber"]: dict(item) for item in seed.LAYOUTS}
        self.units = {u["unitNumber"]: dict(u) for u in seed.UNITS}
        self.product_groups = {g["productGroupNumber"]: dict(g) for g in seed.PRODUCT_GROUPS}
        self.customer_groups = {
            g["customerGroupNumber"]: copy.deepcopy(g) for g in seed.CUSTOMER_GROUPS
        }
        self.employee_groups = {g["number"]: dict(g) for g in seed.EMPLOYEE_GROUPS}
        self.customers = {}
        self.products = {}
        self.employees = {}
        self.drafts = {}
        self.booked = {}
        self._next_draft_number = 1
        if with_demo_records:
            customers, products, employees = seed.demo_records()
            for customer in customers:
                self.customers[customer["customerNumber"]] = dict(
                    customer, lastUpdated=self._timestamp()
                )
            for product in products:
                self.products[product["productNumber"]] = dict(
                    product, lastUpdated=self._timestamp()
                )
            for employee in employees:
                self.employees[employee["employeeNumber"]] = dict(employee, objectVersion="1")

    def _timestamp(self):
        return self.clock.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")

    def _today(self):
        return self.clock.utcnow().date()

    # ----------------------------------------------------------------- generic helpers
    def _raise(self, response):
        raise HttpError(response)

    def _validation_failed(self, errors):
        count = len(errors)
        body = {
            "message": f"Validation failed. {count} error{'' if count == 1 else 's'} found.",
            "errorCode": rules.CODE_VALIDATION_FAILED,
            "developerHint": "Inspect validation errors and correct your request.",
            "logId": self.log_id(),
            "httpStatusCode": 400,
            "logTime": self.log_time(),
            "errorCount": count,
            "errors": errors.tree(),
        }
        return 400, body, {}

    def _check(self, errors):
        """Answer 400 when the fake's rules or the published schema found a problem.

        Errors the schema found in the request body (`_schema_errors`, set by the
        dispatcher) join the first check of the request; the fake's own, more specific
        error wins where both flag the same property.
        """
        pending, self._schema_errors = self._schema_errors, None
        if pending:
            flagged = {path for path, _item in errors.items}
            for error in pending:
                if error.path not in flagged:
                    errors.add(error.path or ("document",), error.code, error.message, error.value)
        if errors:
            self._raise(self._validation_failed(errors))

    def _schema_violations(self, request, handler_name, params):
        """Errors of the request body against the published POST/PUT schema, if any."""
        entry = schema.WRITE_SCHEMAS.get(handler_name)
        if entry is None or not isinstance(request.json, dict):
            return []  # non-objects are refused by the handler's own check
        name, from_url = entry
        body = request.json
        missing = {
            prop: (decode_id(params[param]) if how == "id" else params[param])
            for param, (prop, how) in from_url.items()
            if param in params and prop not in body
        }
        if missing:
            body = dict(body, **missing)  # the URL supplies the identifier
        return schema.validate(body, schema.load(name), mode="write")

    def _require_object_body(self, request):
        if not isinstance(request.json, dict):
            errors = ValidationErrors()
            errors.add(
                ("document",),
                rules.CODE_TYPE,
                f"Expected Object but got {rules.json_type_name(request.json)}.",
                request.json,
            )
            self._raise(self._validation_failed(errors))
        return request.json

    def _number_or_404(self, request, value):
        number = _int_segment(value)
        if number is None:
            self._raise(self._not_found(request))
        return number

    def _known_or_404(self, request, table, key):
        """`key` itself when `table` holds it; otherwise the request is answered with 404."""
        if key not in table:
            self._raise(self._not_found(request))
        return key

    def _existing_number(self, request, table, segment):
        """The record number a URL segment names; 404 unless `table` holds that record."""
        return self._known_or_404(request, table, self._number_or_404(request, segment))

    def _resolve_ref(
        self,
        document,
        path,
        key,
        errors,
        table=None,
        *,
        code=rules.CODE_NOT_FOUND,
        label=None,
        parse=int,
        hint=None,
        prefix=(),
    ):
        """Reduce `document[path]` to `{key: number}` and check it exists in `table`."""
        container = document
        for part in path[:-1]:
            container = container.get(part) or {}
        name = path[-1]
        reference = container.get(name)
        if reference is None:
            return None
        number = reference.get(key)
        if number is None and reference.get("self"):
            try:
                segment = reference["self"].rstrip("/").rsplit("/", 1)[-1]
                number = decode_id(segment) if parse is str else parse(segment)
            except ValueError:
                number = None
        if number is None:
            errors.add(
                prefix + path,
                rules.CODE_NO_IDENTIFIER,
                f"{name} has no identifier; give {key} or self.",
                reference,
            )
            container.pop(name, None)
            return None
        if table is not None and number not in table:
            errors.add(prefix + path, code, f"{label or name} '{number}' not found.", number, hint)
            container.pop(name, None)
            return None
        container[name] = {key: number}
        return number

    def _collection(
        self,
        request,
        items,
        relative,
        filter_fields=None,
        sort_fields=(),
        default_sort=None,
        create_description=None,
    ):
        """Legacy REST collection: filter, sort, page and link like e-conomic."""
        query = request.query
        errors_hint = (
            "Filtering on collections can be done using the querystring parameter 'filter'."
        )
        page_size_text = query.get("pagesize", str(DEFAULT_PAGE_SIZE))
        skip_text = query.get("skippages", "0")
        try:
            page_size = int(page_size_text)
            if not 1 <= page_size <= MAX_PAGE_SIZE:
                raise ValueError
        except ValueError:
            self._raise(
                self._error(
                    request,
                    400,
                    "pagesize must be a positive whole number between 1 and 1000.",
                    "Use a page size from 1 to 1000.",
                    errorCode=rules.CODE_PAGE_SIZE,
                )
            )
        try:
            skip_pages = int(skip_text)
            if skip_pages < 0:
                raise ValueError
        except ValueError:
            self._raise(
                self._error(
                    request,
                    400,
                    "skippages must be a positive whole number.",
                    "Use a page index from 0.",
                    errorCode=rules.CODE_PAGE_SIZE,
                )
            )
        total = len(items)
        filter_text = query.get("filter")
        filter_fields = filter_fields or {}
        if filter_text:
            try:
                predicate = filters.parse_filter(filter_text, filter_fields)
                items = [item for item in items if predicate(item)]
            except filters.FilterError as exc:
                self._raise(
                    self._error(
                        request,
                        400,
                        "Could not parse query string filter.",
                        errors_hint,
                        errors=[str(exc)],
                        allowedFilteringFields=sorted(filter_fields),
                    )
                )
        sort_text = query.get("sort")
        if sort_text:
            try:
                keys = filters.parse_sort(sort_text, sort_fields)
            except filters.SortError as exc:
                self._raise(
                    self._error(
                        request,
                        400,
                        str(exc),
                        "Sorting is done with the querystring parameter 'sort'.",
                    )
                )
            items = filters.sort_documents(items, keys, filter_fields)
        elif default_sort:
            items = sorted(items, key=lambda item: filters.dig(item, default_sort))
        results = len(items)
        last_index = max(0, (results + page_size - 1) // page_size - 1)
        page = items[skip_pages * page_size : (skip_pages + 1) * page_size]

        def page_link(index):
            params = [("skippages", index), ("pagesize", page_size)]
            if filter_text:
                params.append(("filter", filter_text))
            if sort_text:
                params.append(("sort", sort_text))
            return request.link(relative) + "?" + urlencode(params)

        pagination = {
            "maxPageSizeAllowed": MAX_PAGE_SIZE,
            "skipPages": skip_pages,
            "pageSize": page_size,
            "results": results,
            "resultsWithoutFilter": total,
            "firstPage": page_link(0),
        }
        if skip_pages > 0:
            pagination["previousPage"] = page_link(skip_pages - 1)
        if skip_pages < last_index:
            pagination["nextPage"] = page_link(skip_pages + 1)
        pagination["lastPage"] = page_link(last_index)
        body = {"collection": page, "pagination": pagination}
        if create_description:
            body["metaData"] = {
                "create": {
                    "description": create_description,
                    "href": request.link(relative),
                    "httpMethod": "post",
                }
            }
        body["self"] = page_link(skip_pages)
        return 200, body, {}

    def _created(self, request, body, location):
        return 201, body, {"Location": location}

    def _store_record(self, request, table, number, record, render):
        """Store a created or replaced record, stamped now: 201 when it is new, else 200."""
        existed = number in table
        record["lastUpdated"] = self._timestamp()
        table[number] = record
        body = render(request, record)
        if existed:
            return 200, body, {}
        return self._created(request, body, body["self"])

    def _refuse(self, field, code, message, value):
        """Answer 400 with one validation error on the top-level property `field`."""
        errors = ValidationErrors()
        errors.add((field,), code, message, value)
        self._check(errors)

    def _all_invoices(self):
        return list(self.drafts.values()) + list(self.booked.values())

    # ----------------------------------------------------------------- /, /self, /echo
    def get_root(self, request):
        return 200, {"message": "e-conomic REST API (FakeEconomic)", "self": request.link("")}, {}

    def get_self(self, request):
        body = copy.deepcopy(self.self_info)
        modules = list(seed.BASE_MODULES)
        if self.project_module:
            modules.append(seed.PROJECT_MODULE)
        body["modules"] = [
            dict(module, self=request.link(f"modules/agreement/{module['moduleNumber']}"))
            for module in modules
        ]
        language = body.get("user", {}).get("language")
        if language:
            language["self"] = request.link(f"languages/{language['languageNumber']}")
        body["self"] = request.link("self")
        return 200, body, {}

    def echo(self, request):
        status = _int_segment(request.query.get("statuscode")) or 200
        if status >= 400:
            return self._error(request, status, f"Echo of status {status}.", "Echo.")
        return status, {"message": "Echo.", "httpStatusCode": status}, {}

    # ----------------------------------------------------------------- reference lists
    def _render_vat_zone(self, request, number):
        return dict(self.vat_zones[number], self=request.link(f"vat-zones/{number}"))

    def _render_payment_terms(self, request, number):
        return dict(self.payment_terms[number], self=request.link(f"payment-terms/{number}"))

    def _render_layout(self, request, number):
        return dict(self.layouts[number], self=request.link(f"layouts/{number}"))

    def _render_unit(self, request, number):
        return dict(
            self.units[number],
            products=request.link(f"units/{number}/products"),
            self=request.link(f"units/{number}"),
        )

    def _render_product_group(self, request, number):
        group = {
            key: value for key, value in self.product_groups[number].items() if key != "vatRate"
        }
        return dict(
            group,
            salesAccounts=request.link(f"product-groups/{number}/sales-accounts"),
            products=request.link(f"product-groups/{number}/products"),
            self=request.link(f"product-groups/{number}"),
        )

    def _render_customer_group(self, request, number):
        group = copy.deepcopy(self.customer_groups[number])
        account = group.get("account")
        if account:
            account["self"] = request.link(f"accounts/{account['accountNumber']}")
        if group.get("layout"):
            group["layout"] = self._render_layout(request, group["layout"]["layoutNumber"])
        group["customers"] = request.link(f"customer-groups/{number}/customers")
        group["self"] = request.link(f"customer-groups/{number}")
        return group

    # read-only reference lists: (attribute, renderer, collection path, number field)
    list_vat_zones, get_vat_zone = _reference_handlers(
        "vat_zones", "_render_vat_zone", "vat-zones", "vatZoneNumber"
    )
    list_payment_terms, get_payment_terms = _reference_handlers(
        "payment_terms", "_render_payment_terms", "payment-terms", "paymentTermsNumber"
    )
    list_layouts, get_layout = _reference_handlers(
        "layouts", "_render_layout", "layouts", "layoutNumber"
    )
    list_units, get_unit = _reference_handlers("units", "_render_unit", "units", "unitNumber")
    list_product_groups, get_product_group = _reference_handlers(
        "product_groups", "_render_product_group", "product-groups", "productGroupNumber"
    )
    list_customer_groups, get_customer_group = _reference_handlers(
        "customer_groups", "_render_customer_group", "customer-groups", "customerGroupNumber"
    )

    # ----------------------------------------------------------------- customers
    def render_customer(self, request, customer):
        number = customer["customerNumber"]
        link = request.link(f"customers/{number}")
        body = {"customerNumber": number}
        for key, value in customer.items():
            if key == "customerNumber":
                continue
            body[key] = copy.deepcopy(value)
        refs = (
            ("customerGroup", "customerGroupNumber", "customer-groups"),
            ("paymentTerms", "paymentTermsNumber", "payment-terms"),
            ("vatZone", "vatZoneNumber", "vat-zones"),
            ("layout", "layoutNumber", "layouts"),
            ("salesPerson", "employeeNumber", "employees"),
        )
        for name, key, collection in refs:
            if name in body:
                body[name]["self"] = request.link(f"{collection}/{body[name][key]}")
        body.setdefault("balance", 0.0)
        body.setdefault("dueAmount", 0.0)
        body.update(
            {
                "contacts": link + "/contacts",
                "templates": {
                    "invoice": link + "/templates/invoice",
                    "invoiceLine": link + "/templates/invoiceline",
                    "self": link + "/templates",
                },
                "totals": {
                    "drafts": request.link(f"invoices/totals/drafts/customers/{number}"),
                    "booked": request.link(f"invoices/totals/booked/customers/{number}"),
                    "self": link + "/totals",
                },
                "deliveryLocations": link + "/delivery-locations",
                "invoices": {
                    "drafts": link + "/invoices/drafts",
                    "booked": link + "/invoices/booked",
                    "self": link + "/invoices",
                },
                "metaData": _delete_replace_meta_data(link, "customer"),
                "self": link,
            }
        )
        return body

    def customer_from_payload(self, payload, number=None):
        """Validate a customer document; returns the internal document (number may be None)."""
        errors = ValidationErrors()
        customer = rules.validate(payload, rules.CUSTOMER, errors)
        self._resolve_ref(
            customer,
            ("customerGroup",),
            "customerGroupNumber",
            errors,
            self.customer_groups,
            code="E07140",
            label="CustomerGroup",
            hint="Find a list of customer groups at /customer-groups .",
        )
        self._resolve_ref(
            customer,
            ("paymentTerms",),
            "paymentTermsNumber",
            errors,
            self.payment_terms,
            label="PaymentTerms",
        )
        self._resolve_ref(
            customer, ("vatZone",), "vatZoneNumber", errors, self.vat_zones, label="VatZone"
        )
        self._resolve_ref(
            customer, ("layout",), "layoutNumber", errors, self.layouts, label="Layout"
        )
        self._resolve_ref(
            customer, ("salesPerson",), "employeeNumber", errors, self.employees, label="Employee"
        )
        if number is not None:
            customer["customerNumber"] = number
        self._check(errors)
        return customer

    def list_customers(self, request):
        items = [self.render_customer(request, self.customers[n]) for n in sorted(self.customers)]
        return self._collection(
            request,
            items,
            "customers",
            CUSTOMER_FILTERS,
            CUSTOMER_SORTS,
            "customerNumber",
            "Create a new customer",
        )

    def get_customer(self, request, number):
        number = self._existing_number(request, self.customers, number)
        return 200, self.render_customer(request, self.customers[number]), {}

    def post_customer(self, request):
        customer = self.customer_from_payload(self._require_object_body(request))
        number = customer.get("customerNumber")
        if number is None:
            number = lowest_free_number(self.customers)
        elif number in self.customers:
            self._refuse(
                "customerNumber",
                rules.CODE_DUPLICATE,
                f"Customer number {number} is already in use.",
                number,
            )
        customer["customerNumber"] = number
        return self._store_record(request, self.customers, number, customer, self.render_customer)

    def put_customer(self, request, number):
        number = self._number_or_404(request, number)
        if not 1 <= number <= 999999999:
            self._refuse(
                "customerNumber",
                rules.CODE_RANGE,
                f"Integer {number} is outside 1..999999999.",
                number,
            )
        payload = dict(self._require_object_body(request))
        payload.pop("customerNumber", None)  # the URL decides
        customer = self.customer_from_payload(payload, number)
        return self._store_record(request, self.customers, number, customer, self.render_customer)

    def delete_customer(self, request, number):
        number = self._existing_number(request, self.customers, number)
        invoices = self._all_invoices()
        if any(invoice["customer"]["customerNumber"] == number for invoice in invoices):
            self._refuse(
                "customerNumber",
                rules.CODE_IN_USE,
                f"Customer {number} is used on invoices and cannot be deleted.",
                number,
            )
        del self.customers[number]
        return 204, None, {}

    def invoice_template(self, request, customer):
        """The draft body e-conomic prefills from a customer."""
        terms = customer["paymentTerms"]["paymentTermsNumber"]
        layout = (
            customer.get("layout")
            or self.customer_groups.get(customer["customerGroup"]["customerGroupNumber"], {}).get(
                "layout"
            )
            or {"layoutNumber": seed.DEFAULT_LAYOUT}
        )["layoutNumber"]
        recipient = {"name": customer["name"]}
        for key in ("address", "zip", "city", "country", "ean", "publicEntryNumber"):
            if customer.get(key):
                recipient[key] = customer[key]
        recipient["vatZone"] = self._render_vat_zone(request, customer["vatZone"]["vatZoneNumber"])
        template = {
            "date": self._today().isoformat(),
            "currency": customer["currency"],
            "exchangeRate": 100.0,
            "paymentTerms": self._render_payment_terms(request, terms),
            "customer": {
                "customerNumber": customer["customerNumber"],
                "self": request.link(f"customers/{customer['customerNumber']}"),
            },
            "recipient": recipient,
            "layout": {"layoutNumber": layout, "self": request.link(f"layouts/{layout}")},
        }
        if customer.get("salesPerson"):
            employee = customer["salesPerson"]["employeeNumber"]
            template["references"] = {
                "salesPerson": {
                    "employeeNumber": employee,
                    "self": request.link(f"employees/{employee}"),
                }
            }
        return template

    def get_invoice_template(self, request, number):
        number = self._existing_number(request, self.customers, number)
        return 200, self.invoice_template(request, self.customers[number]), {}

    def get_invoice_line_template(self, request, number, product):
        number = self._existing_number(request, self.customers, number)
        product_number = self._known_or_404(request, self.products, decode_id(product))
        item = self.products[product_number]
        try:
            quantity = float(request.query.get("quantity", "1"))
        except ValueError:
            quantity = 1.0
        line = {
            "description": item["name"],
            "product": {
                "productNumber": product_number,
                "self": request.link("products/" + encode_id(product_number)),
            },
            "quantity": quantity,
            "unitNetPrice": item.get("salesPrice", 0.0),
            "discountPercentage": 0.0,
            "unitCostPrice": item.get("costPrice", 0.0),
        }
        if item.get("unit"):
            line["unit"] = self._render_unit(request, item["unit"]["unitNumber"])
        line["self"] = request.link(
            f"customers/{number}/templates/invoiceline/{encode_id(product_number)}"
        )
        return 200, line, {}

    # ----------------------------------------------------------------- products
    def render_product(self, request, product):
        number = product["productNumber"]
        link = request.link("products/" + encode_id(number))
        body = {"productNumber": number}
        for key, value in product.items():
            if key != "productNumber":
                body[key] = copy.deepcopy(value)
        body["productGroup"] = self._render_product_group(
            request, product["productGroup"]["productGroupNumber"]
        )
        if product.get("unit"):
            body["unit"] = self._render_unit(request, product["unit"]["unitNumber"])
        body.update(
            {
                "invoices": {
                    "drafts": link + "/invoices/drafts",
                    "booked": link + "/invoices/booked",
                    "self": link + "/invoices",
                },
                "pricing": {
                    "currencySpecificSalesPrices": link + "/pricing/currency-specific-sales-prices"
                },
                "metaData": _delete_replace_meta_data(link, "product"),
                "self": link,
            }
        )
        return body

    def product_from_payload(self, payload):
        errors = ValidationErrors()
        product = rules.validate(payload, rules.PRODUCT, errors)
        self._resolve_ref(
            product,
            ("productGroup",),
            "productGroupNumber",
            errors,
            self.product_groups,
            label="ProductGroup",
        )
        self._resolve_ref(product, ("unit",), "unitNumber", errors, self.units, label="Unit")
        self._check(errors)
        return product

    def list_products(self, request):
        items = [self.render_product(request, self.products[n]) for n in sorted(self.products)]
        return self._collection(
            request,
            items,
            "products",
            PRODUCT_FILTERS,
            PRODUCT_SORTS,
            "productNumber",
            "Create a new product",
        )

    def get_product(self, request, product):
        number = self._known_or_404(request, self.products, decode_id(product))
        return 200, self.render_product(request, self.products[number]), {}

    def post_product(self, request):
        product = self.product_from_payload(self._require_object_body(request))
        number = product["productNumber"]
        if number in self.products:
            self._refuse(
                "productNumber",
                rules.CODE_DUPLICATE,
                f"Product number '{number}' is already in use.",
                number,
            )
        return self._store_record(request, self.products, number, product, self.render_product)

    def put_product(self, request, product):
        number = decode_id(product)
        payload = dict(self._require_object_body(request))
        payload["productNumber"] = number  # the URL decides
        item = self.product_from_payload(payload)
        return self._store_record(request, self.products, number, item, self.render_product)

    def delete_product(self, request, product):
        number = self._known_or_404(request, self.products, decode_id(product))
        invoices = self._all_invoices()
        if any(
            (line.get("product") or {}).get("productNumber") == number
            for invoice in invoices
            for line in invoice.get("lines", [])
        ):
            self._refuse(
                "productNumber",
                rules.CODE_IN_USE,
                f"Product '{number}' is used on invoices and cannot be deleted.",
                number,
            )
        del self.products[number]
        return 204, None, {}

    # ----------------------------------------------------------------- employees (legacy)
    def render_employee(self, request, employee):
        number = employee["employeeNumber"]
        link = request.link(f"employees/{number}")
        body = {"employeeNumber": number}
        group = employee["employeeGroup"]["employeeGroupNumber"]
        body["employeeGroup"] = {
            "employeeGroupNumber": group,
            "self": request.link(f"employee-groups/{group}"),
        }
        body["name"] = employee["name"]
        for key in ("email", "phone"):
            if employee.get(key):
                body[key] = employee[key]
        if employee.get("barred"):
            body["barred"] = True
        body.update(
            customers=link + "/customers",
            draftInvoices=link + "/draft-invoices",
            bookedInvoices=link + "/booked-invoices",
            self=link,
        )
        return body

    def list_employees(self, request):
        items = [self.render_employee(request, self.employees[n]) for n in sorted(self.employees)]
        return self._collection(
            request,
            items,
            "employees",
            EMPLOYEE_FILTERS,
            {"employeeNumber", "name", "employeeGroup.employeeGroupNumber"},
            "employeeNumber",
        )

    def get_employee(self, request, number):
        number = self._existing_number(request, self.employees, number)
        return 200, self.render_employee(request, self.employees[number]), {}

    # ----------------------------------------------------------------- draft invoices
    def compute_due_date(self, date_text, terms_number, given=None):
        terms = self.payment_terms[terms_number]
        kind = terms["paymentTermsType"]
        date = datetime.date.fromisoformat(date_text)
        days = terms.get("daysOfCredit", 0)
        if kind == "dueDate":
            return given
        if kind == "invoiceMonth":
            end = date.replace(day=calendar.monthrange(date.year, date.month)[1])
            return (end + datetime.timedelta(days=days)).isoformat()
        if kind in ("invoiceWeekStartingMonday", "invoiceWeekStartingSunday"):
            first = 0 if kind == "invoiceWeekStartingMonday" else 6
            end = date + datetime.timedelta(days=(first - date.weekday() - 1) % 7)
            return (end + datetime.timedelta(days=days)).isoformat()
        if kind in ("paidInCash", "prepaid"):
            return date.isoformat()
        return (date + datetime.timedelta(days=days)).isoformat()

    def _validate_lines(self, lines, errors, path=("lines",)):
        """Check and complete draft lines (prices default to the product's)."""
        for index, line in enumerate(lines):
            where = path + (index,)
            for key in ("lineNumber", "sortKey"):
                if key not in line and not any(
                    p[: len(where) + 1] == where + (key,) for p, _item in errors.items
                ):
                    errors.add(
                        where + (key,),
                        rules.CODE_RANGE,
                        "Integer 0 is less than minimum value of 1.",
                        0,
                    )
            product_number = self._resolve_ref(
                line,
                ("product",),
                "productNumber",
                errors,
                self.products,
                label="Product",
                parse=str,
                prefix=where,
            )
            self._resolve_ref(
                line, ("unit",), "unitNumber", errors, self.units, label="Unit", prefix=where
            )
            if "product" not in line:
                if (
                    product_number is None
                    and ("quantity" in line or "unitNetPrice" in line)
                    and not any(
                        p[: len(where) + 1] == where + ("product",) for p, _item in errors.items
                    )
                ):
                    errors.add(
                        where + ("product",),
                        rules.CODE_REQUIRED,
                        "A product is required when quantity or unitNetPrice is set.",
                    )
                continue
            product = self.products[product_number]
            if "quantity" not in line:
                errors.add(
                    where + ("quantity",),
                    rules.CODE_QUANTITY,
                    "Property quantity must have a value when product is set.",
                )
            if "description" not in line:
                errors.add(
                    where + ("description",),
                    rules.CODE_REQUIRED,
                    "Property description is required when a product is set.",
                )
            line.setdefault("unitNetPrice", product.get("salesPrice", 0.0))
            line.setdefault("discountPercentage", 0.0)
            line.setdefault("unitCostPrice", product.get("costPrice", 0.0))
            if "unit" not in line and product.get("unit"):
                line["unit"] = dict(product["unit"])

    def vat_rate(self, vat_zone_number, product_number):
        if vat_zone_number not in seed.VAT_ZONES_WITH_VAT or product_number is None:
            return 0.0
        product = self.products.get(product_number)
        if not product:
            return 0.0
        group = self.product_groups[product["productGroup"]["productGroupNumber"]]
        return float(group.get("vatRate", 0.0))

    def compute_amounts(self, invoice):
        """Server-side pricing: line totals, VAT per line, invoice totals."""
        zone = invoice["recipient"]["vatZone"]["vatZoneNumber"]
        net = vat = cost = Decimal(0)
        for line in invoice.get("lines", []):
            quantity = Decimal(str(line.get("quantity", 0)))
            price = Decimal(str(line.get("unitNetPrice", 0)))
            discount = Decimal(str(line.get("discountPercentage", 0)))
            total = (quantity * price * (1 - discount / 100)).quantize(
                TWO_PLACES, rounding=ROUND_HALF_UP
            )
            rate = Decimal(
                str(self.vat_rate(zone, (line.get("product") or {}).get("productNumber")))
            )
            line_vat = (total * rate / 100).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)
            line_cost = (quantity * Decimal(str(line.get("unitCostPrice", 0)))).quantize(
                TWO_PLACES, rounding=ROUND_HALF_UP
            )
            line["totalNetAmount"] = float(total)
            line["vatRate"] = float(rate)
            line["vatAmount"] = float(line_vat)
            line["marginInBaseCurrency"] = float(total - line_cost)
            line["marginPercentage"] = (
                float(((total - line_cost) / total * 100).quantize(TWO_PLACES)) if total else 0.0
            )
            net += total
            vat += line_vat
            cost += line_cost
        invoice["netAmount"] = float(net)
        invoice["netAmountInBaseCurrency"] = float(net)
        invoice["vatAmount"] = float(vat)
        invoice["grossAmount"] = float(net + vat)
        invoice["grossAmountInBaseCurrency"] = float(net + vat)
        invoice["roundingAmount"] = 0.0
        invoice["costPriceInBaseCurrency"] = float(cost)
        invoice["marginInBaseCurrency"] = float(net - cost)
        invoice["marginPercentage"] = (
            float(((net - cost) / net * 100).quantize(TWO_PLACES)) if net else 0.0
        )

    def draft_from_payload(self, payload):
        """Validate a draft document (POST or PUT) into its internal form with totals."""
        errors = ValidationErrors()
        draft = rules.validate(payload, rules.DRAFT, errors)
        self._resolve_ref(
            draft, ("customer",), "customerNumber", errors, self.customers, label="Customer"
        )
        self._resolve_ref(draft, ("layout",), "layoutNumber", errors, self.layouts, label="Layout")
        self._resolve_ref(
            draft,
            ("recipient", "vatZone"),
            "vatZoneNumber",
            errors,
            self.vat_zones,
            label="VatZone",
        )
        self._resolve_ref(
            draft,
            ("references", "salesPerson"),
            "employeeNumber",
            errors,
            self.employees,
            label="Employee",
        )
        self._resolve_ref(
            draft,
            ("references", "vendorReference"),
            "employeeNumber",
            errors,
            self.employees,
            label="Employee",
        )
        terms_given = (draft.get("paymentTerms") or {}).get("paymentTermsType")
        terms_number = self._resolve_ref(
            draft,
            ("paymentTerms",),
            "paymentTermsNumber",
            errors,
            self.payment_terms,
            label="PaymentTerms",
        )
        if terms_number is not None:
            terms_type = self.payment_terms[terms_number]["paymentTermsType"]
            if terms_given and terms_given != terms_type:
                errors.add(
                    ("paymentTerms", "paymentTermsType"),
                    rules.CODE_TERMS_TYPE,
                    "paymentTermsType does not match the payment terms; omit the property.",
                    terms_given,
                )
            if terms_type == "dueDate" and "date" in draft:
                if "dueDate" not in draft:
                    errors.add(
                        ("dueDate",),
                        rules.CODE_DUE_DATE_MISSING,
                        "dueDate is missing a value.",
                        None,
                    )
                elif draft["dueDate"] < draft["date"]:
                    errors.add(
                        ("dueDate",),
                        rules.CODE_DUE_DATE_BEFORE,
                        "Date is earlier than property 'date'.",
                        draft["dueDate"],
                    )
        self._validate_lines(draft.get("lines", []), errors)
        self._check(errors)
        draft.setdefault("exchangeRate", 100.0)
        draft["dueDate"] = self.compute_due_date(draft["date"], terms_number, draft.get("dueDate"))
        self.compute_amounts(draft)
        draft["lastUpdated"] = self._timestamp()
        return draft

    def _render_invoice_common(self, request, invoice, body):
        body["paymentTerms"] = self._render_payment_terms(
            request, invoice["paymentTerms"]["paymentTermsNumber"]
        )
        customer = invoice["customer"]["customerNumber"]
        body["customer"] = {
            "customerNumber": customer,
            "self": request.link(f"customers/{customer}"),
        }
        body["recipient"]["vatZone"] = self._render_vat_zone(
            request, invoice["recipient"]["vatZone"]["vatZoneNumber"]
        )
        layout = invoice["layout"]["layoutNumber"]
        body["layout"] = {"layoutNumber": layout, "self": request.link(f"layouts/{layout}")}
        for key in ("salesPerson", "vendorReference"):
            person = (body.get("references") or {}).get(key)
            if person:
                person["self"] = request.link(f"employees/{person['employeeNumber']}")
        # References the fake does not resolve keep what was sent; add the links
        # e-conomic's GET schema requires (shapes as in the captured invoices).
        project = body.get("project")
        if project and project.get("projectNumber") is not None:
            project["self"] = request.link(f"projects/{project['projectNumber']}")
        contacts = f"customers/{customer}/contacts"
        attention = body["recipient"].get("attention")
        if attention and attention.get("customerContactNumber") is not None:
            attention["self"] = request.link(f"{contacts}/{attention['customerContactNumber']}")
        contact = (body.get("references") or {}).get("customerContact")
        if contact and contact.get("customerContactNumber") is not None:
            contact["customer"] = {
                "customerNumber": customer,
                "self": request.link(f"customers/{customer}"),
            }
            contact["self"] = request.link(f"{contacts}/{contact['customerContactNumber']}")
        for line in body.get("lines", []):
            if line.get("product"):
                line["product"]["self"] = request.link(
                    "products/" + encode_id(line["product"]["productNumber"])
                )
            if line.get("unit"):
                line["unit"] = self._render_unit(request, line["unit"]["unitNumber"])

    def render_draft(self, request, draft, with_lines=True):
        number = draft["draftInvoiceNumber"]
        link = request.link(f"invoices/drafts/{number}")
        body = {"draftInvoiceNumber": number}
        body.update(copy.deepcopy(draft))
        if not with_lines:
            body.pop("lines", None)
        for line in body.get("lines", []):
            line.pop("vatRate", None)  # drafts show VAT on the totals only
            line.pop("vatAmount", None)
        self._render_invoice_common(request, draft, body)
        body["soap"] = {"currentInvoiceHandle": {"id": number}}
        body["templates"] = {
            "bookingInstructions": link + "/templates/booking-instructions",
            "self": link + "/templates",
        }
        body["attachment"] = link + "/attachment"
        body["pdf"] = {"download": link + "/pdf"}
        body["self"] = link
        return body

    def store_draft(self, draft, number=None):
        if number is None:
            number = self._next_draft_number
        self._next_draft_number = max(self._next_draft_number, number + 1)
        draft["draftInvoiceNumber"] = number
        self.drafts[number] = draft
        return number

    def list_drafts(self, request):
        items = [
            self.render_draft(request, self.drafts[n], with_lines=False)
            for n in sorted(self.drafts)
        ]
        return self._collection(
            request,
            items,
            "invoices/drafts",
            DRAFT_FILTERS,
            set(DRAFT_FILTERS) - {"lastUpdated"},
            "draftInvoiceNumber",
            "Create a new draft invoice",
        )

    def get_draft(self, request, number):
        number = self._existing_number(request, self.drafts, number)
        return 200, self.render_draft(request, self.drafts[number]), {}

    def post_draft(self, request):
        draft = self.draft_from_payload(self._require_object_body(request))
        self.store_draft(draft)
        body = self.render_draft(request, draft)
        return self._created(request, body, body["self"])

    def put_draft(self, request, number):
        # [I] drafts are server-numbered, so PUT on an unknown draft is a 404, not an upsert.
        number = self._existing_number(request, self.drafts, number)
        draft = self.draft_from_payload(self._require_object_body(request))
        self.store_draft(draft, number)
        return 200, self.render_draft(request, draft), {}

    def delete_draft(self, request, number):
        number = self._existing_number(request, self.drafts, number)
        del self.drafts[number]
        return (
            200,
            {
                "message": "Deleted invoice.",
                "deletedCount": 1,
                "deletedItems": [
                    {
                        "draftInvoiceNumber": number,
                        "self": request.link(f"invoices/drafts/{number}"),
                    }
                ],
            },
            {},
        )

    def post_draft_lines(self, request, number):
        number = self._existing_number(request, self.drafts, number)
        errors = ValidationErrors()
        payload = rules.validate(self._require_object_body(request), rules.DRAFT_LINES_POST, errors)
        lines = payload.get("lines", [])
        self._validate_lines(lines, errors)
        self._check(errors)
        draft = self.drafts[number]
        draft.setdefault("lines", []).extend(lines)
        self.compute_amounts(draft)
        draft["lastUpdated"] = self._timestamp()
        rendered = self.render_draft(request, draft)
        added = rendered["lines"][-len(lines) :] if lines else []
        return 201, {"lines": added}, {"Location": rendered["self"]}

    def get_draft_pdf(self, request, number):
        number = self._existing_number(request, self.drafts, number)
        return self._pdf(f"Kladde {number}", self.drafts[number])

    def get_booking_instructions(self, request, number):
        number = self._existing_number(request, self.drafts, number)
        return (
            200,
            {
                "draftInvoice": {
                    "draftInvoiceNumber": number,
                    "self": request.link(f"invoices/drafts/{number}"),
                },
                "self": request.link(f"invoices/drafts/{number}/templates/booking-instructions"),
            },
            {},
        )

    def _pdf(self, title, invoice):
        customer = invoice["recipient"].get("name", "")
        lines = [title, customer, f"Dato: {invoice.get('date', '')}"]
        for line in invoice.get("lines", []):
            description = line.get("description", "")
            quantity = line.get("quantity", "")
            price = line.get("unitNetPrice", "")
            lines.append(f"{description}  {quantity} x {price}")
        gross = invoice.get("grossAmount", 0.0)
        lines.append(f"Total: {gross:.2f} {invoice.get('currency', '')}")
        return 200, make_pdf(lines), {"Content-Type": "application/pdf"}

    # ----------------------------------------------------------------- booked invoices
    def book_draft(self, draft_number, book_with_number=None):
        """Turn a draft into a booked invoice (the draft disappears)."""
        draft = self.drafts.pop(draft_number)
        number = book_with_number or (max(self.booked) + 1 if self.booked else 1)
        booked = {"bookedInvoiceNumber": number}
        for key, value in draft.items():
            if key not in (
                "draftInvoiceNumber",
                "marginInBaseCurrency",
                "marginPercentage",
                "costPriceInBaseCurrency",
                "lastUpdated",
            ):
                booked[key] = value
        booked["remainder"] = draft["grossAmount"]
        booked["remainderInBaseCurrency"] = draft["grossAmountInBaseCurrency"]
        for line in booked.get("lines", []):
            line.pop("marginInBaseCurrency", None)
            line.pop("marginPercentage", None)
        self.booked[number] = booked
        return number

    def render_booked(self, request, booked, with_lines=True):
        number = booked["bookedInvoiceNumber"]
        link = request.link(f"invoices/booked/{number}")
        body = {"bookedInvoiceNumber": number}
        body.update(copy.deepcopy(booked))
        if not with_lines:
            body.pop("lines", None)
        self._render_invoice_common(request, booked, body)
        body["pdf"] = {"download": link + "/pdf"}
        body["sent"] = link + "/sent"
        body["self"] = link
        return body

    def _book_from_request(self, request, url_number=None):
        errors = ValidationErrors()
        payload = rules.validate(self._require_object_body(request), rules.BOOK, errors)
        draft_number = self._resolve_ref(
            payload,
            ("draftInvoice",),
            "draftInvoiceNumber",
            errors,
            self.drafts,
            label="Draft invoice",
        )
        book_with = payload.get("bookWithNumber")
        if url_number is not None:
            if book_with is not None and book_with != url_number:
                errors.add(
                    ("bookWithNumber",),
                    rules.CODE_RANGE,
                    "bookWithNumber must match the number in the URL.",
                    book_with,
                )
            book_with = url_number
        if book_with is not None and book_with in self.booked:
            errors.add(
                ("bookWithNumber",),
                rules.CODE_DUPLICATE,
                f"Invoice number {book_with} is already used.",
                book_with,
            )
        self._check(errors)
        number = self.book_draft(draft_number, book_with)
        body = self.render_booked(request, self.booked[number])
        return self._created(request, body, body["self"])

    def post_booked(self, request):
        return self._book_from_request(request)

    def put_booked(self, request, number):
        return self._book_from_request(request, self._number_or_404(request, number))

    def list_booked(self, request):
        items = [
            self.render_booked(request, self.booked[n], with_lines=False)
            for n in sorted(self.booked)
        ]
        return self._collection(
            request,
            items,
            "invoices/booked",
            BOOKED_FILTERS,
            set(BOOKED_FILTERS),
            "bookedInvoiceNumber",
        )

    def get_booked(self, request, number):
        number = self._existing_number(request, self.booked, number)
        return 200, self.render_booked(request, self.booked[number]), {}

    def get_booked_pdf(self, request, number):
        number = self._existing_number(request, self.booked, number)
        return self._pdf(f"Faktura {number}", self.booked[number])

    # ----------------------------------------------------------------- projectsapi
    def _projects_module_guard(self, request):
        """Everything but Employees/EmployeeGroups needs the Project module (403)."""
        head = request.path.strip("/").split("/", 1)[0].lower()
        if self.project_module or head in ("employees", "employeegroups"):
            return None
        return self._problem(403, "Missing modules: Project", "AccessDeniedAgreementMissingModules")

    def render_projects_employee(self, employee):
        body = {
            "number": employee["employeeNumber"],
            "groupNumber": employee["employeeGroup"]["employeeGroupNumber"],
            "name": employee["name"],
            "isBarred": bool(employee.get("barred")),
        }
        for key in ("phone", "email"):
            if employee.get(key):
                body[key] = employee[key]
        body["objectVersion"] = employee.get("objectVersion", "1")
        return body

    def _projects_validation(self, errors):
        items = [
            {
                "message": item["errorMessage"],
                "errorCode": item["errorCode"],
                "property": ".".join(str(p) for p in path),
            }
            for path, item in errors.items
        ]
        return self._problem(400, "Validation failed.", "ValidationFailed", items)

    def _cursor_listing(self, request, items, fields):
        filter_text = request.query.get("filter")
        if filter_text:
            try:
                predicate = filters.parse_filter(filter_text, fields)
            except filters.FilterError as exc:
                return self._problem(
                    400,
                    "Invalid filter.",
                    "InvalidFilter",
                    [{"message": str(exc), "errorCode": "InvalidFilter", "property": "filter"}],
                )
            items = [item for item in items if predicate(item)]
        cursor = _int_segment(request.query.get("cursor"))
        if cursor is not None:
            items = [item for item in items if item["number"] > cursor]
        page = items[:CURSOR_PAGE_SIZE]
        body = {"items": page}
        if len(items) > CURSOR_PAGE_SIZE:
            body["cursor"] = str(page[-1]["number"])
        return 200, body, {}

    def projects_list_employees(self, request):
        items = [self.render_projects_employee(self.employees[n]) for n in sorted(self.employees)]
        return self._cursor_listing(request, items, PROJECTS_EMPLOYEE_FILTERS)

    def projects_count_employees(self, request):
        return 200, len(self.employees), {}

    def projects_get_employee(self, request, number):
        number = self._existing_number(request, self.employees, number)
        return 200, self.render_projects_employee(self.employees[number]), {}

    def _projects_employee_payload(self, request):
        if not isinstance(request.json, dict):
            errors = ValidationErrors()
            errors.add(("body",), rules.CODE_TYPE, "A JSON object is required.")
            self._raise(self._projects_validation(errors))
        errors = ValidationErrors()
        # the dispatcher checked the body against the published schema; the rules know which
        # properties are nullable (number, phone...) and required (number may be null)
        payload = rules.validate(request.json, rules.PROJECTS_EMPLOYEE, errors)
        group = payload.get("groupNumber")
        if group is not None and group not in self.employee_groups:
            errors.add(
                ("groupNumber",),
                "EmployeeGroupNotFound",
                f"Employee group {group} not found.",
                group,
            )
        if errors:
            self._raise(self._projects_validation(errors))
        return payload

    def _store_projects_employee(self, number, payload, version):
        employee = {
            "employeeNumber": number,
            "name": payload["name"],
            "employeeGroup": {"employeeGroupNumber": payload["groupNumber"]},
            "objectVersion": str(version),
        }
        for key in ("phone", "email"):
            if payload.get(key):
                employee[key] = payload[key]
        if payload.get("isBarred"):
            employee["barred"] = True
        self.employees[number] = employee
        return employee

    def projects_post_employee(self, request):
        payload = self._projects_employee_payload(request)
        number = payload.get("number")
        if number in self.employees:
            errors = ValidationErrors()
            errors.add(
                ("number",),
                "EmployeeNumberAlreadyExists",
                f"Employee number {number} already exists.",
                number,
            )
            self._raise(self._projects_validation(errors))
        if not number:
            number = lowest_free_number(self.employees)
        self._store_projects_employee(number, payload, 1)
        return 201, {"number": number}, {"Location": request.link(f"Employees/{number}")}

    def projects_put_employee(self, request):
        payload = self._projects_employee_payload(request)
        number = payload.get("number")
        current = self.employees.get(number)
        if current is None:
            return self._not_found(request)
        if payload.get("objectVersion") != current.get("objectVersion", "1"):
            return self._problem(409, "Update conflict. Version does not match.", "VersionConflict")
        version = int(current.get("objectVersion", "1")) + 1
        self._store_projects_employee(number, payload, version)
        return 204, None, {}

    def projects_list_employee_groups(self, request):
        items = [
            dict(self.employee_groups[n], objectVersion="1") for n in sorted(self.employee_groups)
        ]
        return self._cursor_listing(request, items, {"number": "int", "name": "string"})

    def projects_get_employee_group(self, request, number):
        number = self._existing_number(request, self.employee_groups, number)
        return 200, dict(self.employee_groups[number], objectVersion="1"), {}

    def projects_list_projects(self, request):
        blocked = self._projects_module_guard(request)
        if blocked:
            return blocked
        return 200, {"items": []}, {}

    def projects_count_projects(self, request):
        blocked = self._projects_module_guard(request)
        if blocked:
            return blocked
        return 200, 0, {}
