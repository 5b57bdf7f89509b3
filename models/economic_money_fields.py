# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Amounts e-conomic sends with a currency code, shown as money (symbol, the reader's digits)
in forms, like in chatter and on the invoice report."""

from odoo import api, fields, models


def currency_named(env, name):
    if not name:
        return env["res.currency"]
    Currency = env["res.currency"].with_context(active_test=False)
    return Currency.search([("name", "=", name)], limit=1)


class ProjectProject(models.Model):
    _inherit = "project.project"

    economic_draft_currency_id = fields.Many2one(
        "res.currency",
        string="Draft currency record",
        compute="_compute_economic_draft_currency_id",
    )

    @api.depends("economic_draft_currency")
    def _compute_economic_draft_currency_id(self):
        for project in self:
            project.economic_draft_currency_id = currency_named(
                self.env, project.economic_draft_currency
            )
