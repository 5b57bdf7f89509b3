# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Settings > e-conomic > "Receive changes instantly": the company's webhook state."""

from odoo import api, fields, models

from .economic_webhook import BACKSTOP_INTERVAL, WEBHOOK_CRON_XMLID, new_webhook_secret


class ResCompany(models.Model):
    _inherit = "res.company"

    economic_webhook_state = fields.Selection(
        [
            ("off", "Off"),
            ("pending", "Registering"),
            ("active", "Active"),
            ("partial", "Partly active"),
            ("refused", "Refused by e-conomic"),
            ("removing", "Removing"),
        ],
        string="Webhooks",
        default="off",
        required=True,
        copy=False,
        readonly=True,
    )
    economic_webhook_types = fields.Char(string="Webhook Event Types", copy=False, readonly=True)
    economic_webhook_message = fields.Text(string="Webhook Remarks", copy=False, readonly=True)
    # sent back by e-conomic in a custom header with every event; compared in constant time
    economic_webhook_secret = fields.Char(copy=False, groups="base.group_system")
    economic_webhook_key = fields.Char(copy=False, readonly=True)  # registration run key
    economic_webhook_last_event = fields.Datetime(
        string="Last Webhook Event", compute="_compute_economic_webhook_last_event"
    )

    def _compute_economic_webhook_last_event(self):
        Event = self.env["economic.webhook.event"].sudo()
        last = {
            company.id: received
            for company, received in Event._read_group(
                [("company_id", "in", self.ids)], ["company_id"], ["received_at:max"]
            )
        }
        for company in self:
            company.economic_webhook_last_event = last.get(company.id, False)

    def _economic_webhooks_request(self, register):
        """Queue the registration (or removal) for the webhook job; nothing is sent here."""
        for company in self.sudo():
            vals = {"economic_webhook_state": "pending" if register else "removing"}
            if register:
                vals["economic_webhook_secret"] = new_webhook_secret()
                vals["economic_webhook_message"] = False
            company.write(vals)
        self.env.ref(WEBHOOK_CRON_XMLID).sudo()._trigger()

    @api.model
    def _economic_webhooks_healthy(self, company):
        return company.sudo().economic_webhook_state == "active"

    @api.model
    def _economic_poll_interval_due(self, company, now):
        """Whether the draft poll should run for ``company`` now (backstop while webhooks
        are active, every run of the cron otherwise)."""
        company = company.sudo()
        if company.economic_webhook_state != "active" or not company.economic_drafts_polled_at:
            return True
        return company.economic_drafts_polled_at <= now - BACKSTOP_INTERVAL
