# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Project <-> draft invoice in e-conomic: the fields, rules, buttons and mappings.

One project has at most one open draft invoice (``economic_draft_number``). The project only
queues work (``economic_outbox_pending``, the removals, the booking request); the service
``economic.invoice.sync`` (models/economic_invoice_sync.py) sends it and polls e-conomic.
"""

import hashlib
import re
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from .economic_write_guard import (
    economic_check_bookkeeping_create,
    economic_check_bookkeeping_vals,
)

# The draft's ``references.other`` is "odoo-<database tag>-project-<id>": a copy of the
# database (another database.uuid) never takes this database's drafts for its own.
REFERENCE_TEMPLATE = "odoo-{tag}-project-{id}"
REFERENCE_RE = re.compile(r"^odoo-([0-9a-f]{10})-project-(\d+)$")
# The format written before the database tag (drafts created by earlier versions).
REFERENCE_PREFIX = "odoo-project-"
# Set by data/neutralize.sql: a neutralized copy gets references of its own.
REFERENCE_SALT_PARAM = "economic_connector.reference_salt"
DOMESTIC_VAT_ZONE = 1
# What a PUT of a draft may carry (it replaces the whole document); the rest is read-only.
DRAFT_WRITABLE_KEYS = (
    "date",
    "dueDate",
    "currency",
    "exchangeRate",
    "customer",
    "paymentTerms",
    "layout",
    "project",
    "recipient",
    "delivery",
    "deliveryLocation",
    "notes",
    "references",
)
LINE_WRITABLE_KEYS = (
    "lineNumber",
    "sortKey",
    "product",
    "description",
    "quantity",
    "unitNetPrice",
    "discountPercentage",
    "unitCostPrice",
    "unit",
    "departmentalDistribution",
    "accrual",
)
# What a project forgets when its draft is gone (booked or deleted in e-conomic).
DRAFT_CLEARED_VALS = {
    "economic_draft_number": 0,
    "economic_draft_key": False,
    "economic_draft_external": False,
    "economic_draft_net_amount": 0.0,
    "economic_draft_line_count": 0,
    "economic_draft_last_line": 0,
    "economic_removals": False,
    "economic_removal_key": False,
    "economic_book_key": False,
    "economic_book_update_key": False,
    "economic_book_date": False,
    "economic_book_due_date": False,
    "economic_book_text1": False,
    "economic_book_text2": False,
}
# Line states that tie a line to the project's customer (and draft).
CUSTOMER_LOCKED_LINE_STATES = ("approved", "on_draft", "error")
# The only economic_* fields users set themselves; every other one is the connector's own.
USER_ECONOMIC_FIELDS = frozenset({"economic_invoiced", "economic_product_id"})
PROJECT_ECONOMIC_GROUPS = (
    "project.group_project_manager",
    "economic_connector.group_economic_bookkeeper",
)
# Who sees money (amounts, prices): project managers and bookkeepers, not every employee.
MONEY_GROUPS = ",".join(PROJECT_ECONOMIC_GROUPS)


def database_tag(env):
    """This database's short tag in draft references (from ``database.uuid``)."""
    params = env["ir.config_parameter"].sudo()
    seed = params.get_param("database.uuid", "") + params.get_param(REFERENCE_SALT_PARAM, "")
    return hashlib.sha256(seed.encode()).hexdigest()[:10]


def reference_project_id(env, reference):
    """The id of this database's project a draft reference names, or None (not ours)."""
    match = REFERENCE_RE.match(reference or "")
    if not match or match.group(1) != database_tag(env):
        return None
    return int(match.group(2))


def draft_put_payload(draft, lines=None):
    """A full-replace PUT body from a GET of the draft (lines replaced when given)."""
    payload = {key: draft[key] for key in DRAFT_WRITABLE_KEYS if draft.get(key) is not None}
    if "paymentTerms" in payload:
        # e-conomic refuses a paymentTermsType that it finds inconsistent: send the number only.
        payload["paymentTerms"] = {
            "paymentTermsNumber": payload["paymentTerms"].get("paymentTermsNumber")
        }
    source = (draft.get("lines") or []) if lines is None else lines
    payload["lines"] = [
        {key: line[key] for key in LINE_WRITABLE_KEYS if line.get(key) is not None}
        for line in source
    ]
    return payload


