# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import base64
import html
import io
import re
from datetime import date, timedelta
from unittest.mock import patch

from lxml import etree
from PIL import Image

from odoo.exceptions import UserError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import format_amount, mute_logger
from odoo.tools.pdf import PdfReader

from ..models.economic_invoice import fik_payment_id, fik_payment_line, luhn_check_digit
from .test_timesheet_approval import EconomicInvoicingCase

REPORT_CLASS_PATH = "odoo.addons.base.models.ir_actions_report.IrActionsReport"
SYNC_LOGGER = "odoo.addons.economic_connector.models.economic_invoice_sync"
SYNC_CLASS_PATH = f"{SYNC_LOGGER}.EconomicInvoiceSync"
CLIENT_CLASS_PATH = "odoo.addons.economic_connector.economic.client.EconomicClient"


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
        # Archived on the invoice (money: project managers and bookkeepers), not in the
        # project's chatter, which every employee on the project reads.
        pdf = invoice.pdf_attachment_id
        self.assertEqual((pdf.res_model, pdf.res_id), ("economic.invoice", invoice.id))
        self.assertFalse(project.message_ids.attachment_ids & pdf)
        message = self.booked_message(project, number)
        self.assertEqual(len(message), 1, "the booking is told in the project's chatter")
        return invoice

    def booked_message(self, record, number):
        """The "Invoice N booked" message of a project (or of the booked invoice)."""
        return record.message_ids.filtered(lambda m: f"Invoice {number} booked" in m.body)

    def archive_issues(self, invoice):
        return self.env["economic.run.issue"].search(
            [("res_model", "=", "economic.invoice"), ("res_id", "=", invoice.id)]
        )

    def assertEconomicPdfArchived(self, invoice):
        self.assertEqual(invoice.pdf_attachment_id.mimetype, "application/pdf")
        self.assertTrue(base64.b64decode(invoice.pdf_attachment_id.datas).startswith(b"%PDF"))
        self.assertTrue(self.fake_calls("GET", f"/invoices/booked/{invoice.number}/pdf"))

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
        self.assertFalse(self.fake_calls("POST", f"/invoices/drafts/{draft_number}/attachment"))
        number = max(self.fake.booked)
        booked = self.fake.booked[number]
        self.assertNotIn("_attachment", booked, "e-conomic layout: nothing uploaded")
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

    def test_booked_message_formats_the_amount(self):
        project, lines = self.project_with_lines()
        self.book_in_odoo(project)
        self.send()
        invoice = self.assertBooked(project, lines, max(self.fake.booked))
        dkk = self.env.ref("base.DKK")
        self.assertEqual(invoice.gross_amount, 7125.0)
        body = html.unescape(self.booked_message(invoice, invoice.number).body)
        self.assertIn(format_amount(self.env, 7125.0, dkk), body)
        self.assertIn("7,125.00", body, "thousands separator of the user's language")
        # money stays off the project's chatter, which every employee on the project reads
        project_note = html.unescape(self.booked_message(project, invoice.number).body)
        self.assertNotIn("7,125.00", project_note)

    def test_odoo_layout_without_wkhtmltopdf_archives_economic_pdf(self):
        """Outside tests Odoo cannot render a PDF without wkhtmltopdf: e-conomic's PDF is
        archived instead, the chatter and the run say why, and the project is closed."""
        self.company.economic_invoice_layout_source = "odoo"
        project, lines = self.project_with_lines()
        self.book_in_odoo(project)
        self.fake.reset_calls()
        with patch(f"{REPORT_CLASS_PATH}.get_wkhtmltopdf_state", return_value="install"):
            self.send()
        invoice = self.assertBooked(project, lines, max(self.fake.booked))
        self.assertEconomicPdfArchived(invoice)
        self.assertIn("needs wkhtmltopdf", self.booked_message(project, invoice.number).body)
        self.assertEqual(len(self.archive_issues(invoice)), 1, "the run lists the remark")

    def test_odoo_layout_render_error_archives_economic_pdf(self):
        self.company.economic_invoice_layout_source = "odoo"
        project, lines = self.project_with_lines()
        self.book_in_odoo(project)
        self.fake.reset_calls()
        refusal = UserError("Unable to find Wkhtmltopdf on this system.")
        with (
            patch(f"{REPORT_CLASS_PATH}.get_wkhtmltopdf_state", return_value="ok"),
            patch(f"{REPORT_CLASS_PATH}._render_qweb_pdf", side_effect=refusal),
        ):
            self.send()
        invoice = self.assertBooked(project, lines, max(self.fake.booked))
        self.assertEconomicPdfArchived(invoice)
        self.assertIn(
            "Unable to find Wkhtmltopdf", self.booked_message(project, invoice.number).body
        )

    @mute_logger(SYNC_LOGGER)  # the expected failure is logged with its traceback
    def test_archiving_failure_never_leaves_the_project_queued(self):
        """A failure after e-conomic booked: the booking is recorded, the project closed, the
        problem reported; the bookkeeper fetches the PDF later."""
        project, lines = self.project_with_lines()
        self.book_in_odoo(project)
        with patch(
            f"{SYNC_CLASS_PATH}._economic_archive_pdf", side_effect=RuntimeError("disk full")
        ):
            self.send()
        number = max(self.fake.booked)
        invoice = project.economic_invoice_ids
        self.assertEqual(invoice.number, number)
        self.assertEqual(project.economic_draft_state, "booked")
        self.assertFalse(project.active)
        self.assertFalse(project.economic_outbox_pending)
        self.assertEqual(set(lines.mapped("economic_line_state")), {"invoiced"})
        self.assertFalse(invoice.pdf_attachment_id)
        body = self.booked_message(project, number).body
        self.assertIn("could not be archived", body)
        self.assertIn("disk full", body)
        issue = self.archive_issues(invoice)
        self.assertEqual(len(issue), 1)
        self.assertEqual(issue.run_id.errors, 1)
        invoice.with_user(self.bookkeeper).action_economic_fetch_pdf()
        self.assertEconomicPdfArchived(invoice)
        self.fake.reset_calls()
        self.send()
        self.poll()
        self.assertNoWrites("booked once")

    def test_economic_pdf_unavailable_still_closes_the_project(self):
        project, lines = self.project_with_lines()
        number = self.fake.book(project.economic_draft_number)
        self.fake.fail_next(1, 404, method="GET", path=f"/invoices/booked/{number}/pdf")
        self.poll()
        invoice = project.economic_invoice_ids
        self.assertEqual(set(lines.mapped("economic_line_state")), {"invoiced"})
        self.assertFalse(project.active)
        self.assertFalse(invoice.pdf_attachment_id)
        self.assertIn("could not be fetched", self.booked_message(project, number).body)
        self.assertEqual(self.archive_issues(invoice).run_id.errors, 1)

    @mute_logger(SYNC_LOGGER)  # the expected failure is logged with its traceback
    def test_crash_after_booking_resumes_without_booking_again(self):
        """An unexpected error after the booked invoice was stored: the next run closes the
        project from the stored invoice instead of taking the draft for deleted."""
        project, lines = self.project_with_lines()
        self.book_in_odoo(project)
        with patch(
            f"{SYNC_CLASS_PATH}._economic_close_booked", side_effect=RuntimeError("worker bug")
        ):
            self.send()
        self.assertEqual(len(self.fake.booked), 1)
        self.assertEqual(len(project.economic_invoice_ids), 1, "stored: the booking is a fact")
        self.assertEqual(project.economic_draft_state, "to_book")
        self.assertIn("worker bug", project.economic_error)
        self.expire_backoff(project)
        self.fake.reset_calls()
        self.send()
        self.assertFalse(self.fake_calls("POST", "/invoices/booked"))
        self.assertBooked(project, lines, max(self.fake.booked))
        self.assertFalse(project.economic_error)

    def test_invoice_display_name_and_download(self):
        project, _lines = self.project_with_lines()
        number = self.fake.book(project.economic_draft_number)
        self.poll()
        invoice = project.economic_invoice_ids.with_user(self.bookkeeper)
        self.assertEqual(invoice.display_name, f"Invoice {number}")
        action = invoice.action_economic_download_pdf()
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertEqual(
            action["url"], f"/web/content/{invoice.pdf_attachment_id.id}?download=true"
        )

    def test_book_wizard_warns_about_lines_not_approved(self):
        project, _lines = self.project_with_lines()
        self.make_lines(project, count=3)
        action = project.with_user(self.bookkeeper).action_economic_book()
        wizard = Form(
            self.env[action["res_model"]].with_user(self.bookkeeper).with_context(action["context"])
        ).save()
        self.assertEqual(wizard.unapproved_count, 3)
        arch = etree.fromstring(wizard.get_views([(False, "form")])["views"]["form"]["arch"])
        warning = arch.xpath("//div[field[@name='unapproved_count']]")
        self.assertEqual(len(warning), 1)
        self.assertTrue(warning[0].xpath("field[@name='unapproved_text']"))
        self.assertTrue(wizard.unapproved_text.startswith("3 timesheet lines of this project"))
        self.assertIn("will not be on this invoice", wizard.unapproved_text)

    def test_money_is_hidden_from_plain_timesheet_users(self):
        project, _lines = self.project_with_lines()
        self.fake.book(project.economic_draft_number)
        self.poll()

        def form_arch(user):
            views = project.with_user(user).get_views([(False, "form")])
            return etree.fromstring(views["views"]["form"]["arch"])

        money = (
            "//button[@name='action_economic_view_invoices']",
            "//button[@name='action_economic_view_lines']",
            "//field[@name='economic_invoice_ids']",
            "//field[@name='economic_draft_net_amount']",
        )
        employee_arch = form_arch(self.timesheet_user)
        manager_arch = form_arch(self.approver)  # a project manager
        for path in money:
            self.assertFalse(employee_arch.xpath(path), path)
            self.assertTrue(manager_arch.xpath(path), path)

    def test_odoo_layout_renders_the_invoice(self):
        self.company.economic_invoice_layout_source = "odoo"
        project, lines = self.project_with_lines()
        number = self.fake.book(project.economic_draft_number)
        self.fake.reset_calls()
        # Odoo renders when wkhtmltopdf is there (in test mode the engine gives HTML).
        with patch(f"{REPORT_CLASS_PATH}.get_wkhtmltopdf_state", return_value="ok"):
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

    # === Odoo layout, the ClientTime way (issue 8, item 4) === #

    def book_with_odoo_layout(self):
        """Book a project's draft with the Odoo layout; another invoice was booked in
        e-conomic before, so e-conomic's number series is not Odoo's guess of 1."""
        self.company.economic_invoice_layout_source = "odoo"
        self.company.partner_id.write(
            {"street": "Vestergade 12", "zip": "8000", "city": "Aarhus", "vat": "DK12345674"}
        )
        logo = io.BytesIO()
        Image.new("RGB", (60, 30), "#b02a37").save(logo, format="PNG")
        self.company.logo = base64.b64encode(logo.getvalue())
        project, lines = self.project_with_lines()
        other = self.fake.add_draft(1, lines=[{"product": {"productNumber": "1"}}])
        earlier = self.fake.book(other)
        self.book_in_odoo(project)
        # wkhtmltopdf "present": in test mode Odoo's report engine answers HTML, not a PDF
        with patch(f"{REPORT_CLASS_PATH}.get_wkhtmltopdf_state", return_value="ok"):
            self.send()
        return project, lines, earlier

    def test_odoo_layout_books_with_economic_numbers_and_archives_the_odoo_invoice(self):
        project, lines, earlier = self.book_with_odoo_layout()
        number = max(self.fake.booked)
        self.assertEqual(number, earlier + 1, "e-conomic's own number series")
        booking = [r for r in self.fake.requests if r["path"] == "/invoices/booked"]
        self.assertEqual(len(booking), 1)
        self.assertNotIn("bookWithNumber", booking[0]["body"])
        uploads = [r for r in self.fake.requests if r["method"] == "POST" and "attach" in r["path"]]
        self.assertFalse(uploads, "nothing is uploaded to e-conomic")
        self.assertFalse(
            [r for r in self.fake.requests if r["query"].get("sort") == "-bookedInvoiceNumber"],
            "no guess of the next number from the last booked one",
        )
        invoice = self.assertBooked(project, lines, number)
        self.assertEqual(invoice.layout_source, "odoo")
        self.assertFalse(self.fake_calls("GET", f"/invoices/booked/{number}/pdf"))
        content = html.unescape(
            base64.b64decode(invoice.pdf_attachment_id.datas).decode(errors="replace")
        )
        # on the booked invoice, which only project managers and bookkeepers read (not on the
        # project's chatter, whose attachments every project reader could download)
        self.assertEqual(invoice.pdf_attachment_id.res_model, "economic.invoice")
        text = " ".join(re.sub(r"<[^>]+>", " ", content).split())
        self.assertIn(f"Invoice {number}", text)
        self.assertEqual(invoice.fik_line, fik_payment_line(number, "87654321"))
        self.assertIn(invoice.fik_line, content)
        # the company block is in the body (Debian's wkhtmltopdf drops a separate header)
        body = content[content.index('class="page"') :]
        company = self.company.partner_id
        for text in (company.name, "Vestergade 12", "8000", "Aarhus", "DK12345674"):
            self.assertIn(text, body)
        self.assertIn('src="data:image/png;base64,', body, "the company logo")

    def test_send_booked_invoice_by_email_to_the_invoice_contact(self):
        invoicing = self.env["res.partner"].create(
            {
                "name": "Bogholderiet",
                "type": "invoice",
                "email": "faktura@hansen.example",
                "parent_id": self.customer.id,
            }
        )
        project, _lines, _earlier = self.book_with_odoo_layout()
        invoice = project.economic_invoice_ids
        pdf = invoice.pdf_attachment_id
        self.assertEqual(invoice.invoice_contact_id, invoicing)
        with self.assertRaises(UserError):
            invoice.with_user(self.approver).action_economic_send_email()
        action = invoice.with_user(self.bookkeeper).action_economic_send_email()
        self.assertEqual(action["res_model"], "mail.compose.message")
        composer_form = Form(
            self.env["mail.compose.message"]
            .with_user(self.bookkeeper)
            .with_context(action["context"])
        )
        composer = composer_form.save()
        self.assertEqual(composer.partner_ids, invoicing)
        self.assertEqual(composer.attachment_ids, pdf)
        self.assertEqual(
            composer.template_id, self.env.ref("economic_connector.mail_template_economic_invoice")
        )
        self.assertIn(str(invoice.number), composer.subject)
        self.assertIn(invoice.amount_text, html.unescape(composer.body))
        self.assertIn(invoice.fik_line, html.unescape(composer.body))
        composer.action_send_mail()
        message = invoice.message_ids.filtered(lambda m: m.message_type == "comment")
        self.assertEqual(len(message), 1)
        self.assertEqual(message.attachment_ids, pdf)
        self.assertEqual(message.partner_ids, invoicing)
        self.assertEqual(message.create_uid, self.bookkeeper)
        mail = self.env["mail.mail"].sudo().search([("mail_message_id", "=", message.id)])
        self.assertEqual(mail.recipient_ids, invoicing)
        self.assertEqual(mail.attachment_ids, pdf)
        self.assertEqual(pdf.res_model, "economic.invoice", "the archive stays with the invoice")

    def test_send_by_email_needs_the_archived_pdf(self):
        project, _lines, _earlier = self.book_with_odoo_layout()
        invoice = project.economic_invoice_ids
        invoice.sudo().pdf_attachment_id = False
        with self.assertRaises(UserError):
            invoice.with_user(self.bookkeeper).action_economic_send_email()

    def test_odoo_layout_real_pdf_keeps_the_company_block(self):
        """With the machine's wkhtmltopdf (Debian's, unpatched Qt) when there is one."""
        report = self.env["ir.actions.report"]
        if report.get_wkhtmltopdf_state() != "ok":
            self.skipTest("wkhtmltopdf is not installed")
        project, _lines, _earlier = self.book_with_odoo_layout()
        invoice = project.economic_invoice_ids
        # wkhtmltopdf would fetch the CSS from this very Odoo, which waits for the test's
        # transaction: point it at a closed port; the company block needs no stylesheet.
        self.env["ir.config_parameter"].sudo().set_param("report.url", "http://127.0.0.1:9")
        content, report_type = report.with_context(force_report_rendering=True)._render_qweb_pdf(
            "economic_connector.action_report_economic_invoice", invoice.ids
        )
        self.assertEqual(report_type, "pdf")
        self.assertTrue(content.startswith(b"%PDF"))
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
        text = " ".join(text.split())
        for expected in (self.company.name, "Vestergade 12", "Aarhus", f"Invoice {invoice.number}"):
            self.assertIn(expected, text)
        self.assertIn(invoice.fik_line.replace(" ", ""), text.replace(" ", ""))
        with_images = [p for p in PdfReader(io.BytesIO(content)).pages if p.images]
        self.assertTrue(with_images, "the company logo is in the PDF")

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
