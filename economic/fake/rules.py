# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Payload validation in e-conomic's style, and its error bodies.

Each resource declares its writable fields with `F(...)`. `validate()` drops unknown and
read-only properties (as e-conomic does), rejects `null`, wrong types, out-of-range values,
more than the allowed decimals and unknown enum values, and reports missing required
properties. Errors are collected, then rendered as the annotated "Validation failed" body.

Error codes marked [I] are our choice where no source names the real one.
"""

import datetime
import decimal

CODE_VALIDATION_FAILED = "E04300"
CODE_TYPE = "E04100"  # [I] wrong JSON type, null included
CODE_REQUIRED = "E04200"  # [I] required property missing
CODE_NO_IDENTIFIER = "E04500"  # reference without a number or self
CODE_LENGTH = "E04600"  # [I] string too short/long
CODE_RANGE = "E04610"  # [I] number below minimum / above maximum
CODE_ENUM = "E04700"  # [I] value not in the (case-sensitive) enum
CODE_QUANTITY = "E04730"  # quantity missing while a product is set
CODE_DECIMALS = "E04740"  # more than two decimals
CODE_DATE = "E04750"  # [I] not a YYYY-MM-DD date
CODE_DUE_DATE_MISSING = "E04042"
CODE_DUE_DATE_BEFORE = "E04760"
CODE_NOT_FOUND = "E06000"
CODE_DUPLICATE = "E06050"  # [I] number already in use
CODE_IN_USE = "E06060"  # [I] record referenced elsewhere, cannot be deleted
CODE_TERMS_TYPE = "E07180"
CODE_PAGE_SIZE = "E04810"

JSON_TYPE_NAMES = {
    type(None): "Null",
    bool: "Boolean",
    int: "Integer",
    float: "Number",
    str: "String",
    dict: "Object",
    list: "Array",
}
KIND_NAMES = {
    "string": "String",
    "date": "String",
    "integer": "Integer",
    "number": "Number",
    "boolean": "Boolean",
    "object": "Object",
    "array": "Array",
}


class F:
    """A field of a writable document."""

    def __init__(
        self,
        kind,
        *,
        required=False,
        min_len=None,
        max_len=None,
        minimum=None,
        maximum=None,
        decimals=None,
        enum=None,
        props=None,
        items=None,
        readonly=False,
        nullable=False,
    ):
        self.kind = kind
        self.nullable = nullable  # OpenAPI "nullable": null is a valid value
        self.required = required
        self.min_len = min_len
        self.max_len = max_len
        self.minimum = minimum
        self.maximum = maximum
        self.decimals = decimals
        self.enum = enum
        self.props = props
        self.items = items
        self.readonly = readonly


def ref(number_field, *, required=False, kind="integer", **constraints):
    """A reference object `{<number_field>: n}` or `{self: url}`."""
    return F(
        "object",
        required=required,
        props={
            number_field: F(kind, **constraints),
            "self": F("string"),
        },
    )


class ValidationErrors:
    """Collects errors as (path, item) where path is like ("lines", 0, "quantity")."""

    def __init__(self):
        self.items = []

    def __bool__(self):
        return bool(self.items)

    def __len__(self):
        return len(self.items)

    def add(self, path, code, message, value=None, hint=None):
        path = tuple(path)
        name = next((part for part in reversed(path) if isinstance(part, str)), "")
        self.items.append(
            (
                path,
                {
                    "propertyName": name,
                    "errorMessage": message,
                    "errorCode": code,
                    "inputValue": value,
                    "developerHint": hint or "Inspect validation errors and correct your request.",
                },
            )
        )

    def tree(self):
        """Mirror of the request document, each failing property holding {errors: [...]}."""
        root = {}
        for path, item in self.items:
            container = root
            index = 0
            while index < len(path):
                segment = path[index]
                is_last = index == len(path) - 1
                following = None if is_last else path[index + 1]
                if isinstance(following, int):
                    elements = container.setdefault(segment, [])
                    element = next((e for e in elements if e.get("arrayIndex") == following), None)
                    if element is None:
                        element = {"arrayIndex": following}
                        elements.append(element)
                    container = element
                    if index + 1 == len(path) - 1:  # error on the array item itself
                        container.setdefault("errors", []).append(item)
                    index += 2
                    continue
                node = container.setdefault(segment, {})
                if is_last:
                    node.setdefault("errors", []).append(item)
                container = node
                index += 1
        return root


def json_type_name(value):
    return JSON_TYPE_NAMES.get(type(value), "Unknown")


def decimal_places(number):
    exponent = decimal.Decimal(repr(number)).normalize().as_tuple().exponent
    return max(0, -exponent)


def validate(document, spec, errors, path=()):
    """Return a cleaned copy of `document` following `spec`, adding problems to `errors`."""
    if not isinstance(document, dict):
        errors.add(
            path or ("document",),
            CODE_TYPE,
            f"Expected Object but got {json_type_name(document)}.",
            document,
        )
        return {}
    cleaned = {}
    for name, value in document.items():
        field = spec.get(name)
        if field is None or field.readonly:
            continue  # unknown and read-only properties are ignored
        if value is None and field.nullable:
            continue
        value = _validate_value(value, field, errors, path + (name,))
        if value is not None:
            cleaned[name] = value
    for name, field in spec.items():
        if field.required and name not in document:
            errors.add(path + (name,), CODE_REQUIRED, f"Property {name} is required.")
    return cleaned


def _validate_value(value, field, errors, path):
    expected = KIND_NAMES[field.kind]
    actual = json_type_name(value)
    type_ok = {
        "string": isinstance(value, str),
        "date": isinstance(value, str),
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, (int, float)) and not isinstance(value, bool),
        "boolean": isinstance(value, bool),
        "object": isinstance(value, dict),
        "array": isinstance(value, list),
    }[field.kind]
    if field.kind == "integer" and isinstance(value, float) and value.is_integer():
        value, type_ok = int(value), True
    if not type_ok:
        errors.add(path, CODE_TYPE, f"Expected {expected} but got {actual}.", value)
        return None
    if field.enum is not None and value not in field.enum:
        errors.add(path, CODE_ENUM, f'Value "{value}" is not defined in enum.', value)
        return None
    if field.kind in ("string", "date"):
        return _validate_string(value, field, errors, path)
    if field.kind in ("integer", "number"):
        return _validate_number(value, field, errors, path)
    if field.kind == "boolean":
        return value or None  # omitted means false
    if field.kind == "object":
        return validate(value, field.props or {}, errors, path)
    # array of objects
    return [
        validate(item, field.items or {}, errors, path + (index,))
        for index, item in enumerate(value)
    ]


def _validate_string(value, field, errors, path):
    if field.min_len is not None and len(value) < field.min_len:
        errors.add(
            path,
            CODE_LENGTH,
            f"String '{value}' is less than minimum length of {field.min_len}.",
            value,
        )
        return None
    if field.max_len is not None and len(value) > field.max_len:
        errors.add(
            path,
            CODE_LENGTH,
            f"String '{value[:40]}' exceeds maximum length of {field.max_len}.",
            value,
        )
        return None
    if field.kind == "date":
        try:
            datetime.date.fromisoformat(value)
        except ValueError:
            errors.add(path, CODE_DATE, f"'{value}' is not a valid date (YYYY-MM-DD).", value)
            return None
    return value


def _validate_number(value, field, errors, path):
    name = KIND_NAMES[field.kind]
    if field.minimum is not None and value < field.minimum:
        errors.add(
            path,
            CODE_RANGE,
            f"{name} {value} is less than minimum value of {field.minimum}.",
            value,
        )
        return None
    if field.maximum is not None and value > field.maximum:
        errors.add(
            path,
            CODE_RANGE,
            f"{name} {value} exceeds maximum value of {field.maximum}.",
            value,
        )
        return None
    if field.decimals is not None and decimal_places(value) > field.decimals:
        errors.add(
            path,
            CODE_DECIMALS,
            f"{path[-1]} scale cannot be greater then two decimal places.",
            value,
        )
        return None
    return value


# --- Resource specifications (writable fields only; everything else is ignored) ---

PAYMENT_TERMS_TYPES = (
    "net",
    "invoiceMonth",
    "paidInCash",
    "prepaid",
    "dueDate",
    "factoring",
    "invoiceWeekStartingSunday",
    "invoiceWeekStartingMonday",
    "creditcard",
    "avtaleGiro",
)

CUSTOMER = {
    "customerNumber": F("integer", minimum=1, maximum=999999999),
    "name": F("string", required=True, min_len=1, max_len=255),
    "currency": F("string", required=True, min_len=3, max_len=3),
    "customerGroup": ref("customerGroupNumber", required=True, minimum=1),
    "paymentTerms": ref("paymentTermsNumber", required=True, minimum=1),
    "vatZone": ref("vatZoneNumber", required=True, minimum=1),
    "layout": ref("layoutNumber", minimum=1),
    "salesPerson": ref("employeeNumber", minimum=1),
    "address": F("string", max_len=510),
    "city": F("string", max_len=50),
    "zip": F("string", max_len=30),
    "country": F("string", max_len=50),
    "email": F("string", max_len=255),
    "telephoneAndFaxNumber": F("string", max_len=255),
    "mobilePhone": F("string", max_len=50),
    "website": F("string", max_len=255),
    "corporateIdentificationNumber": F("string", max_len=40),
    "pNumber": F("string", min_len=10, max_len=10),
    "ean": F("string", max_len=40),
    "publicEntryNumber": F("string", max_len=50),
    "vatNumber": F("string", max_len=50),
    "barred": F("boolean"),
    "creditLimit": F("number", decimals=2),
    "eInvoicingDisabledByDefault": F("boolean"),
}

PRODUCT = {
    "productNumber": F("string", required=True, min_len=1, max_len=25),
    "name": F("string", required=True, min_len=1, max_len=300),
    "productGroup": ref("productGroupNumber", required=True, minimum=1),
    "description": F("string", max_len=500),
    "salesPrice": F("number", decimals=2),
    "costPrice": F("number", decimals=2),
    "recommendedPrice": F("number", decimals=2),
    "barCode": F("string", max_len=50),
    "barred": F("boolean"),
    "unit": ref("unitNumber", minimum=1),
}

DRAFT_LINE = {
    "lineNumber": F("integer", minimum=1),
    "sortKey": F("integer", minimum=1),
    "description": F("string", max_len=2500),
    "product": ref("productNumber", kind="string", max_len=25),
    "quantity": F("number", decimals=2),
    "unitNetPrice": F("number", decimals=2),
    "discountPercentage": F("number", decimals=2),
    "unitCostPrice": F("number", decimals=2),
    "unit": ref("unitNumber", minimum=1),
    "accrual": F("object", props={"startDate": F("date"), "endDate": F("date")}),
}

DRAFT = {
    "date": F("date", required=True),
    "currency": F("string", required=True, min_len=3, max_len=3),
    "exchangeRate": F("number", maximum=999999999999),
    "dueDate": F("date"),
    "layout": ref("layoutNumber", required=True, minimum=1),
    "project": ref("projectNumber", minimum=1),
    "paymentTerms": F(
        "object",
        required=True,
        props={
            "paymentTermsNumber": F("integer", minimum=1),
            "paymentTermsType": F("string", enum=PAYMENT_TERMS_TYPES),
            "self": F("string"),
        },
    ),
    "customer": ref("customerNumber", required=True, minimum=1, maximum=999999999),
    "recipient": F(
        "object",
        required=True,
        props={
            "name": F("string", required=True, max_len=250),
            "address": F("string", max_len=250),
            "zip": F("string", max_len=50),
            "city": F("string", max_len=250),
            "country": F("string", max_len=50),
            "ean": F("string", max_len=13),
            "publicEntryNumber": F("string", max_len=40),
            "attention": ref("customerContactNumber"),
            "vatZone": ref("vatZoneNumber", required=True),
            "mobilePhone": F("string"),
            "nemHandelType": F(
                "string", enum=("ean", "corporateIdentificationNumber", "pNumber", "peppol")
            ),
        },
    ),
    "delivery": F(
        "object",
        props={
            "address": F("string", max_len=255),
            "zip": F("string", max_len=30),
            "city": F("string", max_len=50),
            "country": F("string", max_len=50),
            "deliveryTerms": F("string", max_len=100),
            "deliveryDate": F("date"),
        },
    ),
    "notes": F(
        "object",
        props={
            "heading": F("string", max_len=250),
            "textLine1": F("string", max_len=1000),
            "textLine2": F("string", max_len=1000),
        },
    ),
    "references": F(
        "object",
        props={
            "other": F("string", max_len=250),
            "salesPerson": ref("employeeNumber", minimum=1),
            "vendorReference": ref("employeeNumber", minimum=1),
            "customerContact": ref("customerContactNumber", minimum=1),
        },
    ),
    "lines": F("array", items=DRAFT_LINE),
}

DRAFT_LINES_POST = {"lines": F("array", required=True, items=DRAFT_LINE)}

BOOK = {
    "draftInvoice": ref("draftInvoiceNumber", required=True, minimum=1, maximum=999999999),
    "bookWithNumber": F("integer", minimum=1, maximum=999999999),
    "sendBy": F("string", enum=("none", "EAN", "Email")),
}

# projectsapi Employee (flat OpenAPI fields).
# projectsapi Employee (openapi-Projects.json): groupNumber, isBarred, name and number are
# required; number, phone, email and objectVersion are nullable.
PROJECTS_EMPLOYEE = {
    "number": F("integer", required=True, nullable=True, minimum=0, maximum=999999),
    "groupNumber": F("integer", required=True),
    "name": F("string", required=True, max_len=100),
    "isBarred": F("boolean", required=True),
    "phone": F("string", max_len=20, nullable=True),
    "email": F("string", max_len=50, nullable=True),
    "objectVersion": F("string", nullable=True),
}
