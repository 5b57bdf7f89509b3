# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Settings per kind, records needing attention, menus and the smaller UI fixes."""

from unittest.mock import patch

from lxml import etree

from odoo.tests import new_test_user, tagged

from .test_customers import CustomerSyncCase
from .test_timesheet_approval import EconomicInvoicingCase


@tagged("post_install", "-at_install")
class TestSettingsPerKind(CustomerSyncCase):
    def settings(self):
        return self.env["res.config.settings"].create({})

    def attention(self):
        action = self.settings().action_economic_open_issues()
        self.assertEqual(action["res_model"], "economic.attention")
        return self.env["economic.attention"].search(action["domain"])

    def row(self, kind):
        (row,) = [row for row in self.company._economic_kind_status() if row["kind"] == kind]
        return row

    def test_customer_in_error_stays_listed_after_a_quiet_run(self):
        self.empty_agreement()
        bad = self.customer(name="Bad City", city="x" * 60)  # e-conomic: city <= 50
        self.sync()
        self.assertEqual(bad.economic_state, "error")
        self.sync()
        self.assertEqual(self.last_run().summary, "Nothing to do", "the later run lists nothing")
        items = self.attention()
        self.assertEqual(items.mapped("res_id"), [bad.id])
        self.assertEqual(items.res_model, "res.partner")
        self.assertEqual(items.kind, "customers")
        self.assertEqual(items.name, "Bad City")
        self.assertEqual(items.message, bad.economic_error)
        self.assertEqual(items.log_id, bad.economic_log_id)
        opened = items.action_economic_open_record()
        self.assertEqual((opened["res_model"], opened["res_id"]), ("res.partner", bad.id))
        customers = self.row("customers")
        self.assertEqual(customers["errors"], 1)
        self.assertEqual(customers["run"], self.last_run("customers"))
        self.assertEqual(self.row("products")["run"], self.last_run("products"))
        self.assertEqual(self.row("products")["errors"], 0)
        overview = self.settings().economic_kind_overview
        self.assertIn("Nothing to do", overview)
        self.assertIn("text-danger", overview, "the kind with errors stands out")
        # Fixed and synced: no longer listed.
        bad.city = "Aarhus"
        self.sync()
        self.assertEqual(bad.economic_state, "synced")
        self.assertFalse(self.attention())
        self.assertEqual(self.row("customers")["errors"], 0)

    def test_last_run_is_per_kind(self):
        self.sync()
        runs = {row["kind"]: row["run"] for row in self.company._economic_kind_status()}
        self.assertEqual(runs["products"].kind, "products")
        self.assertEqual(runs["employees"].kind, "employees")
        self.assertEqual(runs["customers"].kind, "customers")
        self.assertFalse(runs["timesheets"], "no timesheet run yet")
        self.assertIn("No run yet", self.settings().economic_kind_overview)

    def test_other_companies_errors_are_not_counted(self):
        other = self.env["res.company"].create({"name": "Other ApS"})
        partner = self.customer(name="Elsewhere", company_id=other.id)
        partner._economic_write({"economic_state": "error", "economic_error": "refused"})
        self.assertNotIn(partner.id, self.attention().mapped("res_id"))
        self.assertEqual(self.row("customers")["errors"], 0)

    def test_connection_status_reads_as_one_sentence(self):
        self.company._economic_test_connection()
        settings = self.settings()
        text = settings.economic_connection_success_text
        self.assertTrue(text.startswith("Last successful test on "), text)
        self.assertIn(f": agreement {self.company.economic_agreement_number} (", text)
        arch = etree.fromstring(settings.get_views([(False, "form")])["views"]["form"]["arch"])
        (status,) = arch.xpath("//div[field[@name='economic_connection_success_text']]")
        self.assertFalse(
            "".join(status.itertext()).strip().startswith(":"), "no colon on its own line"
        )

    def test_matching_with_every_customer_linked_says_so(self):
        self.sync()  # the agreement has customers: nothing sent before matching
        Partner = self.env["res.partner"]
        unlinked = Partner.search(Partner._economic_customer_domain(self.company)).filtered(
            lambda partner: not partner.economic_number
        )
        unlinked.write({"economic_exclude": True})
        wizard = self.env["economic.customer.match"].create({"company_id": self.company.id})
        self.assertTrue(wizard.remote_count)
        self.assertFalse(wizard.line_ids)
        arch = etree.fromstring(wizard.get_views([(False, "form")])["views"]["form"]["arch"])
        (done,) = arch.xpath("//div[contains(., 'there is nothing to match')]")
        self.assertEqual(done.get("invisible"), "not remote_count or line_ids")
        (proposal,) = arch.xpath("//div[contains(., 'Check the proposal below')]")
        self.assertIn("not line_ids", proposal.get("invisible"))

    def test_sync_now_notifies_the_user_when_the_run_is_done(self):
        manager = new_test_user(
            self.env,
            login="econ_sync_manager",
            groups="base.group_system,economic_connector.group_economic_manager",
        )
        settings = self.env["res.config.settings"].with_user(manager).create({})
        settings.action_economic_sync_now()
        sent = []
        bus = self.registry["bus.bus"]
        with patch.object(bus, "_sendone", autospec=True, side_effect=lambda *a: sent.append(a)):
            self.run_as_cron(lambda env: env["res.partner"]._cron_economic_sync_master_data())
        notices = [args for args in sent if args[2] == "simple_notification"]
        self.assertEqual(len(notices), 1, sent)
        _bus, target, _type, message = notices[0]
        self.assertEqual(target, manager.partner_id)
        self.assertIn(self.last_run().summary, message["message"])
        # Only the requested run tells: the next scheduled one is silent.
        sent.clear()
        self.company.economic_master_synced_at = False
        with patch.object(bus, "_sendone", autospec=True, side_effect=lambda *a: sent.append(a)):
            self.run_as_cron(lambda env: env["res.partner"]._cron_economic_sync_master_data())
        self.assertFalse([args for args in sent if args[2] == "simple_notification"])

    def test_internal_fields_are_not_offered_for_grouping(self):
        line_fields = self.env["account.analytic.line"].fields_get(attributes=["groupable"])
        self.assertFalse(line_fields["economic_send_key"]["groupable"])
        self.assertFalse(line_fields["economic_line_number"]["groupable"])
        self.assertTrue(line_fields["economic_line_state"]["groupable"])
        project_fields = self.env["project.project"].fields_get(attributes=["groupable"])
        self.assertFalse(project_fields["economic_draft_key"]["groupable"])
        self.assertFalse(project_fields["economic_lease_until"]["groupable"])
        self.assertTrue(project_fields["economic_draft_state"]["groupable"])
        partner_fields = self.env["res.partner"].fields_get(attributes=["groupable"])
        self.assertFalse(partner_fields["economic_idempotency_key"]["groupable"])
        self.assertTrue(partner_fields["economic_state"]["groupable"])

    def test_error_box_shows_the_log_id_once(self):
        for view_xmlid in (
            "economic_connector.view_partner_form_economic",
            "economic_connector.product_template_form_view_economic",
            "economic_connector.view_employee_form_economic",
        ):
            arch = etree.fromstring(self.env.ref(view_xmlid).arch)
            self.assertFalse(
                arch.xpath("//field[@name='economic_log_id']"),
                f"{view_xmlid}: the log id is part of economic_error already",
            )


