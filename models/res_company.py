# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Per-company e-conomic settings: connection, the defaults of the ClientTime guide, cursors."""

import re
import secrets
from datetime import timedelta
from string import Formatter
from urllib.parse import urlencode, urlsplit

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..economic import const
from ..economic.client import EconomicClient
from ..economic.exceptions import EconomicError
from ..economic.parallel import DEFAULT_IN_FLIGHT, MAX_IN_FLIGHT
from . import economic_job_state as job_state
from .economic_attention import ATTENTION_KINDS
from .economic_sync_mixin import economic_error_text

GRANT_REQUEST_URL = "https://secure.e-conomic.com/secure/api1/requestaccess.aspx"
CONNECT_RETURN_PATH = "/economic/connect/return"
CONNECT_STATE_LIFETIME = timedelta(hours=1)
# The job sends both tokens to these URLs: only system administrators change them, and plain
# http is refused except on this machine (the demo's fake e-conomic).
URL_FIELDS = ("economic_rest_url", "economic_openapi_url")
LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")
SYNC_CRON_XMLID = "economic_connector.ir_cron_economic_sync_master_data"
DEFAULT_SYNC_INTERVAL = 360  # minutes, as in the ClientTime guide
MIN_SYNC_INTERVAL = 5
DEFAULT_LINE_TEMPLATE = "{date} {employee}: {task} - {description}"
LINE_TEMPLATE_FIELDS = ("date", "employee", "task", "description", "project", "hours")
# Settings the sync cannot work without, in the order of the Settings form. The layout is
# required even with the Odoo layout: e-conomic wants one on every draft invoice.
REQUIRED_SETTINGS = (
    "economic_app_secret_token",
    "economic_grant_token",
    "economic_customer_group_id",
    "economic_payment_terms_id",
    "economic_layout_id",
    "economic_product_vat_id",
    "economic_product_novat_id",
)


# Settings that hold a value of an e-conomic list (economic.choice), with the list's kind.
CHOICE_FIELDS = {
    "economic_customer_group_id": "customer_group",
    "economic_layout_id": "layout",
    "economic_payment_terms_id": "payment_terms",
    "economic_product_vat_id": "product",
    "economic_product_novat_id": "product",
    "economic_vat_zone_id": "vat_zone",
    "economic_employee_group_id": "employee_group",
}


def _choice_field(fname, string, help_text):
    """A setting that holds a value of the company's e-conomic list of its kind."""
    return fields.Many2one(
        "economic.choice",
        string=string,
        domain=f"[('company_id', '=', id), ('kind', '=', '{CHOICE_FIELDS[fname]}')]",
        ondelete="restrict",
        help=help_text,
    )


