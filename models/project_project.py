# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Project <-> draft invoice in e-conomic: the outbox that sends approved time, the booking,
and the poll that notices what happened in e-conomic.

One project has at most one open draft invoice (``economic_draft_number``). All writes to
e-conomic happen in ``_economic_process_outbox`` (cron "send lines"), per project, under a
lease that two workers cannot both hold; each write's idempotency key is committed before the
request, and a write whose outcome is unknown is checked against the draft before anything is
sent again.
"""

import logging
import uuid
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..economic import exceptions as economic_errors
from ..economic import filters as economic_filters
from .account_analytic_line import marker_line_id
from .economic_sync_mixin import economic_error_text

_logger = logging.getLogger(__name__)

OUTBOX_BATCH = 20  # projects per cron call; the cron re-triggers itself when more remain
LEASE = timedelta(minutes=10)  # longer than any send (client timeout 30 s x retries)
BACKOFF_CAP = timedelta(hours=1)
REFERENCE_PREFIX = "odoo-project-"
DOMESTIC_VAT_ZONE = 1
UNIT_NAME = "timer"
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


def company_invoicing_enabled(company):
    """Whether the company invoices projects through e-conomic (its sync is switched on)."""
    return bool(company and company.sudo().economic_sync_enabled)


def company_invoice_settings(company):
    """The invoice settings of Settings > e-conomic, as plain values."""
    company = company.sudo()
    terms = company.economic_payment_terms_id
    layout = company.economic_layout_id
    return {
        "product_vat": company.economic_product_vat_id.code or False,
        "product_novat": company.economic_product_novat_id.code or False,
        "payment_terms": terms._economic_int_code() if terms else False,
        "payment_terms_type": terms._economic_term_type() if terms else False,
        "payment_days": company.economic_payment_days or 0,
        "layout": layout._economic_int_code() if layout else False,
        "layout_source": company.economic_invoice_layout_source or "economic",
        "fi_creditor": company.economic_fi_creditor or "",
        "payment_info": company.economic_payment_info or "",
        "footer": company.economic_footer_text or "",
        "line_template": company.economic_line_description_template or "",
    }


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
        default=lambda self: company_invoicing_enabled(self.env.company),
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
    economic_draft_net_amount = fields.Float(string="Draft net amount", copy=False, readonly=True)
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
        for project in self:
            project.economic_reference = f"{REFERENCE_PREFIX}{project.id}" if project.id else False

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
        for vals in vals_list:
            invoiced = vals.get("economic_invoiced", company_invoicing_enabled(self.env.company))
            if invoiced and not vals.get("company_id"):
                # A draft invoice lives in one company's agreement.
                vals["company_id"] = self.env.company.id
        projects = super().create(vals_list)
        wanted = projects.filtered(
            lambda p: (
                p.economic_invoiced
                and p.partner_id
                and p.active
                and p.economic_draft_state == "none"
                and not p.economic_draft_number
            )
        )
        if wanted:
            wanted.write({"economic_draft_state": "to_create", "economic_outbox_pending": True})
            self._economic_trigger_outbox()
        return projects

    def write(self, vals):
        if "partner_id" in vals:
            changing = self.filtered(lambda p: p.partner_id.id != vals["partner_id"])
            locked = (
                self.env["account.analytic.line"]
                .sudo()
                .search_count(
                    [
                        ("project_id", "in", changing.ids),
                        ("economic_line_state", "in", ("approved", "on_draft", "error")),
                    ],
                    limit=1,
                )
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
            reopened.write({"economic_draft_state": "none"})
            for project in reopened:
                project._economic_post(
                    self.env._("Project reopened: a new draft invoice is created in e-conomic.")
                )
        if {"active", "economic_invoiced", "partner_id"} & set(vals):
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
                wanted.write({"economic_draft_state": "to_create", "economic_outbox_pending": True})
                self._economic_trigger_outbox()
        return result

    # ------------------------------------------------------------------ helpers

    def _economic_company(self):
        """The company whose agreement invoices this project (projects may have none)."""
        self.ensure_one()
        return self.company_id or self.account_id.company_id or self.env.company

    def _economic_settings(self):
        return company_invoice_settings(self._economic_company())

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

    def _economic_enqueue(self):
        self.write({"economic_outbox_pending": True, "economic_next_attempt": False})
        self._economic_trigger_outbox()

    def _economic_queue_removal(self, lines):
        """Remember to take ``lines`` off the current draft (done by the outbox cron)."""
        self.ensure_one()
        removals = list(self.economic_removals or [])
        for line in lines:
            draft = line.economic_draft_number or self.economic_draft_number
            if draft:
                removals.append({"draft": draft, "line": line.id})
        self.write({"economic_removals": removals})
        self._economic_enqueue()

    @api.model
    def _economic_trigger_outbox(self, at=None):
        cron = self.env.ref(
            "economic_connector.ir_cron_economic_send_lines", raise_if_not_found=False
        )
        if cron:
            cron.sudo()._trigger(at)

    def _economic_commit(self):
        self.env["ir.cron"]._commit_progress(0)

    # ------------------------------------------------------------------ outbox

    @api.model
    def _economic_process_outbox(self):
        """Send what is queued: removals, draft creation, approved lines, bookings."""
        now = fields.Datetime.now()
        domain = [
            ("economic_outbox_pending", "=", True),
            "|",
            ("economic_next_attempt", "=", False),
            ("economic_next_attempt", "<=", now),
            "|",
            ("economic_lease_until", "=", False),
            ("economic_lease_until", "<", now),
        ]
        projects = self.with_context(active_test=False).search(
            domain, order="economic_next_attempt, id", limit=OUTBOX_BATCH + 1
        )
        more = len(projects) > OUTBOX_BATCH
        caches = {}
        stopped_companies = set()
        for project in projects[:OUTBOX_BATCH]:
            company = project._economic_company()
            if company.id in stopped_companies:
                continue
            if company.id not in caches:
                if company._economic_missing_settings() or not company_invoicing_enabled(company):
                    stopped_companies.add(company.id)
                    continue
                caches[company.id] = {
                    "client": company._economic_client(),
                    "prices": {},
                    "units": None,
                    "settings": company_invoice_settings(company),
                }
            if not project._economic_claim():
                continue
            try:
                project._economic_process_one(caches[company.id])
            except economic_errors.AuthenticationError:
                stopped_companies.add(company.id)
            finally:
                project._economic_release()
        for cache in caches.values():
            if cache.get("run"):
                cache["run"]._economic_finish()
        self._economic_commit()
        if more:
            self._economic_trigger_outbox()
        later = self.with_context(active_test=False).search(
            [("economic_outbox_pending", "=", True), ("economic_next_attempt", ">", now)],
            order="economic_next_attempt",
            limit=1,
        )
        if later:
            self._economic_trigger_outbox(later.economic_next_attempt)

    def _economic_claim(self):
        """Take the project's lease; False when another worker holds it (or its row)."""
        self.ensure_one()
        now = fields.Datetime.now()
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """UPDATE project_project SET economic_lease_until = %(until)s
                    WHERE id IN (SELECT id FROM project_project
                                  WHERE id = %(id)s
                                    AND (economic_lease_until IS NULL
                                         OR economic_lease_until < %(now)s)
                                    FOR UPDATE SKIP LOCKED)
                RETURNING id""",
                until=now + LEASE,
                id=self.id,
                now=now,
            )
        )
        claimed = bool(self.env.cr.fetchall())
        self.invalidate_recordset(["economic_lease_until"])
        if claimed:
            self._economic_commit()
        return claimed

    def _economic_release(self):
        self.ensure_one()
        self.write({"economic_lease_until": False})
        self._economic_commit()

    def _economic_process_one(self, cache):
        """One project: each step commits its key before its request and its result after."""
        self.ensure_one()
        client = cache["client"]
        queued_before = self._economic_queued_lines()
        try:
            if self.economic_removals:
                self._economic_send_removals(client)
            if self.economic_draft_state in ("booked",):
                # Closed: nothing goes out until the project is reopened.
                self.write({"economic_outbox_pending": False})
                return
            queued = self._economic_queued_lines()
            if self.economic_draft_state == "to_create" and not (
                self.economic_invoiced and self.partner_id
            ):
                self.write({"economic_draft_state": "none"})
            needs_draft = not self.economic_draft_number and (
                self.economic_draft_state == "to_create" or queued
            )
            if needs_draft and self.economic_invoiced and self.partner_id:
                self._economic_create_draft(cache, queued)
                queued = self._economic_queued_lines()
            if queued and self.economic_draft_number:
                self._economic_send_lines(cache, queued)
            if self.economic_draft_state == "to_book":
                self._economic_book(cache)
        except economic_errors.EconomicError as exc:
            self._economic_outbox_failed(exc)
            run = self._economic_run(cache)
            run._economic_count("errors")
            run._economic_add_issue(self, self.economic_error, log_id=exc.log_id)
            self._economic_commit()
            if isinstance(exc, economic_errors.AuthenticationError):
                raise
            return
        finally:
            sent = len(queued_before.filtered(lambda line: line.economic_line_state == "on_draft"))
            if sent:
                self._economic_run(cache)._economic_count("sent", sent)
        still = (
            bool(self.economic_removals)
            or (self.economic_draft_state in ("to_create", "to_book"))
            or bool(self._economic_queued_lines())
        )
        vals = {
            "economic_outbox_pending": still,
            "economic_attempts": 0,
            "economic_next_attempt": False,
        }
        if self.economic_error and not still:
            vals["economic_error"] = False
        self.write(vals)
        self._economic_commit()

    def _economic_run(self, cache):
        """The run summary of this cron call for the project's company (made on first use)."""
        if not cache.get("run"):
            cache["run"] = self.env["economic.run"]._economic_start(
                self._economic_company(), "timesheets"
            )
        return cache["run"]

    def _economic_queued_lines(self):
        return (
            self.env["account.analytic.line"]
            .sudo()
            .search(
                [("project_id", "=", self.id), ("economic_line_state", "=", "approved")],
                order="date, id",
            )
        )

    def _economic_outbox_failed(self, exc):
        """Keep everything queued with the reason, and try again later (backoff)."""
        attempts = self.economic_attempts + 1
        delay = min(timedelta(seconds=30 * 2 ** (attempts - 1)), BACKOFF_CAP)
        retry_after = getattr(exc, "retry_after", None)
        if retry_after:
            delay = max(delay, timedelta(seconds=float(retry_after)))
        text = economic_error_text(self.env, exc)
        first = self.economic_error != text
        self.write(
            {
                "economic_attempts": attempts,
                "economic_next_attempt": fields.Datetime.now() + delay,
                "economic_error": text,
                "economic_outbox_pending": True,
            }
        )
        self._economic_queued_lines().write({"economic_error": text})
        if first:
            self._economic_post(
                self.env._(
                    "e-conomic did not accept the queued work yet; it stays queued and is sent "
                    "again automatically. Reason: %(reason)s",
                    reason=text,
                )
            )
        self._economic_commit()

    # ------------------------------------------------------------------ outbox steps

    def _economic_send_removals(self, client):
        """Take reset lines off the draft: GET the draft and PUT it back without them."""
        current = [
            r for r in self.economic_removals if r.get("draft") == self.economic_draft_number
        ]
        if not current or not self.economic_draft_number:
            self.write({"economic_removals": False, "economic_removal_key": False})
            self._economic_commit()
            return
        line_ids = {r["line"] for r in current}
        try:
            draft = client.get_draft(self.economic_draft_number)
        except economic_errors.NotFoundError:
            # The draft is gone (deleted or booked): the poll handles it; nothing to remove.
            self.write({"economic_removals": False, "economic_removal_key": False})
            self._economic_commit()
            return
        lines = draft.get("lines") or []
        kept = [line for line in lines if marker_line_id(line.get("description")) not in line_ids]
        if len(kept) != len(lines):
            if not self.economic_removal_key:
                self.write({"economic_removal_key": str(uuid.uuid4())})
                self._economic_commit()
            updated = client.update_draft(
                self.economic_draft_number,
                draft_put_payload(draft, kept),
                idempotency_key=self.economic_removal_key,
            )
            self._economic_store_draft_summary(updated or {})
            self._economic_post(
                self.env._(
                    "%(count)s reset timesheet lines removed from draft invoice %(number)s.",
                    count=len(lines) - len(kept),
                    number=self.economic_draft_number,
                )
            )
        self.write({"economic_removals": False, "economic_removal_key": False})
        self._economic_commit()

    def _economic_ensure_customer(self, cache):
        partner = self.partner_id.commercial_partner_id
        if not partner.economic_number:
            company = self._economic_company()
            run = self.env["economic.run"]._economic_start(company, "customers")
            partner._economic_export_customers(company, cache["client"], run)
            run._economic_finish()
            if not partner.economic_number:
                raise economic_errors.ValidationError(
                    self.env._(
                        "The customer %(name)s could not be created in e-conomic; see the "
                        "customer's e-conomic tab.",
                        name=partner.display_name,
                    )
                )
        return int(partner.economic_number)

    def _economic_draft_payload(self, cache, customer_number):
        client = cache["client"]
        settings = cache["settings"]
        template = client.get_customer_invoice_template(customer_number) or {}
        today = fields.Date.context_today(self)
        payload = {
            key: template[key] for key in DRAFT_WRITABLE_KEYS if template.get(key) is not None
        }
        payload.pop("lines", None)
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

    def _economic_create_draft(self, cache, queued):
        """POST the draft, with the queued lines in the same request (one write)."""
        client = cache["client"]
        if self.economic_draft_key:
            # A previous create may have reached e-conomic: look for our reference first.
            found = client.list_drafts(
                filter=economic_filters.eq("references.other", self.economic_reference)
            )
            known = set(
                self.with_context(active_test=False)
                .search([("economic_draft_number", "!=", 0)])
                .mapped("economic_draft_number")
            )
            found = [d for d in found if d.get("draftInvoiceNumber") not in known]
            if found:
                draft = client.get_draft(found[0]["draftInvoiceNumber"])
                self._economic_adopt_draft(draft)
                self._economic_match_in_doubt(draft)
                return
        customer_number = self._economic_ensure_customer(cache)
        payload = self._economic_draft_payload(cache, customer_number)
        key = str(uuid.uuid4())
        lines_payload = (
            self._economic_lines_payload(cache, queued, first_number=1) if queued else []
        )
        if lines_payload:
            payload["lines"] = lines_payload
        self.write({"economic_draft_key": key})
        queued.write({"economic_send_key": key, "economic_error": False})
        self._economic_commit()
        draft = client.create_draft(payload, idempotency_key=key)
        self._economic_adopt_draft(draft)
        self._economic_mark_sent(queued, draft.get("lines") or [], draft.get("draftInvoiceNumber"))

    def _economic_adopt_draft(self, draft):
        number = draft.get("draftInvoiceNumber")
        self.write(
            {
                "economic_draft_number": number,
                "economic_draft_state": "to_book"
                if self.economic_draft_state == "to_book"
                else "open",
                "economic_draft_key": False,
            }
        )
        self._economic_store_draft_summary(draft)
        self._economic_post(
            self.env._("Draft invoice %(number)s created in e-conomic.", number=number)
        )
        self._economic_commit()

    def _economic_store_draft_summary(self, draft):
        vals = {}
        if "netAmount" in draft:
            vals["economic_draft_net_amount"] = draft.get("netAmount") or 0.0
        if draft.get("currency"):
            vals["economic_draft_currency"] = draft["currency"]
        if "lines" in draft:
            vals["economic_draft_line_count"] = len(draft.get("lines") or [])
            vals["economic_draft_last_line"] = max(
                (line.get("lineNumber") or 0 for line in draft.get("lines") or []), default=0
            )

        if vals:
            self.write(vals)

    def _economic_unit_number(self, cache):
        if cache["units"] is None:
            units = cache["client"].list_units()
            match = [u for u in units if (u.get("name") or "").strip().lower() == UNIT_NAME]
            cache["units"] = match[0]["unitNumber"] if match else 0
        return cache["units"]

    def _economic_price(self, cache, customer_number, product_number):
        """e-conomic's price of the product for the customer: once per (customer, product)."""
        key = (customer_number, product_number)
        if key not in cache["prices"]:
            template = cache["client"].get_customer_invoice_line_template(
                customer_number, product_number
            )
            price = (template or {}).get("unitNetPrice")
            if price is None:
                price = ((template or {}).get("product") or {}).get("salesPrice") or 0.0
            cache["prices"][key] = price
        return cache["prices"][key]

    def _economic_lines_payload(self, cache, lines, first_number):
        customer_number = int(self.partner_id.commercial_partner_id.economic_number)
        unit_number = self._economic_unit_number(cache)
        template = cache["settings"]["line_template"]
        payload = []
        for offset, line in enumerate(lines):
            product_number = line._economic_product_number()
            price = self._economic_price(cache, customer_number, product_number)
            payload.append(
                line._economic_line_payload(
                    first_number + offset, product_number, unit_number, price, template
                )
            )
        return payload

    def _economic_match_in_doubt(self, draft):
        """Lines whose send had an unknown outcome: confirm the ones found on the draft."""
        in_doubt = self._economic_queued_lines().filtered("economic_send_key")
        if not in_doubt:
            return
        remote = draft.get("lines") or []
        self._economic_mark_sent(in_doubt, remote, draft.get("draftInvoiceNumber"))
        in_doubt.filtered(lambda line: line.economic_line_state == "approved").write(
            {"economic_send_key": False}
        )
        self._economic_commit()

    def _economic_mark_sent(self, lines, remote_lines, draft_number):
        by_marker = {}
        for remote in remote_lines:
            line_id = marker_line_id(remote.get("description"))
            if line_id:
                by_marker[line_id] = remote
        sent = lines.filtered(lambda line: line.id in by_marker)
        for line in sent:
            line._economic_mark_on_draft(draft_number, by_marker[line.id])
        if sent:
            self._economic_post(
                self.env._(
                    "%(count)s approved timesheet lines (%(hours)s h) sent to draft invoice "
                    "%(number)s.",
                    count=len(sent),
                    hours=round(sum(sent.mapped("unit_amount")), 2),
                    number=draft_number,
                )
            )
        self._economic_commit()
        return sent

    def _economic_send_lines(self, cache, queued):
        """All queued lines of the draft in one POST /invoices/drafts/{n}/lines."""
        client = cache["client"]
        number = self.economic_draft_number
        try:
            unknown_numbering = self.economic_draft_external and not self.economic_draft_last_line
            if queued.filtered("economic_send_key") or unknown_numbering:
                # In doubt (or a draft made in e-conomic): read the draft before writing.
                draft = client.get_draft(number)
                self._economic_store_draft_summary(draft)
                self._economic_match_in_doubt(draft)
                queued = self._economic_queued_lines()
                if not queued:
                    return
            lines_payload = self._economic_lines_payload(
                cache, queued, first_number=self.economic_draft_last_line + 1
            )
            key = str(uuid.uuid4())
            queued.write({"economic_send_key": key, "economic_error": False})
            self._economic_commit()
            result = client.add_draft_lines(number, lines_payload, idempotency_key=key)
        except economic_errors.NotFoundError:
            self._economic_draft_deleted()
            queued = self._economic_queued_lines()
            if queued:
                self._economic_create_draft(cache, queued)
            return
        remote = (result or {}).get("lines") or []
        sent = self._economic_mark_sent(queued, remote, number)
        if remote:
            self.write(
                {
                    "economic_draft_line_count": self.economic_draft_line_count + len(sent),
                    # Net amount without another read; the poll refreshes it from e-conomic.
                    "economic_draft_net_amount": self.economic_draft_net_amount
                    + sum(line.get("totalNetAmount") or 0.0 for line in remote),
                    "economic_draft_last_line": max(
                        [self.economic_draft_last_line]
                        + [line.get("lineNumber") or 0 for line in remote]
                    ),
                }
            )
        if len(sent) < len(queued):
            # Answer without our lines: check the draft itself on the next run.
            self.write({"economic_outbox_pending": True})

    def _economic_draft_deleted(self):
        """The draft is gone without being booked: next approved line starts a new one."""
        number = self.economic_draft_number
        lost = (
            self.env["account.analytic.line"]
            .sudo()
            .search(
                [
                    ("project_id", "=", self.id),
                    ("economic_line_state", "=", "on_draft"),
                    ("economic_draft_number", "=", number),
                ]
            )
        )
        lost.write(
            {
                "economic_line_state": "error",
                "economic_error": self.env._(
                    "Draft invoice %(number)s was deleted in e-conomic with this line on it. Reset "
                    "the line and approve it again to invoice it.",
                    number=number,
                ),
            }
        )
        self._economic_queued_lines().write({"economic_send_key": False})
        self.write(
            {
                "economic_draft_number": 0,
                "economic_draft_state": "none",
                "economic_draft_key": False,
                "economic_draft_net_amount": 0.0,
                "economic_draft_line_count": 0,
                "economic_draft_last_line": 0,
                "economic_removals": False,
            }
        )
        self._economic_post(
            self.env._(
                "Draft invoice %(number)s was deleted in e-conomic. The next approved timesheet "
                "line starts a new draft invoice.",
                number=number,
            )
        )
        self._economic_commit()

    # ------------------------------------------------------------------ booking

    def _economic_book(self, cache):
        """Book the draft: PUT date, due date and notes, then POST /invoices/booked.

        Both keys are committed before the first request; after an unknown outcome the draft
        is read first: gone means booked (found by its reference) or deleted.
        """
        client = cache["client"]
        number = self.economic_draft_number
        if self._economic_queued_lines():
            raise economic_errors.EconomicError(
                self.env._("Booking waits until every approved line is on the draft invoice.")
            )
        try:
            draft = client.get_draft(number)
        except economic_errors.NotFoundError:
            booked = self._economic_find_booked(client)
            if booked:
                self._economic_record_booked(client, booked)
            else:
                self._economic_draft_deleted()
            return
        if not self.economic_book_key:
            self.write(
                {
                    "economic_book_update_key": str(uuid.uuid4()),
                    "economic_book_key": str(uuid.uuid4()),
                }
            )
            self._economic_commit()
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
        client.update_draft(number, payload, idempotency_key=self.economic_book_update_key)
        booked = client.book_draft(number, idempotency_key=self.economic_book_key)
        if not booked.get("lines") and booked.get("bookedInvoiceNumber"):
            booked = client.get_booked(booked["bookedInvoiceNumber"])
        self._economic_record_booked(client, booked)

    def _economic_find_booked(self, client):
        """The booked invoice that came from this project's current draft, if any."""
        known = set(
            self.env["economic.invoice"]
            .sudo()
            .search([("company_id", "=", self._economic_company().id)])
            .mapped("number")
        )
        if self.economic_draft_external:
            customer = self.partner_id.commercial_partner_id.economic_number
            if not customer:
                return None
            flt = economic_filters.eq("customer.customerNumber", int(customer))
        else:
            flt = economic_filters.eq("references.other", self.economic_reference)
        candidates = [
            b for b in client.list_booked(filter=flt) if b.get("bookedInvoiceNumber") not in known
        ]
        if self.economic_draft_external:
            heading = (self.name or "").strip()
            candidates = [
                b
                for b in candidates
                if ((b.get("notes") or {}).get("heading") or "").strip() == heading
                or round(b.get("netAmount") or 0, 2) == round(self.economic_draft_net_amount, 2)
            ]
        if not candidates:
            return None
        booked = max(candidates, key=lambda b: b.get("bookedInvoiceNumber") or 0)
        if not booked.get("lines"):
            booked = client.get_booked(booked["bookedInvoiceNumber"])
        return booked

    def _economic_record_booked(self, client, booked):
        """Store the booked invoice, archive its PDF, mark the lines invoiced, close."""
        draft_number = self.economic_draft_number
        invoice = self.env["economic.invoice"].sudo()._economic_create_from_booked(self, booked)
        self._economic_commit()
        attachment = invoice._economic_archive_pdf(client)
        booked_ids = {marker_line_id(line.get("description")) for line in booked.get("lines") or []}
        candidates = (
            self.env["account.analytic.line"]
            .sudo()
            .search(
                [
                    ("project_id", "=", self.id),
                    "|",
                    ("id", "in", [i for i in booked_ids if i]),
                    "&",
                    ("economic_line_state", "in", ("on_draft", "error")),
                    ("economic_draft_number", "=", draft_number),
                ]
            )
        )
        invoiced = candidates.filtered(lambda line: line.id in booked_ids)
        invoiced.write(
            {
                "economic_line_state": "invoiced",
                "economic_invoice_id": invoice.id,
                "economic_error": False,
            }
        )
        missing = candidates - invoiced
        missing.write(
            {
                "economic_line_state": "error",
                "economic_error": self.env._(
                    "The line was not on booked invoice %(number)s (removed in e-conomic before "
                    "booking).",
                    number=invoice.number,
                ),
            }
        )
        self.write(
            {
                "economic_draft_state": "booked",
                "economic_draft_number": 0,
                "economic_draft_key": False,
                "economic_draft_net_amount": 0.0,
                "economic_draft_line_count": 0,
                "economic_draft_last_line": 0,
                "economic_draft_external": False,
                "economic_book_key": False,
                "economic_book_update_key": False,
                "economic_book_date": False,
                "economic_book_due_date": False,
                "economic_book_text1": False,
                "economic_book_text2": False,
                "economic_removals": False,
                "active": False,
            }
        )
        body = self.env._(
            "Invoice %(number)s booked in e-conomic (draft %(draft)s): %(gross)s %(currency)s, "
            "%(count)s timesheet lines invoiced. The project is closed.",
            number=invoice.number,
            draft=draft_number,
            gross=invoice.gross_amount,
            currency=invoice.currency or "",
            count=len(invoiced),
        )
        if missing:
            body = self.env._(
                "%(body)s %(count)s lines were not on the booked invoice; see their error.",
                body=body,
                count=len(missing),
            )
        self._economic_post(body, attachment_ids=attachment.ids)
        self._economic_commit()

    # ------------------------------------------------------------------ poll

    @api.model
    def _cron_economic_poll_invoices(self):
        companies = self.env["res.company"].search([])
        for company in companies:
            if company._economic_missing_settings() or not company_invoicing_enabled(company):
                continue
            try:
                self._economic_poll_company(company)
            except economic_errors.EconomicError as exc:
                _logger.warning("e-conomic poll of company %s failed: %s", company.id, exc)
                self.env.cr.rollback()
                run = self.env["economic.run"]._economic_start(company, "drafts")
                run._economic_finish(message=economic_error_text(self.env, exc), failed=True)
                self._economic_commit()

    def _economic_poll_company(self, company):
        client = company._economic_client()
        drafts = {d["draftInvoiceNumber"]: d for d in client.list_drafts()}
        Project = self.with_context(active_test=False)
        projects = Project.search(
            [("company_id", "=", company.id), ("economic_draft_number", "!=", 0)]
        )
        linked = set()
        for project in projects:
            number = project.economic_draft_number
            linked.add(number)
            if not project._economic_claim():
                continue
            try:
                summary = drafts.get(number)
                if summary is None:
                    booked = project._economic_find_booked(client)
                    if booked:
                        project._economic_record_booked(client, booked)
                    else:
                        project._economic_draft_deleted()
                    continue
                project._economic_check_draft(client, summary)
            except economic_errors.EconomicError as exc:
                project._economic_outbox_failed(exc)
            finally:
                project._economic_release()
        for number, summary in drafts.items():
            if number in linked:
                continue
            reference = (summary.get("references") or {}).get("other") or ""
            if reference.startswith(REFERENCE_PREFIX):
                owner = Project.browse(int(reference[len(REFERENCE_PREFIX) :] or 0)).exists()
                if owner:
                    # Ours, created while the answer was lost: the outbox adopts it.
                    continue
            self._economic_import_draft(company, summary)
        company.sudo().write({"economic_drafts_polled_at": fields.Datetime.now()})
        self._economic_commit()

    def _economic_check_draft(self, client, summary):
        """Compare the draft in e-conomic with the lines Odoo sent to it."""
        self._economic_store_draft_summary(
            {k: summary[k] for k in ("netAmount", "currency") if k in summary}
        )
        on_draft = (
            self.env["account.analytic.line"]
            .sudo()
            .search(
                [
                    ("project_id", "=", self.id),
                    ("economic_line_state", "=", "on_draft"),
                    ("economic_draft_number", "=", self.economic_draft_number),
                ]
            )
        )
        if not on_draft:
            self._economic_commit()
            return
        draft = client.get_draft(self.economic_draft_number)
        self._economic_store_draft_summary(draft)
        remote_by_id = {}
        remote_by_number = {}
        for remote in draft.get("lines") or []:
            remote_by_number[remote.get("lineNumber")] = remote
            line_id = marker_line_id(remote.get("description"))
            if line_id:
                remote_by_id[line_id] = remote
        broken = []
        for line in on_draft:
            remote = remote_by_id.get(line.id) or remote_by_number.get(line.economic_line_number)
            problem = line._economic_remote_difference(remote)
            if problem:
                line.write({"economic_line_state": "error", "economic_error": problem})
                broken.append(problem)
        if broken:
            self.write({"economic_sync_error": "\n".join(broken)})
            self._economic_post(
                Markup("%s<ul>%s</ul>")
                % (
                    self.env._(
                        "Sync error: lines of draft invoice %(number)s were changed in e-conomic.",
                        number=self.economic_draft_number,
                    ),
                    Markup().join(Markup("<li>%s</li>") % text for text in broken),
                )
            )
        self._economic_commit()

    @api.model
    def _economic_import_draft(self, company, summary):
        """A draft made by hand in e-conomic: an inactive project for its customer."""
        customer_number = (summary.get("customer") or {}).get("customerNumber")
        partner = (
            self.env["res.partner"]
            .with_context(active_test=False)
            .search(
                [
                    ("economic_number", "=", str(customer_number)),
                    "|",
                    ("economic_company_id", "=", company.id),
                    ("economic_company_id", "=", False),
                ],
                limit=1,
            )
        )
        if not partner:
            name = (summary.get("recipient") or {}).get("name") or self.env._(
                "e-conomic customer %(number)s", number=customer_number
            )
            partner = self.env["res.partner"].create(
                {"name": name, "is_company": True, "company_id": False}
            )
            partner._economic_set_synced(str(customer_number), company=company)
        name = (summary.get("notes") or {}).get("heading") or self.env._(
            "e-conomic draft invoice %(number)s", number=summary["draftInvoiceNumber"]
        )
        project = self.with_company(company).create(
            {
                "name": name,
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
        )
        project._economic_post(
            self.env._(
                "Created from draft invoice %(number)s made in e-conomic. Activate the project "
                "to register time on it; approved time goes onto that draft.",
                number=summary["draftInvoiceNumber"],
            )
        )
        self._economic_commit()
        return project

    # ------------------------------------------------------------------ actions

    def action_economic_approve_all(self):
        self.ensure_one()
        lines = self.env["account.analytic.line"].search(
            [("project_id", "=", self.id), ("economic_line_state", "=", "to_approve")]
        )
        if not lines:
            raise UserError(self.env._("No timesheet line of this project waits for approval."))
        return lines.action_economic_approve()

    def action_economic_send_now(self):
        """Retry now instead of waiting for the backoff."""
        self.write({"economic_next_attempt": False})
        self._economic_enqueue()
        return True

    def action_economic_book(self):
        self.ensure_one()
        if not self.env.user.has_group("economic_connector.group_economic_bookkeeper"):
            raise UserError(self.env._("Only bookkeepers can book invoices."))
        if self.economic_draft_state != "open" or not self.economic_draft_number:
            raise UserError(self.env._("This project has no open draft invoice to book."))
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
        action["domain"] = [("project_id", "=", self.id)]
        action["context"] = {"search_default_economic_to_approve": 1, "default_project_id": self.id}
        return action