@tagged("post_install", "-at_install")
class TestEconomicMenus(EconomicInvoicingCase):
    MENUS = (
        "menu_economic_customers",
        "menu_economic_products",
        "menu_economic_booked_invoices",
        "menu_economic_timesheet_runs",
        "menu_economic_attention",
    )

    def visible(self, user):
        return self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()

    def test_economic_menus_for_economic_groups(self):
        bookkeeper = new_test_user(
            self.env,
            login="econ_menu_bookkeeper",
            groups="economic_connector.group_economic_bookkeeper,"
            "hr_timesheet.group_hr_timesheet_user",
        )
        visible = self.visible(bookkeeper)
        for xmlid in self.MENUS:
            menu = self.env.ref(f"economic_connector.{xmlid}")
            self.assertIn(menu.id, visible, xmlid)
            self.assertTrue(menu.action, xmlid)
        employees = self.env.ref("economic_connector.menu_economic_employees")
        self.assertNotIn(employees.id, visible, "employees need HR rights")
        hidden = self.visible(self.timesheet_user)
        for xmlid in self.MENUS:
            self.assertNotIn(self.env.ref(f"economic_connector.{xmlid}").id, hidden, xmlid)

    def test_customers_menu_has_the_state_filters(self):
        action = self.env.ref("economic_connector.action_economic_customers")
        self.assertEqual(action.res_model, "res.partner")
        arch = etree.fromstring(
            self.env["res.partner"].get_views([(False, "search")])["views"]["search"]["arch"]
        )
        for name in ("synced", "pending", "not_synced", "error"):
            self.assertTrue(arch.xpath(f"//filter[@name='economic_state_{name}']"), name)

    def test_draft_invoice_button_titles_its_list(self):
        project = self.project_with_draft()
        self.approve(self.make_lines(project))
        self.send()
        action = project.with_user(self.approver).action_economic_view_lines()
        title = f"Draft invoice {project.economic_draft_number}"
        self.assertEqual(action["name"], title)
        self.assertEqual(action["display_name"], title, "the web client shows display_name")

    def test_lines_projects_and_invoices_without_pdf_need_attention(self):
        project = self.project_with_draft()
        line = self.make_lines(project)
        line.sudo().write({"economic_line_state": "error", "economic_error": "changed there"})
        project.sudo().write({"economic_sync_error": "lines changed in e-conomic"})
        invoice = self.env["economic.invoice"].create({"number": 4711, "project_id": project.id})
        settings = self.env["res.config.settings"].create({})
        domain = settings.action_economic_open_issues()["domain"]
        items = self.env["economic.attention"].search(domain)
        found = {(item.kind, item.res_model, item.res_id): item for item in items}
        self.assertEqual(
            found[("timesheets", "account.analytic.line", line.id)].message, "changed there"
        )
        self.assertIn(
            "lines changed in e-conomic",
            found[("drafts", "project.project", project.id)].message,
        )
        no_pdf = found[("invoices", "economic.invoice", invoice.id)]
        self.assertIn("Fetch PDF", no_pdf.description)
        counts = {row["kind"]: row["errors"] for row in self.company._economic_kind_status()}
        self.assertEqual((counts["timesheets"], counts["drafts"], counts["invoices"]), (1, 1, 1))
        # The line's error is fixed: it leaves the list.
        line.sudo().write({"economic_line_state": "approved", "economic_error": False})
        items = self.env["economic.attention"].search(domain)
        self.assertNotIn(line.id, items.filtered(lambda i: i.kind == "timesheets").mapped("res_id"))
