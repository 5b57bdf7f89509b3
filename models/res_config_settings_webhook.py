# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Settings > e-conomic > "Receive changes instantly" (e-conomic webhooks)."""

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

# e-conomic's event type codes, as the Settings show them; an unknown code is shown as is.
WEBHOOK_TYPE_LABELS = {
    "INVOICE_BOOKED": _lt("Invoice booked"),
    "CUSTOMER_CREATED": _lt("Customer created"),
    "CUSTOMER_UPDATED": _lt("Customer changed"),
    "CUSTOMER_DELETED": _lt("Customer deleted"),
}


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    economic_webhook_state = fields.Selection(related="company_id.economic_webhook_state")
    economic_webhook_types = fields.Char(related="company_id.economic_webhook_types")
    economic_webhook_types_text = fields.Char(
        string="Events received", compute="_compute_economic_webhook_types_text"
    )
    economic_webhook_message = fields.Text(related="company_id.economic_webhook_message")
    economic_webhook_last_event = fields.Datetime(related="company_id.economic_webhook_last_event")

    @api.depends("economic_webhook_types")
    @api.depends_context("lang")
    def _compute_economic_webhook_types_text(self):
        for settings in self:
            codes = [code for code in (settings.economic_webhook_types or "").split(",") if code]
            labels = [
                settings.env._(WEBHOOK_TYPE_LABELS[code]) if code in WEBHOOK_TYPE_LABELS else code
                for code in codes
            ]
            settings.economic_webhook_types_text = ", ".join(labels) or False

    def action_economic_webhooks_register(self):
        """Queue the registration; the webhook job talks to e-conomic (committed first)."""
        self.ensure_one()
        company = self.company_id
        if company._economic_missing_settings():
            raise UserError(self.env._("Connect to e-conomic and fill in the settings first."))
        company._economic_webhooks_request(register=True)
        return self._economic_notification(
            self.env._(
                "The webhooks are being registered in e-conomic; their state appears here in a "
                "moment."
            )
        )

    def action_economic_webhooks_unregister(self):
        self.ensure_one()
        self.company_id._economic_webhooks_request(register=False)
        return self._economic_notification(
            self.env._("The webhooks are being removed from e-conomic.")
        )
