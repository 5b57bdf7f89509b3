# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The flows in a real browser: Odoo tours (static/tests/tours/economic_tours.js) in headless
Chromium, against the in-process fake e-conomic.

The jobs that talk to e-conomic are crons; the tests run them from Python between the tours,
as the scheduler would, and check what the fake received. Without a Chrome/Chromium, Odoo
skips these tests; scripts/run-tests fails the run when that happens.
"""

from odoo import SUPERUSER_ID, api
from odoo.tests import HttpCase, new_test_user, tagged

from .test_timesheet_approval import EconomicInvoicingCase

TOUR_GROUPS = (
    "base.group_system,economic_connector.group_economic_manager,"
    "hr_timesheet.group_hr_timesheet_approver,project.group_project_manager"
)


@tagged("post_install", "-at_install")
class TestTours(EconomicInvoicingCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tour_user = new_test_user(cls.env, login="econ_tour", groups=TOUR_GROUPS)

    def run_as_cron(self, func):
        # HttpCase keeps the registry in test mode for the whole class: its cursors share
        # the test transaction already (EconomicCase's context manager would only warn).
        self.env.flush_all()
        with self.registry.cursor() as cr:
            result = func(api.Environment(cr, SUPERUSER_ID, {}))
        self.env.invalidate_all()
        return result

    def set_danish(self, user):
        """Danish added after installation, with the addon's translations, for ``user``."""
        self.env["res.lang"]._activate_lang("da_DK")
        self.env["ir.module.module"]._load_module_terms(["economic_connector"], ["da_DK"])
        user.lang = "da_DK"

    def tour(self, url, name):
        # The tour starts only once the web client runs in the user's language.
        user_lang = "odoo.loader.modules.get('@web/core/user').user.lang"
        client_lang = f"String({user_lang}).replace('-', '_')"
        ready = f"{client_lang} === {self.tour_user.lang!r} && odoo.isTourReady({name!r})"
        self.start_tour(url, name, login=self.tour_user.login, ready=ready)

    # === TESTS === #

    def test_settings_test_connection_and_refresh_lists(self):
        company = self.company
        company.sudo().write({"economic_agreement_number": False})
        choices = self.env["economic.choice"].search([("company_id", "=", company.id)])
        customer_group = company.economic_customer_group_id
        # A list entry e-conomic dropped since the last refresh, and one it added.
        stale = choices.filtered(lambda c: c.kind == "customer_group" and c.code == "2")
        self.assertTrue(stale, "the fake seeds customer group 2")
        del self.fake.customer_groups[2]
        self.fake.reset_calls()

        self.tour("/odoo/economic-settings", "economic_settings_tour")

        self.assertEqual(company.economic_agreement_number, "1118081")
        self.assertTrue(company.economic_connection_tested_at)
        self.assertFakeCalls("GET", "/self", 1)
        self.assertFakeCalls("GET", "/customer-groups", 1)
        self.assertNoWrites()
        groups = self.env["economic.choice"].search(
            [("company_id", "=", company.id), ("kind", "=", "customer_group")]
        )
        self.assertNotIn("2", groups.mapped("code"), "Refresh lists dropped the removed group")
        self.assertEqual(company.economic_customer_group_id, customer_group)

    def invoicing_flow(self):
        """Approve in the browser, send (cron), see the badges and book in the browser, book
        (cron), find the booked invoice in the browser."""
        project = self.project_with_draft()
        lines = self.make_lines(project, count=2, hours=3.0)
        project_url = f"/odoo/project/{project.id}"

        self.tour(project_url, "economic_approve_tour")
        self.assertEqual(set(lines.mapped("economic_line_state")), {"approved"})
        self.assertEqual(lines.economic_approved_by_id, self.tour_user)

        self.send()
        draft = project.economic_draft_number
        self.assertOnDraftOnce(lines, draft)

        self.tour(project_url, "economic_draft_and_book_tour")
        self.assertEqual(project.economic_draft_state, "to_book")
        self.assertFalse(self.fake.booked, "the browser only queues the booking")

        self.send()
        invoice = project.with_context(active_test=False).economic_invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertIn(int(invoice.number), self.fake.booked)
        self.assertEqual(set(lines.mapped("economic_line_state")), {"invoiced"})
        self.assertTrue(invoice.pdf_attachment_id)

        self.tour(
            "/odoo/action-economic_connector.action_economic_invoice",
            "economic_booked_invoice_tour",
        )
        return project, lines, invoice

    def test_invoicing_flow_in_english(self):
        project, lines, invoice = self.invoicing_flow()
        self.assertEqual(
            lines.with_user(self.tour_user).mapped("economic_status_label"),
            [f"Invoiced (invoice {invoice.number})"] * 2,
        )

    def test_invoicing_flow_in_danish(self):
        self.set_danish(self.tour_user)
        english = self.env._("Invoiced (invoice %(number)s)", number="7")
        danish = self.env(context={"lang": "da_DK"})._("Invoiced (invoice %(number)s)", number="7")
        self.assertNotEqual(danish, english, "the addon's Danish terms are loaded")
        # Each tour starts only once the web client runs in Danish (see tour()).
        project, lines, invoice = self.invoicing_flow()
        lines = lines.with_user(self.tour_user).with_context(lang=self.tour_user.lang)
        lines.invalidate_recordset(["economic_status_label"])
        self.assertEqual(
            lines.mapped("economic_status_label"),
            [danish.replace("7", str(invoice.number))] * 2,
        )
