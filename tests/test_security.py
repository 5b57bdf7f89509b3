# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Security findings of issue 7 (2, 15, 16, 17, 18), tested as an RPC caller with a low role."""

from datetime import date

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .test_timesheet_approval import EconomicInvoicingCase


@tagged("post_install", "-at_install")
class TestBookkeepingWriteProtection(EconomicInvoicingCase):
    """Finding 2: the connector's economic_* fields are written by the connector only."""

    def test_timesheet_user_cannot_approve_own_line_by_write(self):
        project = self.make_project()
        line = self.make_lines(project)
        with self.assertRaises(AccessError):
            line.with_user(self.timesheet_user).write({"economic_line_state": "approved"})
        with self.assertRaises(AccessError):
            line.with_user(self.timesheet_user).write(
                {"economic_approved_by_id": self.approver.id, "economic_send_key": "x"}
            )
        self.assertEqual(line.economic_line_state, "to_approve")
        self.send()
        self.assertFalse(self.fake_calls("POST", "/invoices/drafts/1/lines"))

    def test_sent_line_cannot_be_set_back_and_edited(self):
        project = self.project_with_draft()
        line = self.make_lines(project, hours=2.0)
        self.approve(line)
        self.send()
        draft = project.economic_draft_number
        self.assertOnDraftOnce(line, draft)
        as_user = line.with_user(self.timesheet_user)
        with self.assertRaises(AccessError):
            as_user.write({"economic_line_state": "to_approve"})
        with self.assertRaises(AccessError):
            as_user.write({"economic_line_state": "to_approve", "unit_amount": 9.0})
        with self.assertRaises(UserError):
            as_user.write({"unit_amount": 9.0})
        # An approver gets no shortcut either: only the Reset action takes a line back.
        with self.assertRaises(AccessError):
            line.with_user(self.approver).write({"economic_line_state": "to_approve"})
        self.assertEqual(line.economic_line_state, "on_draft")
        self.assertEqual(line.unit_amount, 2.0)
        self.assertEqual(self.fake.drafts[draft]["lines"][0]["quantity"], 2.0)

    def test_line_cannot_be_created_approved(self):
        project = self.make_project()
        task = self.env["project.task"].create({"name": "Design", "project_id": project.id})
        Line = self.env["account.analytic.line"].with_user(self.timesheet_user)
        vals = {
            "project_id": project.id,
            "task_id": task.id,
            "employee_id": self.employee.id,
            "name": "Sneaky",
            "unit_amount": 3.0,
            "date": date(2026, 11, 2),
        }
        for extra in (
            {"economic_line_state": "approved"},
            {"economic_line_state": "on_draft", "economic_draft_number": 1},
            {"economic_send_key": "abc"},
        ):
            with self.subTest(extra=extra), self.assertRaises(AccessError):
                Line.create(dict(vals, **extra))
        with self.assertRaises(AccessError):
            Line.with_context(default_economic_line_state="approved").create(dict(vals))
        line = Line.create(dict(vals, economic_line_state="to_approve"))
        self.assertEqual(line.economic_line_state, "to_approve")

    def test_product_choice_stays_the_users_but_locks_with_the_line(self):
        project = self.make_project()
        line = self.make_lines(project)
        line.with_user(self.timesheet_user).write({"economic_product_id": self.special_product.id})
        self.assertEqual(line.economic_product_id, self.special_product)
        self.approve(line)
        with self.assertRaises(UserError):
            line.with_user(self.timesheet_user).write({"economic_product_id": False})

    def test_project_bookkeeping_is_not_writable(self):
        project = self.project_with_draft()
        as_manager = project.with_user(self.approver)  # a project manager
        for vals in (
            {"economic_draft_state": "to_book"},
            {"economic_draft_number": 999},
            {"economic_draft_key": "k", "economic_lease_until": "2026-01-01 00:00:00"},
            {"economic_removals": [{"draft": 1, "line": 1}]},
            {"economic_book_key": "k"},
        ):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                as_manager.write(vals)
        with self.assertRaises(AccessError):
            self.env["project.project"].with_user(self.approver).create(
                {"name": "Pre-booked", "economic_draft_state": "booked"}
            )
        # The project's own settings stay the manager's.
        as_manager.write({"economic_product_id": self.special_product.id})
        self.assertEqual(project.economic_draft_state, "open")

    def test_buttons_write_through_their_right_check(self):
        project = self.project_with_draft()
        lines = self.make_lines(project, count=2)
        self.approve(lines)
        self.send()
        lines[0].with_user(self.approver).action_economic_reset()
        self.assertEqual(lines[0].economic_line_state, "to_approve")
        project.with_user(self.approver).action_economic_send_now()
        with self.assertRaises(AccessError):
            project.with_user(self.timesheet_user).action_economic_send_now()
        with self.assertRaises(AccessError):
            lines[1].with_user(self.timesheet_user).action_economic_reset()
        wizard = (
            self.env["economic.book.invoice"]
            .with_user(self.bookkeeper)
            .with_context(default_project_id=project.id)
            .create({})
        )
        wizard.action_book()
        self.assertEqual(project.economic_draft_state, "to_book")
        # Reopening an archived booked project is a user write that resets the draft state.
        project.sudo()._economic_forget_draft("booked")
        project.with_user(self.approver).write({"active": True})
        self.assertEqual(project.economic_draft_state, "to_create")
