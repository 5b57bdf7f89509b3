# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The `filter` and `sort` query parameters of e-conomic's Legacy REST collections.

Grammar (economic-api.md §3.4): ``cond (($and:|$or:) cond)*`` with parentheses for
grouping, ``cond = field$op:value``. ``$and:`` binds tighter than ``$or:``. Inside values,
``$$ $( $) $* $,`` are escapes; ``$null:`` is the null value; ``$like:`` without ``*``
means "contains" and ``[...]`` is a SQL character class (``[[]`` is a literal ``[``).
Elsewhere ``[``/``]`` are literal (e-conomic does not honour ``$[``).
"""

import re

OPERATORS = ("eq", "ne", "gt", "gte", "lt", "lte", "like", "in", "nin")
MAX_LIST_VALUES = 200
ESCAPABLE = "$()*,"
NULL = object()  # the `$null:` value


class FilterError(ValueError):
    """The filter cannot be parsed; `field` is set when a field is not filterable."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


class SortError(ValueError):
    """The sort parameter names an unknown or unsortable field."""


class _Value:
    """A filter value: characters with a flag telling whether they were escaped."""

    def __init__(self, chars):
        self.chars = chars  # list of (char, escaped)

    @property
    def text(self):
        return "".join(char for char, _escaped in self.chars)

    def like_regex(self):
        """`*` is the wildcard; `[...]` a SQL-style character class (`[[]` = a literal `[`)."""
        parts = []
        index = 0
        chars = self.chars
        while index < len(chars):
            char, escaped = chars[index]
            if char == "*" and not escaped:
                parts.append(".*")
            elif char == "[" and not escaped:
                end = next((i for i in range(index + 2, len(chars)) if chars[i][0] == "]"), None)
                if end is None:
                    parts.append(re.escape(char))
                else:
                    members = [c for c, _escaped in chars[index + 1 : end]]
                    negate = members[0] == "^" and len(members) > 1
                    body = "".join(
                        c if c == "-" and 0 < i < len(members) - 1 else re.escape(c)
                        for i, c in enumerate(members[1:] if negate else members)
                    )
                    parts.append(f"[{'^' if negate else ''}{body}]")
                    index = end
            else:
                parts.append(re.escape(char))
            index += 1
        pattern = "".join(parts)
        if not any(char == "*" and not escaped for char, escaped in self.chars):
            pattern = ".*" + pattern + ".*"  # no wildcard: "contains"
        return re.compile("^" + pattern + "$", re.IGNORECASE | re.DOTALL)


class _Parser:
    def __init__(self, text, fields):
        self.text = text
        self.pos = 0
        self.fields = fields

    def at(self, token):
        return self.text.startswith(token, self.pos)

    def parse(self):
        node = self.parse_or()
        if self.pos != len(self.text):
            raise FilterError(f"Unexpected input at position {self.pos}.")
        return node

    def parse_or(self):
        return self._parse_joined("or", self.parse_and)

    def parse_and(self):
        return self._parse_joined("and", self.parse_term)

    def _parse_joined(self, operator, parse_operand):
        """Operands joined by `$<operator>:`; a lone operand is returned as it is."""
        token = f"${operator}:"
        nodes = [parse_operand()]
        while self.at(token):
            self.pos += len(token)
            nodes.append(parse_operand())
        return nodes[0] if len(nodes) == 1 else (operator, nodes)

    def parse_term(self):
        if self.at("("):
            self.pos += 1
            node = self.parse_or()
            if not self.at(")"):
                raise FilterError("Missing closing parenthesis.")
            self.pos += 1
            return node
        return self.parse_condition()

    def parse_condition(self):
        match = re.compile(r"([A-Za-z0-9_.]+)\$([a-z]+):").match(self.text, self.pos)
        if not match:
            raise FilterError(f"Expected a condition at position {self.pos}.")
        field, operator = match.group(1), match.group(2)
        if operator not in OPERATORS:
            raise FilterError(f"Unknown operator '${operator}:'.")
        if field not in self.fields:
            raise FilterError(f"Filtering is not allowed on property '{field}'.", field)
        self.pos = match.end()
        if operator in ("in", "nin"):
            return ("cond", field, operator, self.parse_list())
        return ("cond", field, operator, self.parse_value())

    def parse_value(self, stop=""):
        if self.at("$null:"):
            self.pos += 6
            return NULL
        chars = []
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char == "$":
                following = self.text[self.pos + 1 : self.pos + 2]
                if following and following in ESCAPABLE:
                    chars.append((following, True))
                    self.pos += 2
                    continue
                if self.at("$and:") or self.at("$or:"):
                    break
                chars.append((char, False))
                self.pos += 1
                continue
            if char == ")" or (char == "," and "," in stop):
                break
            if char == "]" and "]" in stop and self._closes_list():
                break
            chars.append((char, False))
            self.pos += 1
        return _Value(chars)

    def _closes_list(self):
        """A `]` ends an $in:/$nin: list only where the condition ends; else it is literal."""
        after = self.pos + 1
        return (
            after == len(self.text)
            or self.text.startswith(")", after)
            or self.text.startswith("$and:", after)
            or self.text.startswith("$or:", after)
        )

    def parse_list(self):
        if not self.at("["):
            raise FilterError("$in: and $nin: need a list in brackets.")
        self.pos += 1
        values = []
        while True:
            values.append(self.parse_value(stop=",]"))
            if self.at(","):
                self.pos += 1
                continue
            if self.at("]"):
                self.pos += 1
                break
            raise FilterError("Unterminated list.")
        if len(values) > MAX_LIST_VALUES:
            raise FilterError(f"The list of values can contain at most {MAX_LIST_VALUES} values.")
        return values


def parse_filter(text, fields):
    """Parse `text` into a predicate over rendered documents.

    `fields` maps each filterable dotted path to its type: "int", "number", "string",
    "bool" or "date" (dates and timestamps compare as ISO strings).
    """
    tree = _Parser(text, fields).parse()

    def predicate(document):
        return _evaluate(tree, document, fields)

    return predicate


def dig(document, path):
    value = document
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _coerce(value, kind):
    """Turn a filter value into something comparable with a document value of `kind`."""
    if value is NULL:
        return NULL
    text = value.text
    if kind in ("int", "number"):
        try:
            return float(text)
        except ValueError as exc:
            raise FilterError(f"'{text}' is not a number.") from exc
    if kind == "bool":
        if text.lower() not in ("true", "false"):
            raise FilterError(f"'{text}' is not a boolean.")
        return text.lower() == "true"
    return text.lower()


def _document_value(document, field, kind):
    value = dig(document, field)
    if kind == "bool":
        return bool(value)  # booleans are omitted when false
    if value is None:
        return None
    if kind in ("int", "number"):
        return float(value)
    return str(value).lower()


def _compare(actual, operator, expected):
    if expected is NULL:
        if operator == "eq":
            return actual is None
        if operator == "ne":
            return actual is not None
        raise FilterError("$null: can only be used with $eq: and $ne:.")
    if operator == "eq":
        return actual == expected
    if operator == "ne":
        return actual != expected
    if actual is None:
        return False
    try:
        if operator == "gt":
            return actual > expected
        if operator == "gte":
            return actual >= expected
        if operator == "lt":
            return actual < expected
        if operator == "lte":
            return actual <= expected
    except TypeError as exc:
        raise FilterError("Values cannot be compared.") from exc
    raise FilterError("Unknown operator.")


def _evaluate(node, document, fields):
    kind = node[0]
    if kind == "and":
        return all(_evaluate(child, document, fields) for child in node[1])
    if kind == "or":
        return any(_evaluate(child, document, fields) for child in node[1])
    _kind, field, operator, value = node
    field_type = fields[field]
    actual = _document_value(document, field, field_type)
    if operator == "like":
        if value is NULL:
            raise FilterError("$null: cannot be used with $like:.")
        return actual is not None and bool(value.like_regex().match(str(actual)))
    if operator in ("in", "nin"):
        expected = [_coerce(item, field_type) for item in value]
        found = actual in expected or (actual is None and NULL in expected)
        return found if operator == "in" else not found
    return _compare(actual, operator, _coerce(value, field_type))


def parse_sort(text, sortable):
    """Parse `sort=a,-b,~c` into a list of (field, descending, alphabetical)."""
    keys = []
    for raw in text.split(","):
        descending = alphabetical = False
        name = raw.strip()
        while name[:1] in ("-", "~"):
            descending |= name[0] == "-"
            alphabetical |= name[0] == "~"
            name = name[1:]
        if name not in sortable:
            raise SortError("Could not parse query string sort parameter.")
        keys.append((name, descending, alphabetical))
    return keys


def sort_documents(documents, keys, fields):
    """Stable multi-key sort; strings case-insensitive, missing values first."""
    result = list(documents)
    for name, descending, alphabetical in reversed(keys):
        kind = fields.get(name, "string")

        def sort_key(document, name=name, kind=kind, alphabetical=alphabetical):
            value = dig(document, name)
            if value is None:
                return (0, "")
            if alphabetical or kind not in ("int", "number"):
                return (1, str(value).lower())
            return (1, float(value))

        result.sort(key=sort_key, reverse=descending)
    return result
