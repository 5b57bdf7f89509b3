# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""A small JSON Schema draft-03 validator for e-conomic's published Legacy REST schemas.

Only the keywords those schemas use are implemented: ``type`` (a name or a list of names),
``properties`` with draft-03 ``required: true`` per property (a draft-04 list is accepted
too), ``items``, ``additionalProperties``, ``enum``, ``minimum``/``maximum`` with the
draft-03 boolean ``exclusiveMinimum``/``exclusiveMaximum``, ``minLength``/``maxLength``,
``pattern`` (searched, not anchored, as JSON Schema specifies), ``minItems``/``maxItems``,
``format`` (``full-date``/``date``, ``date-time`` and ``uri``, loosely) and e-conomic's own
``maxDecimal`` (also spelt ``maxDecimals``). Anything else (``description``,
``filterable``, ``sortable``...) is documentation and ignored.

Two e-conomic rules are built in (economic-api.md §3.1):
- ``mode="write"`` skips properties marked ``readOnly`` (also spelt ``readonly``): the API
  ignores them on POST/PUT. ``mode="read"`` checks them like any other property.
- In a reference object, a ``self`` link stands in for a required ``...Number``.

The schemas are e-conomic's files, kept as published in ``schemas/``.
"""

import datetime
import decimal
import functools
import json
import math
import os
import re

from . import rules

SCHEMA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "schemas")
FIXTURE_DIR = os.path.join(SCHEMA_DIR, "fixtures")

CODE_PATTERN = "E04620"  # [I] string does not match the schema's pattern
CODE_FORMAT = rules.CODE_DATE  # [I] e-conomic names no code for format errors
CODE_ITEMS = "E04630"  # [I] too few/many array items
CODE_ADDITIONAL = "E04640"  # [I] property not allowed by additionalProperties: false

JSON_TYPES = {
    "string": lambda value: isinstance(value, str),
    "integer": lambda value: _is_integer(value),
    "number": lambda value: isinstance(value, (int, float)) and not isinstance(value, bool),
    "boolean": lambda value: isinstance(value, bool),
    "object": lambda value: isinstance(value, dict),
    "array": lambda value: isinstance(value, list),
    "null": lambda value: value is None,
    "any": lambda value: True,
}
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATE_TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
URI_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")


def _is_integer(value):
    """JSON integers; 2.0 counts, as it does for e-conomic's (and the fake's) parser."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


@functools.cache
def _load_cached(name):
    path = os.path.join(SCHEMA_DIR, name if name.endswith(".json") else name + ".schema.json")
    with open(path, encoding="utf-8-sig") as handle:
        return json.load(handle)


def load(name):
    """The published schema `name` (e.g. "customers.post"), parsed once per process.

    Callers must not modify the returned document.
    """
    return _load_cached(name)


def load_fixture(name):
    """A captured e-conomic response from `schemas/fixtures/` (a fresh copy)."""
    with open(os.path.join(FIXTURE_DIR, name), encoding="utf-8-sig") as handle:
        return json.load(handle)


class SchemaError:
    """One violation: `path` is a tuple like ("lines", 0, "quantity")."""

    __slots__ = ("path", "code", "message", "value")

    def __init__(self, path, code, message, value=None):
        self.path = tuple(path)
        self.code = code
        self.message = message
        self.value = value

    def __repr__(self):
        return f"SchemaError({format_path(self.path)}: {self.message})"


def format_path(path):
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else ("." if text else "") + part
    return text or "(document)"


def validate(document, schema, *, mode="read"):
    """Return the list of SchemaError for `document`; empty when it conforms."""
    if mode not in ("read", "write"):
        raise ValueError("mode must be 'read' or 'write'")
    errors = []
    _check(document, schema, (), mode, errors)
    return errors


def _is_read_only(schema):
    return bool(schema.get("readOnly") or schema.get("readonly"))


def _type_names(schema):
    declared = schema.get("type")
    if declared is None:
        return None
    names = declared if isinstance(declared, list) else [declared]
    # draft-03 allows schemas inside a type list; those match anything here.
    return [name if isinstance(name, str) else "any" for name in names]


def _json_name(value):
    return rules.json_type_name(value)


def _check(value, schema, path, mode, errors):
    if not isinstance(schema, dict):
        return
    names = _type_names(schema)
    if names is not None and not any(
        JSON_TYPES.get(name, JSON_TYPES["any"])(value) for name in names
    ):
        expected = " or ".join(rules.KIND_NAMES.get(name, name.capitalize()) for name in names)
        errors.append(
            SchemaError(
                path,
                rules.CODE_TYPE,
                f"Expected {expected} but got {_json_name(value)}.",
                value,
            )
        )
        return
    if "enum" in schema and value not in schema["enum"]:
        errors.append(
            SchemaError(path, rules.CODE_ENUM, f'Value "{value}" is not defined in enum.', value)
        )
        return
    if isinstance(value, str):
        _check_string(value, schema, path, errors)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        _check_number(value, schema, path, errors)
    elif isinstance(value, dict):
        _check_object(value, schema, path, mode, errors)
    elif isinstance(value, list):
        _check_array(value, schema, path, mode, errors)


def _check_string(value, schema, path, errors):
    if "minLength" in schema and len(value) < schema["minLength"]:
        errors.append(
            SchemaError(
                path,
                rules.CODE_LENGTH,
                f"String '{value}' is less than minimum length of {schema['minLength']}.",
                value,
            )
        )
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        errors.append(
            SchemaError(
                path,
                rules.CODE_LENGTH,
                f"String '{value[:40]}' exceeds maximum length of {schema['maxLength']}.",
                value,
            )
        )
    if "pattern" in schema and not re.search(schema["pattern"], value):
        errors.append(
            SchemaError(
                path,
                CODE_PATTERN,
                f"String '{value[:40]}' does not match regex pattern '{schema['pattern']}'.",
                value,
            )
        )
    problem = _format_problem(value, schema.get("format"))
    if problem:
        errors.append(SchemaError(path, CODE_FORMAT, problem, value))


