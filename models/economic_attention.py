# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Records needing attention: every record currently in error, whatever run found it.

A run lists the records it could not sync, but a later run that had nothing to do lists
nothing, and old runs are forgotten; the records themselves keep their error until it is
fixed. This read-only model is a query over those records: customers, employees and products
in error (or retrying with an error), timesheet lines in error, projects whose draft invoice
has an error.
"""

from odoo import api, fields, models

from .economic_run import open_record_action

# kind (as economic.run kinds) -> model, for opening the record
ATTENTION_MODELS = {
    "customers": "res.partner",
    "employees": "hr.employee",
    "products": "product.template",
    "timesheets": "account.analytic.line",
    "drafts": "project.project",
    "invoices": "economic.invoice",
}
# Kinds in the order Settings lists them
ATTENTION_KINDS = ("products", "employees", "customers", "timesheets", "drafts", "invoices")

_MIXIN_IN_ERROR = (
    "(t.economic_state = 'error' OR (t.economic_need_sync AND t.economic_error IS NOT NULL))"
)


# The sync mixin's fields the view reads, for the models that use the mixin
MIXIN_FIELDS = [
    "economic_state",
    "economic_need_sync",
    "economic_error",
    "economic_log_id",
    "economic_company_id",
    "company_id",
]


class EconomicAttention(models.Model):
    _name = "economic.attention"
    _description = "e-conomic Record in Error"
    _auto = False
    _order = "kind, id"
    _depends = {
        **dict.fromkeys(("res.partner", "hr.employee", "product.template"), MIXIN_FIELDS),
        "account.analytic.line": ["economic_line_state", "economic_error", "company_id"],
        "project.project": ["economic_error", "economic_sync_error", "company_id"],
        "economic.invoice": ["pdf_attachment_id", "company_id"],
    }

    kind = fields.Selection(
        [
            ("customers", "Customer"),
            ("employees", "Employee"),
            ("products", "Product"),
            ("timesheets", "Timesheet line"),
            ("drafts", "Project (draft invoice)"),
            ("invoices", "Booked invoice"),
        ],
        readonly=True,
    )
    company_id = fields.Many2one("res.company", readonly=True)
    res_model = fields.Char(string="Model", readonly=True)
    res_id = fields.Many2oneReference(string="Record Id", model_field="res_model", readonly=True)
    name = fields.Char(string="Record", compute="_compute_name")
    message = fields.Text(string="Error", readonly=True)
    description = fields.Text(string="What to do", compute="_compute_description")
    log_id = fields.Char(string="e-conomic Log Id", readonly=True)

    @property
    def _table_query(self):
        # Ids: the record's id times the number of kinds, plus the kind's position.
        size = len(ATTENTION_KINDS)
        position = {kind: index for index, kind in enumerate(ATTENTION_KINDS)}
        mixin = [
            f"""SELECT t.id * {size} + {position[kind]} AS id, '{kind}' AS kind,
                       COALESCE(t.economic_company_id, t.company_id) AS company_id,
                       '{model}' AS res_model, t.id AS res_id,
                       t.economic_error AS message, t.economic_log_id AS log_id
                  FROM {table} t
                 WHERE {_MIXIN_IN_ERROR}"""
            for kind, model, table in (
                ("customers", "res.partner", "res_partner"),
                ("employees", "hr.employee", "hr_employee"),
                ("products", "product.template", "product_template"),
            )
        ]
        lines = f"""SELECT t.id * {size} + {position["timesheets"]}, 'timesheets', t.company_id,
                           'account.analytic.line', t.id, t.economic_error, NULL
                      FROM account_analytic_line t
                     WHERE t.economic_line_state = 'error'"""
        projects = f"""SELECT t.id * {size} + {position["drafts"]}, 'drafts', t.company_id,
                              'project.project', t.id,
                              CONCAT_WS(E'\\n', t.economic_error, t.economic_sync_error), NULL
                         FROM project_project t
                        WHERE t.economic_error IS NOT NULL OR t.economic_sync_error IS NOT NULL"""
        invoices = f"""SELECT t.id * {size} + {position["invoices"]}, 'invoices', t.company_id,
                              'economic.invoice', t.id, NULL, NULL
                         FROM economic_invoice t
                        WHERE t.pdf_attachment_id IS NULL"""
        return "\nUNION ALL\n".join([*mixin, lines, projects, invoices])

    @api.depends("res_model", "res_id")
    def _compute_name(self):
        for item in self:
            record = self.env[item.res_model].sudo().browse(item.res_id).exists()
            item.name = record.display_name if record else ""

    @api.depends("kind", "message")
    def _compute_description(self):
        for item in self:
            if item.kind == "invoices":
                item.description = self.env._(
                    "No PDF archived: open the invoice and use “Fetch PDF”."
                )
            else:
                item.description = item.message

    @api.model
    def _economic_counts(self, company):
        """Records in error per kind for ``company`` (records of no company included)."""
        groups = self.sudo()._read_group(
            [("company_id", "in", [company.id, False])], ["kind"], ["__count"]
        )
        return dict(groups)

    def action_economic_open_record(self):
        self.ensure_one()
        return open_record_action(self.res_model, self.res_id)
