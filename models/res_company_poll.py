# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Poll bookkeeping per company (next to ``economic_drafts_polled_at``; h2 moves both)."""

from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    # Numbers of every draft on the agreement at the last poll: a draft missing from the next
    # window of changes is unchanged only if the agreement's count still adds up.
    economic_drafts_known = fields.Json(copy=False)
