# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Booked invoices of e-conomic, kept in Odoo as the project's invoice archive."""

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount, formatLang

from ..economic import exceptions as economic_errors
from .account_analytic_line import marker_line_id
from .economic_lang import in_company_lang
from .economic_sync_mixin import economic_error_text

FIK_CARD_TYPE = "71"
FIK_PAYMENT_ID_DIGITS = 15  # 14 digits + a mod-10 check digit


def luhn_check_digit(digits):
    """Mod-10 (Luhn) check digit of a string of digits, as FIK payment ids use it."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:  # doubled: the rightmost digit once the check digit is added
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def fik_payment_id(invoice_number):
    """The 15-digit FIK 71 payment id of an invoice number (zero padded + check digit)."""
    body = str(int(invoice_number)).zfill(FIK_PAYMENT_ID_DIGITS - 1)
    if len(body) != FIK_PAYMENT_ID_DIGITS - 1:
        raise ValueError("invoice number too long for a FIK payment id")
    return body + luhn_check_digit(body)


def fik_payment_line(invoice_number, creditor_number):
    """The FIK payment line printed on the invoice: ``+71<payment id +creditor<``."""
    if not creditor_number or len(creditor_number) != 8 or not creditor_number.isdigit():
        return ""
    return f"+{FIK_CARD_TYPE}<{fik_payment_id(invoice_number)} +{creditor_number}<"


class EconomicInvoice(models.Model):
    _name = "economic.invoice"
    _inherit = ["mail.thread"]
    _description = "e-conomic Booked Invoice"
    # bookkeepers only read invoices (they are e-conomic's), yet send them by e-mail
    _mail_post_access = "read"
    _order = "date desc, number desc"
    _rec_name = "number"

    number = fields.Integer(string="Invoice number", required=True, readonly=True, aggregator=None)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        index=True,
        default=lambda self: self.env.company,
    )
    project_id = fields.Many2one("project.project", string="Project", readonly=True, index=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    customer_number = fields.Integer(string="e-conomic customer", readonly=True, aggregator=None)
    draft_number = fields.Integer(string="Draft invoice", readonly=True, aggregator=None)
    date = fields.Date(readonly=True)
    due_date = fields.Date(readonly=True)
    currency = fields.Char(readonly=True)
    currency_id = fields.Many2one(
        "res.currency",
        string="Currency record",
        compute="_compute_currency_id",
        help="The currency named by e-conomic.",
    )
    net_amount = fields.Float(string="Net amount", readonly=True)
    vat_amount = fields.Float(string="VAT", readonly=True)
    gross_amount = fields.Float(string="Total", readonly=True)
    remainder = fields.Float(string="Remainder", readonly=True)
    heading = fields.Char(readonly=True)
    text_line1 = fields.Text(string="Notes", readonly=True)
    text_line2 = fields.Text(string="Footer", readonly=True)
    lines = fields.Json(string="Lines", readonly=True)
    layout_source = fields.Selection(
        [("economic", "e-conomic layout"), ("odoo", "Odoo layout")], readonly=True
    )
    pdf_attachment_id = fields.Many2one("ir.attachment", string="PDF", readonly=True)
    timesheet_ids = fields.One2many(
        "account.analytic.line", "economic_invoice_id", string="Timesheet lines", readonly=True
    )
    timesheet_count = fields.Integer(compute="_compute_timesheet_count")
    invoice_contact_id = fields.Many2one(
        "res.partner",
        string="Invoice contact",
        compute="_compute_invoice_contact_id",
        help="Who receives the invoice by e-mail: the customer's invoice address.",
    )
    amount_text = fields.Char(string="Total (text)", compute="_compute_amount_text")
    fik_line = fields.Char(string="FIK payment line", compute="_compute_fik_line")
    payment_info = fields.Text(compute="_compute_fik_line")
    footer_text = fields.Char(compute="_compute_fik_line")

    _company_number_unique = models.Constraint(
        "UNIQUE(company_id, number)", "This booked invoice is already stored."
    )

    @api.depends("number")
    def _compute_display_name(self):
        for invoice in self:
            invoice.display_name = self.env._("Invoice %(number)s", number=invoice.number)

    @api.depends("currency")
    def _compute_currency_id(self):
        Currency = self.env["res.currency"].with_context(active_test=False)
        for invoice in self:
            invoice.currency_id = (
                Currency.search([("name", "=", invoice.currency)], limit=1)
                if invoice.currency
                else Currency
            )

    @api.depends("timesheet_ids")
    def _compute_timesheet_count(self):
        for invoice in self:
            invoice.timesheet_count = len(invoice.timesheet_ids)

    @api.depends("partner_id")
    def _compute_invoice_contact_id(self):
        for invoice in self:
            partner = invoice.partner_id
            invoice.invoice_contact_id = partner and partner.address_get(["invoice"])["invoice"]

    @api.depends("gross_amount", "currency")
    @api.depends_context("lang")
    def _compute_amount_text(self):
        for invoice in self:
            invoice.amount_text = invoice._economic_format_amount(invoice.gross_amount)

    @api.depends("number", "company_id")
    def _compute_fik_line(self):
        for invoice in self:
            company = invoice.company_id.sudo()
            invoice.fik_line = fik_payment_line(invoice.number, company.economic_fi_creditor or "")
            invoice.payment_info = company.economic_payment_info or ""
            invoice.footer_text = company.economic_footer_text or ""

    @api.model
    def _economic_create_from_booked(self, project, booked):
        """Store e-conomic's booked invoice document (idempotent on the number)."""
        number = booked["bookedInvoiceNumber"]
        company = project._economic_company()
        existing = self.search([("company_id", "=", company.id), ("number", "=", number)], limit=1)
        if existing:
            return existing
        notes = booked.get("notes") or {}
        lines = [
            {
                "lineNumber": line.get("lineNumber"),
                "description": line.get("description") or "",
                "product": (line.get("product") or {}).get("productNumber"),
                "quantity": line.get("quantity") or 0.0,
                "unitNetPrice": line.get("unitNetPrice") or 0.0,
                "totalNetAmount": line.get("totalNetAmount") or 0.0,
                "vatAmount": line.get("vatAmount") or 0.0,
                "timesheet": marker_line_id(line.get("description")),
            }
            for line in booked.get("lines") or []
        ]
        return self.create(
            {
                "number": number,
                "company_id": company.id,
                "project_id": project.id,
                "partner_id": project.partner_id.commercial_partner_id.id,
                "customer_number": (booked.get("customer") or {}).get("customerNumber") or 0,
                "draft_number": project.economic_draft_number,
                "date": booked.get("date"),
                "due_date": booked.get("dueDate"),
                "currency": booked.get("currency"),
                "net_amount": booked.get("netAmount") or 0.0,
                "vat_amount": booked.get("vatAmount") or 0.0,
                "gross_amount": booked.get("grossAmount") or 0.0,
                "remainder": booked.get("remainder") or 0.0,
                "heading": notes.get("heading"),
                "text_line1": notes.get("textLine1"),
                "text_line2": notes.get("textLine2"),
                "lines": lines,
                "layout_source": company.sudo().economic_invoice_layout_source or "economic",
            }
        )

    def _economic_format_amount(self, amount):
        """``amount`` in the invoice's currency, formatted for the user's language."""
        self.ensure_one()
        currency = (
            self.env["res.currency"]
            .with_context(active_test=False)
            .search([("name", "=", self.currency or "")], limit=1)
        )
        if currency:
            return format_amount(self.env, amount, currency)
        text = formatLang(self.env, amount, digits=2)
        return f"{text} {self.currency}" if self.currency else text

    def _economic_render_pdf(self):
        """The invoice rendered by Odoo: (content, mimetype, extension).

        Needs wkhtmltopdf (the caller checks it). In test mode Odoo's report engine returns
        HTML instead of a PDF: it is archived as HTML then.
        """
        self.ensure_one()
        content, report_type = (
            self.env["ir.actions.report"]
            .sudo()
            ._render_qweb_pdf("economic_connector.action_report_economic_invoice", self.ids)
        )
        if isinstance(content, str):
            content = content.encode()
        if report_type == "pdf":
            return content, "application/pdf", "pdf"
        return content, "text/html", "html"

    def action_economic_view_timesheets(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "economic_connector.action_economic_timesheet_lines"
        )
        action["domain"] = [("economic_invoice_id", "=", self.id)]
        action["name"] = action["display_name"] = self.env._(
            "Timesheet lines of invoice %(number)s", number=self.number
        )
        action["context"] = {}
        return action

    def action_economic_download_pdf(self):
        self.ensure_one()
        if not self.pdf_attachment_id:
            raise UserError(self.env._("This invoice has no archived PDF yet."))
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self.pdf_attachment_id.id}?download=true",
            "target": "download",
        }

    def action_economic_send_email(self):
        """Odoo's mail composer with the archived invoice PDF, to the invoice contact."""
        self.ensure_one()
        if not self.env.user.has_group("economic_connector.group_economic_bookkeeper"):
            raise UserError(self.env._("Only bookkeepers can send invoices by e-mail."))
        if not self.pdf_attachment_id:
            raise UserError(
                self.env._(
                    "Invoice %(number)s has no archived PDF yet: use “Fetch PDF” first.",
                    number=self.number,
                )
            )
        template = self.env.ref(
            "economic_connector.mail_template_economic_invoice", raise_if_not_found=False
        )
        return {
            "name": self.env._("Send invoice %(number)s", number=self.number),
            "type": "ir.actions.act_window",
            "res_model": "mail.compose.message",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_model": self._name,
                "default_res_ids": self.ids,
                "default_composition_mode": "comment",
                "default_template_id": template.id if template else False,
                "default_partner_ids": self.invoice_contact_id.ids,
                "default_attachment_ids": self.pdf_attachment_id.ids,
                "default_email_layout_xmlid": "mail.mail_notification_light",
                "force_email": True,
            },
        }

    def action_economic_fetch_pdf(self):
        """Archive the PDF of an invoice stored without one (reads from e-conomic only)."""
        self.ensure_one()
        if not self.env.user.has_group("economic_connector.group_economic_bookkeeper"):
            raise UserError(self.env._("Only bookkeepers can fetch invoice PDFs."))
        try:
            # The archive (PDF name, chatter note) is read by everyone: company's language.
            service, invoice = in_company_lang(
                self.company_id, self.env["economic.invoice.sync"].sudo(), self.sudo()
            )
            attachment, remarks = service._economic_archive_missing_pdf(invoice)
        except economic_errors.EconomicError as exc:
            raise UserError(economic_error_text(self.env, exc)) from exc
        if not attachment:
            raise UserError("\n".join(remarks))
        return True
