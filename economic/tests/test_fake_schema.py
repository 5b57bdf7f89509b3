# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The draft-03 validator (economic/fake/schema.py), keyword by keyword."""

import copy
import os
import unittest

from economic.fake import schema

REFERENCE = {
    "type": "object",
    "properties": {
        "customerNumber": {"type": "integer", "required": True, "minimum": 1},
        "self": {"type": "string", "format": "uri"},
    },
}


def paths(errors):
    return [error.path for error in errors]


class TestKeywords(unittest.TestCase):
    def test_type_names_and_lists(self):
        self.assertEqual(schema.validate("x", {"type": "string"}), [])
        errors = schema.validate(1, {"type": "string"})
        self.assertEqual(errors[0].message, "Expected String but got Integer.")
        self.assertEqual(schema.validate(None, {"type": ["string", "null"]}), [])
        self.assertEqual(len(schema.validate(True, {"type": ["string", "null"]})), 1)
        self.assertEqual(schema.validate(None, {}), [])  # no type: anything goes

    def test_integer_number_boolean(self):
        self.assertEqual(schema.validate(2, {"type": "integer"}), [])
        self.assertEqual(schema.validate(2.0, {"type": "integer"}), [])
        self.assertEqual(len(schema.validate(2.5, {"type": "integer"})), 1)
        self.assertEqual(len(schema.validate(True, {"type": "integer"})), 1)
        self.assertEqual(len(schema.validate(False, {"type": "number"})), 1)
        self.assertEqual(schema.validate(1, {"type": "number"}), [])
        self.assertEqual(len(schema.validate(None, {"type": "string"})), 1)

    def test_required_is_per_property_in_draft_03(self):
        spec = {
            "type": "object",
            "properties": {"name": {"type": "string", "required": True}, "zip": {"type": "string"}},
        }
        self.assertEqual(paths(schema.validate({"zip": "1"}, spec)), [("name",)])
        self.assertEqual(schema.validate({"name": "x"}, spec), [])
        draft_04 = {"type": "object", "required": ["zip"], "properties": {}}
        self.assertEqual(paths(schema.validate({}, draft_04)), [("zip",)])

    def test_self_link_stands_in_for_a_required_number(self):
        self.assertEqual(schema.validate({"self": "https://x/customers/1"}, REFERENCE), [])
        self.assertEqual(paths(schema.validate({}, REFERENCE)), [("customerNumber",)])
        named = {"type": "object", "properties": {"name": {"type": "string", "required": True}}}
        self.assertEqual(paths(schema.validate({"self": "https://x/1"}, named)), [("name",)])

    def test_read_only_ignored_on_write_only(self):
        spec = {
            "type": "object",
            "properties": {
                "balance": {"type": "number", "readOnly": True},
                "pdf": {
                    "type": "object",
                    "readonly": True,
                    "properties": {"download": {"type": "string", "required": True}},
                },
                "kept": {"type": "string", "required": True, "readOnly": True},
            },
        }
        document = {"balance": "lots", "pdf": {}}
        self.assertEqual(schema.validate(document, spec, mode="write"), [])
        self.assertEqual(
            sorted(paths(schema.validate(document, spec, mode="read"))),
            [("balance",), ("kept",), ("pdf", "download")],
        )
        with self.assertRaises(ValueError):
            schema.validate({}, spec, mode="patch")

    def test_enum_is_case_sensitive_and_may_hold_null(self):
        spec = {"enum": ["net", "dueDate", None]}
        self.assertEqual(schema.validate("net", spec), [])
        self.assertEqual(schema.validate(None, spec), [])
        self.assertEqual(schema.validate("Net", spec)[0].code, "E04700")

    def test_minimum_maximum_and_exclusive(self):
        spec = {"type": "integer", "minimum": 1, "maximum": 9}
        self.assertEqual(schema.validate(1, spec), [])
        self.assertEqual(
            schema.validate(0, spec)[0].message, "Integer 0 is less than minimum value of 1."
        )
        self.assertEqual(schema.validate(10, spec)[0].code, "E04610")
        exclusive = {"type": "integer", "minimum": 0, "exclusiveMinimum": True}
        self.assertEqual(len(schema.validate(0, exclusive)), 1)
        self.assertEqual(schema.validate(1, exclusive), [])
        self.assertEqual(len(schema.validate(9, dict(spec, exclusiveMaximum=True))), 1)

    def test_lengths(self):
        spec = {"type": "string", "minLength": 3, "maxLength": 3}
        self.assertEqual(schema.validate("DKK", spec), [])
        self.assertEqual(schema.validate("DK", spec)[0].code, "E04600")
        self.assertEqual(schema.validate("DKKK", spec)[0].code, "E04600")
        self.assertEqual(schema.validate("ÆØÅ", spec), [])  # characters, not bytes

    def test_pattern_is_searched_not_anchored(self):
        spec = {"type": "string", "pattern": "[a-zA-Z]{3}"}
        self.assertEqual(schema.validate("DKK", spec), [])
        self.assertEqual(schema.validate("1DKK", spec), [])
        self.assertEqual(schema.validate("D1K", spec)[0].code, schema.CODE_PATTERN)

    def test_formats(self):
        date = {"type": "string", "format": "full-date"}
        self.assertEqual(schema.validate("2026-02-28", date), [])
        self.assertEqual(len(schema.validate("2026-02-30", date)), 1)
        self.assertEqual(len(schema.validate("28-02-2026", date)), 1)
        # lastUpdated is declared full-date but served as a timestamp (§3.1).
        self.assertEqual(schema.validate("2022-06-24T08:25:00Z", date), [])
        uri = {"type": "string", "format": "uri"}
        self.assertEqual(schema.validate("https://restapi.e-conomic.com/units/1", uri), [])
        self.assertEqual(len(schema.validate("units/1", uri)), 1)
        self.assertEqual(len(schema.validate("x", {"format": "date-time"})), 1)

    def test_max_decimal(self):
        spec = {"type": "number", "maxDecimal": 2}
        self.assertEqual(schema.validate(10.12, spec), [])
        self.assertEqual(schema.validate(10, spec), [])
        self.assertEqual(schema.validate(10.123, spec)[0].code, "E04740")
        self.assertEqual(len(schema.validate(1.0000001, {"maxDecimals": 6})), 1)

    def test_items_paths_and_additional_properties(self):
        spec = {
            "type": "object",
            "properties": {
                "lines": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"sortKey": {"type": "integer", "minimum": 1}},
                    },
                }
            },
        }
        errors = schema.validate({"lines": [{"sortKey": 1}, {"sortKey": 0}]}, spec)
        self.assertEqual(paths(errors), [("lines", 1, "sortKey")])
        self.assertEqual(schema.format_path(errors[0].path), "lines[1].sortKey")
        closed = {"type": "object", "properties": {}, "additionalProperties": False}
        self.assertEqual(paths(schema.validate({"x": 1}, closed)), [("x",)])
        self.assertEqual(schema.validate({"x": 1}, {"type": "object"}), [])
        typed = {"type": "object", "additionalProperties": {"type": "string"}}
        self.assertEqual(paths(schema.validate({"x": 1}, typed)), [("x",)])
        tuple_items = {"type": "array", "items": [{"type": "string"}, {"type": "integer"}]}
        self.assertEqual(paths(schema.validate(["a", "b"], tuple_items)), [(1,)])
        bounded = {"type": "array", "minItems": 1, "maxItems": 1}
        self.assertEqual(len(schema.validate([], bounded)), 1)
        self.assertEqual(len(schema.validate([1, 2], bounded)), 1)


