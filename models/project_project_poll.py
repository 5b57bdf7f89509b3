# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""What the draft poll remembers per project, so an idle poll reads no draft."""

from odoo import fields, models


class ProjectProject(models.Model):
    _inherit = "project.project"

    # "<draft number>@<lastUpdated>" of the draft as Odoo last compared it; bound to the number
    # so a new draft is never taken for the old one.
    economic_draft_seen = fields.Char(copy=False, readonly=True)
    # False while the comparison happened too close to lastUpdated to exclude a later edit
    # within the same second (e-conomic's resolution): the next poll reads the draft again.
    economic_draft_seen_settled = fields.Boolean(copy=False, readonly=True)

    def _economic_draft_seen_key(self, last_updated):
        self.ensure_one()
        return f"{self.economic_draft_number}@{last_updated or ''}"
