# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Book invoice: the bookkeeper's last look before the draft is booked in e-conomic.

The wizard only queues the booking on the project; the outbox cron books it after this
transaction has committed (its keys committed before each request), so a rollback here can
never leave a booked invoice that Odoo does not know about.
"""

from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError


class EconomicBookInvoice(models.TransientModel):
    _name = "economic.book.invoice"
    _description = "Book e-conomic Invoice"

    project_id = fields.Many2one("project.project", required=True, readonly=True)
    draft_number = fields.Integer(related="project_id.economic_draft_number")
    net_amount = fields.Float(related="project_id.economic_draft_net_amount")
    currency = fields.Char(related="project_id.economic_draft_currency")
    currency_id = fields.Many2one(
        related="project_id.economic_draft_currency_id", string="Currency record"
    )
    queued_count = fields.Integer(related="project_id.economic_queued_line_count")
    # Lines not approved yet are not on this invoice: they stay on the closed project.
    unapproved_count = fields.Integer(related="project_id.economic_pending_line_count")
    unapproved_text = fields.Char(compute="_compute_count_texts")
    queued_text = fields.Char(compute="_compute_count_texts")
    date = fields.Date(required=True, default=fields.Date.context_today)
    due_date = fields.Date(
        compute="_compute_due_date",
        store=True,
        readonly=False,
        help="Needed when the terms of payment are of type “due date”; otherwise e-conomic "
        "computes it from the terms.",
    )
    due_date_required = fields.Boolean(compute="_compute_due_date_required")
    payment_info = fields.Text(
        string="Payment info",
        default=lambda self: self._economic_settings()["payment_info"],
    )
    footer_text = fields.Text(
        string="Footer text",
        default=lambda self: self._economic_settings()["footer"],
    )

    def _economic_settings(self):
        """The invoice settings of the project's company (the current one before it is set)."""
        company = self.project_id._economic_company() if self.project_id else self.env.company
        return self.env["economic.invoice.sync"]._economic_invoice_settings(company)

    @api.depends("unapproved_count", "queued_count")
    def _compute_count_texts(self):
        env = self.env
        for wizard in self:
            unapproved, queued = wizard.unapproved_count, wizard.queued_count
            wizard.unapproved_text = (
                env._(
                    "1 timesheet line of this project is still “To approve”: it will not be on "
                    "this invoice. Approve it first to invoice it now; after booking it can only "
                    "be invoiced by reopening the project."
                )
                if unapproved == 1
                else env._(
                    "%(count)s timesheet lines of this project are still “To approve”: they will "
                    "not be on this invoice. Approve them first to invoice them now; after "
                    "booking they can only be invoiced by reopening the project.",
                    count=unapproved,
                )
            )
            wizard.queued_text = (
                env._(
                    "1 approved line is not on the draft yet: it is sent first, and the booking "
                    "waits for it."
                )
                if queued == 1
                else env._(
                    "%(count)s approved lines are not on the draft yet: they are sent first, and "
                    "the booking waits for them.",
                    count=queued,
                )
            )

    @api.depends("project_id")
    def _compute_due_date_required(self):
        for wizard in self:
            wizard.due_date_required = (
                wizard._economic_settings()["payment_terms_type"] == "dueDate"
            )

    @api.depends("date", "project_id")
    def _compute_due_date(self):
        for wizard in self:
            settings = wizard._economic_settings()
            if settings["payment_terms_type"] == "dueDate" and wizard.date:
                wizard.due_date = wizard.date + timedelta(days=settings["payment_days"])
            elif not wizard.due_date:
                wizard.due_date = False

    def action_book(self):
        self.ensure_one()
        project = self.project_id
        project._economic_check_bookable()
        if self.due_date_required and not self.due_date:
            raise UserError(self.env._("The terms of payment need a due date."))
        if self.due_date and self.due_date < self.date:
            raise UserError(self.env._("The due date cannot be before the invoice date."))
        project.sudo().write(
            {
                "economic_draft_state": "to_book",
                "economic_book_date": self.date,
                "economic_book_due_date": self.due_date if self.due_date_required else False,
                "economic_book_text1": self.payment_info or False,
                "economic_book_text2": self.footer_text or False,
                "economic_book_key": False,
                "economic_book_update_key": False,
            }
        )
        project.sudo()._economic_enqueue()
        project._economic_post(
            self.env._(
                "Booking of draft invoice %(number)s requested by %(user)s; it is booked in "
                "e-conomic in a moment.",
                number=project.economic_draft_number,
                user=self.env.user.name,
            )
        )
        return {"type": "ir.actions.act_window_close"}
