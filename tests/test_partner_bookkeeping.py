# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""A partner's sync bookkeeping goes to its table in one statement (issue 9, the 10,000
customers' first export), with what res.partner's write() would guarantee for it."""

from unittest.mock import patch

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

from .test_customers import CustomerSyncCase


@tagged("post_install", "-at_install")
class TestPartnerBookkeepingWrite(CustomerSyncCase):
    def test_bookkeeping_without_partner_write(self):
        first, second = self.customer(name="First ApS"), self.customer(name="Second ApS")
        partners = first | second
        partners.flush_recordset()
        self.env.cr.execute(
            "UPDATE res_partner SET write_date = write_date - interval '1 hour' WHERE id IN %s",
            [tuple(partners.ids)],
        )
        partners.invalidate_recordset()
        before = first.write_date
        first.city = "Odense C"  # pending in the cache: flushed first, not lost
        with patch.object(type(self.Partner), "write", side_effect=AssertionError("write")):
            dates = self.Partner._economic_write_rows(
                {
                    first.id: {"economic_idempotency_key": "key-1"},
                    second.id: {"economic_idempotency_key": "key-2", "economic_state": "pending"},
                }
            )
            self.assertEqual(first.economic_idempotency_key, "key-1", "the cache is refreshed")
            self.assertEqual(second.economic_state, "pending")
            first._economic_set_synced(7, company=self.company)
        self.assertGreater(dates[first.id], before)
        self.assertEqual(dates[second.id], second.write_date)
        self.assertEqual(first.city, "Odense C")
        self.assertEqual(
            (first.economic_number, first.economic_company_id, first.economic_state),
            ("7", self.company, "synced"),
        )
        self.assertFalse(first.economic_idempotency_key)
        self.assertFalse(first.economic_need_sync, "bookkeeping is not a change to send")
        self.assertEqual(first.write_uid, self.env.user)
        self.assertEqual(self.Partner._economic_search_linked(self.company, [7]), first)

    def test_number_and_access_still_checked(self):
        partner = self.customer(name="Checked ApS")
        with self.assertRaises(ValidationError):
            partner._economic_write({"economic_number": "12a"})
        portal = new_test_user(self.env, login="portal_bookkeeping", groups="base.group_portal")
        with self.assertRaises(AccessError):
            partner.with_user(portal)._economic_write({"economic_idempotency_key": "forged"})
        self.assertFalse(partner.economic_idempotency_key)
