# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import base64
import html
from datetime import date, timedelta

from odoo.exceptions import UserError
from odoo.tests import Form, new_test_user, tagged

from ..models.economic_invoice import fik_payment_id, fik_payment_line, luhn_check_digit
from .test_timesheet_approval import EconomicInvoicingCase


@tagged("post_install", "-at_install")
class TestBooking(EconomicInvoicingCase):
    def project_with_lines(self, count=2):
        project = self.project_with_draft()
        lines = self.make_lines(project, count=count, hours=3.0)
        self.approve(lines)
        self.send()
        self.assertOnDraftOnce(lines, project.economic_draft_number)
        return project, lines

    def book_in_odoo(self, project, invoice_date=date(2026, 11, 20)):
        action = project.with_user(self.bookkeeper).action_economic_book()
        wizard_form = Form(
            self.env[action["res_model"]].with_user(self.bookkeeper).with_context(action["context"])
        )
        wizard_form.date = invoice_date
        wizard = wizard_form.save()
        self.assertTrue(wizard.due_date_required, "the payment terms are of type due date")
        self.assertEqual(wizard.due_date, invoice_date + timedelta(days=8))
        self.assertEqual(wizard.payment_info, "Bankkonto: 1234 - 5678901")
        wizard.action_book()
        return wizard

    def assertBooked(self, project, lines, number):
        invoice = project.economic_invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.number, number)
        booked = self.fake.booked[number]
        self.assertEqual(invoice.net_amount, booked["netAmount"])
        self.assertEqual(invoice.vat_amount, booked["vatAmount"])
        self.assertEqual(invoice.gross_amount, booked["grossAmount"])
        self.assertEqual(invoice.net_amount, 2 * 3.0 * 950.0)
        self.assertEqual(set(lines.mapped("economic_line_state")), {"invoiced"})
        self.assertEqual(lines.economic_invoice_id, invoice)
        self.assertEqual(set(lines.mapped("economic_booked_number")), {number})
        self.assertFalse(project.active, "a booked project is closed")
        self.assertEqual(project.economic_draft_state, "booked")
        self.assertFalse(project.economic_draft_number)
        self.assertTrue(invoice.pdf_attachment_id)
        message = project.message_ids.filtered(
            lambda m: invoice.pdf_attachment_id in m.attachment_ids
        )
        self.assertEqual(len(message), 1, "the PDF is archived in the project's chatter")
        self.assertIn(f"Invoice {number} booked", message.body)
        return invoice

    def test_book_from_odoo(self):
        project, lines = self.project_with_lines()
        draft_number = project.economic_draft_number
        self.fake.reset_calls()
        self.book_in_odoo(project)
        self.assertFalse(self.fake.calls, "the wizard only queues the booking")
        self.assertEqual(project.economic_draft_state, "to_book")
        self.send()
        self.assertFakeCalls("PUT", f"/invoices/drafts/{draft_number}", 1)
        self.assertFakeCalls("POST", "/invoices/booked", 1)
        number = max(self.fake.booked)
        booked = self.fake.booked[number]
        self.assertEqual(booked["date"], "2026-11-20")
        self.assertEqual(booked["dueDate"], "2026-11-28")
        self.assertEqual(booked["notes"]["textLine1"], "Bankkonto: 1234 - 5678901")
        invoice = self.assertBooked(project, lines, number)
        self.assertEqual(invoice.date, date(2026, 11, 20))
        self.assertEqual(invoice.due_date, date(2026, 11, 28))
        self.assertEqual(invoice.pdf_attachment_id.mimetype, "application/pdf")
        self.assertTrue(base64.b64decode(invoice.pdf_attachment_id.datas).startswith(b"%PDF"))
        self.fake.reset_calls()
        self.send()
        self.poll()
        self.assertNoWrites("booked once")
        self.assertEqual(len(project.economic_invoice_ids), 1)

    def test_booking_waits_while_economic_is_down(self):
        project, lines = self.project_with_lines()
        self.book_in_odoo(project)
        self.fake.fail_next(30, 503)
        self.send()
        self.assertEqual(project.economic_draft_state, "to_book")
        self.assertFalse(self.fake.booked)
        self.assertTrue(project.economic_error)
        self.fake.clear_faults()
        self.expire_backoff(project)
        self.send()
        self.assertBooked(project, lines, max(self.fake.booked))

    def test_lost_booking_answer_is_not_booked_twice(self):
        project, lines = self.project_with_lines()
        self.book_in_odoo(project)
        self.fake.lose_response_next(10, method="POST", path="/invoices/booked")
        self.send()
        self.assertEqual(len(self.fake.booked), 1, "e-conomic booked it")
        self.assertEqual(project.economic_draft_state, "to_book", "Odoo does not know yet")
        self.fake.clear_faults()
        self.fake.clear_idempotency_cache()
        self.expire_backoff(project)
        self.send()
        self.assertEqual(len(self.fake.booked), 1)
        self.assertBooked(project, lines, max(self.fake.booked))

    def test_booked_in_economic_is_noticed(self):
        project, lines = self.project_with_lines()
        number = self.fake.book(project.economic_draft_number)
        self.poll()
        self.assertBooked(project, lines, number)

    def test_odoo_layout_renders_the_invoice(self):
        self.company.economic_invoice_layout_source = "odoo"
        project, lines = self.project_with_lines()
        number = self.fake.book(project.economic_draft_number)
        self.fake.reset_calls()
        self.poll()
        invoice = self.assertBooked(project, lines, number)
        self.assertFalse(self.fake_calls("GET", f"/invoices/booked/{number}/pdf"))
        # Without wkhtmltopdf (tests) Odoo's report engine gives HTML instead of a PDF.
        content = html.unescape(
            base64.b64decode(invoice.pdf_attachment_id.datas).decode(errors="replace")
        )
        self.assertTrue(invoice.fik_line.startswith("+71<"))
        self.assertIn(invoice.fik_line, content)
        self.assertIn("Bankkonto: 1234 - 5678901", content)
        self.assertIn("Work 0", content)

    def test_reopening_a_booked_project_starts_a_new_draft(self):
        project, _lines = self.project_with_lines()
        self.fake.book(project.economic_draft_number)
        self.poll()
        self.assertFalse(project.active)
        self.fake.reset_calls()
        project.action_unarchive()
        self.assertEqual(project.economic_draft_state, "to_create")
        self.send()
        self.assertEqual(
            len([c for c in self.fake.calls if c[:2] == ("POST", "/invoices/drafts")]), 1
        )
        self.assertEqual(project.economic_draft_state, "open")
        new_line = self.make_lines(project)
        self.approve(new_line)
        self.send()
        self.assertOnDraftOnce(new_line, project.economic_draft_number)

    def test_project_form_readable_without_invoice_rights(self):
        project, _lines = self.project_with_lines()
        self.fake.book(project.economic_draft_number)
        self.poll()
        project_user = new_test_user(
            self.env, login="econ_project_user", groups="project.group_project_user"
        )
        values = (
            project.with_user(project_user)
            .with_context(active_test=False)
            .read(["economic_invoice_count", "economic_pending_line_count", "economic_draft_state"])
        )
        self.assertEqual(values[0]["economic_invoice_count"], 1)
        self.assertEqual(values[0]["economic_draft_state"], "booked")

    def test_only_bookkeepers_book(self):
        project, _lines = self.project_with_lines()
        with self.assertRaises(UserError):
            project.with_user(self.approver).action_economic_book()
        self.assertEqual(project.economic_draft_state, "open")

    def test_fik_payment_line(self):
        # Luhn reference value: 7992739871 -> check digit 3
        self.assertEqual(luhn_check_digit("7992739871"), "3")
        payment_id = fik_payment_id(1234)
        self.assertEqual(len(payment_id), 15)
        self.assertEqual(payment_id[:14], "00000000001234")
        self.assertEqual(payment_id[14], luhn_check_digit("00000000001234"))
        self.assertEqual(fik_payment_line(1234, "87654321"), f"+71<{payment_id} +87654321<")
        self.assertEqual(fik_payment_line(1234, ""), "", "no creditor number: no FIK line")