class ProjectProject(models.Model):
    _inherit = "project.project"

    economic_invoiced = fields.Boolean(
        string="Invoice through e-conomic",
        default=lambda self: self.env["economic.invoice.sync"]._economic_invoicing_enabled(
            self.env.company
        ),
        copy=False,
        help="Approved time of this project goes onto one draft invoice in e-conomic.",
    )
    economic_product_id = fields.Many2one(
        "product.product",
        string="Invoice product",
        domain=[("product_tmpl_id.economic_number", "!=", False)],
        help="e-conomic product for time on this project, unless the task or line has one.",
    )
    economic_draft_state = fields.Selection(
        [
            ("none", "No draft"),
            ("to_create", "Draft queued"),
            ("open", "Draft open"),
            ("to_book", "Booking queued"),
            ("booked", "Booked (closed)"),
        ],
        string="Draft invoice status",
        default="none",
        required=True,
        copy=False,
        readonly=True,
    )
    economic_draft_number = fields.Integer(
        string="Draft invoice", copy=False, readonly=True, index="btree_not_null"
    )
    economic_draft_external = fields.Boolean(
        string="Draft made in e-conomic", copy=False, readonly=True
    )
    economic_draft_net_amount = fields.Float(
        string="Draft net amount", copy=False, readonly=True, groups=MONEY_GROUPS
    )
    economic_draft_currency = fields.Char(copy=False, readonly=True)
    economic_draft_line_count = fields.Integer(string="Draft lines", copy=False, readonly=True)
    economic_draft_last_line = fields.Integer(copy=False, readonly=True)  # highest lineNumber
    economic_draft_key = fields.Char(copy=False, readonly=True)
    economic_reference = fields.Char(compute="_compute_economic_reference")
    # outbox
    economic_outbox_pending = fields.Boolean(copy=False, readonly=True, index=True)
    economic_next_attempt = fields.Datetime(string="Next attempt", copy=False, readonly=True)
    economic_attempts = fields.Integer(copy=False, readonly=True)
    economic_error = fields.Text(string="e-conomic error", copy=False, readonly=True)
    economic_sync_error = fields.Text(
        string="e-conomic sync error",
        copy=False,
        readonly=True,
        help="The draft in e-conomic no longer matches what Odoo sent (lines changed or removed "
        "there). Cleared when the lines concerned are reset.",
    )
    economic_lease_until = fields.Datetime(copy=False, readonly=True)
    economic_removals = fields.Json(copy=False, readonly=True)  # [{"draft": n, "line": id}]
    economic_removal_key = fields.Char(copy=False, readonly=True)
    # booking request (from the wizard)
    economic_book_date = fields.Date(copy=False, readonly=True)
    economic_book_due_date = fields.Date(copy=False, readonly=True)
    economic_book_text1 = fields.Text(copy=False, readonly=True)
    economic_book_text2 = fields.Text(copy=False, readonly=True)
    economic_book_update_key = fields.Char(copy=False, readonly=True)
    economic_book_key = fields.Char(copy=False, readonly=True)
    economic_invoice_ids = fields.One2many(
        "economic.invoice", "project_id", string="Booked invoices", readonly=True
    )
    economic_invoice_count = fields.Integer(compute="_compute_economic_invoice_count")
    economic_pending_line_count = fields.Integer(
        string="Lines to approve", compute="_compute_economic_line_counts"
    )
    economic_queued_line_count = fields.Integer(
        string="Lines queued", compute="_compute_economic_line_counts"
    )

    def _compute_economic_reference(self):
        tag = database_tag(self.env)
        for project in self:
            project.economic_reference = (
                REFERENCE_TEMPLATE.format(tag=tag, id=project.id) if project.id else False
            )

    @api.depends("economic_invoice_ids")
    def _compute_economic_invoice_count(self):
        for project in self:
            # Counted with sudo: the project form is open to users without invoice rights.
            project.economic_invoice_count = len(project.sudo().economic_invoice_ids)

    def _compute_economic_line_counts(self):
        groups = (
            self.env["account.analytic.line"]
            .sudo()
            ._read_group(
                [
                    ("project_id", "in", self.ids),
                    ("economic_line_state", "in", ("to_approve", "approved")),
                ],
                ["project_id", "economic_line_state"],
                ["__count"],
            )
        )
        counts = {(project.id, state): count for project, state, count in groups}
        for project in self:
            project.economic_pending_line_count = counts.get((project.id, "to_approve"), 0)
            project.economic_queued_line_count = counts.get((project.id, "approved"), 0)

    # ------------------------------------------------------------------ ORM

    @api.model_create_multi
    def create(self, vals_list):
        economic_check_bookkeeping_create(
            self, vals_list, USER_ECONOMIC_FIELDS, {"economic_draft_state": "none"}
        )
        enabled = self.env["economic.invoice.sync"]._economic_invoicing_enabled(self.env.company)
        for vals in vals_list:
            if vals.get("economic_invoiced", enabled) and not vals.get("company_id"):
                # A draft invoice lives in one company's agreement.
                vals["company_id"] = self.env.company.id
        projects = super().create(vals_list)
        projects._economic_queue_draft_creation()
        return projects

    def write(self, vals):
        economic_check_bookkeeping_vals(self, vals, USER_ECONOMIC_FIELDS)
        if "partner_id" in vals:
            changing = self.filtered(lambda p: p.partner_id.id != vals["partner_id"])
            locked = self.env["account.analytic.line"]._economic_has_locked_lines(
                [("project_id", "in", changing.ids)], CUSTOMER_LOCKED_LINE_STATES
            )
            if locked or changing.filtered(lambda p: p.economic_draft_state == "to_book"):
                raise UserError(
                    self.env._(
                        "The customer of a project with approved time on its draft invoice "
                        "cannot change. Reset the lines to “To approve” first."
                    )
                )
        reopened = self.browse()
        if vals.get("active"):
            reopened = self.filtered(lambda p: not p.active and p.economic_draft_state == "booked")
        result = super().write(vals)
        if reopened:
            reopened.sudo().write({"economic_draft_state": "none"})
            for project in reopened:
                project._economic_post(
                    self.env._("Project reopened: a new draft invoice is created in e-conomic.")
                )
        if {"active", "economic_invoiced", "partner_id"} & set(vals):
            self._economic_queue_draft_creation()
        return result

    # ------------------------------------------------------------------ helpers

    def _economic_company(self):
        """The company whose agreement invoices this project (projects may have none)."""
        self.ensure_one()
        return self.company_id or self.account_id.company_id or self.env.company

    def _economic_settings(self):
        return self.env["economic.invoice.sync"]._economic_invoice_settings(
            self._economic_company()
        )

    def _economic_default_product_number(self):
        """Default product of Settings: with VAT for the domestic VAT zone, else without."""
        self.ensure_one()
        settings = self._economic_settings()
        if self._economic_vat_zone() == DOMESTIC_VAT_ZONE:
            return settings["product_vat"]
        return settings["product_novat"]

    def _economic_vat_zone(self):
        self.ensure_one()
        partner = self.partner_id.commercial_partner_id
        if not partner:
            return DOMESTIC_VAT_ZONE
        return partner._economic_vat_zone_number(self._economic_company()) or DOMESTIC_VAT_ZONE

    def _economic_post(self, body, attachment_ids=None):
        self.ensure_one()
        self.sudo().message_post(
            body=body,
            subtype_xmlid="economic_connector.mt_project_economic_sync",
            message_type="notification",
            attachment_ids=attachment_ids or [],
        )

    def _economic_queued_lines(self):
        """The approved lines waiting to be sent to this project's draft, oldest first."""
        self.ensure_one()
        return (
            self.env["account.analytic.line"]
            .sudo()
            .search(
                [("project_id", "=", self.id), ("economic_line_state", "=", "approved")],
                order="date, id",
            )
        )

    def _economic_draft_lines(self, states):
        """The lines in ``states`` that Odoo put on the project's current draft."""
        self.ensure_one()
        return (
            self.env["account.analytic.line"]
            .sudo()
            .search(
                [
                    ("project_id", "=", self.id),
                    ("economic_line_state", "in", states),
                    ("economic_draft_number", "=", self.economic_draft_number),
                ]
            )
        )

    def _economic_forget_draft(self, draft_state):
        """The draft is gone from e-conomic: booked (the project closes) or deleted."""
        self.ensure_one()
        vals = dict(DRAFT_CLEARED_VALS, economic_draft_state=draft_state)
        # Removals from an earlier draft of the project still have to be made there.
        elsewhere = [
            removal
            for removal in self.economic_removals or []
            if removal.get("draft") and removal["draft"] != self.economic_draft_number
        ]
        if elsewhere:
            vals.update(economic_removals=elsewhere, economic_outbox_pending=True)
        if draft_state == "booked":
            vals["active"] = False
        self.write(vals)

    # ------------------------------------------------------------------ queueing

    def _economic_queue_draft_creation(self):
        """Queue a draft for invoiced, active projects with a customer and no draft yet."""
        wanted = self.filtered(
            lambda p: (
                p.economic_invoiced
                and p.partner_id
                and p.active
                and p.economic_draft_state == "none"
                and not p.economic_draft_number
            )
        )
        if wanted:
            wanted.sudo().write(
                {"economic_draft_state": "to_create", "economic_outbox_pending": True}
            )
            self.env["economic.invoice.sync"]._economic_trigger_send()

    def _economic_enqueue(self):
        self.sudo().write({"economic_outbox_pending": True, "economic_next_attempt": False})
        self.env["economic.invoice.sync"]._economic_trigger_send()

    def _economic_queue_removal(self, lines):
        """Remember to take ``lines`` off the current draft (done by the sending cron)."""
        self.ensure_one()
        removals = list(self.economic_removals or [])
        for line in lines:
            draft = line.economic_draft_number or self.economic_draft_number
            if draft or line.economic_send_key:
                # draft 0: sent with the draft's creation, outcome unknown; the removal is
                # applied once that draft is adopted (or dropped if none was made)
                removals.append({"draft": draft or 0, "line": line.id})
        self.sudo().write({"economic_removals": removals})
        self._economic_enqueue()

    # ------------------------------------------------------------------ mapping

    def _economic_draft_payload(self, template, customer_number, settings):
        """The POST body of a new draft, from e-conomic's invoice template of the customer.

        :param template: e-conomic's draft template for the customer (dict)
        :param customer_number: the customer's e-conomic number
        :param settings: the company's invoice settings (``_economic_invoice_settings``)
        """
        self.ensure_one()
        today = fields.Date.context_today(self)
        payload = {
            key: template[key] for key in DRAFT_WRITABLE_KEYS if template.get(key) is not None
        }
        payload["date"] = fields.Date.to_string(today)
        payload["customer"] = {"customerNumber": customer_number}
        partner = self.partner_id.commercial_partner_id
        recipient = dict(payload.get("recipient") or {})
        recipient.setdefault("name", partner.name[:250])
        recipient["vatZone"] = {"vatZoneNumber": self._economic_vat_zone()}
        payload["recipient"] = recipient
        payload.setdefault("currency", partner._economic_currency_code(self._economic_company()))
        if settings["payment_terms"]:
            payload["paymentTerms"] = {"paymentTermsNumber": settings["payment_terms"]}
        if settings["layout"]:
            payload["layout"] = {"layoutNumber": settings["layout"]}
        if settings["payment_terms_type"] == "dueDate":
            payload["dueDate"] = fields.Date.to_string(
                today + timedelta(days=settings["payment_days"] or 0)
            )
        else:
            payload.pop("dueDate", None)
        payload["notes"] = {"heading": (self.name or "")[:250]}
        payload["references"] = {
            **(payload.get("references") or {}),
            "other": self.economic_reference,
        }
        return payload

    def _economic_lines_payload(self, lines, first_number, unit_number, price_of, template):
        """The draft lines for ``lines``, numbered from ``first_number``.

        :param price_of: callable giving e-conomic's unit price of a product number
        :param template: the line description template of Settings
        """
        self.ensure_one()
        default_product = self._economic_default_product_number()
        payload = []
        for offset, line in enumerate(lines):
            product_number = line._economic_product_number(default_product)
            payload.append(
                line._economic_line_payload(
                    first_number + offset,
                    product_number,
                    unit_number,
                    price_of(product_number),
                    template,
                )
            )
        return payload

    def _economic_book_payload(self, draft):
        """The PUT body that sets the booking's date, due date and texts on the draft."""
        self.ensure_one()
        payload = draft_put_payload(draft)
        payload["date"] = fields.Date.to_string(self.economic_book_date or fields.Date.today())
        if self.economic_book_due_date:
            payload["dueDate"] = fields.Date.to_string(self.economic_book_due_date)
        notes = dict(payload.get("notes") or {})
        notes["heading"] = notes.get("heading") or (self.name or "")[:250]
        for key, text in (
            ("textLine1", self.economic_book_text1),
            ("textLine2", self.economic_book_text2),
        ):
            if text:
                notes[key] = text[:1000]
        payload["notes"] = notes
        return payload

    def _economic_store_draft_summary(self, draft):
        """Keep the amounts and line numbering of an e-conomic draft document."""
        vals = {}
        if "netAmount" in draft:
            vals["economic_draft_net_amount"] = draft.get("netAmount") or 0.0
        if draft.get("currency"):
            vals["economic_draft_currency"] = draft["currency"]
        if "lines" in draft:
            remote_lines = draft.get("lines") or []
            vals["economic_draft_line_count"] = len(remote_lines)
            vals["economic_draft_last_line"] = max(
                (line.get("lineNumber") or 0 for line in remote_lines), default=0
            )
        if vals:
            self.write(vals)

    @api.model
    def _economic_vals_from_draft(self, company, summary, partner):
        """Values of the inactive project that stands for a draft made in e-conomic."""
        return {
            "name": (summary.get("notes") or {}).get("heading")
            or self.env._(
                "e-conomic draft invoice %(number)s", number=summary["draftInvoiceNumber"]
            ),
            "partner_id": partner.id,
            "company_id": company.id,
            "active": False,
            "economic_invoiced": True,
            "economic_draft_number": summary["draftInvoiceNumber"],
            "economic_draft_state": "open",
            "economic_draft_external": True,
            "economic_draft_net_amount": summary.get("netAmount") or 0.0,
            "economic_draft_currency": summary.get("currency"),
        }

    # ------------------------------------------------------------------ cron

    @api.model
    def _cron_economic_poll_invoices(self):
        self.env["economic.invoice.sync"]._economic_poll_invoices()

    # ------------------------------------------------------------------ actions

    def action_economic_approve_all(self):
        self.ensure_one()
        lines = self.env["account.analytic.line"].search(
            [("project_id", "=", self.id), ("economic_line_state", "=", "to_approve")]
        )
        if not lines:
            raise UserError(self.env._("No timesheet line of this project waits for approval."))
        return lines.action_economic_approve()

    def _economic_check_project_rights(self):
        """Refuse the project's e-conomic buttons to users who are neither project managers
        nor bookkeepers (the buttons then write the connector's fields through sudo)."""
        if not any(self.env.user.has_group(group) for group in PROJECT_ECONOMIC_GROUPS):
            raise AccessError(self.env._("Only project managers and bookkeepers can do this."))

    def action_economic_send_now(self):
        """Retry now instead of waiting for the backoff."""
        self._economic_check_project_rights()
        self.check_access("read")
        self._economic_enqueue()
        return True

    def _economic_check_bookable(self):
        """Refuse booking to non-bookkeepers and projects without an open draft."""
        self.ensure_one()
        if not self.env.user.has_group("economic_connector.group_economic_bookkeeper"):
            raise UserError(self.env._("Only bookkeepers can book invoices."))
        if self.economic_draft_state != "open" or not self.economic_draft_number:
            raise UserError(self.env._("This project has no open draft invoice to book."))

    def action_economic_book(self):
        self._economic_check_bookable()
        return {
            "type": "ir.actions.act_window",
            "res_model": "economic.book.invoice",
            "view_mode": "form",
            "target": "new",
            "context": {"default_project_id": self.id},
            "name": self.env._("Book invoice"),
        }

    def action_economic_view_invoices(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "economic.invoice",
            "view_mode": "list,form",
            "domain": [("project_id", "=", self.id)],
            "name": self.env._("Booked invoices"),
            "context": {"default_project_id": self.id},
        }

    def action_economic_view_lines(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "economic_connector.action_economic_timesheet_lines"
        )
        if self.economic_draft_number:
            # The lines Odoo put on the current draft (errors included), whatever their state.
            action["domain"] = [
                ("project_id", "=", self.id),
                ("economic_draft_number", "=", self.economic_draft_number),
            ]
            action["name"] = self.env._(
                "Draft invoice %(number)s", number=self.economic_draft_number
            )
            empty = self.env._("No timesheet line is on this draft invoice yet")
        else:
            action["domain"] = [
                ("project_id", "=", self.id),
                ("economic_line_state", "=", "approved"),
            ]
            action["name"] = self.env._("Approved, waiting for the draft invoice")
            empty = self.env._("No approved timesheet line waits for the draft invoice")
        # Not the approval list's "No timesheet waits for approval": lines may well wait.
        action["help"] = Markup('<p class="o_view_nocontent_smiling_face">%s</p><p>%s</p>') % (
            empty,
            self.env._("Approved time is sent to the project's draft invoice within minutes."),
        )
        # The web client titles the list with display_name first (the XML action's name).
        action["display_name"] = action["name"]
        action["context"] = {"default_project_id": self.id}
        return action
