# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Timesheet approval, locking and the line half of the outbox to e-conomic.

A timesheet line moves through ``economic_line_state``:
to_approve -> approved (queued) -> on_draft (on draft invoice N) -> invoiced (booked invoice M),
or error (with the reason in ``economic_error``). Approved lines are locked against every
edit except the connector's own ``economic_*`` bookkeeping; the sending itself is done per
project (= per draft invoice) by the service ``economic.invoice.sync``.
"""

import json
import logging
import re
import string

from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from .economic_write_guard import (
    economic_check_bookkeeping_create,
    economic_check_bookkeeping_vals,
)

_logger = logging.getLogger(__name__)

APPROVER_GROUP = "hr_timesheet.group_hr_timesheet_approver"
LOCKED_STATES = ("approved", "on_draft", "invoiced", "error")
# A line on the draft carries this marker at the end of its description, so that the
# connector finds its own lines again after a lost response, a reset or an edit in e-conomic.
MARKER_TEMPLATE = "[T-{}]"
MARKER_RE = re.compile(r"\[T-(\d+)\]\s*$")
DEFAULT_DESCRIPTION_TEMPLATE = "{date} {employee}: {task} - {description}"
BRACKETS = {"(": ")", "[": "]", "<": ">", "“": "”"}
# Fields other modules may still write on approved lines: they change nothing on the invoice
# (Enterprise timesheet_grid's validation flag).
LOCK_FREE_FIELDS = frozenset({"validated", "validated_status"})
# The only economic_* fields users set themselves; every other one is the connector's own.
USER_ECONOMIC_FIELDS = frozenset({"economic_product_id"})


def line_marker(line_id):
    return MARKER_TEMPLATE.format(line_id)


def marker_line_id(description):
    """The Odoo line id found in an e-conomic line description, or None."""
    match = MARKER_RE.search(description or "")
    return int(match.group(1)) if match else None


def _is_separator(text):
    """Whether a template's literal text only separates (no letter or digit in it)."""
    return not any(char.isalnum() for char in text)


def _brackets(texts, kind):
    return "".join(char for text in texts for char in text if char in kind)


def fill_template(template, values):
    """``template.format(**values)`` without the separators left over by empty placeholders.

    Between two filled values only the separator (punctuation, spaces) that followed the
    first of them is kept, with the brackets of the skipped ones; literal text with words in
    it is always kept, and so are the text before the first and after the last placeholder.
    Brackets right around an empty placeholder go with it. So
    ``"{employee}: {task} - {description}"`` without a task reads ``"Anna: Design work"``,
    not ``"Anna: - Design work"``.

    :raises KeyError, IndexError, ValueError: on an unknown placeholder or a bad format
    """
    formatter = string.Formatter()
    literals = [""]  # literals[i] comes before filled[i]; the last one ends the text
    filled = []
    for literal, name, spec, conversion in formatter.parse(template):
        literals[-1] += literal
        if name is None:
            continue
        if not name:
            raise IndexError("positional placeholders are not supported")
        value, _key = formatter.get_field(name, (), values)
        value = formatter.format_field(formatter.convert_field(value, conversion), spec or "")
        filled.append(value.strip())
        literals.append("")
    for index, value in enumerate(filled):
        before, after = literals[index].rstrip(), literals[index + 1].lstrip()
        if not value and before and after[:1] == BRACKETS.get(before[-1], "\0"):
            literals[index], literals[index + 1] = before[:-1], after[1:]
    kept = [index for index, value in enumerate(filled) if value]
    if not kept:
        return "".join(literals[:1] + literals[1:][-1:])
    # The literal texts between two kept values (or the start / the end and a kept value).
    gaps = [literals[1 : kept[0] + 1]]
    gaps += [literals[a + 1 : b + 1] for a, b in zip(kept, kept[1:], strict=False)]
    gaps.append(literals[kept[-1] + 1 : -1])
    closers, openers = "".join(BRACKETS.values()), "".join(BRACKETS)
    parts = [literals[0]]
    for position, gap in enumerate(gaps):
        words = [text for text in gap if not _is_separator(text)]
        if words:
            parts.append("".join(words))
        elif position == 0:
            parts.append(_brackets(gap, openers))
        elif position == len(gaps) - 1:
            parts.append(_brackets(gap, closers))
        elif gap:
            parts.append(_brackets(gap[1:], closers) + gap[0] + _brackets(gap[1:], openers))
        if position < len(kept):
            parts.append(filled[kept[position]])
    parts.append(literals[-1])
    return "".join(parts)


