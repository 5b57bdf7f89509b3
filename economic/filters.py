# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Filter expressions for e-conomic's ``filter`` query parameter, and URL ids.

Build filters with the functions of this module and combine them with ``&`` / ``|``::

    from economic import filters as F
    flt = F.eq("email", "a(b)@x.dk") & (F.contains("name", "A/S") | F.is_null("ean"))
    str(flt)  # 'email$eq:a$(b$)@x.dk$and:(name$like:A/S$or:ean$eq:$null:)'

Values are escaped as e-conomic requires (``$ ( ) * ,`` get a leading ``$``; ``[``/``]`` stay
literal, except inside ``$like:`` where ``[`` is written ``[[]``). The client URL-encodes the
whole expression. ``in_()`` accepts at most 200 values; use ``in_chunks()`` for more.
"""

import datetime
import urllib.parse

from . import const

__all__ = [
    "Filter",
    "all_of",
    "any_of",
    "chunked",
    "contains",
    "encode_path_id",
    "eq",
    "escape_value",
    "format_value",
    "gt",
    "gte",
    "in_",
    "in_chunks",
    "is_null",
    "like",
    "lt",
    "lte",
    "ne",
    "nin",
    "not_null",
    "raw",
    "startswith",
]

NULL = "$null:"


class Filter:
    """An e-conomic filter expression; ``str()`` gives the query parameter value."""

    __slots__ = ("expression", "operator")

    def __init__(self, expression, operator=None):
        self.expression = expression
        self.operator = operator  # "and" / "or" for combined expressions, None for a term

    def _combine(self, other, operator):
        if not isinstance(other, Filter):
            return NotImplemented
        # parentheses only where the other operator would otherwise change the meaning
        parts = [
            f"({part.expression})" if part.operator not in (None, operator) else part.expression
            for part in (self, other)
        ]
        return Filter(f"${operator}:".join(parts), operator)

    def __and__(self, other):
        return self._combine(other, "and")

    def __or__(self, other):
        return self._combine(other, "or")

    def __str__(self):
        return self.expression

    def __repr__(self):
        return f"Filter({self.expression!r})"

    def __eq__(self, other):
        return isinstance(other, Filter) and other.expression == self.expression

    def __hash__(self):
        return hash(self.expression)


def escape_value(text):
    """Escape a literal string for a filter value (``$``→``$$``, ``(``→``$(`` ...)."""
    return "".join(f"${char}" if char in const.FILTER_ESCAPED_CHARS else char for char in text)


def format_value(value):
    """Render a Python value as a filter value: None→``$null:``, bools, dates, escaped text."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        # Odoo datetimes are naive UTC; e-conomic compares lastUpdated in UTC
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, (int, float)):
        return str(value)
    return escape_value(str(value))


def _like_literal(text):
    # inside $like: "[" opens a character class; "[[]" is its literal form
    return escape_value(text).replace("[", "[[]")


def _term(field, operator, rendered):
    return Filter(f"{field}${operator}:{rendered}")


def eq(field, value):
    return _term(field, "eq", format_value(value))


def ne(field, value):
    return _term(field, "ne", format_value(value))


def gt(field, value):
    return _term(field, "gt", format_value(value))


def gte(field, value):
    return _term(field, "gte", format_value(value))


def lt(field, value):
    return _term(field, "lt", format_value(value))


def lte(field, value):
    return _term(field, "lte", format_value(value))


def is_null(field):
    return _term(field, "eq", NULL)


def not_null(field):
    return _term(field, "ne", NULL)


def like(field, pattern):
    """``$like:`` with ``*`` as the wildcard; every other character is taken literally."""
    return _term(field, "like", "*".join(_like_literal(part) for part in pattern.split("*")))


def contains(field, text):
    """Case-insensitive "contains" (``$like:`` without a wildcard means contains)."""
    return _term(field, "like", _like_literal(text))


def startswith(field, text):
    return _term(field, "like", _like_literal(text) + "*")


def _list(values):
    values = list(values)
    if not values:
        raise ValueError("An $in:/$nin: filter needs at least one value.")
    if len(values) > const.FILTER_IN_MAX_VALUES:
        raise ValueError(
            f"e-conomic accepts at most {const.FILTER_IN_MAX_VALUES} values in $in:/$nin:; "
            "use in_chunks()."
        )
    return "[" + ",".join(format_value(value) for value in values) + "]"


def in_(field, values):
    return _term(field, "in", _list(values))


def nin(field, values):
    return _term(field, "nin", _list(values))


def chunked(values, size=const.FILTER_IN_MAX_VALUES):
    """Yield lists of at most ``size`` values."""
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def in_chunks(field, values, size=const.FILTER_IN_MAX_VALUES):
    """Yield one ``in_()`` filter per chunk of at most 200 values (one request each)."""
    for chunk in chunked(values, size):
        yield in_(field, chunk)


def all_of(*filters):
    """``f1 & f2 & ...``; None entries are skipped; None when nothing is left."""
    return _reduce([flt for flt in filters if flt is not None], "and")


def any_of(*filters):
    return _reduce([flt for flt in filters if flt is not None], "or")


def _reduce(filters, operator):
    result = None
    for flt in filters:
        result = flt if result is None else result._combine(flt, operator)
    return result


def raw(expression):
    """Wrap an expression that is already escaped (no further processing)."""
    return Filter(expression)


def encode_path_id(value):
    """Encode a resource id for a Legacy REST URL path (``My Product_1`` → ``My_9_Product_8_1``).

    Characters of e-conomic's table get their ``_n_`` code; other non-alphanumerics are
    percent-encoded, so an id can never change the path (``/``, ``..``).
    """
    return "".join(
        const.PATH_ID_CODES.get(char) or urllib.parse.quote(char, safe="") for char in str(value)
    )
