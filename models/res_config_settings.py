# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Settings > e-conomic: the company's e-conomic fields and the connection buttons.

Buttons only read from e-conomic (Test connection, Refresh lists); anything that writes to
e-conomic is left to the scheduled job ("Sync now" triggers it).
"""

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_datetime

from ..economic import exceptions as economic_exceptions
from . import economic_job_state as job_state
from .economic_sync_mixin import economic_error_text
from .res_company import CHOICE_FIELDS, SYNC_CRON_XMLID

CUSTOMER_MATCH_ACTION_XMLID = "economic_connector.action_economic_customer_match"
SYNC_REQUESTER_PARAM = "economic_connector.sync_requested_by"


def _related_choice(fname):
    """The company's e-conomic list setting ``fname``, offering the values of its list."""
    return fields.Many2one(
        related=f"company_id.{fname}",
        readonly=False,
        domain=f"[('company_id', '=', company_id), ('kind', '=', '{CHOICE_FIELDS[fname]}')]",
    )


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    economic_app_secret_token = fields.Char(
        related="company_id.economic_app_secret_token", readonly=False, groups="base.group_system"
    )
    economic_app_public_token = fields.Char(
        related="company_id.economic_app_public_token", readonly=False
    )
    economic_grant_token = fields.Char(
        related="company_id.economic_grant_token", readonly=False, groups="base.group_system"
    )
    economic_rest_url = fields.Char(related="company_id.economic_rest_url", readonly=False)
    economic_openapi_url = fields.Char(related="company_id.economic_openapi_url", readonly=False)
    economic_agreement_number = fields.Char(related="company_id.economic_agreement_number")
    economic_agreement_name = fields.Char(related="company_id.economic_agreement_name")
    economic_has_project_module = fields.Boolean(related="company_id.economic_has_project_module")
    economic_connection_tested_at = fields.Datetime(
        related="company_id.economic_connection_tested_at"
    )
    economic_connection_error = fields.Text(related="company_id.economic_connection_error")
    economic_connection_failed_at = fields.Datetime(
        related="company_id.economic_connection_failed_at"
    )
    # One sentence each, so that no date widget breaks the line before its colon.
    economic_connection_success_text = fields.Char(compute="_compute_economic_connection_texts")
    economic_connection_failure_text = fields.Char(compute="_compute_economic_connection_texts")
    economic_customer_group_id = _related_choice("economic_customer_group_id")
    economic_fi_creditor = fields.Char(related="company_id.economic_fi_creditor", readonly=False)
    economic_invoice_layout_source = fields.Selection(
        related="company_id.economic_invoice_layout_source", readonly=False
    )
    economic_layout_id = _related_choice("economic_layout_id")
    economic_payment_info = fields.Text(related="company_id.economic_payment_info", readonly=False)
    economic_footer_text = fields.Char(related="company_id.economic_footer_text", readonly=False)
    economic_payment_terms_id = _related_choice("economic_payment_terms_id")
    economic_payment_days = fields.Integer(
        related="company_id.economic_payment_days", readonly=False
    )
    economic_product_vat_id = _related_choice("economic_product_vat_id")
    economic_product_novat_id = _related_choice("economic_product_novat_id")
    economic_vat_percentage = fields.Float(
        related="company_id.economic_vat_percentage", readonly=False
    )
    economic_sync_interval = fields.Integer(
        related="company_id.economic_sync_interval", readonly=False
    )
    economic_max_in_flight = fields.Integer(
        related="company_id.economic_max_in_flight", readonly=False
    )
    economic_vat_zone_id = _related_choice("economic_vat_zone_id")
    economic_employee_group_id = _related_choice("economic_employee_group_id")
    economic_customer_direction = fields.Selection(
        related="company_id.economic_customer_direction", readonly=False
    )
    economic_line_description_template = fields.Char(
        related="company_id.economic_line_description_template", readonly=False
    )
    economic_sync_enabled = fields.Boolean(
        related="company_id.economic_sync_enabled", readonly=False
    )
    economic_last_run_id = fields.Many2one(related="company_id.economic_last_run_id")
    economic_last_run_summary = fields.Char(string="Last Run", compute="_compute_economic_status")
    economic_missing_settings = fields.Char(compute="_compute_economic_status")
    economic_kind_overview = fields.Html(
        string="Last run per kind",
        compute="_compute_economic_kind_overview",
        sanitize=False,
        help="Per kind of record, the last run and the number of records currently in error.",
    )
    economic_attention_count = fields.Integer(compute="_compute_economic_kind_overview")
    economic_choice_count = fields.Integer(compute="_compute_economic_status")

    @api.depends("company_id")
    def _compute_economic_status(self):
        for settings in self:
            company = settings.company_id
            settings.economic_last_run_summary = company.economic_last_run_id.summary or False
            missing = company._economic_missing_settings() if company else []
            settings.economic_missing_settings = ", ".join(missing) or False
            settings.economic_choice_count = self.env["economic.choice"].search_count(
                [("company_id", "=", company.id)]
            )

    @api.depends(
        "economic_connection_tested_at",
        "economic_connection_failed_at",
        "economic_connection_error",
        "economic_agreement_number",
        "economic_agreement_name",
    )
    def _compute_economic_connection_texts(self):
        env = self.env
        for settings in self:
            tested_at = settings.economic_connection_tested_at
            agreement = env._(
                "agreement %(number)s (%(name)s),",
                number=settings.economic_agreement_number or "",
                name=settings.economic_agreement_name or "",
            )
            settings.economic_connection_success_text = (
                env._(
                    "Last successful test on %(date)s: %(agreement)s",
                    date=format_datetime(env, tested_at, dt_format="short"),
                    agreement=agreement,
                )
                if tested_at
                else env._("Last successful test: %(agreement)s", agreement=agreement)
            )
            failed_at = settings.economic_connection_failed_at
            error = settings.economic_connection_error or ""
            settings.economic_connection_failure_text = (
                env._(
                    "Last test failed on %(date)s: %(error)s",
                    date=format_datetime(env, failed_at, dt_format="short"),
                    error=error,
                )
                if failed_at
                else env._("Last test failed: %(error)s", error=error)
            )

    @api.depends("company_id")
    def _compute_economic_kind_overview(self):
        for settings in self:
            rows = settings.company_id._economic_kind_status() if settings.company_id else []
            settings.economic_attention_count = sum(row["errors"] for row in rows)
            settings.economic_kind_overview = self._economic_kind_table(rows)

    def _economic_kind_table(self, rows):
        """The per-kind status as a small table (escaped: summaries quote e-conomic)."""
        env = self.env
        header = Markup("<tr><th>%s</th><th>%s</th><th class='text-end'>%s</th></tr>") % (
            env._("Kind"),
            env._("Last run"),
            env._("In error"),
        )
        body = Markup()
        for row in rows:
            run = row["run"]
            if run:
                when = format_datetime(env, run.date_start, dt_format="short")
                last = Markup("%s<br/><span class='text-muted'>%s</span>") % (run.summary, when)
            else:
                last = Markup("<span class='text-muted'>%s</span>") % env._("No run yet")
            css = "text-end text-danger fw-bold" if row["errors"] else "text-end"
            body += Markup("<tr><td>%s</td><td>%s</td><td class='%s'>%s</td></tr>") % (
                row["label"],
                last,
                css,
                row["errors"],
            )
        return Markup("<table class='table table-sm mb-0'>%s%s</table>") % (header, body)

    @api.model_create_multi
    def create(self, vals_list):
        # The sync switch is checked against the other settings, and related fields are
        # written one by one in no fixed order: switch off before, switch on after them.
        switches = [vals.pop("economic_sync_enabled", None) for vals in vals_list]
        for vals, switch in zip(vals_list, switches, strict=True):
            if switch is False:
                company_id = vals.get("company_id") or self.env.company.id
                self.env["res.company"].browse(company_id).economic_sync_enabled = False
        records = super().create(vals_list)
        for record, switch in zip(records, switches, strict=True):
            if switch:
                record.economic_sync_enabled = True
        return records

    # === BUTTONS === #

    def _economic_notification(self, message, kind="success", sticky=False):
        """A notification without a title: each message names e-conomic already."""
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "message": message,
                "type": kind,
                "sticky": sticky,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _economic_failure(self, exc):
        return self._economic_notification(
            economic_error_text(self.env, exc), "danger", sticky=True
        )

    def action_economic_test_connection(self):
        """Read the agreement from e-conomic and say what was found, or why it failed."""
        self.ensure_one()
        company = self.company_id
        try:
            info = company._economic_test_connection()
        except economic_exceptions.EconomicError as exc:
            return self._economic_failure(exc)
        if info["has_project_module"]:
            message = self.env._(
                "Connected to e-conomic agreement %(number)s (%(name)s). Project module: yes.",
                number=info["number"],
                name=info["name"],
            )
            return self._economic_notification(message)
        message = self.env._(
            "Connected to e-conomic agreement %(number)s (%(name)s). Project module: no. Add "
            "the Project module to the agreement in e-conomic to use e-conomic's project "
            "features.",
            number=info["number"],
            name=info["name"],
        )
        return self._economic_notification(message, "warning", sticky=True)

    def action_economic_refresh_lists(self):
        """Reload customer groups, payment terms, VAT zones, layouts, products and employee
        groups from e-conomic."""
        self.ensure_one()
        try:
            counts = self.company_id._economic_refresh_lists()
        except economic_exceptions.EconomicError as exc:
            return self._economic_failure(exc)
        message = self.env._(
            "Lists loaded from e-conomic: %(lists)s.", lists=self._economic_list_counts(counts)
        )
        return self._economic_notification(message)

    def _economic_list_counts(self, counts):
        """ "1 customer group, 3 payment terms, …": singular and plural as full texts."""
        env = self.env
        groups, terms, zones = counts["customer_group"], counts["payment_terms"], counts["vat_zone"]
        layouts, products, staff = counts["layout"], counts["product"], counts["employee_group"]
        parts = [
            env._("1 customer group")
            if groups == 1
            else env._("%(count)s customer groups", count=groups),
            env._("1 payment term")
            if terms == 1
            else env._("%(count)s payment terms", count=terms),
            env._("1 VAT zone") if zones == 1 else env._("%(count)s VAT zones", count=zones),
            env._("1 layout") if layouts == 1 else env._("%(count)s layouts", count=layouts),
            env._("1 product") if products == 1 else env._("%(count)s products", count=products),
            env._("1 employee group")
            if staff == 1
            else env._("%(count)s employee groups", count=staff),
        ]
        return ", ".join(parts)

    def action_economic_connect(self):
        """Open e-conomic's grant page; it returns the agreement grant token to Odoo."""
        self.ensure_one()
        url = self.company_id._economic_connect_url(self.company_id.get_base_url())
        return {"type": "ir.actions.act_url", "url": url, "target": "self"}

    def action_economic_sync_now(self):
        """Ask the scheduled job to run now for this company (it sends and fetches; this
        button does not): the company is made due at once, whatever its interval."""
        self.ensure_one()
        company = self.company_id
        if not company.economic_sync_enabled:
            missing = company._economic_missing_settings()
            if missing:
                raise UserError(
                    self.env._(
                        "Fill in these settings and switch on the sync first: %(missing)s.",
                        missing=", ".join(missing),
                    )
                )
            raise UserError(self.env._("Switch on the sync with e-conomic first."))
        self.env["economic.job.state"]._economic_set(company, job_state.MASTER_SYNCED, clear=True)
        # The job runs later in another worker: it tells this user when it is done.
        self.env["ir.config_parameter"].sudo().set_param(
            f"{SYNC_REQUESTER_PARAM}.{company.id}", str(self.env.uid)
        )
        self.env.ref(SYNC_CRON_XMLID).sudo()._trigger()
        return self._economic_notification(
            self.env._(
                "The e-conomic sync starts in a moment; a notification tells you when it is "
                "done, with its summary."
            ),
        )

    @api.model
    def _economic_notify_sync_requester(self, company, run):
        """Tell the user who clicked "Sync now" that the run is done (through the bus: the
        run ends in a cron worker, after the click's request has long returned)."""
        Param = self.env["ir.config_parameter"].sudo()
        key = f"{SYNC_REQUESTER_PARAM}.{company.id}"
        user_id = Param.get_param(key)
        if not user_id:
            return False
        Param.set_param(key, False)
        user = self.env["res.users"].sudo().browse(int(user_id)).exists()
        if not user:
            return False
        # The user's click caused it: in the user's language.
        run = run.with_context(lang=user.lang)
        user._bus_send(
            "simple_notification",
            {
                "type": "warning" if run.errors or run.state == "failed" else "success",
                "sticky": bool(run.errors or run.state == "failed"),
                "message": run.env._(
                    "e-conomic sync done: %(summary)s. Reload Settings to see every kind.",
                    summary=run.summary,
                ),
            },
        )
        return True

    def action_economic_open_runs(self):
        action = self.env["ir.actions.actions"]._for_xml_id(
            "economic_connector.action_economic_run"
        )
        action["domain"] = [("company_id", "=", self.company_id.id)]
        return action

    def action_economic_open_issues(self):
        """Every record of the company currently in error, whichever run found it."""
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "economic_connector.action_economic_attention"
        )
        action["domain"] = [("company_id", "in", [self.company_id.id, False])]
        return action

    def action_economic_match_customers(self):
        """Open the customer matching proposal (link / create / skip)."""
        self.ensure_one()
        if not self.env.ref(CUSTOMER_MATCH_ACTION_XMLID, raise_if_not_found=False):
            raise UserError(
                self.env._("Customer matching is not available in this version of the module.")
            )
        action = self.env["ir.actions.actions"]._for_xml_id(CUSTOMER_MATCH_ACTION_XMLID)
        action["context"] = {"default_company_id": self.company_id.id}
        return action