def _is_iso_date(text):
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _format_problem(value, fmt):
    if fmt in ("full-date", "date"):
        # e-conomic answers full-date fields such as lastUpdated with a timestamp
        # (economic-api.md §3.1); accept a date-time whose date part is valid.
        if DATE_RE.match(value) and _is_iso_date(value):
            return None
        if DATE_TIME_RE.match(value) and _is_iso_date(value[:10]):
            return None
        return f"'{value}' is not a valid date (YYYY-MM-DD)."
    if fmt == "date-time" and not DATE_TIME_RE.match(value):
        return f"'{value}' is not a valid date-time."
    if fmt == "uri" and not URI_RE.match(value):
        return f"'{value}' is not a valid URI."
    return None


def _decimal_places(number):
    if isinstance(number, int) or not math.isfinite(number):
        return 0
    exponent = decimal.Decimal(repr(number)).normalize().as_tuple().exponent
    return max(0, -exponent)


def _check_number(value, schema, path, errors):
    name = "Integer" if isinstance(value, int) else "Number"
    if "minimum" in schema:
        low = schema["minimum"]
        or_equal = "or equal to " if value == low else ""
        if value < low or (schema.get("exclusiveMinimum") and value == low):
            errors.append(
                SchemaError(
                    path,
                    rules.CODE_RANGE,
                    f"{name} {value} is less than {or_equal}minimum value of {low}.",
                    value,
                )
            )
    if "maximum" in schema:
        high = schema["maximum"]
        if value > high or (schema.get("exclusiveMaximum") and value == high):
            errors.append(
                SchemaError(
                    path,
                    rules.CODE_RANGE,
                    f"{name} {value} exceeds maximum value of {high}.",
                    value,
                )
            )
    places = schema.get("maxDecimal", schema.get("maxDecimals"))
    if places is not None and _decimal_places(value) > places:
        field = next((part for part in reversed(path) if isinstance(part, str)), "value")
        errors.append(
            SchemaError(
                path,
                rules.CODE_DECIMALS,
                f"{field} scale cannot be greater than {places} decimal places.",
                value,
            )
        )


def _required_names(schema):
    properties = schema.get("properties") or {}
    names = [
        name
        for name, sub in properties.items()
        if isinstance(sub, dict) and sub.get("required") is True
    ]
    if isinstance(schema.get("required"), list):  # draft-04 style, tolerated
        names += [name for name in schema["required"] if name not in names]
    return names


def _check_object(value, schema, path, mode, errors):
    properties = schema.get("properties")
    if not isinstance(properties, dict):
        properties = {}
    for name in _required_names(schema):
        if name in value:
            continue
        sub = properties.get(name) or {}
        if mode == "write" and _is_read_only(sub):
            continue
        # A reference may name its target by `self` instead of its number (§3.1).
        if name.endswith("Number") and isinstance(value.get("self"), str):
            continue
        errors.append(
            SchemaError(path + (name,), rules.CODE_REQUIRED, f"Property {name} is required.")
        )
    for name, item in value.items():
        sub = properties.get(name)
        if sub is None:
            additional = schema.get("additionalProperties", True)
            if additional is False:
                errors.append(
                    SchemaError(
                        path + (name,), CODE_ADDITIONAL, f"Property {name} is not allowed.", item
                    )
                )
            elif isinstance(additional, dict):
                _check(item, additional, path + (name,), mode, errors)
            continue
        if mode == "write" and isinstance(sub, dict) and _is_read_only(sub):
            continue  # e-conomic ignores read-only properties on write
        _check(item, sub, path + (name,), mode, errors)


def _check_array(value, schema, path, mode, errors):
    if "minItems" in schema and len(value) < schema["minItems"]:
        errors.append(
            SchemaError(
                path, CODE_ITEMS, f"Array has fewer than {schema['minItems']} items.", len(value)
            )
        )
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        errors.append(
            SchemaError(
                path, CODE_ITEMS, f"Array has more than {schema['maxItems']} items.", len(value)
            )
        )
    items = schema.get("items")
    if isinstance(items, dict):
        for index, item in enumerate(value):
            _check(item, items, path + (index,), mode, errors)
    elif isinstance(items, list):  # tuple typing
        for index, (item, sub) in enumerate(zip(value, items, strict=False)):
            _check(item, sub, path + (index,), mode, errors)


# --- The schemas of the writes the fake validates (route handler -> published schema) ---
# `url` names path parameters that supply a property the body may omit ("the URL decides",
# as the fake's PUT handlers do): {parameter: (property, decode)}.
WRITE_SCHEMAS = {
    "post_customer": ("customers.post", {}),
    "put_customer": ("customers.customerNo.put", {}),
    "post_product": ("products.post", {}),
    "put_product": ("products.productNumber.put", {"product": ("productNumber", "id")}),
    "post_draft": ("invoices.drafts.post", {}),
    "put_draft": ("invoices.drafts.draftInvoiceNumber.put", {}),
    "post_draft_lines": ("invoices.drafts.draftInvoiceNumber.lines.post", {}),
    "post_booked": ("invoices.booked.post", {}),
    "put_booked": ("invoices.booked.bookWithNumber.put", {}),
}