class ResCompany(models.Model):
    _inherit = "res.company"

    # === CONNECTION === #
    economic_app_secret_token = fields.Char(
        string="App Secret Token",
        groups="base.group_system",
        copy=False,
        help="Secret token of the e-conomic app (X-AppSecretToken), from the developer "
        "agreement that owns the app.",
    )
    economic_app_public_token = fields.Char(
        string="App Public Token",
        copy=False,
        help="Public token of the e-conomic app, used by the Connect button.",
    )
    economic_grant_token = fields.Char(
        string="Agreement Grant Token",
        groups="base.group_system",
        copy=False,
        help="Token by which this company's e-conomic agreement grants the app access "
        "(X-AgreementGrantToken). Connect fills it in; pasting it also works.",
    )
    economic_rest_url = fields.Char(
        string="e-conomic REST URL",
        default=const.REST_URL,
        groups="base.group_system",
        help="Base URL of e-conomic's REST API. Change it only for a sandbox or the demo.",
    )
    economic_openapi_url = fields.Char(
        string="e-conomic OpenAPI URL",
        default=const.OPENAPI_URL,
        groups="base.group_system",
        help="Base URL of e-conomic's OpenAPI services (employees).",
    )
    economic_agreement_number = fields.Char(string="Agreement Number", readonly=True, copy=False)
    economic_agreement_name = fields.Char(string="Agreement Company", readonly=True, copy=False)
    economic_has_project_module = fields.Boolean(string="Project Module", readonly=True, copy=False)
    economic_connection_tested_at = fields.Datetime(
        string="Last Successful Test",
        readonly=True,
        copy=False,
        help="When Test connection last reached the agreement shown.",
    )
    economic_connection_error = fields.Text(
        string="Last Test Failure",
        readonly=True,
        copy=False,
        help="Why the last Test connection failed; empty once a test succeeds.",
    )
    economic_connection_failed_at = fields.Datetime(
        string="Last Failed Test", readonly=True, copy=False
    )
    economic_connect_state = fields.Char(groups="base.group_system", copy=False)
    economic_connect_user_id = fields.Many2one("res.users", groups="base.group_system", copy=False)
    economic_connect_requested_at = fields.Datetime(groups="base.group_system", copy=False)

    # === DEFAULTS (the ten parameters of the ClientTime guide, and a few more) === #
    economic_customer_group_id = _choice_field(
        "economic_customer_group_id",
        "Default Customer Group",
        "e-conomic customer group of new customers.",
    )
    economic_fi_creditor = fields.Char(
        string="FI Creditor Number",
        help="The 8-digit FIK creditor number printed on invoices for FI payments.",
    )
    economic_invoice_layout_source = fields.Selection(
        [("economic", "e-conomic layout"), ("odoo", "Odoo layout")],
        string="Invoice Layout",
        default="economic",
        required=True,
        help="e-conomic layout: e-conomic renders the invoice. Odoo layout: Odoo renders the "
        "invoice PDF itself.",
    )
    economic_layout_id = _choice_field(
        "economic_layout_id",
        "e-conomic Layout",
        "Layout of the draft invoices in e-conomic (e-conomic needs one on every draft).",
    )
    economic_payment_info = fields.Text(
        string="Payment Info", help='Printed on invoices, e.g. "Bankkonto: 1234 - 5678901".'
    )
    economic_footer_text = fields.Char(
        string="Footer Text", help="Slogan or other line printed at the bottom of invoices."
    )
    economic_payment_terms_id = _choice_field(
        "economic_payment_terms_id",
        "Terms of Payment",
        'e-conomic payment term of type "due date"; the due date is the invoice date plus the '
        "days to pay.",
    )
    economic_payment_days = fields.Integer(
        string="Days to Pay", default=8, help="Default number of days to pay an invoice."
    )
    economic_product_vat_id = _choice_field(
        "economic_product_vat_id",
        "Product with VAT",
        "e-conomic product for time on domestic invoices (with VAT).",
    )
    economic_product_novat_id = _choice_field(
        "economic_product_novat_id",
        "Product without VAT",
        "e-conomic product for time where no VAT applies (EU, abroad, VAT exempt).",
    )
    economic_vat_percentage = fields.Float(string="VAT Percentage", default=25.0)
    economic_sync_interval = fields.Integer(
        string="Sync Interval (minutes)",
        default=DEFAULT_SYNC_INTERVAL,
        help="Minutes between two customer syncs; at least 5.",
    )
    economic_max_in_flight = fields.Integer(
        string="Requests in Flight",
        default=DEFAULT_IN_FLIGHT,
        help="How many requests the connector keeps in flight to e-conomic at once when it "
        "sends many customers, employees or draft invoices (fewer while e-conomic asks it to "
        "slow down).",
    )
    economic_vat_zone_id = _choice_field(
        "economic_vat_zone_id",
        "Default VAT Zone",
        "VAT zone of customers whose zone cannot be derived from their country.",
    )
    economic_employee_group_id = _choice_field(
        "economic_employee_group_id",
        "Employee Group",
        "e-conomic employee group of employees created from Odoo.",
    )
    economic_customer_direction = fields.Selection(
        [
            ("odoo_to_economic", "Odoo to e-conomic"),
            ("both", "Both ways"),
        ],
        string="Customer Sync Direction",
        default="odoo_to_economic",
        required=True,
        help="Both ways: customers created or changed in e-conomic are created or updated in "
        "Odoo too. When a customer changed on both sides since the last run, Odoo wins.",
    )
    economic_line_description_template = fields.Char(
        string="Invoice Line Text",
        default=DEFAULT_LINE_TEMPLATE,
        help="Text of an invoice line. Placeholders: {date}, {employee}, {task}, "
        "{description}, {project}, {hours}.",
    )
    economic_sync_enabled = fields.Boolean(
        string="Sync with e-conomic",
        copy=False,
        help="Switch on the scheduled sync; it needs every required setting.",
    )
    economic_customers_matched = fields.Boolean(
        string="e-conomic Customers Matched",
        compute="_compute_economic_job_state",
        inverse="_inverse_economic_customers_matched",
        help="Set when the customer matching proposal was confirmed, or when the first sync "
        "found the agreement without customers. Until then no customer is created in "
        "e-conomic.",
    )

    # === CURSORS AND STATUS === #
    # Kept in economic.job.state (one row per company and kind), not on this row: several
    # crons write them, concurrently. The inverses serve forms and tests; job code calls
    # env["economic.job.state"]._economic_set(), which leaves the company row alone.
    economic_master_synced_at = fields.Datetime(
        string="Master Data Synced At",
        compute="_compute_economic_job_state",
        inverse="_inverse_economic_master_synced_at",
    )
    economic_customers_pulled_at = fields.Datetime(
        string="Customers Pulled At",
        compute="_compute_economic_job_state",
        inverse="_inverse_economic_customers_pulled_at",
    )
    economic_drafts_polled_at = fields.Datetime(
        string="Drafts Polled At",
        compute="_compute_economic_job_state",
        inverse="_inverse_economic_drafts_polled_at",
    )
    economic_last_run_id = fields.Many2one(
        "economic.run",
        string="Last e-conomic Run",
        compute="_compute_economic_job_state",
        inverse="_inverse_economic_last_run_id",
    )

    def _compute_economic_job_state(self):
        JobState = self.env["economic.job.state"].sudo()
        states = JobState.search([("company_id", "in", self.ids)])
        by_company = {}
        for state in states:
            by_company.setdefault(state.company_id.id, {})[state.kind] = state
        for company in self:
            rows = by_company.get(company.id, {})

            def at(kind, rows=rows):
                return rows[kind].at if kind in rows else False

            company.economic_master_synced_at = at(job_state.MASTER_SYNCED)
            company.economic_customers_pulled_at = at(job_state.CUSTOMERS_PULLED)
            company.economic_drafts_polled_at = at(job_state.DRAFTS_POLLED)
            company.economic_customers_matched = bool(at(job_state.CUSTOMERS_MATCHED))
            last_runs = [
                row.run_id
                for kind, row in rows.items()
                if kind.startswith(job_state.LAST_RUN_PREFIX) and row.run_id
            ]
            company.economic_last_run_id = (
                max(last_runs, key=lambda run: run.id) if last_runs else False
            )

    def _economic_set_job_state(self, kind, value):
        for company in self:
            self.env["economic.job.state"]._economic_set(
                company, kind, at=value or None, clear=not value
            )

    def _inverse_economic_master_synced_at(self):
        for company in self:
            company._economic_set_job_state(
                job_state.MASTER_SYNCED, company.economic_master_synced_at
            )

    def _inverse_economic_customers_pulled_at(self):
        for company in self:
            company._economic_set_job_state(
                job_state.CUSTOMERS_PULLED, company.economic_customers_pulled_at
            )

    def _inverse_economic_drafts_polled_at(self):
        for company in self:
            company._economic_set_job_state(
                job_state.DRAFTS_POLLED, company.economic_drafts_polled_at
            )

    def _inverse_economic_customers_matched(self):
        for company in self:
            company._economic_set_job_state(
                job_state.CUSTOMERS_MATCHED,
                company.economic_customers_matched and fields.Datetime.now(),
            )

    def _inverse_economic_last_run_id(self):
        for company in self:
            run = company.economic_last_run_id
            if run:
                self.env["economic.job.state"]._economic_set(
                    company, job_state.LAST_RUN_PREFIX + run.kind, run=run
                )

    # === CONSTRAINTS === #

    @api.constrains("economic_fi_creditor")
    def _check_economic_fi_creditor(self):
        for company in self:
            number = company.economic_fi_creditor
            if number and not re.fullmatch(r"\d{8}", number):
                raise ValidationError(
                    self.env._(
                        "The FI creditor number must be exactly 8 digits (got %(number)s).",
                        number=number,
                    )
                )

    @api.constrains("economic_max_in_flight")
    def _check_economic_max_in_flight(self):
        for company in self:
            if not 1 <= company.economic_max_in_flight <= MAX_IN_FLIGHT:
                raise ValidationError(
                    self.env._(
                        "Requests in flight must be between 1 and %(maximum)s.",
                        maximum=MAX_IN_FLIGHT,
                    )
                )

    @api.constrains("economic_sync_interval")
    def _check_economic_sync_interval(self):
        for company in self:
            if company.economic_sync_interval < MIN_SYNC_INTERVAL:
                raise ValidationError(
                    self.env._(
                        "The sync interval must be at least %(minimum)s minutes.",
                        minimum=MIN_SYNC_INTERVAL,
                    )
                )

    @api.constrains("economic_vat_percentage")
    def _check_economic_vat_percentage(self):
        for company in self:
            if not 0 <= company.economic_vat_percentage <= 100:
                raise ValidationError(self.env._("The VAT percentage must be between 0 and 100."))

    @api.constrains("economic_payment_days")
    def _check_economic_payment_days(self):
        for company in self:
            if company.economic_payment_days < 0:
                raise ValidationError(self.env._("The days to pay cannot be negative."))

    @api.constrains("economic_payment_terms_id")
    def _check_economic_payment_terms(self):
        for company in self:
            term = company.economic_payment_terms_id
            if term and term._economic_term_type() != "dueDate":
                raise ValidationError(
                    self.env._(
                        'The terms of payment must be an e-conomic payment term of type "due '
                        'date" (Forfaldsdato); %(term)s is of type %(type)s. Create a payment '
                        'term of type "due date" in e-conomic, then Refresh lists.',
                        term=term.display_name,
                        type=term._economic_term_type() or "?",
                    )
                )

    @api.constrains(*CHOICE_FIELDS)
    def _check_economic_choices_company(self):
        for company in self:
            for fname in CHOICE_FIELDS:
                choice = company[fname]
                if choice and choice.company_id != company:
                    raise ValidationError(
                        self.env._(
                            "%(value)s is an e-conomic value of another company.",
                            value=choice.display_name,
                        )
                    )

    @api.constrains(*URL_FIELDS)
    def _check_economic_urls(self):
        for company in self.sudo():
            for url in (company.economic_rest_url, company.economic_openapi_url):
                parts = urlsplit(url or "")
                try:
                    host = parts.hostname
                except ValueError:
                    host = None
                if not url:
                    continue
                if parts.scheme not in ("http", "https") or not host:
                    raise ValidationError(
                        self.env._(
                            "%(url)s is not a valid e-conomic URL: it must start with https://.",
                            url=url,
                        )
                    )
                if parts.scheme == "http" and host not in LOOPBACK_HOSTS:
                    raise ValidationError(
                        self.env._(
                            "%(url)s is refused: the tokens would travel unencrypted. Use an "
                            "https:// address (plain http:// is accepted only for this machine: "
                            "127.0.0.1, ::1 or localhost, as in the demo).",
                            url=url,
                        )
                    )

    @api.constrains("economic_line_description_template")
    def _check_economic_line_description_template(self):
        for company in self:
            template = company.economic_line_description_template
            if not template:
                continue
            try:
                names = {name for _text, name, _spec, _conv in Formatter().parse(template) if name}
            except ValueError as exc:
                raise ValidationError(
                    self.env._(
                        "The invoice line text is not a valid template: %(error)s", error=str(exc)
                    )
                ) from exc
            unknown = names - set(LINE_TEMPLATE_FIELDS)
            if unknown:
                raise ValidationError(
                    self.env._(
                        "The invoice line text uses unknown placeholders: %(unknown)s. "
                        "Known ones: %(known)s.",
                        unknown=", ".join(f"{{{name}}}" for name in sorted(unknown)),
                        known=", ".join(f"{{{name}}}" for name in LINE_TEMPLATE_FIELDS),
                    )
                )

    @api.constrains("economic_sync_enabled", *REQUIRED_SETTINGS)
    def _check_economic_sync_enabled(self):
        for company in self:
            if not company.economic_sync_enabled:
                continue
            missing = company._economic_missing_settings()
            if missing:
                raise ValidationError(
                    self.env._(
                        "The e-conomic sync cannot be switched on for %(company)s while these "
                        "settings are empty: %(missing)s.",
                        company=company.name,
                        missing=", ".join(missing),
                    )
                )

    # === CRUD === #

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._economic_check_url_rights(vals)
        companies = super().create(vals_list)
        if any(vals.get("economic_sync_enabled") for vals in vals_list):
            self._economic_apply_sync_interval()
        return companies

    def _economic_check_url_rights(self, vals):
        """The URLs receive both tokens: only system administrators may change them."""
        if set(URL_FIELDS) & set(vals) and not (self.env.su or self.env.is_system()):
            raise AccessError(
                self.env._(
                    "Only system administrators (Settings > Users: Administration "
                    "“Settings”) can change the e-conomic URLs."
                )
            )

    def write(self, vals):
        self._economic_check_url_rights(vals)
        if "economic_rest_url" in vals or "economic_openapi_url" in vals:
            vals = dict(vals)
            for fname in ("economic_rest_url", "economic_openapi_url"):
                if vals.get(fname):
                    vals[fname] = vals[fname].strip().rstrip("/")
        result = super().write(vals)
        if {"economic_sync_enabled", "economic_sync_interval"}.intersection(vals):
            self._economic_apply_sync_interval()
        return result

    # === HELPERS === #

    def _economic_missing_settings(self):
        """Labels of the required settings that are empty (sync needs them all).

        :return: translated field labels, in the order of the Settings form
        :rtype: list[str]
        """
        self.ensure_one()
        company = self.sudo()
        descriptions = company.fields_get(REQUIRED_SETTINGS, ["string"])
        return [descriptions[fname]["string"] for fname in REQUIRED_SETTINGS if not company[fname]]

    @api.model
    def _economic_enabled_companies(self):
        """Companies whose e-conomic sync is switched on (sudo)."""
        return self.sudo().search([("economic_sync_enabled", "=", True)])

    def _economic_client(self, **kwargs):
        """The e-conomic client of this company.

        :raise UserError: when a token is missing
        :return: ``EconomicClient``
        """
        self.ensure_one()
        company = self.sudo()
        if not company.economic_app_secret_token or not company.economic_grant_token:
            raise UserError(
                self.env._(
                    "The e-conomic tokens of %(company)s are missing: fill in the app secret "
                    "token and connect the agreement in Settings > e-conomic.",
                    company=company.name,
                )
            )
        return EconomicClient(
            company.economic_app_secret_token,
            company.economic_grant_token,
            rest_url=company.economic_rest_url or const.REST_URL,
            openapi_url=company.economic_openapi_url or const.OPENAPI_URL,
            **kwargs,
        )

    def _economic_apply_sync_interval(self):
        """Run the master-data cron at the shortest interval of the enabled companies."""
        cron = self.env.ref(SYNC_CRON_XMLID, raise_if_not_found=False)
        if not cron:
            return
        cron = cron.sudo()
        intervals = self._economic_enabled_companies().mapped("economic_sync_interval")
        interval = max(min(intervals or [DEFAULT_SYNC_INTERVAL]), MIN_SYNC_INTERVAL)
        vals = {"interval_number": interval, "interval_type": "minutes"}
        # Only write real changes: writing a cron that is running raises.
        vals = {fname: value for fname, value in vals.items() if cron[fname] != value}
        if vals:
            cron.write(vals)

    # === CONNECTION: TEST, LISTS, GRANT === #

    def _economic_test_connection(self):
        """Read the agreement (GET /self) and whether it has the Project module.

        Stores what it learnt on the company, and when; a failure is stored too (the
        agreement details of the last successful test are kept, with their date). Reads only:
        nothing is written to e-conomic.

        :raise EconomicError: when e-conomic refuses or cannot be reached
        :return: ``{"number", "name", "has_project_module"}``
        """
        self.ensure_one()
        client = self._economic_client()
        try:
            agreement = client.get_self() or {}
            has_project_module = bool(client.has_project_module())
        except EconomicError as exc:
            self.write(
                {
                    "economic_connection_error": economic_error_text(self.env, exc),
                    "economic_connection_failed_at": fields.Datetime.now(),
                }
            )
            raise
        info = {
            "number": str(agreement.get("agreementNumber") or ""),
            "name": (agreement.get("company") or {}).get("name") or "",
            "has_project_module": has_project_module,
        }
        self.write(
            {
                "economic_agreement_number": info["number"],
                "economic_agreement_name": info["name"],
                "economic_has_project_module": has_project_module,
                "economic_connection_tested_at": fields.Datetime.now(),
                "economic_connection_error": False,
                "economic_connection_failed_at": False,
            }
        )
        return info

    def _economic_refresh_lists(self):
        """Load e-conomic's lists into ``economic.choice``. Reads only.

        :raise EconomicError: when e-conomic refuses or cannot be reached
        :return: ``{kind: number of values}``
        """
        self.ensure_one()
        client = self._economic_client()
        lists = {
            "customer_group": [
                (group["customerGroupNumber"], group.get("name"), {})
                for group in client.list_customer_groups()
            ],
            "payment_terms": [
                (
                    term["paymentTermsNumber"],
                    term.get("name"),
                    {
                        "paymentTermsType": term.get("paymentTermsType"),
                        "daysOfCredit": term.get("daysOfCredit"),
                    },
                )
                for term in client.list_payment_terms()
            ],
            "vat_zone": [
                (zone["vatZoneNumber"], zone.get("name"), {})
                for zone in client.list_vat_zones()
                if zone.get("enabledForCustomer", True)
            ],
            "layout": [
                (layout["layoutNumber"], layout.get("name"), {})
                for layout in client.list_layouts()
                if not layout.get("deleted")
            ],
            "product": [
                (
                    product["productNumber"],
                    product.get("name"),
                    {
                        "salesPrice": product.get("salesPrice"),
                        "unitNumber": (product.get("unit") or {}).get("unitNumber"),
                        "productGroupNumber": (product.get("productGroup") or {}).get(
                            "productGroupNumber"
                        ),
                    },
                )
                for product in client.list_products()
                if not product.get("barred")
            ],
            "employee_group": [
                (group["number"], group.get("name"), {}) for group in client.list_employee_groups()
            ],
        }
        choices = self.env["economic.choice"].sudo()
        return {kind: choices._economic_store(self, kind, values) for kind, values in lists.items()}

    def _economic_connect_url(self, redirect_base):
        """Start the grant flow for the current user; return e-conomic's grant page URL.

        :param redirect_base: this Odoo's base URL
        """
        self.ensure_one()
        if not self.economic_app_public_token:
            raise UserError(
                self.env._("Fill in and save the app public token before connecting to e-conomic.")
            )
        state = secrets.token_urlsafe(32)
        self.sudo().write(
            {
                "economic_connect_state": state,
                "economic_connect_user_id": self.env.uid,
                "economic_connect_requested_at": fields.Datetime.now(),
            }
        )
        # The state rides in the path: e-conomic appends ?token=... to the redirect URL.
        redirect_url = f"{redirect_base.rstrip('/')}{CONNECT_RETURN_PATH}/{state}"
        query = urlencode(
            {
                "appPublicToken": self.economic_app_public_token,
                "redirectUrl": redirect_url,
                "locale": "da-DK",
            }
        )
        return f"{GRANT_REQUEST_URL}?{query}"

    @api.model
    def _economic_connect_finish(self, state, token):
        """Store the grant token e-conomic returned, for the administrator who asked for it.

        :return: the company, or an empty recordset when the state is unknown, expired or
            was started by another user (the token is then ignored)
        """
        user = self.env.user
        if not state or not token or not user.has_group("base.group_system"):
            return self.browse()
        company = self.sudo().search([("economic_connect_state", "=", state)], limit=1)
        if not company or company.economic_connect_user_id != user:
            return self.browse()
        expired = (
            not company.economic_connect_requested_at
            or company.economic_connect_requested_at + CONNECT_STATE_LIFETIME
            < fields.Datetime.now()
        )
        vals = {
            "economic_connect_state": False,
            "economic_connect_user_id": False,
            "economic_connect_requested_at": False,
        }
        if expired:
            company.write(vals)
            return self.browse()
        company.write(dict(vals, economic_grant_token=token.strip()))
        return company

    def _economic_kind_status(self):
        """Per kind of record: its label, the company's last run of that kind (any state) and
        the number of records currently in error.

        :return: list of dicts ``{"kind", "label", "run", "errors"}`` in Settings' order
        """
        self.ensure_one()
        Run = self.env["economic.run"].sudo()
        labels = dict(Run._fields["kind"]._description_selection(self.env))
        errors = self.env["economic.attention"]._economic_counts(self)
        rows = []
        for kind in ATTENTION_KINDS:
            run = Run.search(
                [("company_id", "=", self.id), ("kind", "=", kind)],
                order="date_start desc, id desc",
                limit=1,
            )
            rows.append(
                {"kind": kind, "label": labels[kind], "run": run, "errors": errors.get(kind, 0)}
            )
        return rows
