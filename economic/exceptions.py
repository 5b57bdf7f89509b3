# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Typed errors of the e-conomic client, built from e-conomic's error bodies.

Every error has ``status`` (HTTP status or None), ``code`` (the most specific e-conomic code:
the first field error's, else the top-level ``errorCode``), ``message`` (the first field
error's message, else the top-level message), ``field`` (path such as
``lines[0].unitNetPrice``), ``log_id`` (``logId``/``traceId``, what support asks for),
``errors`` (every field error as ``{"field", "code", "message"}``) and ``retryable``.
``summary`` keeps the top-level message, ``response_code`` the top-level ``errorCode``,
``allowed_fields`` a query error's ``allowedFilteringFields`` and ``data`` the (redacted) body.
"""

from . import const

__all__ = [
    "AuthenticationError",
    "ConflictError",
    "EconomicError",
    "ForbiddenError",
    "MissingModuleError",
    "NotFoundError",
    "RateLimitedError",
    "ServerError",
    "TransportError",
    "ValidationError",
    "error_from_response",
    "parse_field_errors",
]


class EconomicError(Exception):
    """Any failed e-conomic call."""

    retryable = False
    default_message = "The e-conomic request failed."
    retry_after = None  # seconds from a Retry-After header, on any status that carries one

    def __init__(
        self,
        message=None,
        *,
        status=None,
        code=None,
        field=None,
        log_id=None,
        errors=None,
        summary=None,
        response_code=None,
        allowed_fields=None,
        data=None,
        method=None,
        path=None,
    ):
        self.message = message or summary or self.default_message
        self.status = status
        self.code = code
        self.field = field
        self.log_id = log_id
        self.errors = list(errors or [])
        self.summary = summary or self.message
        self.response_code = response_code
        self.allowed_fields = list(allowed_fields or [])
        self.data = data
        self.method = method
        self.path = path
        super().__init__(self.message)

    def __str__(self):
        text = f"{self.field}: {self.message}" if self.field else self.message
        details = [f"HTTP {self.status}" if self.status else None]
        details += [
            f"code {self.code}" if self.code else None,
            f"{self.method} {self.path}" if self.method and self.path else None,
            f"log id {self.log_id}" if self.log_id else None,
        ]
        details = ", ".join(detail for detail in details if detail)
        return f"{text} ({details})" if details else text


class TransportError(EconomicError):
    """Timeout or dropped connection: the request may or may not have been processed."""

    retryable = True
    default_message = "e-conomic could not be reached."


class AuthenticationError(EconomicError):
    default_message = "e-conomic rejected the tokens (the grant may have been revoked)."


class ForbiddenError(EconomicError):
    default_message = "The e-conomic app role does not allow this request."


class MissingModuleError(ForbiddenError):
    default_message = "The e-conomic agreement lacks a module needed for this request."


class NotFoundError(EconomicError):
    default_message = "The e-conomic resource was not found."


class ValidationError(EconomicError):
    default_message = "e-conomic rejected the data."


class ConflictError(EconomicError):
    default_message = "The e-conomic resource was changed by someone else."


class RateLimitedError(EconomicError):
    retryable = True
    default_message = "The e-conomic rate limit is exhausted."

    def __init__(self, message=None, *, retry_after=None, **kwargs):
        self.retry_after = retry_after  # seconds, or None
        super().__init__(message, **kwargs)


class ServerError(EconomicError):
    retryable = True
    default_message = "e-conomic had an internal error."


def parse_field_errors(errors):
    """Flatten e-conomic's ``errors`` (any of its shapes) to ``[{field, code, message}]``.

    Shapes: an object mirroring the document (``{"lines": [{"arrayIndex": 0, "unitNetPrice":
    {"errors": [...]}}]}``), a list of such items, a list of OpenAPI
    ``{message, errorCode, property}`` or a list of plain strings (query errors).
    """
    result = []
    if isinstance(errors, dict):
        for key, value in errors.items():
            _walk(value, key, result)
    elif isinstance(errors, list):
        _walk(errors, "", result)
    return result


def _error_item(item, path):
    if isinstance(item, str):
        return {"field": path or None, "code": None, "message": item}
    return {
        "field": path or item.get("property") or item.get("propertyName") or None,
        "code": item.get("errorCode"),
        "message": item.get("errorMessage") or item.get("message"),
    }


def _walk(node, path, result):
    if isinstance(node, list):
        for item in node:
            if isinstance(item, dict) and "arrayIndex" in item:
                _walk(item, f"{path}[{item['arrayIndex']}]", result)
            elif isinstance(item, (str, dict)):
                result.append(_error_item(item, path))
    elif isinstance(node, dict):
        for item in node.get("errors") or []:
            if isinstance(item, (str, dict)):
                result.append(_error_item(item, path))
        for key, value in node.items():
            if key not in ("errors", "arrayIndex") and isinstance(value, (dict, list)):
                _walk(value, f"{path}.{key}" if path else key, result)


def _error_class(status, code):
    if status == 400 or status == 422:
        return ValidationError
    if status == 401:
        return AuthenticationError
    if status == 403:
        return MissingModuleError if code == const.MISSING_MODULE_CODE else ForbiddenError
    if status == 404:
        return NotFoundError
    if status == 409:
        return ConflictError
    if status == 429:
        return RateLimitedError
    if status >= 500:
        return ServerError
    return EconomicError


def error_from_response(status, data, *, method=None, path=None, retry_after=None):
    """Build the typed exception for an error response (``data``: parsed, redacted JSON)."""
    body = data if isinstance(data, dict) else {}
    response_code = body.get("errorCode")
    errors = parse_field_errors(body.get("errors"))
    first = next((error for error in errors if error["field"]), errors[0] if errors else {})
    summary = body.get("message") or body.get("title") or body.get("detail")
    kwargs = {
        "status": status,
        "code": first.get("code") or response_code,
        "field": first.get("field") or body.get("property"),
        "log_id": body.get("logId") or body.get("traceId"),
        "errors": errors,
        "summary": summary,
        "response_code": response_code,
        "allowed_fields": body.get("allowedFilteringFields"),
        "data": data,
        "method": method,
        "path": path,
    }
    error = _error_class(status, response_code)(first.get("message") or summary, **kwargs)
    # any status may carry Retry-After (429, 503...): the retry loop honours it
    error.retry_after = retry_after
    return error
