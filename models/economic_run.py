# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""One summary per sync run ("2 customers updated, 1 error") and the records it could not sync."""

from datetime import timedelta

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import format_datetime
from odoo.tools.translate import LazyTranslate

from .economic_job_state import LAST_RUN_PREFIX

_lt = LazyTranslate(__name__)

RUN_KINDS = [
    ("customers", "Customers"),
    ("employees", "Employees"),
    ("products", "Products"),
    ("master_data", "Master data"),
    ("drafts", "Draft invoices"),
    ("timesheets", "Timesheet lines"),
    ("invoices", "Booked invoices"),
    ("settings", "Settings"),
]

# (singular, plural) of what a run of each kind counts
RUN_NOUNS = {
    "customers": (_lt("customer"), _lt("customers")),
    "employees": (_lt("employee"), _lt("employees")),
    "products": (_lt("product"), _lt("products")),
    "master_data": (_lt("record"), _lt("records")),
    "drafts": (_lt("draft invoice"), _lt("draft invoices")),
    "timesheets": (_lt("timesheet line"), _lt("timesheet lines")),
    "invoices": (_lt("invoice"), _lt("invoices")),
    "settings": (_lt("list"), _lt("lists")),
}

# counter key -> participle, in the order the summary lists them
RUN_ACTIONS = {
    "created": _lt("created"),
    "updated": _lt("updated"),
    "linked": _lt("linked"),
    "sent": _lt("sent"),
    "skipped": _lt("skipped"),
}
RUN_COUNTERS = (*RUN_ACTIONS, "errors")

# (kind, counter) -> (singular, plural) as whole texts, for what the runs count; other pairs
# are composed from RUN_NOUNS and RUN_ACTIONS.
RUN_COUNT_TEXTS = {
    ("customers", "created"): (_lt("1 customer created"), _lt("%(count)s customers created")),
    ("customers", "updated"): (_lt("1 customer updated"), _lt("%(count)s customers updated")),
    ("customers", "linked"): (_lt("1 customer linked"), _lt("%(count)s customers linked")),
    ("customers", "skipped"): (_lt("1 customer skipped"), _lt("%(count)s customers skipped")),
    ("employees", "created"): (_lt("1 employee created"), _lt("%(count)s employees created")),
    ("employees", "updated"): (_lt("1 employee updated"), _lt("%(count)s employees updated")),
    ("employees", "linked"): (_lt("1 employee linked"), _lt("%(count)s employees linked")),
    ("products", "created"): (_lt("1 product created"), _lt("%(count)s products created")),
    ("products", "updated"): (_lt("1 product updated"), _lt("%(count)s products updated")),
    ("products", "linked"): (_lt("1 product linked"), _lt("%(count)s products linked")),
    ("timesheets", "sent"): (
        _lt("1 timesheet line sent"),
        _lt("%(count)s timesheet lines sent"),
    ),
}
# Runs are kept this long; runs that did nothing only for a week.
RUN_RETENTION = timedelta(days=90)
IDLE_RUN_RETENTION = timedelta(days=7)


def open_record_action(res_model, res_id):
    """The window action that opens one record (of a run issue, of the attention list)."""
    return {
        "type": "ir.actions.act_window",
        "res_model": res_model,
        "res_id": res_id,
        "view_mode": "form",
        "views": [(False, "form")],
        "target": "current",
    }


