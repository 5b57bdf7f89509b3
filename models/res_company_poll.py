# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Poll bookkeeping per company, read from its economic.job.state row (never stored here)."""

from odoo import fields, models

from . import economic_job_state as job_state


class ResCompany(models.Model):
    _inherit = "res.company"

    # Numbers of every draft on the agreement at the last poll: a draft missing from the next
    # window of changes is unchanged only if the agreement's count still adds up.
    economic_drafts_known = fields.Json(compute="_compute_economic_drafts_known")

    def _compute_economic_drafts_known(self):
        JobState = self.env["economic.job.state"]
        for company in self:
            company.economic_drafts_known = JobState._economic_get(
                company, job_state.DRAFTS_POLLED
            ).data
