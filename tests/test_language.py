# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Texts written by the jobs are in the company's language; plural forms are right.

The Danish cases add Danish after installation, load the module's da.po for it and set it on
the company's partner; the jobs then run as the cron does (superuser, no language), and the
users who click stay English. Danish texts of strings added with issue 10 come from
.i18n-todo-h5.txt (merged into i18n/da.po by the lead).
"""

import html
import re
from datetime import date, datetime

from odoo.tests import Form, tagged

from .test_customers import CustomerSyncCase
from .test_timesheet_approval import EconomicInvoicingCase

NBSP = "\N{NO-BREAK SPACE}"


class DanishCompanyMixin:
    """Danish added after installation and set on the company's partner (not on users)."""

    @classmethod
    def _economic_make_company_danish(cls):
        cls.env["res.lang"]._activate_lang("da_DK")
        cls.env["ir.module.module"]._load_module_terms(["economic_connector"], ["da_DK"])
        cls.company.partner_id.lang = "da_DK"
        cls.company.country_id = cls.env.ref("base.dk")  # a Danish office: domestic VAT

    def notes(self, record):
        """The record's chatter as plain text (entities such as &nbsp; decoded)."""
        return "\n".join(html.unescape(body) for body in record.message_ids.mapped("body"))


def book_in_odoo(case, project):
    """The bookkeeper (an English user) books the project's draft through the wizard."""
    action = project.with_user(case.bookkeeper).action_economic_book()
    wizard_form = Form(
        case.env[action["res_model"]].with_user(case.bookkeeper).with_context(action["context"])
    )
    wizard_form.date = date(2026, 11, 20)
    wizard_form.save().action_book()