class EconomicRun(models.Model):
    _name = "economic.run"
    _description = "e-conomic Sync Run"
    _order = "date_start desc, id desc"

    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    kind = fields.Selection(RUN_KINDS, required=True, readonly=True)
    state = fields.Selection(
        [("running", "Running"), ("done", "Done"), ("failed", "Failed")],
        default="running",
        required=True,
        readonly=True,
    )
    date_start = fields.Datetime(
        string="Started", default=fields.Datetime.now, required=True, readonly=True
    )
    date_end = fields.Datetime(string="Finished", readonly=True)
    created = fields.Integer(readonly=True)
    updated = fields.Integer(readonly=True)
    linked = fields.Integer(readonly=True)
    sent = fields.Integer(readonly=True)
    skipped = fields.Integer(readonly=True)
    errors = fields.Integer(readonly=True)
    message = fields.Text(readonly=True, help="Why the run stopped, when it stopped early.")
    issue_ids = fields.One2many("economic.run.issue", "run_id", string="Issues", readonly=True)
    issue_count = fields.Integer(compute="_compute_issue_count")
    summary = fields.Char(compute="_compute_summary")

    @api.depends("issue_ids")
    def _compute_issue_count(self):
        for run in self:
            run.issue_count = len(run.issue_ids)

    @api.depends("kind", *RUN_COUNTERS, "message", "state", "issue_ids")
    @api.depends_context("lang")  # in the reader's language
    def _compute_summary(self):
        for run in self:
            run.summary = run._economic_summary_text()

    @api.depends("kind", "date_start")
    @api.depends_context("lang", "uid")  # the reader's language and time zone
    def _compute_display_name(self):
        for run in self:
            kind = dict(run._fields["kind"]._description_selection(run.env)).get(run.kind, "")
            # In the reader's format ("Kunder 28.11.2026 14.50"), like the dates of the form.
            date = format_datetime(run.env, run.date_start, dt_format="short") or ""
            run.display_name = f"{kind} {date}".strip()

    def _economic_summary_text(self):
        """The run in one line, e.g. "2 customers updated, 1 error"."""
        self.ensure_one()
        env = self.env
        singular, plural = RUN_NOUNS.get(self.kind, RUN_NOUNS["master_data"])
        parts = []
        for key, action in RUN_ACTIONS.items():
            count = self[key]
            texts = RUN_COUNT_TEXTS.get((self.kind, key))
            if count and texts:
                text = env._(texts[0] if count == 1 else texts[1])
                parts.append(text % {"count": count} if count != 1 else text)
            elif count:
                parts.append(
                    env._(
                        "%(count)s %(noun)s %(action)s",
                        count=count,
                        noun=env._(singular if count == 1 else plural),
                        action=env._(action),
                    )
                )
        if self.errors == 1:
            parts.append(env._("1 error"))
        elif self.errors:
            parts.append(env._("%(count)s errors", count=self.errors))
        elif self.issue_ids:
            # Remarks listed without an error count (e.g. a PDF not archived) still need a look.
            issue_count = len(self.issue_ids)
            if issue_count == 1:
                parts.append(env._("1 record needs attention"))
            else:
                parts.append(env._("%(count)s records need attention", count=issue_count))
        if not parts:
            parts.append(env._("Running") if self.state == "running" else env._("Nothing to do"))
        summary = ", ".join(parts)
        if self.message:
            summary = env._("%(summary)s: %(message)s", summary=summary, message=self.message)
        return summary

    # === API FOR THE SYNC CODE === #

    @api.model
    def _economic_start(self, company, kind):
        """Open a run for ``company``; the caller commits it with its own progress.

        :param company: res.company
        :param kind: one of RUN_KINDS
        :return: the run (sudo: runs are written by crons and by users alike)
        """
        return self.sudo().create({"company_id": company.id, "kind": kind})

    def _economic_count(self, key, n=1):
        """Add ``n`` to one counter: created, updated, linked, sent, skipped or errors."""
        if key not in RUN_COUNTERS:
            raise ValueError(f"Unknown e-conomic run counter {key!r}")
        for run in self.sudo():
            run[key] += n
        return True

    def _economic_add_issue(self, record, message, log_id=None):
        """List ``record`` among the records that need attention.

        This does not count an error: ``_economic_count("errors")`` does (and
        ``economic.sync.mixin._economic_set_error(exc, run=run)`` does both).
        """
        self.ensure_one()
        return (
            self.env["economic.run.issue"]
            .sudo()
            .create(
                {
                    "run_id": self.id,
                    "res_model": record._name,
                    "res_id": record.id,
                    "name": record.sudo().display_name,
                    "message": message,
                    "log_id": log_id or False,
                }
            )
        )

    def _economic_finish(self, message=None, failed=False):
        """Close the run and make it the company's last run.

        :param message: why the run stopped early (e.g. the tokens were revoked)
        :param failed: the run could not do its work (a message alone is a remark)
        """
        for run in self.sudo():
            run.write(
                {
                    "state": "failed" if failed else "done",
                    "date_end": fields.Datetime.now(),
                    "message": message or False,
                }
            )
            # Off the company row: several jobs finish runs at once (economic.job.state).
            self.env["economic.job.state"]._economic_set(
                run.company_id, LAST_RUN_PREFIX + run.kind, run=run
            )
        return True

    @api.autovacuum
    def _gc_economic_runs(self):
        """Forget old runs (a sync every few minutes adds up); keep each company's last.

        A run that did nothing and listed nothing needing attention goes after a week.
        """
        now = fields.Datetime.now()
        last_runs = self.env["economic.job.state"]._economic_last_runs()
        idle = Domain.AND(Domain(key, "=", 0) for key in RUN_COUNTERS) & Domain(
            "issue_ids", "=", False
        )
        expired = Domain("date_start", "<", now - RUN_RETENTION) | (
            Domain("date_start", "<", now - IDLE_RUN_RETENTION) & idle
        )
        old = self.sudo().search(
            Domain("id", "not in", last_runs.ids) & Domain("state", "!=", "running") & expired
        )
        old.unlink()

    # === ACTIONS === #

    def action_economic_open_issues(self):
        """Records of these runs that need attention."""
        action = self.env["ir.actions.actions"]._for_xml_id(
            "economic_connector.action_economic_run_issue"
        )
        action["domain"] = [("run_id", "in", self.ids)]
        action["context"] = {"create": False}
        return action


class EconomicRunIssue(models.Model):
    _name = "economic.run.issue"
    _description = "e-conomic Record Needing Attention"
    _order = "id"

    run_id = fields.Many2one("economic.run", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="run_id.company_id", store=True)
    run_kind = fields.Selection(related="run_id.kind", string="Kind")
    res_model = fields.Char(string="Model", required=True)
    res_id = fields.Many2oneReference(string="Record Id", model_field="res_model", required=True)
    name = fields.Char(string="Record")
    message = fields.Text(required=True)
    log_id = fields.Char(string="e-conomic Log Id")

    def action_economic_open_record(self):
        self.ensure_one()
        return open_record_action(self.res_model, self.res_id)
