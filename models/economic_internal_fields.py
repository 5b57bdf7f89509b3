# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The connector's bookkeeping fields (send keys, leases, what was sent) stay out of the
"Add custom group" list: nobody groups records by an idempotency key.

Odoo 19 has no field attribute for this; the web client offers a field for grouping when its
description says ``groupable``, so the description says no for these fields.
"""

from odoo import api, models

KEY_FIELDS = {"economic_idempotency_key"}
INTERNAL_FIELDS = {
    "account.analytic.line": {
        "economic_send_key",
        "economic_sent_values",
        "economic_line_number",
    },
    "project.project": {
        "economic_draft_last_line",
        "economic_draft_key",
        "economic_outbox_pending",
        "economic_attempts",
        "economic_lease_until",
        "economic_removals",
        "economic_removal_key",
        "economic_book_date",
        "economic_book_due_date",
        "economic_book_key",
        "economic_book_update_key",
    },
    "res.partner": KEY_FIELDS,
    "hr.employee": KEY_FIELDS,
    "product.template": KEY_FIELDS,
}


def not_groupable(model, descriptions):
    for name in INTERNAL_FIELDS.get(model._name, ()):
        if name in descriptions and "groupable" in descriptions[name]:
            descriptions[name]["groupable"] = False
    return descriptions


class AccountAnalyticLine(models.Model):
    _inherit = "account.analytic.line"

    @api.model
    def fields_get(self, allfields=None, attributes=None):
        return not_groupable(self, super().fields_get(allfields, attributes))


class ProjectProject(models.Model):
    _inherit = "project.project"

    @api.model
    def fields_get(self, allfields=None, attributes=None):
        return not_groupable(self, super().fields_get(allfields, attributes))


class ResPartner(models.Model):
    _inherit = "res.partner"

    @api.model
    def fields_get(self, allfields=None, attributes=None):
        return not_groupable(self, super().fields_get(allfields, attributes))


class HrEmployee(models.Model):
    _inherit = "hr.employee"

    @api.model
    def fields_get(self, allfields=None, attributes=None):
        return not_groupable(self, super().fields_get(allfields, attributes))


class ProductTemplate(models.Model):
    _inherit = "product.template"

    @api.model
    def fields_get(self, allfields=None, attributes=None):
        return not_groupable(self, super().fields_get(allfields, attributes))