@tagged("post_install", "-at_install")
class TestDanishInvoicingTexts(DanishCompanyMixin, EconomicInvoicingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._economic_make_company_danish()

    def test_invoicing_job_texts_are_danish_with_danish_amounts(self):
        self.assertFalse(self.env.lang and self.env.lang != "en_US", "the job env is English")
        self.assertEqual(self.approver.lang, "en_US")
        project = self.project_with_draft()
        draft = project.economic_draft_number
        self.assertIn(f"Fakturakladde {draft} oprettet i e-conomic.", self.notes(project))

        lines = self.make_lines(project, count=2, hours=3.0)
        # A click: the approver's own language.
        notification = self.approve(lines)
        self.assertEqual(
            notification["params"]["message"],
            "2 timesheet lines approved; they are sent to e-conomic in a moment.",
        )
        self.send()
        self.assertIn(
            f"2 godkendte timeregistreringer (6,00 t) sendt til fakturakladde {draft}.",
            self.notes(project),
        )
        book_in_odoo(self, project)
        self.send()
        invoice = project.economic_invoice_ids
        self.assertEqual(len(invoice), 1)
        self.customer.lang = "da_DK"  # the invoice report is in the customer's language
        self.assertEqual(invoice.currency, "DKK")
        self.assertEqual(invoice.gross_amount, 7125.0)
        self.assertIn(
            f"Faktura {invoice.number} bogført i e-conomic (kladde {draft}): "
            "2 timeregistreringer faktureret. Projektet er lukket.",
            self.notes(project),
        )
        self.assertIn(
            f"Faktura {invoice.number} bogført i e-conomic: kr{NBSP}7.125,00.",
            self.notes(invoice),
        )
        self.assertEqual(invoice.pdf_attachment_id.name, f"Faktura {invoice.number}.pdf")
        # The report's amounts too: Danish digits with the currency's symbol.
        report = (
            self.env["ir.actions.report"]
            ._render_qweb_html("economic_connector.action_report_economic_invoice", invoice.ids)[0]
            .decode()
        )
        report_text = html.unescape(re.sub(r"<[^>]+>", "", report))
        self.assertIn(f"kr{NBSP}7.125,00", report_text)
        self.assertNotIn("7125.00", report_text)

    def test_run_summary_is_in_the_readers_language(self):
        project = self.project_with_draft()
        self.approve(self.make_lines(project, count=2))
        self.send()
        run = self.env["economic.run"].search(
            [("company_id", "=", self.company.id), ("kind", "=", "timesheets")],
            order="id desc",
            limit=1,
        )
        self.assertEqual(run.with_context(lang="en_US").summary, "2 timesheet lines sent")
        self.assertEqual(run.with_context(lang="da_DK").summary, "2 timeregistreringer sendt")

    def test_refused_tokens_message_is_danish(self):
        project = self.project_with_draft()
        self.approve(self.make_lines(project))
        self.fake.fail_next(1, 401)
        self.send()
        # refused tokens stop the run with one message (not one per project)
        run = self.env["economic.run"].search(
            [("company_id", "=", self.company.id), ("kind", "=", "timesheets")],
            order="id desc",
            limit=1,
        )
        self.assertTrue(run.message.startswith("e-conomic afviste dine tokens"), run.message)
        self.assertFalse(project.economic_error)


@tagged("post_install", "-at_install")
class TestDanishMasterDataTexts(DanishCompanyMixin, CustomerSyncCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._economic_make_company_danish()

    def test_customer_error_and_run_message_are_danish(self):
        self.empty_agreement()
        good = self.customer(name="God Kunde ApS")
        bad = self.customer(name="Lang By ApS", city="x" * 60)  # e-conomic: city <= 50
        others = self.Partner.search(self.Partner._economic_customer_domain(self.company))
        (others - good - bad).write({"economic_exclude": True})  # one created, one refused
        self.sync()
        self.assertEqual(bad.economic_state, "error")
        self.assertTrue(
            bad.economic_error.startswith("e-conomic afviste værdien af By (city): "),
            bad.economic_error,
        )
        self.assertIn(f"(e-conomic log-id: {bad.economic_log_id})", bad.economic_error)
        self.assertIn(
            "Synkroniseringen med e-conomic mislykkedes: e-conomic afviste", self.notes(bad)
        )
        run = self.last_run()
        self.assertEqual(run.with_context(lang="en_US").summary, "1 customer created, 1 error")
        self.assertEqual(run.with_context(lang="da_DK").summary, "1 kunde oprettet, 1 fejl")

    def test_product_update_note_is_danish_and_the_name_stays_the_source(self):
        self.sync()
        template = self.env["product.template"].search(
            [("economic_company_id", "=", self.company.id), ("economic_number", "=", "1")]
        )
        self.fake.clock.advance(120)
        self.fake.edit_product("1", salesPrice=1100.0, name="Konsulenttimer")
        self.sync()
        notes = self.notes(template)
        self.assertIn("Opdateret fra e-conomic-vare 1: salgspris ", notes)
        self.assertIn("1.100,00", notes)
        self.assertNotIn("1100.00", notes)
        # Written as the source value, not as a Danish translation beside a stale English one.
        self.assertEqual(template.with_context(lang="en_US").name, "Konsulenttimer")
        self.assertEqual(template.with_context(lang="da_DK").name, "Konsulenttimer")

    def test_a_click_answers_in_the_users_language(self):
        settings = self.env["res.config.settings"].with_context(lang="en_US").create({})
        message = settings.action_economic_refresh_lists()["params"]["message"]
        self.assertTrue(message.startswith("Lists loaded from e-conomic: "), message)
        # A Danish-speaking user clicking gets Danish.
        danish = settings.with_context(lang="da_DK").action_economic_test_connection()
        self.assertIn("Forbundet til e-conomic-aftale", danish["params"]["message"])


@tagged("post_install", "-at_install")
class TestPluralTexts(EconomicInvoicingCase):
    def run_of(self, kind):
        return self.env["economic.run"].search(
            [("company_id", "=", self.company.id), ("kind", "=", kind)], order="id desc", limit=1
        )

    def test_one_line_approved_sent_and_invoiced(self):
        project = self.project_with_draft()
        draft = project.economic_draft_number
        line = self.make_lines(project, hours=2.0)
        notification = self.approve(line)
        self.assertEqual(
            notification["params"]["message"],
            "1 timesheet line approved; it is sent to e-conomic in a moment.",
        )
        self.send()
        bodies = "\n".join(self.chatter(project))
        self.assertIn(f"1 approved timesheet line (2.00 h) sent to draft invoice {draft}.", bodies)
        self.assertEqual(self.run_of("timesheets").summary, "1 timesheet line sent")
        book_in_odoo(self, project)
        self.send()
        invoice = project.economic_invoice_ids
        bodies = "\n".join(self.chatter(project))
        self.assertIn("1 timesheet line invoiced. The project is closed.", bodies)
        self.assertNotIn("1 timesheet lines", bodies)
        self.assertEqual(invoice.timesheet_count, 1)

    def test_several_lines_keep_the_plural(self):
        project = self.project_with_draft()
        lines = self.make_lines(project, count=3, hours=1.5)
        notification = self.approve(lines)
        self.assertEqual(
            notification["params"]["message"],
            "3 timesheet lines approved; they are sent to e-conomic in a moment.",
        )
        self.send()
        self.assertIn(
            f"3 approved timesheet lines (4.50 h) sent to draft invoice "
            f"{project.economic_draft_number}.",
            "\n".join(self.chatter(project)),
        )
        self.assertEqual(self.run_of("timesheets").summary, "3 timesheet lines sent")

    def test_one_reset_line_removed(self):
        project = self.project_with_draft()
        lines = self.make_lines(project, count=2)
        self.approve(lines)
        self.send()
        lines[0].with_user(self.approver).action_economic_reset()
        self.send()
        self.assertIn(
            f"1 reset timesheet line removed from draft invoice {project.economic_draft_number}.",
            "\n".join(self.chatter(project)),
        )

    def test_book_wizard_counts(self):
        project = self.project_with_draft()
        self.approve(self.make_lines(project))
        self.send()
        self.make_lines(project)  # still to approve
        self.approve(self.make_lines(project))  # approved, not sent yet
        action = project.with_user(self.bookkeeper).action_economic_book()
        wizard = Form(
            self.env[action["res_model"]].with_user(self.bookkeeper).with_context(action["context"])
        ).save()
        self.assertEqual((wizard.unapproved_count, wizard.queued_count), (1, 1))
        self.assertTrue(
            wizard.unapproved_text.startswith(
                "1 timesheet line of this project is still “To approve”: it will not be on"
            ),
            wizard.unapproved_text,
        )
        self.assertTrue(
            wizard.queued_text.startswith("1 approved line is not on the draft yet"),
            wizard.queued_text,
        )
        self.make_lines(project)
        self.env.invalidate_all()
        self.assertTrue(wizard.unapproved_text.startswith("2 timesheet lines of this project are"))

    def test_list_counts(self):
        settings = self.env["res.config.settings"].create({})
        keys = ("customer_group", "payment_terms", "vat_zone", "layout", "product")
        ones = dict.fromkeys((*keys, "employee_group"), 1)
        self.assertEqual(
            settings._economic_list_counts(ones),
            "1 customer group, 1 payment term, 1 VAT zone, 1 layout, 1 product, 1 employee group",
        )
        several = dict(dict.fromkeys(keys, 2), employee_group=0)
        self.assertEqual(
            settings._economic_list_counts(several),
            "2 customer groups, 2 payment terms, 2 VAT zones, 2 layouts, 2 products, "
            "0 employee groups",
        )


@tagged("post_install", "-at_install")
class TestDanishWalkThroughTexts(DanishCompanyMixin, EconomicInvoicingCase):
    """What a Danish user met in the browser walk-through: technical texts, misleading help."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._economic_make_company_danish()

    def test_run_name_in_the_readers_date_format(self):
        run = self.env["economic.run"]._economic_start(self.company, "customers")
        run.date_start = datetime(2026, 11, 28, 13, 50, 27)  # UTC
        self.env.user.tz = "Europe/Copenhagen"  # the reader's time zone
        danish = run.with_context(lang="da_DK")
        self.assertEqual(danish.display_name, "Kunder 28.11.2026 14.50")
        english = run.with_context(lang="en_US")
        self.assertTrue(english.display_name.startswith("Customers 11/28/26"), english.display_name)

    def test_webhook_event_types_by_name(self):
        self.company.economic_webhook_types = "INVOICE_BOOKED,CUSTOMER_UPDATED,PRODUCT_NEW"
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(
            settings.with_context(lang="da_DK").economic_webhook_types_text,
            "Faktura bogført, Kunde ændret, PRODUCT_NEW",  # an unknown code is shown as is
        )
        self.assertEqual(
            settings.with_context(lang="en_US").economic_webhook_types_text,
            "Invoice booked, Customer changed, PRODUCT_NEW",
        )
        arch = self.env["res.config.settings"].get_view()["arch"]
        self.assertIn('name="economic_webhook_types_text"', arch)

    def test_draft_invoice_button_does_not_speak_of_approval(self):
        project = self.project_with_draft()
        self.make_lines(project)  # to approve: the draft has no line yet
        action = project.with_context(lang="da_DK").action_economic_view_lines()
        self.assertIn("Ingen timeregistreringer på denne fakturakladde endnu", action["help"])
        self.assertNotIn("godkendelse", action["help"])
        project.economic_draft_number = False
        action = project.with_context(lang="en_US").action_economic_view_lines()
        self.assertIn("No approved timesheet line waits for the draft invoice", action["help"])
        self.assertNotIn("waits for approval", action["help"])
