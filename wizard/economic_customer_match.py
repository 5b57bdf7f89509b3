# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""First sync against an agreement that already has customers: a proposal to confirm.

Opening the wizard reads every e-conomic customer (reads only) and proposes, per Odoo
customer not linked yet: link it to an e-conomic customer (same customer number, else same
CVR, else same e-mail, else same name), create it in e-conomic, or skip it. The user may
change any line; nothing is written anywhere before "Confirm". Confirming links, marks the
skipped customers "Leave out of e-conomic", records the company as matched (from then on the
scheduled job creates the others) and asks the job to run.
"""

import re

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain

from ..economic import exceptions as economic_errors
from ..models import economic_job_state as job_state
from ..models.economic_lang import in_company_lang
from ..models.economic_sync_mixin import economic_error_text, normalized_text
from ..models.res_company import SYNC_CRON_XMLID

MATCH_REASONS = [
    ("number", "Customer number"),
    ("cvr", "CVR"),
    ("email", "E-mail"),
    ("name", "Name"),
    ("manual", "Chosen by hand"),
]


def _norm_cvr(text):
    return re.sub(r"[^0-9A-Za-z]", "", (text or "").upper().removeprefix("DK"))


def _emails(text):
    return {email.casefold() for email in re.split(r"[\s,;]+", text or "") if "@" in email}


class EconomicCustomerMatch(models.TransientModel):
    _name = "economic.customer.match"
    _description = "e-conomic Customer Matching Proposal"

    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda self: self.env.company
    )
    line_ids = fields.One2many("economic.customer.match.line", "wizard_id", string="Proposal")
    remote_customers = fields.Json(help="The e-conomic customers read when the proposal was made.")
    remote_count = fields.Integer(string="Customers in e-conomic", compute="_compute_counts")
    link_count = fields.Integer(compute="_compute_counts", string="To link")
    create_count = fields.Integer(compute="_compute_counts", string="To create")
    skip_count = fields.Integer(compute="_compute_counts", string="To skip")

    @api.depends("line_ids.action", "remote_customers")
    def _compute_counts(self):
        for wizard in self:
            wizard.remote_count = len(wizard.remote_customers or [])
            actions = wizard.line_ids.mapped("action")
            wizard.link_count = actions.count("link")
            wizard.create_count = actions.count("create")
            wizard.skip_count = actions.count("skip")

    # === PROPOSAL === #

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        company = self.env["res.company"].browse(values.get("company_id")) or self.env.company
        self._economic_check_company(company)
        if "line_ids" not in fields_list:
            return values
        remote = self._economic_read_remote(company)
        values["remote_customers"] = remote
        values["line_ids"] = [
            fields.Command.create(line) for line in self._economic_propose(company, remote)
        ]
        return values

    @api.model
    def _economic_check_company(self, company):
        """The company comes from the context or the form: the user must belong to it, since
        the proposal then reads its agreement and partners through sudo()."""
        if self.env.su:
            return
        if not company or company not in self.env.user.company_ids:
            raise AccessError(
                self.env._(
                    "You cannot match the e-conomic customers of %(company)s: you do not "
                    "belong to that company.",
                    company=company.sudo().name or "-",
                )
            )

    @api.model
    def _economic_read_remote(self, company):
        """Every customer of the agreement, reduced to what matching needs (reads only)."""
        self._economic_check_company(company)
        if not self.env.user.has_group("economic_connector.group_economic_manager") and not (
            self.env.user.has_group("base.group_system")
        ):
            raise UserError(self.env._("Only e-conomic administrators can match customers."))
        try:
            customers = company._economic_client().list_customers()
        except economic_errors.EconomicError as exc:
            raise UserError(economic_error_text(self.env, exc)) from exc
        return [
            {
                "number": str(customer["customerNumber"]),
                "name": customer.get("name") or "",
                "cvr": customer.get("corporateIdentificationNumber") or "",
                "email": customer.get("email") or "",
            }
            for customer in customers
        ]

    @api.model
    def _economic_propose(self, company, remote):
        """One line per Odoo customer of ``company`` not linked yet.

        :param remote: the e-conomic customers as ``_economic_read_remote`` returns them
        :return: line values, a link proposed by customer number, then CVR, e-mail, name;
            each e-conomic customer is proposed at most once
        """
        Partner = self.env["res.partner"].sudo()
        already_linked = set(
            Partner.with_context(active_test=False)
            .search([("economic_company_id", "=", company.id), ("economic_number", "!=", False)])
            .mapped("economic_number")
        )
        by_number, by_cvr, by_email, by_name = {}, {}, {}, {}
        for customer in remote:
            if customer["number"] in already_linked:
                continue
            by_number[customer["number"]] = customer
            if customer["cvr"]:
                by_cvr.setdefault(_norm_cvr(customer["cvr"]), customer)
            for email in _emails(customer["email"]):
                by_email.setdefault(email, customer)
            if customer["name"]:
                by_name.setdefault(normalized_text(customer["name"]), customer)
        partners = Partner.search(
            Partner._economic_customer_domain(company) & Domain("economic_company_id", "=", False),
            order="id",
        )
        used = set()
        lines = []
        for partner in partners:
            candidates = [("number", by_number.get(partner.economic_number or ""))]
            cvr = partner._economic_cvr()
            candidates.append(("cvr", by_cvr.get(_norm_cvr(cvr)) if cvr else None))
            candidates.append(
                (
                    "email",
                    next((by_email[e] for e in _emails(partner.email) if e in by_email), None),
                )
            )
            candidates.append(("name", by_name.get(normalized_text(partner.name))))
            reason, customer = next(
                (
                    (reason, customer)
                    for reason, customer in candidates
                    if customer and customer["number"] not in used
                ),
                (False, None),
            )
            if customer:
                used.add(customer["number"])
                lines.append(
                    {
                        "partner_id": partner.id,
                        "action": "link",
                        "economic_number": customer["number"],
                        "remote_name": customer["name"],
                        "match_reason": reason,
                    }
                )
            else:
                lines.append({"partner_id": partner.id, "action": "create"})
        return lines

    # === CONFIRMATION === #

    def action_confirm(self):
        """Apply the proposal as it stands (links, skips), then let the scheduled job run."""
        self.ensure_one()
        company = self.company_id
        self._economic_check_company(company)
        foreign = self.line_ids.partner_id.filtered(
            lambda partner: partner.sudo().company_id not in (company, company.browse())
        )
        if foreign:
            raise AccessError(
                self.env._(
                    "%(partner)s belongs to another company; it cannot be matched with the "
                    "e-conomic customers of %(company)s.",
                    partner=foreign[0].sudo().display_name,
                    company=company.name,
                )
            )
        customers = self.remote_customers
        if not customers and "link" in self.line_ids.mapped("action"):
            customers = self._economic_read_remote(company)  # not sent back by the form
        remote = {customer["number"]: customer for customer in customers or []}
        Partner = self.env["res.partner"].sudo()
        taken = {}
        for line in self.line_ids.filtered(lambda line: line.action == "link"):
            number = (line.economic_number or "").strip()
            if number not in remote:
                raise UserError(
                    self.env._(
                        "%(partner)s: e-conomic has no customer %(number)s. Choose one of the "
                        "agreement's customer numbers, or create or skip this customer.",
                        partner=line.partner_id.display_name,
                        number=number or "-",
                    )
                )
            if number in taken:
                raise UserError(
                    self.env._(
                        "e-conomic customer %(number)s is proposed for both %(first)s and "
                        "%(second)s; link it to one of them only.",
                        number=number,
                        first=taken[number].display_name,
                        second=line.partner_id.display_name,
                    )
                )
            taken[number] = line.partner_id
        linked = Partner._economic_search_linked(company, list(taken))
        if linked:
            raise UserError(
                self.env._(
                    "e-conomic customer %(number)s is already linked to %(partner)s.",
                    number=linked[0].economic_number,
                    partner=linked[0].display_name,
                )
            )
        reasons = dict(
            self.env["economic.customer.match.line"]
            ._fields["match_reason"]
            ._description_selection(self.env)
        )
        for line in self.line_ids:
            partner = line.partner_id.sudo()
            if line.action == "link":
                number = line.economic_number.strip()
                # Linked, and pending: the next run sends Odoo's values (merged into the
                # e-conomic document, whose other properties are kept).
                partner._economic_write(
                    {
                        "economic_number": number,
                        "economic_company_id": company.id,
                        "economic_state": "pending",
                        "economic_need_sync": True,
                        "economic_error": False,
                        "economic_log_id": False,
                    }
                )
                partner._economic_log(
                    self.env._(
                        "Linked to e-conomic customer %(number)s (%(name)s), matched by "
                        "%(reason)s.",
                        number=number,
                        name=remote[number]["name"],
                        reason=reasons.get(line.match_reason or "manual", ""),
                    )
                )
            elif line.action == "skip":
                partner._economic_write({"economic_exclude": True})
                partner._economic_log(
                    self.env._("Left out of e-conomic when the customers were matched.")
                )
            elif partner.economic_error:
                partner._economic_write({"economic_error": False})
        JobState = self.env["economic.job.state"]
        JobState._economic_set(company, job_state.CUSTOMERS_MATCHED)
        JobState._economic_set(company, job_state.MASTER_SYNCED, clear=True)  # sync now
        self._economic_record_run()
        cron = self.env.ref(SYNC_CRON_XMLID, raise_if_not_found=False)
        if cron:
            cron.sudo()._trigger()
        # No title: the message names e-conomic already.
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "message": self._economic_outcome_text(),
                "type": "success",
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _economic_outcome_text(self):
        """What confirming applied, for the notification."""
        return self.env._(
            "Customers matched with e-conomic: %(linked)s linked, %(to_create)s to be created, "
            "%(left_out)s left out. The sync sends them in a moment.",
            linked=self.link_count,
            to_create=self.create_count,
            left_out=self.skip_count,
        )

    def _economic_record_run(self):
        """Record the confirmation as a customer run, so that Settings and the run list show
        it (links and skips counted) until the sync it triggers reports."""
        run = self.env["economic.run"]._economic_start(self.company_id, "customers")
        run._economic_count("linked", self.link_count)
        run._economic_count("skipped", self.skip_count)
        # The run's message is read by everyone later: in the company's language.
        env = in_company_lang(self.company_id, self).env
        run._economic_finish(
            env._(
                "Customer matching confirmed; %(to_create)s still to be created in e-conomic "
                "by the next sync.",
                to_create=self.create_count,
            )
        )
        return run


class EconomicCustomerMatchLine(models.TransientModel):
    _name = "economic.customer.match.line"
    _description = "e-conomic Customer Matching Proposal Line"
    _order = "action, id"

    wizard_id = fields.Many2one("economic.customer.match", required=True, ondelete="cascade")
    partner_id = fields.Many2one("res.partner", string="Odoo Customer", required=True)
    partner_email = fields.Char(related="partner_id.email", string="E-mail")
    partner_cvr = fields.Char(related="partner_id.company_registry", string="CVR")
    action = fields.Selection(
        [("link", "Link"), ("create", "Create in e-conomic"), ("skip", "Skip")],
        required=True,
        default="create",
    )
    economic_number = fields.Char(
        string="e-conomic Customer", help="Number of the e-conomic customer to link to."
    )
    remote_name = fields.Char(string="e-conomic Name", readonly=True)
    match_reason = fields.Selection(MATCH_REASONS, string="Matched By", readonly=True)

    @api.onchange("economic_number")
    def _onchange_economic_number(self):
        remote = {c["number"]: c for c in self.wizard_id.remote_customers or []}
        for line in self:
            customer = remote.get((line.economic_number or "").strip())
            line.remote_name = customer["name"] if customer else False
            if line.economic_number:
                line.action = "link"
                line.match_reason = "manual"
