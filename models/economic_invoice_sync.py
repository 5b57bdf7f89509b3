# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The invoicing service: everything that talks to e-conomic about draft and booked invoices.

``economic.invoice.sync`` holds no data. Its two cron loops are the only code that writes to
e-conomic for invoicing:

- ``_economic_send_outbox`` (cron "send lines"): per project (= per draft invoice), under a
  lease two workers cannot both hold, it removes reset lines, creates the draft, sends the
  approved lines in one request and books the draft. Each write's idempotency key is
  committed before the request; a write whose outcome is unknown is checked against the
  draft before anything is sent again.
- ``_economic_poll_invoices`` (cron "notice drafts"): notices drafts booked, deleted or
  changed in e-conomic, and drafts made there by hand.

The records keep the fields, rules and mappings (``project.project``,
``account.analytic.line``, ``economic.invoice``); this service only orchestrates.
"""

import base64
import logging
import uuid
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import SQL

from ..economic import exceptions as economic_errors
from ..economic import filters as economic_filters
from .account_analytic_line import marker_line_id
from .economic_sync_mixin import economic_error_text
from .project_project import REFERENCE_PREFIX, draft_put_payload

_logger = logging.getLogger(__name__)

OUTBOX_BATCH = 20  # projects per cron call; the cron re-triggers itself when more remain
LEASE = timedelta(minutes=10)  # longer than any send (client timeout 30 s x retries)
BACKOFF_CAP = timedelta(hours=1)
UNIT_NAME = "timer"


class CompanyBatch:
    """What one cron call shares for one company: its client and Settings, the unit and the
    prices read from e-conomic (each read once), and the run summary (made on first use)."""

    def __init__(self, company, settings):
        self.company = company
        self.client = company._economic_client()
        self.settings = settings
        self.prices = {}
        self.unit_number = None
        self.run = None


class EconomicInvoiceSync(models.AbstractModel):
    _name = "economic.invoice.sync"
    _description = "e-conomic Invoicing Service"

    # === SETTINGS === #

    @api.model
    def _economic_invoicing_enabled(self, company):
        """Whether ``company`` invoices projects through e-conomic (its sync is switched on)."""
        return bool(company and company.sudo().economic_sync_enabled)

    @api.model
    def _economic_invoice_settings(self, company):
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
            "payment_info": company.economic_payment_info or "",
            "footer": company.economic_footer_text or "",
            "line_template": company.economic_line_description_template or "",
        }

    # === PLUMBING === #

    @api.model
    def _economic_trigger_send(self, at=None):
        """Start the sending cron (now, or at ``at``)."""
        cron = self.env.ref(
            "economic_connector.ir_cron_economic_send_lines", raise_if_not_found=False
        )
        if cron:
            cron.sudo()._trigger(at)

    def _economic_commit(self):
        self.env["ir.cron"]._commit_progress(0)

    def _economic_claim(self, project):
        """Take the project's lease; False when another worker holds it (or its row)."""
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
                id=project.id,
                now=now,
            )
        )
        claimed = bool(self.env.cr.fetchall())
        project.invalidate_recordset(["economic_lease_until"])
        if claimed:
            self._economic_commit()
        return claimed

    def _economic_release(self, project):
        project.write({"economic_lease_until": False})
        self._economic_commit()

    def _economic_batch(self, company, batches):
        """The company's batch of this cron call; None when the company cannot invoice."""
        if company.id not in batches:
            ready = not company._economic_missing_settings() and self._economic_invoicing_enabled(
                company
            )
            batches[company.id] = (
                CompanyBatch(company, self._economic_invoice_settings(company)) if ready else None
            )
        return batches[company.id]

    def _economic_batch_run(self, batch):
        if not batch.run:
            batch.run = self.env["economic.run"]._economic_start(batch.company, "timesheets")
        return batch.run

    # === OUTBOX (cron "send lines") === #

    @api.model
    def _economic_send_outbox(self):
        """Send what is queued: removals, draft creation, approved lines, bookings."""
        now = fields.Datetime.now()
        projects = (
            self.env["project.project"]
            .with_context(active_test=False)
            .search(
                [
                    ("economic_outbox_pending", "=", True),
                    "|",
                    ("economic_next_attempt", "=", False),
                    ("economic_next_attempt", "<=", now),
                    "|",
                    ("economic_lease_until", "=", False),
                    ("economic_lease_until", "<", now),
                ],
                order="economic_next_attempt, id",
                limit=OUTBOX_BATCH + 1,
            )
        )
        more = len(projects) > OUTBOX_BATCH
        todo = projects[:OUTBOX_BATCH]
        cron = self.env["ir.cron"]
        cron._commit_progress(remaining=len(todo))
        batches = {}
        for project in todo:
            company = project._economic_company()
            batch = self._economic_batch(company, batches)
            if batch and self._economic_claim(project):
                try:
                    self._economic_process_project(project, batch)
                except economic_errors.AuthenticationError:
                    batches[company.id] = None  # refused tokens: the company's other projects wait
                except Exception as exc:  # noqa: BLE001 - one project's bug must not stop the rest
                    _logger.exception("e-conomic: sending for project %s failed", project.id)
                    self._economic_project_crashed(project, batch, exc)
                finally:
                    self._economic_release(project)
            if not cron._commit_progress(1):
                more = True  # the cron's time is up
                break
        for batch in batches.values():
            if batch and batch.run:
                batch.run._economic_finish()
        self._economic_commit()
        if more:
            self._economic_trigger_send()
        later = (
            self.env["project.project"]
            .with_context(active_test=False)
            .search(
                [("economic_outbox_pending", "=", True), ("economic_next_attempt", ">", now)],
                order="economic_next_attempt",
                limit=1,
            )
        )
        if later:
            self._economic_trigger_send(later.economic_next_attempt)

    def _economic_process_project(self, project, batch):
        """One project: each step commits its key before its request and its result after."""
        queued = project._economic_queued_lines()
        queued_before = queued
        try:
            if project.economic_removals:
                self._economic_send_removals(project, batch.client)
            if project.economic_draft_state == "booked":
                # Closed: nothing goes out until the project is reopened.
                project.write({"economic_outbox_pending": False})
                return
            can_have_draft = project.economic_invoiced and project.partner_id
            if project.economic_draft_state == "to_create" and not can_have_draft:
                project.write({"economic_draft_state": "none"})
            needs_draft = not project.economic_draft_number and (
                project.economic_draft_state == "to_create" or queued
            )
            if needs_draft and can_have_draft:
                self._economic_create_draft(project, batch, queued)
                queued = project._economic_queued_lines()
            if queued and project.economic_draft_number:
                self._economic_send_lines(project, batch, queued)
            if project.economic_draft_state == "to_book":
                self._economic_book(project, batch)
        except economic_errors.EconomicError as exc:
            self._economic_outbox_failed(project, exc)
            run = self._economic_batch_run(batch)
            run._economic_count("errors")
            run._economic_add_issue(project, project.economic_error, log_id=exc.log_id)
            self._economic_commit()
            if isinstance(exc, economic_errors.AuthenticationError):
                raise
            return
        finally:
            sent = len(queued_before.filtered(lambda line: line.economic_line_state == "on_draft"))
            if sent:
                self._economic_batch_run(batch)._economic_count("sent", sent)
        still = (
            bool(project.economic_removals)
            or project.economic_draft_state in ("to_create", "to_book")
            or bool(project._economic_queued_lines())
        )
        vals = {
            "economic_outbox_pending": still,
            "economic_attempts": 0,
            "economic_next_attempt": False,
        }
        if project.economic_error and not still:
            vals["economic_error"] = False
        project.write(vals)
        self._economic_commit()

    def _economic_project_crashed(self, project, batch, exc):
        """An unexpected error (a bug, a database error) while working on one project.

        Everything since the project's last commit is rolled back; the project keeps its work
        queued with the error and is retried later (backoff), the other projects go on. What
        was committed before (keys, a booked invoice) stays, so the retry resumes from there.
        """
        self.env.cr.rollback()
        if batch.run and not batch.run.exists():
            batch.run = None  # created in the rolled-back part
        text = self._economic_unexpected_text(exc)
        self._economic_outbox_failed(project, exc, text=text)
        run = self._economic_batch_run(batch)
        run._economic_count("errors")
        run._economic_add_issue(project, text)
        self._economic_commit()

    def _economic_unexpected_text(self, exc):
        return self.env._(
            "Unexpected error while working on the e-conomic invoice of this project: "
            "%(error)s. The work stays queued and is tried again later; if it keeps failing, "
            "tell your administrator.",
            error=economic_error_text(self.env, exc),
        )

    def _economic_outbox_failed(self, project, exc, text=None):
        """Keep everything queued with the reason, and try again later (backoff).

        :param text: the reason shown to users (default: ``exc`` explained)
        """
        attempts = project.economic_attempts + 1
        delay = min(timedelta(seconds=30 * 2 ** (attempts - 1)), BACKOFF_CAP)
        retry_after = getattr(exc, "retry_after", None)
        if retry_after:
            delay = max(delay, timedelta(seconds=float(retry_after)))
        text = text or economic_error_text(self.env, exc)
        first = project.economic_error != text
        project.write(
            {
                "economic_attempts": attempts,
                "economic_next_attempt": fields.Datetime.now() + delay,
                "economic_error": text,
                "economic_outbox_pending": True,
            }
        )
        project._economic_queued_lines().write({"economic_error": text})
        if first:
            project._economic_post(
                self.env._(
                    "e-conomic did not accept the queued work yet; it stays queued and is sent "
                    "again automatically. Reason: %(reason)s",
                    reason=text,
                )
            )
        self._economic_commit()

    # === OUTBOX STEPS === #

    def _economic_send_removals(self, project, client):
        """Take reset lines off the draft: GET the draft and PUT it back without them."""
        number = project.economic_draft_number
        line_ids = {r["line"] for r in project.economic_removals if r.get("draft") == number}
        draft = None
        if number and line_ids:
            try:
                draft = client.get_draft(number)
            except economic_errors.NotFoundError:
                # Gone (deleted or booked): nothing to remove; the poll records what happened.
                _logger.info("Draft invoice %s is gone; reset lines need no removal.", number)
        remote_lines = (draft or {}).get("lines") or []
        kept = [
            line for line in remote_lines if marker_line_id(line.get("description")) not in line_ids
        ]
        if len(kept) != len(remote_lines):
            if not project.economic_removal_key:
                project.write({"economic_removal_key": str(uuid.uuid4())})
                self._economic_commit()
            updated = client.update_draft(
                number, draft_put_payload(draft, kept), idempotency_key=project.economic_removal_key
            )
            project._economic_store_draft_summary(updated or {})
            project._economic_post(
                self.env._(
                    "%(count)s reset timesheet lines removed from draft invoice %(number)s.",
                    count=len(remote_lines) - len(kept),
                    number=number,
                )
            )
        project.write({"economic_removals": False, "economic_removal_key": False})
        self._economic_commit()

    def _economic_ensure_customer(self, project, batch):
        """The e-conomic number of the project's customer, created there when not linked yet.

        A number typed on the partner before its first sync is no link: only a partner
        linked to this company's agreement is known to exist in e-conomic.
        """
        company = batch.company
        partner = project.partner_id.commercial_partner_id
        if not partner._economic_is_linked(company):
            run = self.env["economic.run"]._economic_start(company, "customers")
            partner._economic_export_customers(company, batch.client, run)
            run._economic_finish()
            if not partner._economic_is_linked(company):
                raise economic_errors.ValidationError(
                    self.env._(
                        "The customer %(name)s could not be created in e-conomic; see the "
                        "customer's e-conomic tab.",
                        name=partner.display_name,
                    )
                )
        return int(partner.economic_number)

    def _economic_create_draft(self, project, batch, queued):
        """POST the draft, with the queued lines in the same request (one write)."""
        client = batch.client
        if project.economic_draft_key:
            # A previous create may have reached e-conomic: look for our reference first.
            found = client.list_drafts(
                filter=economic_filters.eq("references.other", project.economic_reference)
            )
            numbers = [d.get("draftInvoiceNumber") for d in found]
            taken = set(
                project.with_context(active_test=False)
                .search([("economic_draft_number", "in", numbers)])
                .mapped("economic_draft_number")
            )
            found = [d for d in found if d.get("draftInvoiceNumber") not in taken]
            if found:
                draft = client.get_draft(found[0]["draftInvoiceNumber"])
                self._economic_adopt_draft(project, draft)
                self._economic_match_in_doubt(project, draft)
                return
        customer_number = self._economic_ensure_customer(project, batch)
        template = client.get_customer_invoice_template(customer_number) or {}
        payload = project._economic_draft_payload(template, customer_number, batch.settings)
        if queued:
            payload["lines"] = self._economic_lines_payload(
                project, batch, queued, first_number=1, customer_number=customer_number
            )
        key = str(uuid.uuid4())
        project.write({"economic_draft_key": key})
        queued.write({"economic_send_key": key, "economic_error": False})
        self._economic_commit()
        draft = client.create_draft(payload, idempotency_key=key)
        self._economic_adopt_draft(project, draft)
        self._economic_mark_sent(
            project, queued, draft.get("lines") or [], draft.get("draftInvoiceNumber")
        )

    def _economic_adopt_draft(self, project, draft):
        number = draft.get("draftInvoiceNumber")
        project.write(
            {
                "economic_draft_number": number,
                "economic_draft_state": "to_book"
                if project.economic_draft_state == "to_book"
                else "open",
                "economic_draft_key": False,
            }
        )
        project._economic_store_draft_summary(draft)
        project._economic_post(
            self.env._("Draft invoice %(number)s created in e-conomic.", number=number)
        )
        self._economic_commit()

    def _economic_unit_number(self, batch):
        """The number of e-conomic's unit "timer" (0 when the agreement has none)."""
        if batch.unit_number is None:
            units = batch.client.list_units()
            match = [u for u in units if (u.get("name") or "").strip().lower() == UNIT_NAME]
            batch.unit_number = match[0]["unitNumber"] if match else 0
        return batch.unit_number

    def _economic_price(self, batch, customer_number, product_number):
        """e-conomic's price of the product for the customer: once per (customer, product)."""
        key = (customer_number, product_number)
        if key not in batch.prices:
            template = (
                batch.client.get_customer_invoice_line_template(customer_number, product_number)
                or {}
            )
            price = template.get("unitNetPrice")
            if price is None:
                price = (template.get("product") or {}).get("salesPrice") or 0.0
            batch.prices[key] = price
        return batch.prices[key]

    def _economic_lines_payload(self, project, batch, lines, first_number, customer_number=None):
        if customer_number is None:
            customer_number = int(project.partner_id.commercial_partner_id.economic_number)
        return project._economic_lines_payload(
            lines,
            first_number,
            unit_number=self._economic_unit_number(batch),
            price_of=lambda product: self._economic_price(batch, customer_number, product),
            template=batch.settings["line_template"],
        )

    def _economic_match_in_doubt(self, project, draft):
        """Lines whose send had an unknown outcome: confirm the ones found on the draft."""
        in_doubt = project._economic_queued_lines().filtered("economic_send_key")
        if not in_doubt:
            return
        self._economic_mark_sent(
            project, in_doubt, draft.get("lines") or [], draft.get("draftInvoiceNumber")
        )
        in_doubt.filtered(lambda line: line.economic_line_state == "approved").write(
            {"economic_send_key": False}
        )
        self._economic_commit()

    def _economic_mark_sent(self, project, lines, remote_lines, draft_number):
        """Mark the ``lines`` found (by marker) among ``remote_lines`` as on the draft."""
        by_marker = {}
        for remote in remote_lines:
            line_id = marker_line_id(remote.get("description"))
            if line_id:
                by_marker[line_id] = remote
        sent = lines.filtered(lambda line: line.id in by_marker)
        for line in sent:
            line._economic_mark_on_draft(draft_number, by_marker[line.id])
        if sent:
            project._economic_post(
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

    def _economic_send_lines(self, project, batch, queued):
        """All queued lines of the draft in one POST /invoices/drafts/{n}/lines."""
        client = batch.client
        number = project.economic_draft_number
        try:
            unknown_numbering = (
                project.economic_draft_external and not project.economic_draft_last_line
            )
            if queued.filtered("economic_send_key") or unknown_numbering:
                # In doubt (or a draft made in e-conomic): read the draft before writing.
                draft = client.get_draft(number)
                project._economic_store_draft_summary(draft)
                self._economic_match_in_doubt(project, draft)
                queued = project._economic_queued_lines()
                if not queued:
                    return
            lines_payload = self._economic_lines_payload(
                project, batch, queued, first_number=project.economic_draft_last_line + 1
            )
            key = str(uuid.uuid4())
            queued.write({"economic_send_key": key, "economic_error": False})
            self._economic_commit()
            result = client.add_draft_lines(number, lines_payload, idempotency_key=key)
        except economic_errors.NotFoundError:
            self._economic_draft_deleted(project)
            queued = project._economic_queued_lines()
            if queued:
                self._economic_create_draft(project, batch, queued)
            return
        remote = (result or {}).get("lines") or []
        sent = self._economic_mark_sent(project, queued, remote, number)
        if remote:
            project.write(
                {
                    "economic_draft_line_count": project.economic_draft_line_count + len(sent),
                    # Net amount without another read; the poll refreshes it from e-conomic.
                    "economic_draft_net_amount": project.economic_draft_net_amount
                    + sum(line.get("totalNetAmount") or 0.0 for line in remote),
                    "economic_draft_last_line": max(
                        [project.economic_draft_last_line]
                        + [line.get("lineNumber") or 0 for line in remote]
                    ),
                }
            )
        if len(sent) < len(queued):
            # Answer without our lines: check the draft itself on the next run.
            project.write({"economic_outbox_pending": True})

    def _economic_draft_deleted(self, project):
        """The draft is gone without being booked: next approved line starts a new one."""
        number = project.economic_draft_number
        project._economic_draft_lines(("on_draft",)).write(
            {
                "economic_line_state": "error",
                "economic_error": self.env._(
                    "Draft invoice %(number)s was deleted in e-conomic with this line on it. Reset "
                    "the line and approve it again to invoice it.",
                    number=number,
                ),
            }
        )
        project._economic_queued_lines().write({"economic_send_key": False})
        project._economic_forget_draft("none")
        project._economic_post(
            self.env._(
                "Draft invoice %(number)s was deleted in e-conomic. The next approved timesheet "
                "line starts a new draft invoice.",
                number=number,
            )
        )
        self._economic_commit()

    # === BOOKING === #

    def _economic_book(self, project, batch):
        """Book the draft: PUT date, due date and notes, then POST /invoices/booked.

        Both keys are committed before the first request; after an unknown outcome the draft
        is read first: gone means booked (found by its reference) or deleted.
        """
        client = batch.client
        number = project.economic_draft_number
        if project._economic_queued_lines():
            raise economic_errors.EconomicError(
                self.env._("Booking waits until every approved line is on the draft invoice.")
            )
        try:
            draft = client.get_draft(number)
        except economic_errors.NotFoundError:
            self._economic_draft_gone(project, client, run=self._economic_batch_run(batch))
            return
        if not project.economic_book_key:
            project.write(
                {
                    "economic_book_update_key": str(uuid.uuid4()),
                    "economic_book_key": str(uuid.uuid4()),
                }
            )
            self._economic_commit()
        client.update_draft(
            number,
            project._economic_book_payload(draft),
            idempotency_key=project.economic_book_update_key,
        )
        # e-conomic books with its own number series (ClientTime's way): Odoo renders its
        # invoice afterwards, for the number e-conomic gave (see _economic_archive_pdf)
        booked = client.book_draft(number, idempotency_key=project.economic_book_key)
        if not booked.get("lines") and booked.get("bookedInvoiceNumber"):
            booked = client.get_booked(booked["bookedInvoiceNumber"])
        self._economic_record_booked(project, client, booked, run=self._economic_batch_run(batch))

    def _economic_draft_gone(self, project, client, run=None):
        """The project's draft is no longer in e-conomic: booked there, or deleted."""
        stored = self._economic_stored_booking(project)
        if stored:
            # Booked and stored by an earlier run that stopped before closing the project.
            self._economic_close_booked(project, client, stored, run=run)
            return
        booked = self._economic_find_booked(project, client)
        if booked:
            self._economic_record_booked(project, client, booked, run=run)
        else:
            self._economic_draft_deleted(project)

    def _economic_stored_booking(self, project):
        """The booked invoice already stored for the project's current draft, if any."""
        if not project.economic_draft_number:
            return self.env["economic.invoice"]
        return (
            self.env["economic.invoice"]
            .sudo()
            .search(
                [
                    ("project_id", "=", project.id),
                    ("draft_number", "=", project.economic_draft_number),
                ],
                limit=1,
            )
        )

    def _economic_find_booked(self, project, client):
        """The booked invoice that came from this project's current draft, if any."""
        if project.economic_draft_external:
            customer = project.partner_id.commercial_partner_id.economic_number
            if not customer:
                return None
            flt = economic_filters.eq("customer.customerNumber", int(customer))
        else:
            flt = economic_filters.eq("references.other", project.economic_reference)
        candidates = client.list_booked(filter=flt)
        known = set(
            self.env["economic.invoice"]
            .sudo()
            .search(
                [
                    ("company_id", "=", project._economic_company().id),
                    ("number", "in", [b.get("bookedInvoiceNumber") for b in candidates]),
                ]
            )
            .mapped("number")
        )
        candidates = [b for b in candidates if b.get("bookedInvoiceNumber") not in known]
        if project.economic_draft_external:
            heading = (project.name or "").strip()
            candidates = [
                b
                for b in candidates
                if ((b.get("notes") or {}).get("heading") or "").strip() == heading
                or round(b.get("netAmount") or 0, 2) == round(project.economic_draft_net_amount, 2)
            ]
        if not candidates:
            return None
        booked = max(candidates, key=lambda b: b.get("bookedInvoiceNumber") or 0)
        if not booked.get("lines"):
            booked = client.get_booked(booked["bookedInvoiceNumber"])
        return booked

    def _economic_record_booked(self, project, client, booked, run=None):
        """Store the booked invoice (committed at once: the booking is a fact), then close."""
        invoice = self.env["economic.invoice"].sudo()._economic_create_from_booked(project, booked)
        self._economic_commit()
        self._economic_close_booked(project, client, invoice, run=run)

    def _economic_close_booked(self, project, client, invoice, run=None):
        """Archive the invoice's PDF, mark the lines invoiced, close the project.

        A PDF that cannot be archived is reported (chatter, run) but never keeps the project
        open: the invoice is booked in e-conomic whatever happens to its PDF in Odoo.
        """
        draft_number = project.economic_draft_number
        attachment, remarks = self._economic_archive_pdf_safely(invoice, client)
        booked_ids = {line.get("timesheet") for line in invoice.lines or []} - {None}
        candidates = (
            self.env["account.analytic.line"]
            .sudo()
            .search(
                [
                    ("project_id", "=", project.id),
                    "|",
                    ("id", "in", list(booked_ids)),
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
        project._economic_forget_draft("booked")
        body = self.env._(
            "Invoice %(number)s booked in e-conomic (draft %(draft)s): %(gross)s, %(count)s "
            "timesheet lines invoiced. The project is closed.",
            number=invoice.number,
            draft=draft_number,
            gross=invoice._economic_format_amount(invoice.gross_amount),
            count=len(invoiced),
        )
        if missing:
            body = self.env._(
                "%(body)s %(count)s lines were not on the booked invoice; see their error.",
                body=body,
                count=len(missing),
            )
        if remarks:
            body = Markup("%s<br/>%s") % (body, Markup("<br/>").join(remarks))
        project._economic_post(body, attachment_ids=attachment.ids)
        if remarks:
            self._economic_report_archive_problem(project, invoice, attachment, remarks, run)
        self._economic_commit()

    def _economic_report_archive_problem(self, project, invoice, attachment, remarks, run):
        """List the PDF problem in the run summary (a run of its own when none is open)."""
        own_run = not run
        if own_run:
            run = self.env["economic.run"]._economic_start(project._economic_company(), "invoices")
        for remark in remarks:
            run._economic_add_issue(invoice, remark)
        if not attachment:
            run._economic_count("errors")
        if own_run:
            run._economic_finish()

    def _economic_archive_pdf_safely(self, invoice, client):
        """``_economic_archive_pdf``, with any failure turned into a remark."""
        try:
            with self.env.cr.savepoint():
                return self._economic_archive_pdf(invoice, client)
        except Exception as exc:  # noqa: BLE001 - the booking must be recorded whatever happens
            _logger.exception("PDF of booked invoice %s not archived", invoice.number)
            return self.env["ir.attachment"], [
                self.env._(
                    "The PDF of invoice %(number)s could not be archived: %(error)s. Open the "
                    "invoice and use “Fetch PDF” to try again.",
                    number=invoice.number,
                    error=economic_error_text(self.env, exc),
                )
            ]

    def _economic_archive_pdf(self, invoice, client):
        """Render (Odoo layout) or fetch (e-conomic layout) the invoice's PDF and attach it to
        the invoice and its project.

        Without wkhtmltopdf, or when Odoo's rendering fails, the archive holds e-conomic's PDF
        of the booked invoice instead, and a remark says why.

        :return: (the attachment, or an empty recordset when no PDF could be had; a list of
            remarks for the chatter)
        """
        if invoice.pdf_attachment_id:
            return invoice.pdf_attachment_id, []
        remarks = []
        rendered = None
        if invoice.layout_source == "odoo":
            rendered, remark = self._economic_render_odoo_layout(invoice)
            if remark:
                remarks.append(remark)
        if rendered:
            content, mimetype, extension = rendered
        else:
            try:
                content = client.get_booked_pdf(invoice.number)
            except economic_errors.EconomicError as exc:
                _logger.warning("PDF of booked invoice %s not fetched: %s", invoice.number, exc)
                remarks.append(
                    self.env._(
                        "The PDF of invoice %(number)s could not be fetched from e-conomic: "
                        "%(error)s. The invoice is stored without PDF; open it and use "
                        "“Fetch PDF” to try again.",
                        number=invoice.number,
                        error=economic_error_text(self.env, exc),
                    )
                )
                return self.env["ir.attachment"], remarks
            mimetype, extension = "application/pdf", "pdf"
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": self.env._(
                        "Invoice %(number)s.%(ext)s", number=invoice.number, ext=extension
                    ),
                    "datas": base64.b64encode(content),
                    "mimetype": mimetype,
                    "res_model": "project.project" if invoice.project_id else invoice._name,
                    "res_id": invoice.project_id.id or invoice.id,
                }
            )
        )
        invoice.write({"pdf_attachment_id": attachment.id})
        return attachment, remarks

    def _economic_render_odoo_layout(self, invoice):
        """Odoo's rendering of the invoice, or None with the reason why not.

        :return: ((content, mimetype, extension) or None, remark or None)
        """
        state = self.env["ir.actions.report"].get_wkhtmltopdf_state()
        if state in ("install", "broken"):
            return None, self.env._(
                "The Odoo invoice layout needs wkhtmltopdf on the Odoo server, which is missing "
                "or not working: e-conomic's PDF of the invoice is archived instead. Install "
                "wkhtmltopdf to archive invoices in Odoo's layout."
            )
        try:
            with self.env.cr.savepoint():
                return invoice._economic_render_pdf(), None
        except Exception as exc:  # noqa: BLE001 - e-conomic's PDF is the fallback
            _logger.warning("Odoo could not render booked invoice %s: %s", invoice.number, exc)
            return None, self.env._(
                "Odoo could not render its invoice layout (%(error)s): e-conomic's PDF of the "
                "invoice is archived instead.",
                error=str(exc) or exc.__class__.__name__,
            )

    @api.model
    def _economic_archive_missing_pdf(self, invoice):
        """Archive the PDF of a booked invoice stored without one (only reads e-conomic)."""
        attachment, remarks = self._economic_archive_pdf(
            invoice, invoice.company_id._economic_client()
        )
        if attachment and invoice.project_id:
            body = self.env._("PDF of invoice %(number)s archived.", number=invoice.number)
            if remarks:
                body = Markup("%s<br/>%s") % (body, Markup("<br/>").join(remarks))
            invoice.project_id._economic_post(body, attachment_ids=attachment.ids)
        return attachment, remarks

    # === POLL (cron "notice drafts and booked invoices") === #

    @api.model
    def _economic_poll_invoices(self):
        for company in self.env["res.company"].search([]):
            if company._economic_missing_settings() or not self._economic_invoicing_enabled(
                company
            ):
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
        Project = self.env["project.project"].with_context(active_test=False)
        projects = Project.search(
            [("company_id", "=", company.id), ("economic_draft_number", "!=", 0)]
        )
        # The lines Odoo sent, for all projects in one query (compared with each draft).
        on_draft = (
            self.env["account.analytic.line"]
            .sudo()
            .search([("project_id", "in", projects.ids), ("economic_line_state", "=", "on_draft")])
        )
        linked = set(projects.mapped("economic_draft_number"))
        for project in projects:
            if not self._economic_claim(project):
                continue
            try:
                summary = drafts.get(project.economic_draft_number)
                if summary is None:
                    self._economic_draft_gone(project, client)
                    continue
                sent = on_draft.filtered(
                    lambda line, p=project: (
                        line.project_id == p
                        and line.economic_draft_number == p.economic_draft_number
                    )
                )
                self._economic_check_draft(project, client, summary, sent)
            except economic_errors.EconomicError as exc:
                self._economic_outbox_failed(project, exc)
            except Exception as exc:  # noqa: BLE001 - one project's bug must not stop the rest
                _logger.exception("e-conomic: polling the draft of project %s failed", project.id)
                self.env.cr.rollback()
                self._economic_outbox_failed(project, exc, text=self._economic_unexpected_text(exc))
            finally:
                self._economic_release(project)
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

    def _economic_check_draft(self, project, client, summary, sent):
        """Compare the draft in e-conomic with the ``sent`` lines Odoo put on it."""
        project._economic_store_draft_summary(
            {k: summary[k] for k in ("netAmount", "currency") if k in summary}
        )
        if not sent:
            self._economic_commit()
            return
        draft = client.get_draft(project.economic_draft_number)
        project._economic_store_draft_summary(draft)
        remote_by_id = {}
        remote_by_number = {}
        for remote in draft.get("lines") or []:
            remote_by_number[remote.get("lineNumber")] = remote
            line_id = marker_line_id(remote.get("description"))
            if line_id:
                remote_by_id[line_id] = remote
        broken = []
        for line in sent:
            remote = remote_by_id.get(line.id) or remote_by_number.get(line.economic_line_number)
            problem = line._economic_remote_difference(remote)
            if problem:
                line.write({"economic_line_state": "error", "economic_error": problem})
                broken.append(problem)
        if broken:
            project.write({"economic_sync_error": "\n".join(broken)})
            project._economic_post(
                Markup("%s<ul>%s</ul>")
                % (
                    self.env._(
                        "Sync error: lines of draft invoice %(number)s were changed in e-conomic.",
                        number=project.economic_draft_number,
                    ),
                    Markup().join(Markup("<li>%s</li>") % text for text in broken),
                )
            )
        self._economic_commit()

    def _economic_import_draft(self, company, summary):
        """A draft made by hand in e-conomic: an inactive project for its customer."""
        customer_number = (summary.get("customer") or {}).get("customerNumber")
        Partner = self.env["res.partner"].with_context(active_test=False)
        partner = Partner.search(
            [
                ("economic_number", "=", str(customer_number)),
                "|",
                ("economic_company_id", "=", company.id),
                ("economic_company_id", "=", False),
            ],
            limit=1,
        )
        if not partner:
            name = (summary.get("recipient") or {}).get("name") or self.env._(
                "e-conomic customer %(number)s", number=customer_number
            )
            partner = Partner.create({"name": name, "is_company": True, "company_id": False})
            partner._economic_set_synced(str(customer_number), company=company)
        Project = self.env["project.project"].with_company(company)
        project = Project.create(Project._economic_vals_from_draft(company, summary, partner))
        project._economic_post(
            self.env._(
                "Created from draft invoice %(number)s made in e-conomic. Activate the project "
                "to register time on it; approved time goes onto that draft.",
                number=summary["draftInvoiceNumber"],
            )
        )
        self._economic_commit()
        return project