class AccountAnalyticLine(models.Model):
    _inherit = "account.analytic.line"

    economic_line_state = fields.Selection(
        [
            ("to_approve", "To approve"),
            ("approved", "Approved"),
            ("on_draft", "On draft invoice"),
            ("invoiced", "Invoiced"),
            ("error", "Error"),
        ],
        string="Invoice status",
        index=True,
        copy=False,
        help="To approve: registered, not yet approved. Approved: queued for the project's "
        "draft invoice in e-conomic. On draft invoice: sent to the draft. Invoiced: the draft "
        "was booked. Error: see the reason.",
    )
    economic_status_label = fields.Char(
        string="e-conomic", compute="_compute_economic_status_label"
    )
    economic_product_id = fields.Many2one(
        "product.product",
        string="Invoice product",
        domain=[("product_tmpl_id.economic_number", "!=", False)],
        help="e-conomic product for this line. Empty: the task's, the project's, else the "
        "default product with or without VAT from Settings.",
    )
    economic_error = fields.Text(string="e-conomic error", copy=False, readonly=True)
    economic_approved_by_id = fields.Many2one(
        "res.users", string="Approved by", copy=False, readonly=True
    )
    economic_approved_on = fields.Datetime(string="Approved on", copy=False, readonly=True)
    economic_draft_number = fields.Integer(
        string="Draft invoice", copy=False, readonly=True, aggregator=None
    )
    economic_line_number = fields.Integer(
        string="Draft line", copy=False, readonly=True, aggregator=None
    )
    economic_invoice_id = fields.Many2one(
        "economic.invoice", string="Booked invoice", copy=False, readonly=True, index=True
    )
    economic_booked_number = fields.Integer(
        related="economic_invoice_id.number", string="Invoice number", aggregator=None
    )
    # Outbox bookkeeping: the key is stored and committed before the send; a line that has a
    # key but is not confirmed on the draft is "in doubt" and is checked on the draft first.
    economic_send_key = fields.Char(copy=False, readonly=True)
    # What the draft holds, unit price included: money, for project managers and bookkeepers.
    economic_sent_values = fields.Json(
        copy=False,
        readonly=True,
        groups="project.group_project_manager,economic_connector.group_economic_bookkeeper",
    )

    # ------------------------------------------------------------------ computes

    @api.depends(
        "economic_line_state", "economic_draft_number", "economic_booked_number", "economic_error"
    )
    def _compute_economic_status_label(self):
        waiting = {}  # per company: why its approved lines cannot be sent now
        for line in self:
            state = line.economic_line_state
            if state == "on_draft":
                line.economic_status_label = self.env._(
                    "On draft invoice %(number)s", number=line.economic_draft_number
                )
            elif state == "invoiced":
                line.economic_status_label = self.env._(
                    "Invoiced (invoice %(number)s)", number=line.economic_booked_number
                )
            elif state == "approved" and line._economic_waiting_reason(waiting):
                line.economic_status_label = self.env._(
                    "Approved, waiting: %(reason)s", reason=line._economic_waiting_reason(waiting)
                )
            elif state == "approved" and line.economic_error:
                line.economic_status_label = self.env._("Approved, waiting: e-conomic problem")
            else:
                labels = dict(self._fields["economic_line_state"]._description_selection(self.env))
                line.economic_status_label = labels.get(state, "")

    def _economic_waiting_reason(self, cache=None):
        """Why an approved line cannot be sent at all now (its company), or None.

        :param cache: a dict kept over several lines (one answer per company)
        """
        self.ensure_one()
        project = self.project_id
        company = project._economic_company() if project else self.company_id
        if cache is None:
            cache = {}
        if company not in cache:
            cache[company] = self._economic_company_waiting_reason(company)
        return cache[company]

    @api.model
    def _economic_company_waiting_reason(self, company):
        """Why ``company`` sends nothing now: Settings incomplete or sync switched off."""
        missing = company._economic_missing_settings()
        if missing:
            return self.env._(
                "e-conomic settings incomplete: %(missing)s", missing=", ".join(missing)
            )
        if not self.env["economic.invoice.sync"]._economic_invoicing_enabled(company):
            return self.env._(
                "e-conomic sync is switched off for %(company)s (Settings > e-conomic)",
                company=company.sudo().name,
            )
        return None

    def _economic_is_locked(self):
        self.ensure_one()
        return self.economic_line_state in LOCKED_STATES

    def _is_readonly(self):
        return super()._is_readonly() or self._economic_is_locked()

    @api.depends("task_id.project_id")
    def _compute_project_id(self):
        # Moving a task must never move approved time to another project (and draft).
        return super(
            AccountAnalyticLine, self.filtered(lambda line: not line._economic_is_locked())
        )._compute_project_id()

    @api.depends("task_id.partner_id", "project_id.partner_id")
    def _compute_partner_id(self):
        return super(
            AccountAnalyticLine, self.filtered(lambda line: not line._economic_is_locked())
        )._compute_partner_id()

    # ------------------------------------------------------------------ ORM overrides

    @api.model_create_multi
    def create(self, vals_list):
        # A new line starts "to approve" at most: never created approved or on a draft.
        economic_check_bookkeeping_create(
            self, vals_list, USER_ECONOMIC_FIELDS, {"economic_line_state": "to_approve"}
        )
        for vals in vals_list:
            if vals.get("project_id") or vals.get("task_id"):
                vals.setdefault("economic_line_state", "to_approve")
            elif vals.get("economic_line_state") != "to_approve":
                vals.pop("economic_line_state", None)
        lines = super().create(vals_list)
        # hr_timesheet can derive the project from the task or the context.
        lines.filtered(lambda line: line.project_id and not line.economic_line_state).sudo().write(
            {"economic_line_state": "to_approve"}
        )
        return lines

    def write(self, vals):
        economic_check_bookkeeping_vals(self, vals, USER_ECONOMIC_FIELDS)
        foreign = [
            name
            for name in vals
            if (not name.startswith("economic_") or name in USER_ECONOMIC_FIELDS)
            and name not in LOCK_FREE_FIELDS
        ]
        if foreign:
            locked = self.filtered(lambda line: line._economic_is_locked())
            if locked:
                raise UserError(locked._economic_locked_message())
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_economic_approved(self):
        locked = self.filtered(lambda line: line._economic_is_locked())
        if locked:
            raise UserError(locked._economic_locked_message())

    @api.model
    def _economic_has_locked_lines(self, domain, states=LOCKED_STATES):
        """Whether a line matching ``domain`` is in one of the locked ``states`` (any user)."""
        return bool(
            self.sudo().search_count([*domain, ("economic_line_state", "in", states)], limit=1)
        )

    def _economic_locked_message(self):
        if any(line.economic_line_state == "invoiced" for line in self):
            return self.env._(
                "These timesheet lines are invoiced in e-conomic and can no longer be changed "
                "or deleted. To correct them, credit the invoice in e-conomic."
            )
        return self.env._(
            "Approved timesheet lines cannot be changed or deleted. An approver can reset "
            "them to “To approve” while the project's draft invoice is not booked."
        )

    # ------------------------------------------------------------------ approval

    def _economic_check_approver(self):
        if not self.env.user.has_group(APPROVER_GROUP):
            raise AccessError(self.env._("Only timesheet approvers can approve timesheets."))

    def action_economic_approve(self):
        """Approve the selected lines (those still to approve), all or nothing."""
        self._economic_check_approver()
        lines = self.filtered(lambda line: line.economic_line_state == "to_approve")
        if not lines:
            raise UserError(
                self.env._("None of the selected timesheet lines is waiting for approval.")
            )
        problems = lines._economic_preflight()
        if problems:
            raise UserError(lines._economic_preflight_message(problems))
        lines.sudo().write(
            {
                "economic_line_state": "approved",
                "economic_approved_by_id": self.env.uid,
                "economic_approved_on": fields.Datetime.now(),
                "economic_error": False,
                "economic_send_key": False,
                "economic_sent_values": False,
            }
        )
        lines.project_id.sudo()._economic_enqueue()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "1 timesheet line approved; it is sent to e-conomic in a moment."
                )
                if len(lines) == 1
                else self.env._(
                    "%(count)s timesheet lines approved; they are sent to e-conomic in a moment.",
                    count=len(lines),
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _economic_preflight(self):
        """What would make e-conomic refuse these lines: a list of (line, reason)."""
        problems = []
        company_problems = {}  # per company: Settings incomplete or sync switched off
        default_products = {}  # per project: Settings and the VAT zone are read once
        for line in self:
            company = line.company_id
            if company not in company_problems:
                company_problems[company] = line._economic_company_waiting_reason(company)
            project = line.project_id
            if not project:
                problems.append((line, self.env._("not a timesheet line (no project)")))
                continue
            if company_problems[company]:
                problems.append((line, company_problems[company]))
                continue
            if not project.economic_invoiced:
                problems.append((line, self.env._("project is not invoiced through e-conomic")))
                continue
            if not project.partner_id:
                problems.append(
                    (
                        line,
                        self.env._(
                            "project has no customer, so no e-conomic customer link is possible"
                        ),
                    )
                )
            else:
                reason = line._economic_customer_problem(company)
                if reason:
                    problems.append((line, reason))
            if project.economic_draft_state == "booked":
                problems.append(
                    (
                        line,
                        self.env._(
                            "project is closed (its invoice was booked in e-conomic): reopen it "
                            "to start a new draft invoice"
                        ),
                    )
                )
            elif not project.active:
                problems.append((line, self.env._("project is closed (archived): reopen it first")))
            if project.economic_draft_state == "to_book":
                problems.append((line, self.env._("the project's draft invoice is being booked")))
            if round(line.unit_amount, 2) <= 0:
                # checked as sent: e-conomic gets the quantity rounded to two decimals
                problems.append((line, self.env._("zero hours (on the invoice: 0.00)")))
            explicit = line._economic_explicit_product()
            if explicit and not explicit.product_tmpl_id.economic_number:
                problems.append(
                    (
                        line,
                        self.env._(
                            "product %(product)s has no e-conomic product number",
                            product=explicit.display_name,
                        ),
                    )
                )
            elif not explicit:
                if project not in default_products:
                    default_products[project] = project._economic_default_product_number()
                if not default_products[project]:
                    problems.append(
                        (
                            line,
                            self.env._(
                                "no product: set one on the line, task or project, or the "
                                "default products in Settings"
                            ),
                        )
                    )
        return problems

    def _economic_customer_problem(self, company):
        """Why no e-conomic customer can be linked for this line's project (None if one can)."""
        partner = self.project_id.partner_id.commercial_partner_id
        if not partner.name:
            return self.env._("the customer has no name")
        if partner.economic_exclude:
            return self.env._(
                "customer %(name)s is marked “Leave out of e-conomic”", name=partner.display_name
            )
        linked_elsewhere = (
            partner.economic_number
            and partner.economic_company_id
            and partner.economic_company_id != company
        )
        if linked_elsewhere:
            return self.env._(
                "customer %(name)s is linked to the e-conomic agreement of %(company)s",
                name=partner.display_name,
                company=partner.economic_company_id.name,
            )
        if not partner.economic_number and partner.economic_state == "error":
            return self.env._(
                "customer %(name)s could not be created in e-conomic: %(error)s",
                name=partner.display_name,
                error=partner.economic_error or "",
            )
        matched = company.sudo().economic_customers_matched
        if not matched and not partner._economic_is_linked(company):
            return self.env._(
                "customer %(name)s is not in e-conomic yet, and no customer is created there "
                "until the customer matching is confirmed (Settings > e-conomic > Match "
                "existing customers)",
                name=partner.display_name,
            )
        return None

    def _economic_preflight_message(self, problems):
        rows = [
            self.env._(
                "- %(date)s, %(employee)s, %(project)s (%(hours)s h): %(reason)s",
                date=line.date,
                employee=line.employee_id.name or line.user_id.name or "",
                project=line.project_id.display_name or "",
                hours=line.unit_amount,
                reason=reason,
            )
            for line, reason in problems
        ]
        return self.env._(
            "Nothing was approved. e-conomic would refuse these lines:\n%(rows)s",
            rows="\n".join(rows),
        )

    def action_economic_reset(self):
        """Back to "to approve"; a line already on the unbooked draft is removed from it."""
        self._economic_check_approver()
        invoiced = self.filtered(lambda line: line.economic_line_state == "invoiced")
        if invoiced:
            raise UserError(
                self.env._(
                    "Lines on booked invoice %(numbers)s cannot be reset. Credit the invoice in "
                    "e-conomic and register the corrected time again.",
                    numbers=", ".join(
                        str(n) for n in sorted(set(invoiced.mapped("economic_booked_number")))
                    ),
                )
            )
        lines = self.filtered(
            lambda line: line.economic_line_state in ("approved", "on_draft", "error")
        )
        if any(line.project_id.economic_draft_state == "to_book" for line in lines):
            raise UserError(
                self.env._("The draft invoice is being booked; its lines can no longer be reset.")
            )
        for project in lines.project_id:
            project_lines = lines.filtered(lambda line, p=project: line.project_id == p)
            # Only lines that may be on the draft need a removal: sent, or sent with the
            # outcome unknown (a key was committed).
            maybe_sent = project_lines.filtered(
                lambda line: (
                    line.economic_line_state in ("on_draft", "error") or line.economic_send_key
                )
            )
            if maybe_sent:
                project.sudo()._economic_queue_removal(maybe_sent)
        projects = lines.project_id
        lines.sudo().write(
            {
                "economic_line_state": "to_approve",
                "economic_error": False,
                "economic_send_key": False,
                "economic_sent_values": False,
                "economic_draft_number": 0,
                "economic_line_number": 0,
                "economic_approved_by_id": False,
                "economic_approved_on": False,
            }
        )
        still_broken = (
            self.sudo()
            .search([("project_id", "in", projects.ids), ("economic_line_state", "=", "error")])
            .project_id
        )
        (projects - still_broken).sudo().write({"economic_sync_error": False})
        return True

    # ------------------------------------------------------------------ invoice line

    def _economic_explicit_product(self):
        """The product chosen on the line, else the task's, else the project's."""
        self.ensure_one()
        return (
            self.economic_product_id
            or self.task_id.economic_product_id
            or self.project_id.economic_product_id
        )

    def _economic_product_number(self, default_number=None):
        """e-conomic product number of this line: line, task, project, else the default product
        of Settings with or without VAT by the customer's VAT zone.

        :param default_number: that default when the caller already knows it (one per project)
        """
        self.ensure_one()
        explicit = self._economic_explicit_product()
        if explicit:
            return explicit.product_tmpl_id.economic_number or False
        if default_number is None:
            return self.project_id._economic_default_product_number()
        return default_number

    def _economic_description(self, template=None):
        self.ensure_one()
        template = template or DEFAULT_DESCRIPTION_TEMPLATE
        values = {
            "date": fields.Date.to_string(self.date) or "",
            "employee": self.employee_id.sudo().name or self.user_id.name or "",
            "task": self.task_id.name or "",
            "project": self.project_id.name or "",
            "description": self.name if self.name and self.name != "/" else "",
            "hours": f"{self.unit_amount:.2f}",
        }
        try:
            text = fill_template(template, values)
        except (KeyError, IndexError, ValueError, AttributeError, TypeError):
            text = fill_template(DEFAULT_DESCRIPTION_TEMPLATE, values)
        text = " ".join(text.split())
        marker = line_marker(self.id)
        # e-conomic accepts 2500 characters; the marker must survive any truncation.
        return f"{text[: 2500 - len(marker) - 1]} {marker}"

    def _economic_line_payload(self, line_number, product_number, unit_number, price, template):
        self.ensure_one()
        payload = {
            "lineNumber": line_number,
            "sortKey": line_number,
            "product": {"productNumber": product_number},
            "description": self._economic_description(template),
            "quantity": round(self.unit_amount, 2),
            "unitNetPrice": round(price or 0.0, 2),
        }
        if unit_number:
            payload["unit"] = {"unitNumber": unit_number}
        return payload

    def _economic_mark_on_draft(self, draft_number, remote_line):
        """Record that this line sits on the draft as ``remote_line`` (e-conomic's dict)."""
        self.ensure_one()
        self.write(
            {
                "economic_line_state": "on_draft",
                "economic_draft_number": draft_number,
                "economic_line_number": remote_line.get("lineNumber") or 0,
                "economic_error": False,
                "economic_sent_values": {
                    "productNumber": (remote_line.get("product") or {}).get("productNumber"),
                    "quantity": remote_line.get("quantity"),
                    "unitNetPrice": remote_line.get("unitNetPrice"),
                },
            }
        )

    def _economic_mark_on_draft_guarded(self, draft_number, remote_line, key=None):
        """``_economic_mark_on_draft``, only while the line is still approved with ``key``,
        the send key the request went out with (default: the line's stored key).

        One guarded UPDATE: a reset committed by a user while the request was under way is
        never overwritten. A row changed since this transaction began (a serialization
        failure) counts as "not marked": the line stays in doubt and is checked again.

        :return: whether the line was marked
        """
        self.ensure_one()
        key = key or self.economic_send_key
        if not key:
            return False
        sent_values = {
            "productNumber": (remote_line.get("product") or {}).get("productNumber"),
            "quantity": remote_line.get("quantity"),
            "unitNetPrice": remote_line.get("unitNetPrice"),
        }
        self.env.flush_all()
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL(
                        """UPDATE account_analytic_line
                              SET economic_line_state = 'on_draft',
                                  economic_draft_number = %(draft)s,
                                  economic_line_number = %(line_number)s,
                                  economic_error = NULL,
                                  economic_sent_values = %(sent)s::jsonb,
                                  write_uid = %(uid)s,
                                  write_date = (now() at time zone 'UTC')
                            WHERE id = %(id)s
                              AND economic_line_state = 'approved'
                              AND economic_send_key = %(key)s
                        RETURNING id""",
                        draft=draft_number,
                        line_number=remote_line.get("lineNumber") or 0,
                        sent=json.dumps(sent_values),
                        uid=self.env.uid,
                        id=self.id,
                        key=key,
                    )
                )
                marked = bool(self.env.cr.fetchall())
        except (pg_errors.SerializationFailure, pg_errors.LockNotAvailable):
            _logger.info("Timesheet line %s changed meanwhile: left in doubt", self.id)
            marked = False
        self.invalidate_recordset()
        return marked

    def _economic_remote_difference(self, remote_line):
        """Why the line on the draft no longer matches what was sent (None when it does)."""
        self.ensure_one()
        sent = self.economic_sent_values or {}
        if not remote_line:
            return self.env._(
                "The line was removed from draft invoice %(number)s in e-conomic.",
                number=self.economic_draft_number,
            )
        product = (remote_line.get("product") or {}).get("productNumber")
        changes = []
        if sent.get("productNumber") and product != sent.get("productNumber"):
            changes.append(
                self.env._("product %(old)s → %(new)s", old=sent["productNumber"], new=product)
            )
        for key, label in (
            ("quantity", self.env._("quantity")),
            ("unitNetPrice", self.env._("price")),
        ):
            old, new = sent.get(key), remote_line.get(key)
            if old is not None and round(float(new or 0), 2) != round(float(old), 2):
                changes.append(
                    self.env._("%(what)s %(old)s → %(new)s", what=label, old=old, new=new)
                )
        if marker_line_id(remote_line.get("description")) != self.id:
            changes.append(self.env._("description"))
        if not changes:
            return None
        return self.env._(
            "The line was changed on draft invoice %(number)s in e-conomic (%(changes)s). "
            "Correct it there, or reset the line to approve it again.",
            number=self.economic_draft_number,
            changes=", ".join(changes),
        )

    # ------------------------------------------------------------------ cron

    @api.model
    def _cron_economic_send_lines(self):
        self.env["economic.invoice.sync"]._economic_send_outbox()
