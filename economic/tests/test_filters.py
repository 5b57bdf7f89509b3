# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import datetime
import unittest

from economic import const
from economic import filters as F


class TestEscaping(unittest.TestCase):
    def test_special_characters_get_a_dollar(self):
        self.assertEqual(F.escape_value("a$b"), "a$$b")
        self.assertEqual(F.escape_value("(x)"), "$(x$)")
        self.assertEqual(F.escape_value("5*3,2"), "5$*3$,2")
        self.assertEqual(F.escape_value("$("), "$$$(")

    def test_brackets_stay_literal(self):
        # live tests: "$[" is not honoured, so brackets are not escaped
        self.assertEqual(F.escape_value("[x]"), "[x]")

    def test_plain_text_unchanged(self):
        self.assertEqual(F.escape_value("Jens Hansen A/S æøå"), "Jens Hansen A/S æøå")

    def test_format_value(self):
        self.assertEqual(F.format_value(None), "$null:")
        self.assertEqual(F.format_value(True), "true")
        self.assertEqual(F.format_value(False), "false")
        self.assertEqual(F.format_value(42), "42")
        self.assertEqual(F.format_value(12.5), "12.5")
        self.assertEqual(F.format_value(datetime.date(2026, 1, 31)), "2026-01-31")
        self.assertEqual(
            F.format_value(datetime.datetime(2026, 1, 31, 8, 5, 9)), "2026-01-31T08:05:09Z"
        )
        self.assertEqual(F.format_value("a,b"), "a$,b")


class TestTerms(unittest.TestCase):
    def test_comparison_operators(self):
        self.assertEqual(str(F.eq("email", "a(b)@x.dk")), "email$eq:a$(b$)@x.dk")
        self.assertEqual(str(F.ne("barred", True)), "barred$ne:true")
        self.assertEqual(str(F.gt("customerNumber", 5)), "customerNumber$gt:5")
        self.assertEqual(str(F.gte("date", datetime.date(2024, 1, 1))), "date$gte:2024-01-01")
        self.assertEqual(str(F.lt("balance", 0)), "balance$lt:0")
        self.assertEqual(str(F.lte("date", "2024-12-31")), "date$lte:2024-12-31")

    def test_null_is_a_value(self):
        self.assertEqual(str(F.is_null("ean")), "ean$eq:$null:")
        self.assertEqual(str(F.not_null("ean")), "ean$ne:$null:")
        self.assertEqual(str(F.eq("ean", None)), "ean$eq:$null:")

    def test_like_keeps_wildcards_and_escapes_the_rest(self):
        self.assertEqual(str(F.like("name", "*port")), "name$like:*port")
        self.assertEqual(str(F.like("name", "A(1)*")), "name$like:A$(1$)*")
        self.assertEqual(str(F.like("name", "[x]*")), "name$like:[[]x]*")

    def test_contains_and_startswith_take_text_literally(self):
        self.assertEqual(str(F.contains("name", "5*")), "name$like:5$*")
        self.assertEqual(str(F.contains("name", "[a]")), "name$like:[[]a]")
        self.assertEqual(str(F.startswith("name", "Jens$")), "name$like:Jens$$*")

    def test_in_and_nin(self):
        self.assertEqual(str(F.in_("customerNumber", [2, 5, 7])), "customerNumber$in:[2,5,7]")
        self.assertEqual(str(F.nin("currency", ["DKK", "E,U"])), "currency$nin:[DKK,E$,U]")

    def test_in_limits(self):
        self.assertEqual(str(F.in_("n", range(200))).count(","), 199)
        with self.assertRaises(ValueError):
            F.in_("n", range(const.FILTER_IN_MAX_VALUES + 1))
        with self.assertRaises(ValueError):
            F.nin("n", [])

    def test_in_chunks(self):
        values = list(range(450))
        chunks = list(F.chunked(values))
        self.assertEqual([len(chunk) for chunk in chunks], [200, 200, 50])
        self.assertEqual([v for chunk in chunks for v in chunk], values)
        filters = list(F.in_chunks("customerNumber", values))
        self.assertEqual(len(filters), 3)
        self.assertTrue(str(filters[2]).startswith("customerNumber$in:[400,401,"))
        self.assertTrue(str(filters[2]).endswith(",449]"))


class TestCombination(unittest.TestCase):
    def setUp(self):
        super().setUp()
        self.a, self.b, self.c = F.eq("a", 1), F.eq("b", 2), F.eq("c", 3)

    def test_same_operator_needs_no_parentheses(self):
        self.assertEqual(str(self.a & self.b & self.c), "a$eq:1$and:b$eq:2$and:c$eq:3")
        self.assertEqual(str(self.a | self.b | self.c), "a$eq:1$or:b$eq:2$or:c$eq:3")

    def test_mixed_operators_are_grouped(self):
        self.assertEqual(str((self.a & self.b) | self.c), "(a$eq:1$and:b$eq:2)$or:c$eq:3")
        self.assertEqual(str(self.a & (self.b | self.c)), "a$eq:1$and:(b$eq:2$or:c$eq:3)")

    def test_documented_example(self):
        flt = F.eq("name", "Joe") & (F.like("city", "*port") | F.lt("age", 40))
        self.assertEqual(str(flt), "name$eq:Joe$and:(city$like:*port$or:age$lt:40)")

    def test_all_of_and_any_of(self):
        self.assertEqual(F.all_of(self.a, None, self.b), self.a & self.b)
        self.assertEqual(F.any_of(self.a, self.b), self.a | self.b)
        self.assertIsNone(F.all_of())
        self.assertIsNone(F.any_of(None))

    def test_combining_with_a_string_is_refused(self):
        with self.assertRaises(TypeError):
            _ = self.a & "b$eq:2"

    def test_raw(self):
        self.assertEqual(str(F.raw("x$eq:$$") & self.a), "x$eq:$$$and:a$eq:1")


class TestPathIds(unittest.TestCase):
    def test_documented_example(self):
        self.assertEqual(
            F.encode_path_id("My Awesome Product_Discount5%"),
            "My_9_Awesome_9_Product_8_Discount5_3_",
        )

    def test_every_table_entry(self):
        for char, code in const.PATH_ID_CODES.items():
            self.assertEqual(F.encode_path_id(f"a{char}b"), f"a{code}b")

    def test_underscore_codes_are_not_encoded_twice(self):
        self.assertEqual(F.encode_path_id("_/"), "_8__6_")

    def test_ids_cannot_change_the_path(self):
        encoded = F.encode_path_id("../customers/1")
        self.assertNotIn("/", encoded)
        self.assertNotIn(".", encoded)

    def test_other_characters_are_percent_encoded(self):
        self.assertEqual(F.encode_path_id("ZZ-TEST-1"), "ZZ-TEST-1")
        self.assertEqual(F.encode_path_id("æ"), "%C3%A6")
        self.assertEqual(F.encode_path_id("a=b"), "a%3Db")
        self.assertEqual(F.encode_path_id(42), "42")


if __name__ == "__main__":
    unittest.main()
