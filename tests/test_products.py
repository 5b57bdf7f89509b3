# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Products from e-conomic: import, price updates, barring, incremental reads."""

import html

from odoo.tests import tagged
from odoo.tools import format_amount

from .test_customers import CustomerSyncCase


@tagged("post_install", "-at_install")
class TestProductSync(CustomerSyncCase):
    """The seeded agreement has products "1" and "2" (950.00 per "timer")."""

    def product(self, number):
        return (
            self.env["product.template"]
            .with_context(active_test=False)
            ._economic_search_linked(self.company, [number])
        )

    def test_import_as_service_products(self):
        self.fake.add_product("SKRUE-10", name="Skrue", unit={"unitNumber": 2}, salesPrice=2.5)
        self.sync()
        consulting = self.product("1")
        self.assertEqual(consulting.name, "Konsulenttime")
        self.assertEqual(consulting.default_code, "1")
        self.assertEqual(consulting.type, "service")
        self.assertEqual(consulting.list_price, 950.0)
        self.assertEqual(consulting.uom_id, self.env.ref("uom.product_uom_hour"))
        self.assertEqual(consulting.economic_product_group, 1)
        self.assertEqual(consulting.company_id, self.company)
        self.assertEqual(consulting.economic_state, "synced")
        self.assertIn(
            "Created from e-conomic product 1", "".join(consulting.message_ids.mapped("body"))
        )
        screw = self.product("SKRUE-10")
        self.assertEqual(screw.uom_id, self.env.ref("uom.product_uom_unit"))
        self.assertEqual(screw.list_price, 2.5)
        self.assertEqual(self.last_run("products").summary, "3 products created")
        self.assertFalse(self.fake_calls("POST", "/products"), "products are not invented")

    def test_price_update_and_barring(self):
        self.sync()
        consulting, other = self.product("1"), self.product("2")
        self.fake.clock.advance(120)
        self.fake.edit_product("1", salesPrice=1100.0)
        self.fake.edit_product("2", barred=True)
        self.fake.reset_calls()
        self.sync()
        self.assertEqual(consulting.list_price, 1100.0)
        self.assertTrue(consulting.active)
        self.assertFalse(other.active, "barred in e-conomic: archived in Odoo")
        self.assertEqual(self.last_run("products").summary, "2 products updated")
        price = format_amount(self.env, 1100.0, consulting.currency_id)
        notes = html.unescape("".join(consulting.message_ids.mapped("body")))
        self.assertIn(f"sales price {price}", notes)
        product_reads = [
            request for request in self.fake.requests if request["path"] == "/products"
        ]
        self.assertEqual(len(product_reads), 1)
        self.assertTrue(product_reads[0]["query"]["filter"].startswith("lastUpdated$gte:"))
        # Unbarred again: restored.
        self.fake.clock.advance(120)
        self.fake.edit_product("2", barred=None)
        self.sync()
        self.assertTrue(other.active)

    def test_unchanged_products_cost_one_read_and_no_write(self):
        self.sync()
        consulting = self.product("1")
        messages = len(consulting.message_ids)
        self.fake.reset_calls()
        self.sync()
        self.assertEqual(len(self.fake_calls("GET", "/products")), 1)
        self.assertEqual(len(consulting.message_ids), messages)
        self.assertEqual(self.last_run("products").summary, "Nothing to do")

    def test_existing_product_with_same_reference_is_linked(self):
        existing = self.env["product.template"].create(
            {"name": "Our consulting hour", "default_code": "1", "type": "service"}
        )
        self.sync()
        self.assertEqual(existing.economic_number, "1")
        self.assertEqual(existing.name, "Konsulenttime", "e-conomic is the master")
        self.assertEqual(self.env["product.template"].search_count([("default_code", "=", "1")]), 1)
        self.assertEqual(self.last_run("products").linked, 1)
