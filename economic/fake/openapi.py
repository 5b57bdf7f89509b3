# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""e-conomic's OpenAPI services as published: routes and request bodies, validated.

One ``OpenApiService`` per published specification file in ``schemas/openapi/`` (copied
unchanged from the public reference). It answers two questions for the fake, generically, so
any OpenAPI service the fake imitates (projectsapi today, webhooksapi later) gets the same
strictness:

- ``service.operation(method, path)``: the documented operation of a request, or why not
  (``NOT_FOUND`` when e-conomic documents no such path, ``(METHOD_NOT_ALLOWED, allowed)``
  when the path exists but not with this method);
- ``service.validate_request(operation, document)``: the list of ``schema.SchemaError`` of a
  JSON body against the operation's ``requestBody`` schema.

The validator implements the OpenAPI 3.0 schema keywords the published files use: ``$ref``
(local), ``allOf``, ``type`` (with ``format: int32`` bounds), ``nullable``, ``enum``,
``required`` (a list), ``properties``, ``additionalProperties``, ``items``,
``minLength``/``maxLength``, ``minimum``/``maximum`` (boolean ``exclusiveMinimum`` /
``exclusiveMaximum``), ``pattern``, ``minItems``/``maxItems`` and the ``date``/``date-time``
formats. ``readOnly`` properties are not required in requests (the spec: "provide the same
value you get in the GET requests, or do not send the property"). Descriptions, ``x-*``
extensions and examples are documentation and ignored.
"""

import functools
import json
import os
import re
from urllib.parse import urlsplit

from .schema import DATE_RE, DATE_TIME_RE, SCHEMA_DIR, SchemaError

OPENAPI_DIR = os.path.join(SCHEMA_DIR, "openapi")
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
INT32 = (-(2**31), 2**31 - 1)

NOT_FOUND = "not_found"
METHOD_NOT_ALLOWED = "method_not_allowed"

# [I] the projectsapi names no codes for schema violations; these name the rule broken.
CODE_REQUIRED = "PropertyRequired"
CODE_NULL = "NullNotAllowed"
CODE_TYPE = "InvalidType"
CODE_ENUM = "InvalidEnumValue"
CODE_LENGTH = "InvalidLength"
CODE_RANGE = "OutOfRange"
CODE_PATTERN = "InvalidFormat"
CODE_ITEMS = "InvalidItemCount"
CODE_ADDITIONAL = "PropertyNotAllowed"
CODE_BODY = "InvalidBody"

_TYPE_NAMES = {
    "string": "String",
    "integer": "Integer",
    "number": "Number",
    "boolean": "Boolean",
    "object": "Object",
    "array": "Array",
}


def _json_kind(value):
    if value is None:
        return "Null"
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Integer"
    if isinstance(value, float):
        return "Number"
    if isinstance(value, str):
        return "String"
    if isinstance(value, list):
        return "Array"
    return "Object"


def _is_type(value, name):
    if name == "string":
        return isinstance(value, str)
    if name == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer()
        )
    if name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if name == "boolean":
        return isinstance(value, bool)
    if name == "object":
        return isinstance(value, dict)
    if name == "array":
        return isinstance(value, list)
    return True


class OpenApiService:
    """One published OpenAPI specification: its routes and its request schemas."""

    def __init__(self, document):
        self.document = document
        server = (document.get("servers") or [{}])[0].get("url", "")
        # "/projectsapi/v1.1.0": where the service's paths start on apis.e-conomic.com
        self.base_path = urlsplit(server).path.rstrip("/")
        self.title = (document.get("info") or {}).get("title", "")
        self._routes = []
        for template, item in (document.get("paths") or {}).items():
            # {number} matches one segment; e-conomic's OpenAPI paths are case-insensitive
            pattern = re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(template.rstrip("/") or "/"))
            methods = {m.upper(): op for m, op in item.items() if m in HTTP_METHODS}
            self._routes.append((template, re.compile(pattern, re.IGNORECASE), methods))
        # a literal segment wins over a parameter (/Employees/count before /Employees/{number})
        self._routes.sort(key=lambda route: route[0].count("{"))

    @classmethod
    def from_file(cls, filename):
        return _load_service(filename)

    def operations(self):
        """Every documented (method, path template)."""
        return sorted(
            (method, template) for template, _pattern, methods in self._routes for method in methods
        )

    def route(self, path):
        """(template, {METHOD: operation}) of the documented path ``path``, or None."""
        path = path.rstrip("/") or "/"
        for template, pattern, methods in self._routes:
            if pattern.fullmatch(path):
                return template, methods
        return None

    def operation(self, method, path):
        """The operation documented for ``method path`` (path relative to ``base_path``).

        :return: (template, operation dict); or ``NOT_FOUND``; or
            ``(METHOD_NOT_ALLOWED, sorted allowed methods)``
        """
        found = self.route(path)
        if found is None:
            return NOT_FOUND
        template, methods = found
        operation = methods.get(method.upper())
        if operation is None:
            return METHOD_NOT_ALLOWED, sorted(methods)
        return template, operation

    def request_schema(self, operation):
        """The JSON request body schema of an operation, or None when it takes no body."""
        content = (operation.get("requestBody") or {}).get("content") or {}
        media = content.get("application/json") or next(iter(content.values()), None)
        return (media or {}).get("schema")

    def response_schema(self, operation, status="200"):
        content = ((operation.get("responses") or {}).get(str(status)) or {}).get("content") or {}
        media = content.get("application/json") or next(iter(content.values()), None)
        return (media or {}).get("schema")

    def schema_name(self, schema):
        """``Employee`` for ``{"$ref": "#/components/schemas/Employee"}`` (else None)."""
        ref = (schema or {}).get("$ref", "")
        return ref.rsplit("/", 1)[-1] if ref.startswith("#/components/schemas/") else None

    def component(self, name):
        return self.document["components"]["schemas"][name]

    def validate_request(self, operation, document):
        """Errors of a request body against the operation's published schema (write rules)."""
        schema = self.request_schema(operation)
        if schema is None:
            return []
        return self.validate(document, schema, mode="write")

    def validate(self, document, schema, *, mode="read"):
        errors = []
        self._check(document, schema, (), mode, errors)
        return errors

    # ------------------------------------------------------------------ validator
    def _resolve(self, schema):
        while isinstance(schema, dict) and "$ref" in schema:
            ref = schema["$ref"]
            if not ref.startswith("#/"):
                raise ValueError(f"only local $ref are supported: {ref}")
            target = self.document
            for part in ref[2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            schema = target
        return schema

    def _check(self, value, schema, path, mode, errors):
        schema = self._resolve(schema)
        if not isinstance(schema, dict):
            return
        if value is None:
            if not schema.get("nullable") and (
                "type" in schema or "properties" in schema or "allOf" in schema
            ):
                # "We do not generally accept null as a value" (spec text, Nulling)
                errors.append(SchemaError(path, CODE_NULL, "The value cannot be null.", value))
            return
        for part in schema.get("allOf") or ():
            self._check(value, part, path, mode, errors)
        name = schema.get("type")
        if name and not _is_type(value, name):
            errors.append(
                SchemaError(
                    path,
                    CODE_TYPE,
                    f"Expected {_TYPE_NAMES.get(name, name)} but got {_json_kind(value)}.",
                    value,
                )
            )
            return
        if "enum" in schema and value not in schema["enum"]:
            allowed = ", ".join(str(item) for item in schema["enum"])
            errors.append(
                SchemaError(path, CODE_ENUM, f"Value {value!r} is not one of: {allowed}.", value)
            )
            return
        if isinstance(value, str):
            self._check_string(value, schema, path, errors)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            self._check_number(value, schema, path, errors)
        elif isinstance(value, dict):
            self._check_object(value, schema, path, mode, errors)
        elif isinstance(value, list):
            self._check_array(value, schema, path, mode, errors)

    def _check_string(self, value, schema, path, errors):
        low, high = schema.get("minLength"), schema.get("maxLength")
        if (low is not None and len(value) < low) or (high is not None and len(value) > high):
            errors.append(
                SchemaError(
                    path,
                    CODE_LENGTH,
                    f"The length must be between {low or 0} and {high if high is not None else '∞'}"
                    f" characters; it is {len(value)}.",
                    value,
                )
            )
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append(
                SchemaError(
                    path, CODE_PATTERN, f"The value does not match {schema['pattern']!r}.", value
                )
            )
        fmt = schema.get("format")
        if (fmt == "date" and not DATE_RE.match(value)) or (
            fmt == "date-time" and not DATE_TIME_RE.match(value)
        ):
            message = f"The value is not a valid {fmt}."
            errors.append(SchemaError(path, CODE_PATTERN, message, value))

    def _check_number(self, value, schema, path, errors):
        low, high = schema.get("minimum"), schema.get("maximum")
        if schema.get("format") == "int32":
            low = INT32[0] if low is None else low
            high = INT32[1] if high is None else high
        too_low = low is not None and (
            value < low or (schema.get("exclusiveMinimum") is True and value == low)
        )
        too_high = high is not None and (
            value > high or (schema.get("exclusiveMaximum") is True and value == high)
        )
        if too_low or too_high:
            errors.append(
                SchemaError(path, CODE_RANGE, f"The value must be between {low} and {high}.", value)
            )

    def _check_object(self, value, schema, path, mode, errors):
        properties = schema.get("properties") or {}
        for name in schema.get("required") or ():
            if name in value:
                continue
            if mode == "write" and self._resolve(properties.get(name) or {}).get("readOnly"):
                continue
            errors.append(SchemaError(path + (name,), CODE_REQUIRED, f"{name} is required."))
        additional = schema.get("additionalProperties", True)
        for name, item in value.items():
            sub = properties.get(name)
            if sub is None:
                if additional is False:
                    errors.append(
                        SchemaError(
                            path + (name,),
                            CODE_ADDITIONAL,
                            f"{name} is not a known property.",
                            item,
                        )
                    )
                elif isinstance(additional, dict):
                    self._check(item, additional, path + (name,), mode, errors)
                continue
            self._check(item, sub, path + (name,), mode, errors)

    def _check_array(self, value, schema, path, mode, errors):
        low, high = schema.get("minItems"), schema.get("maxItems")
        if (low is not None and len(value) < low) or (high is not None and len(value) > high):
            errors.append(
                SchemaError(path, CODE_ITEMS, "The number of items is out of range.", len(value))
            )
        if isinstance(schema.get("items"), dict):
            for index, item in enumerate(value):
                self._check(item, schema["items"], path + (index,), mode, errors)


@functools.cache
def _load_service(filename):
    with open(os.path.join(OPENAPI_DIR, filename), encoding="utf-8-sig") as handle:
        return OpenApiService(json.load(handle))


# The OpenAPI services the fake imitates: the client's api name -> published specification.
SERVICE_FILES = {
    "projects": "openapi-Projects.json",
    "webhooks": "openapi-webhooks-api.json",
}


def service(api):
    """The published OpenAPI service of an api name of ``SERVICE_FILES``."""
    return _load_service(SERVICE_FILES[api])


def problem_errors(errors):
    """SchemaErrors as the ``errors`` of a projectsapi problem response."""
    return [
        {
            "message": error.message,
            "errorCode": error.code,
            "property": ".".join(str(part) for part in error.path) or "body",
        }
        for error in errors
    ]
