# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date, timedelta
from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from ..models.account_analytic_line import marker_line_id
from .common import EconomicCase

CUSTOMER_NUMBER = 1  # seeded in every fake: Hansen & Co ApS, domestic VAT zone


class EconomicInvoicingCase(EconomicCase):
    """Users, a linked customer, an employee and helpers shared by the invoicing tests."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.approver = new_test_user(
            env,
            login="econ_approver",
            groups="hr_timesheet.group_hr_timesheet_approver,project.group_project_manager",
        )
        cls.bookkeeper = new_test_user(
            env,
            login="econ_bookkeeper",
            groups="economic_connector.group_economic_bookkeeper,"
            "hr_timesheet.group_hr_timesheet_approver,project.group_project_manager",
        )
        cls.timesheet_user = new_test_user(
            env, login="econ_employee", groups="hr_timesheet.group_hr_timesheet_user"
        )
        cls.employee = env["hr.employee"].create(
            {
                "name": "Anna Jensen",
                "user_id": cls.timesheet_user.id,
                "company_id": cls.company.id,
                "employee_type": "freelance",
            }
        )
        cls.customer = env["res.partner"].create(
            {
                "name": "Hansen & Co ApS",
                "is_company": True,
                "country_id": env.ref("base.dk").id,
            }
        )
        cls.customer._economic_set_synced(str(CUSTOMER_NUMBER), company=cls.company)
        cls.special_product = env["product.product"].create(
            {"name": "Senior consultant", "type": "service", "economic_number": "30"}
        )

    def setUp(self):
        super().setUp()
        self.fake.add_product(
            "30",
            name="Seniorkonsulent",
            productGroup={"productGroupNumber": 1},
            salesPrice=1200.0,
            unit={"unitNumber": 1},
        )

    # === HELPERS === #

    def make_project(self, name="Website", partner=None, **vals):
        return self.env["project.project"].create(
            {
                "name": name,
                "partner_id": (partner if partner is not None else self.customer).id or False,
                "allow_timesheets": True,
                **vals,
            }
        )

    def make_lines(self, project, count=1, hours=2.0, task=None, **vals):
        task = task or self.env["project.task"].create({"name": "Design", "project_id": project.id})
        return self.env["account.analytic.line"].create(
            [
                {
                    "project_id": project.id,
                    "task_id": task.id,
                    "employee_id": self.employee.id,
                    "name": f"Work {index}",
                    "unit_amount": hours,
                    "date": date(2026, 11, 2) + timedelta(days=index),
                    **vals,
                }
                for index in range(count)
            ]
        )

    def send(self):
        self.run_as_cron(lambda env: env["account.analytic.line"]._cron_economic_send_lines())

    def poll(self):
        self.run_as_cron(lambda env: env["project.project"]._cron_economic_poll_invoices())

    def approve(self, lines, user=None):
        return lines.with_user(user or self.approver).action_economic_approve()

    def project_with_draft(self, **vals):
        project = self.make_project(**vals)
        self.send()
        self.assertTrue(project.economic_draft_number, "the cron creates the project's draft")
        return project

    def expire_backoff(self, *projects):
        for project in projects:
            project.sudo().write({"economic_next_attempt": False})

    def draft_line_ids(self, draft_number):
        """Odoo line ids found (by marker) on a draft of the fake, duplicates kept."""
        return [
            marker_line_id(line.get("description"))
            for line in self.fake.drafts[draft_number].get("lines", [])
        ]

    def assertOnDraftOnce(self, lines, draft_number):
        ids = self.draft_line_ids(draft_number)
        for line in lines:
            self.assertEqual(
                ids.count(line.id), 1, f"line {line.id} must be on the draft once: {ids}"
            )
        self.assertEqual(set(lines.mapped("economic_line_state")), {"on_draft"})
        self.assertEqual(set(lines.mapped("economic_draft_number")), {draft_number})

    def chatter(self, project):
        return project.message_ids.mapped("body")


@tagged("post_install", "-at_install")
class TestTimesheetApproval(EconomicInvoicingCase):
    def test_new_lines_wait_for_approval(self):
        project = self.make_project()
        line = self.make_lines(project)
        self.assertEqual(line.economic_line_state, "to_approve")
        other = self.env["account.analytic.line"].create(
            {"name": "Not a timesheet", "account_id": project.account_id.id, "amount": 1.0}
        )
        self.assertFalse(other.economic_line_state)

    def test_approve_commits_first_then_one_request_per_draft(self):
        project = self.project_with_draft()
        lines = self.make_lines(project, count=3, hours=1.5)
        self.fake.reset_calls()
        cron = self.env.ref("economic_connector.ir_cron_economic_send_lines")
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])
        self.approve(lines)
        self.assertEqual(set(lines.mapped("economic_line_state")), {"approved"})
        new_triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]) - triggers
        self.assertTrue(new_triggers, "approval starts the sending cron at once")
        self.assertFalse(self.fake.calls, "approval itself never talks to e-conomic")
        self.send()
        self.assertFakeCalls("POST", f"/invoices/drafts/{project.economic_draft_number}/lines", 1)
        self.assertOnDraftOnce(lines, project.economic_draft_number)
        remote = self.fake.drafts[project.economic_draft_number]["lines"]
        first = remote[0]
        self.assertEqual(
            first["product"]["productNumber"], "1", "domestic customer: product with VAT"
        )
        self.assertEqual(first["quantity"], 1.5)
        self.assertEqual(first["unitNetPrice"], 950.0, "e-conomic's price for the customer")
        self.assertEqual(first["unit"]["unitNumber"], 1, "unit 'timer'")
        self.assertIn("Anna Jensen", first["description"])
        self.assertIn("Design", first["description"])
        self.assertIn("Work 0", first["description"])
        self.assertIn("2026-11-02", first["description"])
        self.assertTrue(any("sent to draft invoice" in body for body in self.chatter(project)))
        run = self.env["economic.run"].search([("kind", "=", "timesheets")], limit=1)
        self.assertEqual(run.sent, 3, "the run summary counts the lines sent")
        self.assertEqual(project.economic_draft_net_amount, 3 * 1.5 * 950.0)
        self.assertEqual(project.economic_draft_line_count, 3)
        self.poll()
        self.assertEqual(project.economic_draft_net_amount, 3 * 1.5 * 950.0)

    def test_description_without_task_leaves_no_dangling_separator(self):
        project = self.make_project()
        line = self.env["account.analytic.line"].create(
            {
                "project_id": project.id,
                "employee_id": self.employee.id,
                "name": "Projektstyring",
                "unit_amount": 1.0,
                "date": date(2026, 11, 2),
            }
        )
        self.assertFalse(line.task_id)
        marker = f"[T-{line.id}]"
        self.assertEqual(
            line._economic_description(), f"2026-11-02 Anna Jensen: Projektstyring {marker}"
        )
        line.name = "/"
        self.assertEqual(line._economic_description(), f"2026-11-02 Anna Jensen {marker}")
        template = "{project} / {task} ({description}) {hours} h"
        self.assertEqual(line._economic_description(template), f"Website / 1.00 h {marker}")
        line.name = "Mails"
        self.assertEqual(line._economic_description(template), f"Website / (Mails) 1.00 h {marker}")
        self.assertEqual(line._economic_description("Time only"), f"Time only {marker}")

    def test_product_from_line_task_project_then_default(self):
        project = self.project_with_draft()
        task = self.env["project.task"].create(
            {
                "name": "Architecture",
                "project_id": project.id,
                "economic_product_id": self.special_product.id,
            }
        )
        on_task = self.make_lines(project, task=task)
        default = self.make_lines(project)
        self.approve(on_task | default)
        self.send()
        products = {
            marker_line_id(line["description"]): line["product"]["productNumber"]
            for line in self.fake.drafts[project.economic_draft_number]["lines"]
        }
        self.assertEqual(products[on_task.id], "30")
        self.assertEqual(products[default.id], "1")
        price = {
            marker_line_id(line["description"]): line["unitNetPrice"]
            for line in self.fake.drafts[project.economic_draft_number]["lines"]
        }
        self.assertEqual(price[on_task.id], 1200.0)

    def test_foreign_customer_gets_product_without_vat(self):
        foreign = self.env["res.partner"].create(
            {
                "name": "Nordic Trading GmbH",
                "is_company": True,
                "country_id": self.env.ref("base.de").id,
            }
        )
        foreign._economic_set_synced("2", company=self.company)
        project = self.project_with_draft(partner=foreign)
        lines = self.make_lines(project)
        self.approve(lines)
        self.send()
        remote = self.fake.drafts[project.economic_draft_number]["lines"]
        self.assertEqual(remote[0]["product"]["productNumber"], "2")

    def test_preflight_refuses_the_whole_approval(self):
        project = self.project_with_draft()
        no_customer = self.make_project(name="Internal", partner=self.env["res.partner"])
        good = self.make_lines(project)
        zero = self.make_lines(project, hours=0.0)
        orphan = self.make_lines(no_customer)
        self.fake.reset_calls()
        with self.assertRaises(UserError) as caught:
            self.approve(good | zero | orphan)
        message = str(caught.exception)
        self.assertIn("zero hours", message)
        self.assertIn("no customer", message)
        self.assertIn("Internal", message)
        self.assertEqual(set((good | zero | orphan).mapped("economic_line_state")), {"to_approve"})
        self.assertFalse(self.fake.calls)

    def test_preflight_product_without_number_and_closed_project(self):
        project = self.project_with_draft()
        unlinked = self.env["product.product"].create({"name": "No number", "type": "service"})
        line = self.make_lines(project, economic_product_id=unlinked.id)
        with self.assertRaisesRegex(UserError, "has no e-conomic product number"):
            self.approve(line)
        closed = self.project_with_draft(name="Closed")
        closed_line = self.make_lines(closed)
        closed.sudo().write({"economic_draft_state": "booked", "economic_draft_number": 0})
        with self.assertRaisesRegex(UserError, "project is closed"):
            self.approve(closed_line)
        self.assertEqual(line.economic_line_state, "to_approve")

    def test_preflight_customer_that_cannot_be_linked(self):
        failed = self.env["res.partner"].create({"name": "Broken Customer", "is_company": True})
        failed._economic_write({"economic_state": "error", "economic_error": "CVR refused"})
        project = self.make_project(name="Broken", partner=failed)
        line = self.make_lines(project)
        with self.assertRaisesRegex(UserError, "could not be created in e-conomic: CVR refused"):
            self.approve(line)
        self.assertEqual(line.economic_line_state, "to_approve")

    def test_preflight_settings_incomplete(self):
        project = self.project_with_draft()
        line = self.make_lines(project)
        company_class = type(self.env["res.company"])
        with patch.object(
            company_class, "_economic_missing_settings", return_value=["Product with VAT"]
        ):
            with self.assertRaisesRegex(UserError, "settings incomplete: Product with VAT"):
                self.approve(line)
        self.assertEqual(line.economic_line_state, "to_approve")

    def test_only_approvers_approve(self):
        project = self.project_with_draft()
        line = self.make_lines(project)
        with self.assertRaises(AccessError):
            line.with_user(self.timesheet_user).action_economic_approve()
        self.assertEqual(line.economic_line_state, "to_approve")

    def test_approve_everything_pending_on_project(self):
        project = self.project_with_draft()
        lines = self.make_lines(project, count=4)
        self.assertEqual(project.economic_pending_line_count, 4)
        project.with_user(self.approver).action_economic_approve_all()
        self.assertEqual(set(lines.mapped("economic_line_state")), {"approved"})
        self.send()
        self.assertOnDraftOnce(lines, project.economic_draft_number)

    def test_approved_lines_are_locked(self):
        project = self.project_with_draft()
        other_project = self.make_project(name="Other")
        task = self.env["project.task"].create({"name": "Build", "project_id": project.id})
        line = self.make_lines(project, task=task)
        self.approve(line)
        for user in (self.approver, self.env.ref("base.user_admin")):
            with self.assertRaises(UserError):
                line.with_user(user).write({"unit_amount": 9.0})
        with self.assertRaises(UserError):
            line.sudo().write({"name": "changed"})
        with self.assertRaises(UserError):
            line.sudo().unlink()
        with self.assertRaisesRegex(UserError, "cannot be moved"):
            task.write({"project_id": other_project.id})
        with self.assertRaises(UserError):
            project.write({"partner_id": self.env["res.partner"].create({"name": "Other"}).id})
        self.assertEqual(line.project_id, project)
        self.assertEqual(line.unit_amount, 2.0)
        self.assertTrue(line.readonly_timesheet)
        # Time still to approve stays editable and movable.
        free_task = self.env["project.task"].create({"name": "Free", "project_id": project.id})
        free = self.make_lines(project, task=free_task)
        free.write({"unit_amount": 3.0})
        free_task.write({"project_id": other_project.id})
        self.assertEqual(free.project_id, other_project)

    def test_reset_removes_line_from_unbooked_draft(self):
        project = self.project_with_draft()
        keep, reset = self.make_lines(project, count=2)
        self.approve(keep | reset)
        self.send()
        number = project.economic_draft_number
        self.fake.reset_calls()
        reset.with_user(self.approver).action_economic_reset()
        self.assertEqual(reset.economic_line_state, "to_approve")
        self.assertFalse(self.fake.calls, "the reset button only queues the removal")
        self.send()
        self.assertFakeCalls("PUT", f"/invoices/drafts/{number}", 1)
        self.assertEqual(self.draft_line_ids(number), [keep.id])
        self.assertEqual(keep.economic_line_state, "on_draft")
        # The line can be corrected and approved again: it comes back once.
        reset.write({"unit_amount": 4.0})
        self.approve(reset)
        self.send()
        self.assertOnDraftOnce(keep | reset, number)

    def test_reset_before_sending_needs_no_call(self):
        project = self.project_with_draft()
        line = self.make_lines(project)
        self.approve(line)
        line.with_user(self.approver).action_economic_reset()
        self.fake.reset_calls()
        self.send()
        self.assertNoWrites()
        self.assertEqual(line.economic_line_state, "to_approve")

    def test_reset_refused_after_booking(self):
        project = self.project_with_draft()
        line = self.make_lines(project)
        self.approve(line)
        self.send()
        self.fake.book(project.economic_draft_number)
        self.poll()
        self.assertEqual(line.economic_line_state, "invoiced")
        with self.assertRaisesRegex(UserError, "[Cc]redit the invoice in e-conomic"):
            line.with_user(self.approver).action_economic_reset()
        with self.assertRaisesRegex(UserError, "credit the invoice"):
            line.sudo().write({"unit_amount": 1.0})

    def test_enterprise_validation_flag_does_not_bypass_approval(self):
        # timesheet_grid's ``validated`` may exist; only this approval sends lines.
        project = self.project_with_draft()
        line = self.make_lines(project)
        if "validated" in line._fields:
            line.sudo().write({"validated": True})
        self.fake.reset_calls()
        self.send()
        self.assertNoWrites()
        self.assertEqual(line.economic_line_state, "to_approve")