class TestShippedFiles(unittest.TestCase):
    def test_every_schema_is_draft_03_and_every_write_schema_exists(self):
        names = sorted(os.listdir(schema.SCHEMA_DIR))
        schema_files = [name for name in names if name.endswith(".schema.json")]
        self.assertGreaterEqual(len(schema_files), 30)
        for name in schema_files:
            document = schema.load(name)
            self.assertEqual(document["$schema"], "http://json-schema.org/draft-03/schema#", name)
            self.assertEqual(document["type"], "object", name)
        for name, _url in schema.WRITE_SCHEMAS.values():
            self.assertIn(name + ".schema.json", schema_files)

    def test_captured_responses_conform_to_their_schemas(self):
        """The validator accepts what e-conomic really answered (no false alarms)."""
        pairs = {
            "customer.json": "customers.customerNumber.get",
            "create_customer.json": "customers.customerNumber.get",
            "update_customer.json": "customers.customerNumber.get",
            "vat_zones.json": "vat-zones.get",
            "layouts.json": "layouts.get",
            "payment_terms.json": "payment-terms.get",
            "customer_groups.json": "customer-groups.get",
            "product_groups.json": "product-groups.get",
            "product.json": "products.productNumber.get",
            "create_draft_invoice.json": "invoices.drafts.draftInvoiceNumber.get",
            "invoice.json": "invoices.drafts.draftInvoiceNumber.get",
            "invoice_book.json": "invoices.booked.bookedInvoiceNumber.get",
            "invoice_book_with_number.json": "invoices.booked.bookedInvoiceNumber.get",
            "create_booked_invoice.json": "invoices.booked.bookedInvoiceNumber.get",
            "self.json": "self.get",
        }
        for fixture, name in pairs.items():
            with self.subTest(fixture=fixture):
                document = schema.load_fixture(fixture)
                self.assertEqual(schema.validate(document, schema.load(name)), [])
                broken = copy.deepcopy(document)
                broken.pop("self")
                self.assertEqual(paths(schema.validate(broken, schema.load(name))), [("self",)])


if __name__ == "__main__":
    unittest.main()
