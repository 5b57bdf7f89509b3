# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Per-company bookkeeping of the scheduled jobs, off the ``res_company`` row.

Several crons used to write the same company row (last run, polled at, synced at): two jobs
running at once risked serialization failures on it, and so did anyone saving the company
meanwhile. Each job now writes its own row here, one per company and kind, with an upsert:

    JobState = env["economic.job.state"]
    JobState._economic_set(company, "drafts_polled")          # at = now
    JobState._economic_get_at(company, "drafts_polled")       # -> datetime or None

The company keeps read fields (``economic_master_synced_at`` etc., computed from these rows)
for views and tests; job code calls the helpers, since writing the company fields would update
the company row again (``write_date``).
"""

import json

from odoo import api, fields, models
from odoo.tools import SQL

# Kinds written by the connector's jobs.
MASTER_SYNCED = "master_synced"  # master-data run ended (the sync interval counts from it)
CUSTOMERS_PULLED = "customers_pulled"  # cursor: newest lastUpdated pulled from e-conomic
CUSTOMERS_MATCHED = "customers_matched"  # customers may be created (matching confirmed)
DRAFTS_POLLED = "drafts_polled"  # last poll of draft and booked invoices
LAST_RUN_PREFIX = "last_run:"  # + economic.run kind: the last run of that kind


class EconomicJobState(models.Model):
    _name = "economic.job.state"
    _description = "e-conomic Job Bookkeeping"
    _order = "company_id, kind"

    company_id = fields.Many2one("res.company", required=True, ondelete="cascade", index=True)
    kind = fields.Char(required=True)
    at = fields.Datetime()
    run_id = fields.Many2one("economic.run", ondelete="set null", index="btree_not_null")
    # what the job must remember beyond a date, e.g. the draft numbers seen by the last poll
    data = fields.Json()

    _company_kind_unique = models.Constraint(
        "UNIQUE(company_id, kind)", "One e-conomic job state per company and kind."
    )

    @api.model
    def _economic_get(self, company, kind):
        """The row of ``company`` and ``kind`` (empty recordset when none)."""
        return self.sudo().search([("company_id", "=", company.id), ("kind", "=", kind)], limit=1)

    @api.model
    def _economic_get_at(self, company, kind):
        return self._economic_get(company, kind).at or None

    @api.model
    def _economic_set(self, company, kind, at=None, run=None, *, clear=False, data=None):
        """Record ``at`` (default now), ``run`` and ``data`` (JSON-serialisable) for
        ``company`` and ``kind``, in one upsert that touches only this row (two jobs never
        write the same row).

        :param clear: record "never" (``at`` empty), e.g. "Sync now"
        """
        if clear:
            at = None
        elif at is None:
            at = fields.Datetime.now()
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO economic_job_state
                    (company_id, kind, at, run_id, data,
                     create_uid, create_date, write_uid, write_date)
                VALUES (%(company)s, %(kind)s, %(at)s, %(run)s, %(data)s::jsonb,
                        %(uid)s, %(now)s, %(uid)s, %(now)s)
                ON CONFLICT (company_id, kind) DO UPDATE
                SET at = EXCLUDED.at, run_id = EXCLUDED.run_id, data = EXCLUDED.data,
                    write_uid = EXCLUDED.write_uid, write_date = EXCLUDED.write_date
                """,
                company=company.id,
                kind=kind,
                at=at or None,
                run=run.id if run else None,
                data=None if data is None else json.dumps(data),
                uid=self.env.uid,
                now=self.env.cr.now(),
            )
        )
        self.invalidate_model()
        company.invalidate_recordset(JOB_STATE_COMPANY_FIELDS)
        return True

    @api.model
    def _economic_last_runs(self):
        """The last run of each kind, of every company."""
        return (
            self.sudo()
            .search([("kind", "=like", f"{LAST_RUN_PREFIX}%"), ("run_id", "!=", False)])
            .run_id
        )


# The company fields computed from the rows above.
JOB_STATE_COMPANY_FIELDS = [
    "economic_master_synced_at",
    "economic_customers_pulled_at",
    "economic_customers_matched",
    "economic_drafts_polled_at",
    "economic_drafts_known",
    "economic_last_run_id",
]
