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
import hashlib
import json
import logging
import uuid
from datetime import datetime, timedelta

from markupsafe import Markup
from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.tools import SQL, formatLang

from ..economic import const as economic_const
from ..economic import exceptions as economic_errors
from ..economic import filters as economic_filters
from ..economic.parallel import InFlight
from . import economic_job_state as job_state
from .account_analytic_line import marker_line_id
from .economic_lang import format_hours, in_company_lang
from .economic_sync_mixin import economic_error_text
from .project_project import draft_put_payload, reference_project_id

_logger = logging.getLogger(__name__)

OUTBOX_BATCH = 20  # projects per cron call; the cron re-triggers itself when more remain
# The sending client: seconds per attempt, retries per request.
REQUEST_TIMEOUT = 30
REQUEST_RETRIES = 3
# A project's lease is renewed right before each write, and outlasts the longest one request
# can take LEASE_MARGIN times over (see request_worst_case): a second worker can only take
# the project over once the first is certainly no longer waiting for an answer.
LEASE = timedelta(minutes=20)
LEASE_MARGIN = 2
BACKOFF_CAP = timedelta(hours=1)
UNIT_NAME = "timer"
# The poll's window of changes reaches back this far before the last poll: covers the clock
# difference between Odoo and e-conomic [I: e-conomic publishes no clock guarantee].
POLL_CLOCK_MARGIN = timedelta(minutes=5)
# Without e-conomic's clock (no Date header): a draft compared less than this after its
# lastUpdated is compared once more (an edit in the same second keeps the stamp).
SETTLE_MARGIN = timedelta(minutes=2)
POLL_LOCK_NAMESPACE = 0x45434F  # advisory lock key space of the draft poll ("ECO")


def parse_economic_timestamp(text):
    """``2022-06-24T08:25:00Z`` (e-conomic's lastUpdated) as a naive UTC datetime, or None."""
    if not text:
        return None
    try:
        return datetime.strptime(text[:19], "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return None


BOOKED_SCAN = 20  # newest booked invoices of the customer searched for a draft's line markers
# "Could not lock the project row": under SKIP LOCKED and Odoo's REPEATABLE READ a row changed
# and committed by another transaction raises instead of being skipped. Either way: not ours.
LOCK_ERRORS = (
    pg_errors.SerializationFailure,
    pg_errors.LockNotAvailable,
    pg_errors.DeadlockDetected,
)


def request_worst_case(client):
    """The longest one ``client.request()`` can take: every attempt times out and every wait
    before a retry is the longest the client accepts (capped Retry-After or backoff)."""
    longest_wait = max(economic_const.RETRY_AFTER_CAP, economic_const.BACKOFF_CAP)
    return timedelta(
        seconds=(client.max_retries + 1) * client.timeout + client.max_retries * longest_wait
    )


def bound_key(base_key, method, path, payload):
    """The Idempotency-Key of one exact request: the stored ``base_key`` plus a digest of
    method, path and canonical JSON body. The same request after a lost answer gets the same
    key (e-conomic replays its answer); any other body gets another key."""
    text = json.dumps(
        [method.upper(), path, payload], sort_keys=True, ensure_ascii=True, separators=(",", ":")
    )
    return f"{base_key}-{hashlib.sha256(text.encode()).hexdigest()[:16]}"


class LeaseLost(Exception):
    """Another worker took the project over: stop working on it, send nothing more."""


class UnknownProduct(Exception):
    """e-conomic has no product with this number (a 404 on the product, not the draft)."""

    def __init__(self, product_number):
        super().__init__(product_number)
        self.product_number = product_number


class CompanyBatch:
    """What one cron call shares for one company: its client and Settings, the unit and the
    prices read from e-conomic (each read once), and the run summary (made on first use)."""

    def __init__(self, company, settings):
        self.company = company
        self.client = company._economic_client(timeout=REQUEST_TIMEOUT, max_retries=REQUEST_RETRIES)
        self.settings = settings
        self.prices = {}
        self.unknown_products = set()
        self.unit_number = None
        self.run = None
        self.leases = {}  # project id -> the lease end this worker wrote (its token)
        self.stopped = None  # why this company's projects wait until the next run


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

    def _economic_lock_update(self, query):
        """Run an UPDATE ... RETURNING on project rows; [] when the rows could not be locked
        (``LOCK_ERRORS``). The savepoint keeps the transaction usable afterwards."""
        self.env.flush_all()
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(query)
                return self.env.cr.fetchall()
        except LOCK_ERRORS as exc:
            _logger.info("e-conomic: project row not locked (%s): not ours", type(exc).__name__)
            return []

    def _economic_claim(self, project, batch=None):
        """Take the project's lease; False when another worker holds it or its row.

        :param batch: the company batch of the sending run; it keeps the lease end written
            here, which renewals and the release check (a lease taken over is not ours)
        """
        now = datetime.now()
        until = now + LEASE
        claimed = self._economic_lock_update(
            SQL(
                """UPDATE project_project SET economic_lease_until = %(until)s
                    WHERE id IN (SELECT id FROM project_project
                                  WHERE id = %(id)s
                                    AND (economic_lease_until IS NULL
                                         OR economic_lease_until < %(now)s)
                                    FOR UPDATE SKIP LOCKED)
                RETURNING id""",
                until=until,
                id=project.id,
                now=now,
            )
        )
        project.invalidate_recordset(["economic_lease_until"])
        if claimed:
            if batch is not None:
                batch.leases[project.id] = until
            self._economic_commit()
        return bool(claimed)

    def _economic_renew_lease(self, project, batch):
        """Extend the lease before a request, or raise LeaseLost when it is no longer ours.

        Runs in a fresh transaction (committed at once): other workers see the new end.
        """
        held = batch.leases.get(project.id)
        if held is None:
            raise LeaseLost(project.id)  # never claimed by this run, or lost already
        self._economic_commit()
        for _attempt in range(2):
            until = datetime.now() + LEASE
            renewed = self._economic_lock_update(
                SQL(
                    """UPDATE project_project SET economic_lease_until = %(until)s
                        WHERE id = %(id)s AND economic_lease_until = %(held)s
                    RETURNING id""",
                    until=until,
                    id=project.id,
                    held=held,
                )
            )
            if renewed:
                batch.leases[project.id] = until
                project.invalidate_recordset(["economic_lease_until"])
                self._economic_commit()
                return
            self._economic_commit()  # a new snapshot: a concurrent change is no conflict then
        batch.leases.pop(project.id, None)
        raise LeaseLost(project.id)

    def _economic_release(self, project, batch=None):
        if batch is None:
            project.write({"economic_lease_until": False})
            self._economic_commit()
            return
        held = batch.leases.pop(project.id, None)
        if held is None:
            return  # lost: another worker holds it now
        self._economic_lock_update(
            SQL(
                """UPDATE project_project SET economic_lease_until = NULL
                    WHERE id = %(id)s AND economic_lease_until = %(held)s
                RETURNING id""",
                id=project.id,
                held=held,
            )
        )
        project.invalidate_recordset(["economic_lease_until"])
        self._economic_commit()

    def _economic_send(self, project, batch, method, path, payload, base_key):
        """The one way the outbox writes to e-conomic.

        The Idempotency-Key is ``base_key`` (stored on a record) bound to this exact request
        (``bound_key``); everything pending is committed and the lease renewed first, so the
        request goes out only while this worker certainly holds the project.

        :return: e-conomic's answer (parsed JSON)
        """
        key = bound_key(base_key, method, path, payload)
        self._economic_renew_lease(project, batch)
        return batch.client.request(method, path, json=payload, idempotency_key=key).data

    def _economic_company_ready(self, company):
        """Whether ``company`` can send now: sync switched on and Settings complete."""
        return self._economic_invoicing_enabled(company) and not (
            company._economic_missing_settings()
        )

    def _economic_ready_domain(self):
        """Projects of companies that can send (the others wait without being queried)."""
        companies = self.env["res.company"].sudo().search([])
        ready = companies.filtered(self._economic_company_ready)
        domain = [("company_id", "in", ready.ids)]
        if self.env.company in ready:
            # without a company of their own, projects invoice through the current company
            domain = ["|", ("company_id", "=", False), *domain]
        return domain

    def _economic_batch(self, company, batches):
        """The company's batch of this cron call; None when the company cannot invoice."""
        if company.id not in batches:
            batches[company.id] = (
                CompanyBatch(company, self._economic_invoice_settings(company))
                if self._economic_company_ready(company)
                else None
            )
        return batches[company.id]

    def _economic_batch_run(self, batch):
        # A run created in a part of this job that was rolled back since (a project's step
        # undone after a concurrent change) is gone: start it again.
        if not batch.run or not batch.run.exists():
            batch.run = self.env["economic.run"]._economic_start(batch.company, "timesheets")
        return batch.run

    # === OUTBOX (cron "send lines") === #

    @api.model
    def _economic_send_outbox(self):
        """Send what is queued: removals, draft creation, approved lines, bookings."""
        now = fields.Datetime.now()
        ready_domain = self._economic_ready_domain()
        projects = (
            self.env["project.project"]
            .with_context(active_test=False)
            .search(
                [
                    *ready_domain,
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
        lines_only = []  # projects that only send lines to their draft: in flight together
        for project in todo:
            company = project._economic_company()
            batch = self._economic_batch(company, batches)
            # What the job writes (chatter, errors, PDF names) is in the company's language.
            service, project = in_company_lang(company, self, project)
            if batch and not batch.stopped and service._economic_lines_only(project):
                lines_only.append((service, project, batch))
                continue
            if batch and not batch.stopped and self._economic_claim(project, batch):
                self._economic_guarded(service, project, batch, service._economic_process_project)
            if not cron._commit_progress(1):
                more = True  # the cron's time is up
                break
        else:
            more |= self._economic_send_lines_in_flight(lines_only)
        for batch in batches.values():
            if batch and batch.stopped:
                self._economic_batch_run(batch)._economic_finish(message=batch.stopped, failed=True)
            elif batch and batch.run:
                batch.run._economic_finish()
        self._economic_commit()
        if more:
            self._economic_trigger_send()
        later = (
            self.env["project.project"]
            .with_context(active_test=False)
            .search(
                [
                    *ready_domain,
                    ("economic_outbox_pending", "=", True),
                    ("economic_next_attempt", ">", now),
                ],
                order="economic_next_attempt",
                limit=1,
            )
        )
        if later:
            self._economic_trigger_send(later.economic_next_attempt)

    def _economic_guarded(self, service, project, batch, step, *args, release=True):
        """Run ``step(project, batch, *args)`` for a claimed project, as the outbox runs every
        project: refused tokens stop the company, a lost lease stops the project, any other
        error is the project's alone. The lease is released afterwards (unless ``release`` is
        False and the step succeeded: the caller goes on with the project).

        :return: what ``step`` returned, None when it failed
        """
        ok = False
        try:
            result = step(project, batch, *args)
            ok = True
            return result
        except economic_errors.AuthenticationError as exc:
            # Refused tokens: every project of the company would fail the same way.
            # One message on the run; the projects keep their work queued untouched.
            self.env.cr.rollback()
            batch.stopped = economic_error_text(service.env, exc)
        except LeaseLost:
            # Taken over by another worker (this one was too slow): it is theirs now.
            _logger.warning("e-conomic: lease of project %s lost; stopped", project.id)
        except economic_errors.EconomicError as exc:
            # e.g. a price read refused while preparing the lines: the project's alone
            self.env.cr.rollback()
            service._economic_project_failed(project, batch, exc)
        except LOCK_ERRORS as exc:
            # A user's change (an approval, a reset) was committed meanwhile on the rows this
            # step writes: what the step did since its last commit is undone (its keys and
            # requests before that stay committed), and the project is simply taken up again
            # by the next run, soon, without an error for the user.
            self.env.cr.rollback()
            _logger.info(
                "e-conomic: project %s changed meanwhile (%s); again soon",
                project.id,
                type(exc).__name__,
            )
            self._economic_trigger_send()
        except Exception as exc:  # noqa: BLE001 - one project's bug must not stop the rest
            _logger.exception("e-conomic: sending for project %s failed", project.id)
            service._economic_project_crashed(project, batch, exc)
        finally:
            if release or not ok:
                self._economic_release(project, batch)
        return None

    def _economic_lines_only(self, project):
        """Whether the project's only work is sending queued lines to its open draft, with
        nothing in doubt: such projects send in batches of requests in flight together."""
        if (
            project.economic_removals
            or project.economic_draft_state != "open"
            or not project.economic_draft_number
            or (project.economic_draft_external and not project.economic_draft_last_line)
        ):
            return False
        queued = project._economic_queued_lines()
        return bool(queued) and not queued.filtered("economic_send_key")

    def _economic_send_lines_in_flight(self, lines_only):
        """Send the lines of these projects with up to Settings' "Requests in flight" POSTs
        at once per company.

        Per batch: (1) this thread claims each project, prepares its lines and commits their
        keys, then renews each lease; (2) worker threads send the POSTs (client calls only,
        no ORM); (3) this thread records each outcome as the one-by-one path does, commits,
        and releases the lease. A project whose state changed before its claim goes the
        one-by-one way.

        :param lines_only: ``[(service, project, batch)]`` (``_economic_lines_only``)
        :return: True when the cron's time ran out before all were sent
        """
        cron = self.env["ir.cron"]
        by_batch = {}
        for service, project, batch in lines_only:
            by_batch.setdefault(id(batch), (batch, []))[1].append((service, project))
        for batch, projects in by_batch.values():
            in_flight = InFlight(batch.client, batch.company.economic_max_in_flight)
            position = 0
            while position < len(projects) and not batch.stopped:
                chunk = projects[position : position + in_flight.size]
                position += len(chunk)
                ready = []
                for service, project in chunk:
                    if batch.stopped or not self._economic_claim(project, batch):
                        continue
                    if not service._economic_lines_only(project):
                        self._economic_guarded(
                            service, project, batch, service._economic_process_project
                        )
                        continue
                    prepared = self._economic_guarded(
                        service, project, batch, service._economic_prepare_lines, release=False
                    )
                    if prepared is None:
                        continue  # failed (recorded, released)
                    if not prepared["payload"]:
                        # every line refused: the usual way records that and finishes
                        self._economic_guarded(
                            service, project, batch, service._economic_process_project
                        )
                        continue
                    ready.append((service, project, prepared))
                # The leases, renewed last before the requests (each renewal commits).
                sending = []
                for service, project, prepared in ready:
                    if self._economic_guarded(
                        service, project, batch, self._economic_renew_for_send, release=False
                    ):
                        sending.append((service, project, prepared))
                client = batch.client
                outcomes = in_flight.send(
                    [
                        lambda prepared=prepared, client=client: (
                            client.request(
                                "POST",
                                prepared["path"],
                                json=prepared["payload"],
                                idempotency_key=prepared["key"],
                            ).data
                        )
                        for _service, _project, prepared in sending
                    ]
                )
                for (service, project, prepared), outcome in zip(sending, outcomes, strict=True):
                    self._economic_guarded(
                        service,
                        project,
                        batch,
                        service._economic_process_project,
                        (prepared, outcome),
                    )
                if not cron._commit_progress(len(chunk)):
                    return True  # the cron's time is up: the next call goes on
        return False

    def _economic_renew_for_send(self, project, batch):
        self._economic_renew_lease(project, batch)
        return True

    def _economic_prepare_lines(self, project, batch, queued=None):
        """Phase 1 of sending a project's queued lines: refuse what e-conomic cannot take,
        build the lines, store and commit their send key.

        :return: ``{queued, number, path, payload, key}`` (``payload`` None when every
            queued line was refused); ``key`` is the Idempotency-Key bound to the request
        """
        number = project.economic_draft_number
        if queued is None:
            queued = project._economic_queued_lines()
        customer_number = int(project.partner_id.commercial_partner_id.economic_number)
        queued = self._economic_refuse_unsendable(project, batch, queued, customer_number)
        prepared = {"queued": queued, "number": number, "payload": None}
        if not queued:
            return prepared
        lines_payload = self._economic_lines_payload(
            project, batch, queued, first_number=project.economic_draft_last_line + 1
        )
        base_key = str(uuid.uuid4())
        queued.write({"economic_send_key": base_key, "economic_error": False})
        path = f"/invoices/drafts/{int(number)}/lines"
        payload = {"lines": lines_payload}
        prepared.update(
            path=path,
            payload=payload,
            base_key=base_key,
            key=bound_key(base_key, "POST", path, payload),
        )
        self._economic_commit()  # the key before its request
        return prepared

    def _economic_process_project(self, project, batch, sent=None):
        """One project: each step commits its key before its request and its result after.

        :param sent: ``(prepared, Outcome)`` when the project's lines were sent in a batch of
            requests in flight (``_economic_send_lines_in_flight``): only its outcome is
            recorded here
        """
        queued = project._economic_queued_lines()
        queued_before = sent[0]["queued"] if sent else queued
        try:
            if sent:
                prepared, outcome = sent
                self._economic_lines_answered(
                    project, batch, prepared, outcome.result, outcome.error
                )
            elif self._economic_project_steps(project, batch, queued):
                return
        except economic_errors.EconomicError as exc:
            if isinstance(exc, economic_errors.AuthenticationError):
                raise  # the run stops for the whole company (one message, see the caller)
            self._economic_project_failed(project, batch, exc)
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

    def _economic_project_failed(self, project, batch, exc):
        """e-conomic refused or could not do the project's step: queued with the reason."""
        self._economic_outbox_failed(project, exc)
        run = self._economic_batch_run(batch)
        run._economic_count("errors")
        run._economic_add_issue(project, project.economic_error, log_id=exc.log_id)
        self._economic_commit()

    def _economic_project_steps(self, project, batch, queued):
        """The project's queued work in order: removals, draft, lines, booking.

        :return: True when the project is closed (booked): nothing else to record
        """
        if project.economic_removals:
            self._economic_send_removals(project, batch)
        if project.economic_draft_state == "booked":
            # Closed: nothing goes out until the project is reopened.
            project.write({"economic_outbox_pending": False})
            return True
        can_have_draft = project.economic_invoiced and project.partner_id
        if project.economic_draft_state == "to_create" and not can_have_draft:
            project.write({"economic_draft_state": "none"})
        needs_draft = not project.economic_draft_number and (
            project.economic_draft_state == "to_create" or queued
        )
        if needs_draft and can_have_draft:
            self._economic_create_draft(project, batch, queued)
            if project.economic_removals:
                # reset while the creation was in doubt: off the adopted draft first
                self._economic_send_removals(project, batch)
            queued = project._economic_queued_lines()
        if queued and project.economic_draft_number:
            self._economic_send_lines(project, batch, queued)
        if project.economic_draft_state == "to_book":
            self._economic_book(project, batch)
        return False

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
        # capped before it becomes a timedelta: 2**n seconds overflows one after ~40 attempts
        delay = timedelta(seconds=min(30 * 2 ** min(attempts - 1, 20), BACKOFF_CAP.total_seconds()))
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

    def _economic_send_removals(self, project, batch):
        """Take reset lines off the drafts they were sent to: GET each draft, PUT it back
        without them.

        An entry of a draft whose creation is in doubt (draft 0) waits until that draft is
        adopted (``_economic_adopt_draft`` gives it the number); entries of an earlier draft
        of the project are applied to that draft, never dropped.
        """
        if not project.economic_removal_key:
            project.write({"economic_removal_key": str(uuid.uuid4())})
        drafts = sorted({r["draft"] for r in project.economic_removals or [] if r.get("draft")})
        for number in drafts:
            line_ids = {
                r["line"] for r in project.economic_removals or [] if r.get("draft") == number
            }
            self._economic_remove_from_draft(project, batch, number, line_ids)
            # read again: a reset committed meanwhile may have added entries
            project.invalidate_recordset(["economic_removals"])
            left = [r for r in project.economic_removals or [] if r.get("draft") != number]
            project.write({"economic_removals": left or False})
            self._economic_commit()
        waiting = project.economic_removals or []
        if waiting and not project.economic_draft_key:
            # the creation in doubt turned out to have made no draft: nothing to remove
            waiting = []
        vals = {"economic_removals": waiting or False}
        if not waiting:
            vals["economic_removal_key"] = False
        project.write(vals)
        self._economic_commit()

    def _economic_remove_from_draft(self, project, batch, number, line_ids):
        try:
            draft = batch.client.get_draft(number)
        except economic_errors.NotFoundError:
            # Gone (deleted or booked): nothing to remove; the poll records what happened.
            _logger.info("Draft invoice %s is gone; reset lines need no removal.", number)
            return
        remote_lines = draft.get("lines") or []
        kept = [
            line for line in remote_lines if marker_line_id(line.get("description")) not in line_ids
        ]
        if len(kept) == len(remote_lines):
            return
        updated = self._economic_send(
            project,
            batch,
            "PUT",
            f"/invoices/drafts/{int(number)}",
            draft_put_payload(draft, kept),
            project.economic_removal_key,
        )
        if number == project.economic_draft_number:
            project._economic_store_draft_summary(updated or {})
        removed = len(remote_lines) - len(kept)
        project._economic_post(
            self.env._(
                "1 reset timesheet line removed from draft invoice %(number)s.",
                number=number,
            )
            if removed == 1
            else self.env._(
                "%(count)s reset timesheet lines removed from draft invoice %(number)s.",
                count=removed,
                number=number,
            )
        )

    def _economic_ensure_customer(self, project, batch):
        """The e-conomic number of the project's customer, created there when not linked yet.

        A number typed on the partner before its first sync is no link: only a partner
        linked to this company's agreement is known to exist in e-conomic.
        """
        company = batch.company
        partner = project.partner_id.commercial_partner_id
        if not partner._economic_is_linked(company):
            self._economic_renew_lease(project, batch)  # the customer POST is a write too
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
        queued = self._economic_refuse_unsendable(project, batch, queued, customer_number)
        if queued:
            payload["lines"] = self._economic_lines_payload(
                project, batch, queued, first_number=1, customer_number=customer_number
            )
        key = str(uuid.uuid4())
        project.write({"economic_draft_key": key})
        queued.write({"economic_send_key": key, "economic_error": False})
        draft = self._economic_send(project, batch, "POST", "/invoices/drafts", payload, key)
        self._economic_adopt_draft(project, draft)
        self._economic_mark_sent(
            project, queued, draft.get("lines") or [], draft.get("draftInvoiceNumber"), key=key
        )

    def _economic_adopt_draft(self, project, draft):
        number = draft.get("draftInvoiceNumber")
        # Lines reset while the creation was in doubt come off this draft (send_removals).
        project.invalidate_recordset(["economic_removals"])
        removals = [
            dict(removal, draft=removal.get("draft") or number)
            for removal in project.economic_removals or []
        ]
        project.write(
            {
                "economic_draft_number": number,
                "economic_draft_state": "to_book"
                if project.economic_draft_state == "to_book"
                else "open",
                "economic_draft_key": False,
                "economic_removals": removals or False,
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
        if product_number in batch.unknown_products:
            raise UnknownProduct(product_number)
        if key not in batch.prices:
            try:
                template = (
                    batch.client.get_customer_invoice_line_template(customer_number, product_number)
                    or {}
                )
            except economic_errors.NotFoundError:
                # The customer or the product is unknown there, never the draft: ask which.
                try:
                    batch.client.get_product(product_number)
                except economic_errors.NotFoundError:
                    batch.unknown_products.add(product_number)
                    raise UnknownProduct(product_number) from None
                raise
            price = template.get("unitNetPrice")
            if price is None:
                price = (template.get("product") or {}).get("salesPrice") or 0.0
            batch.prices[key] = price
        return batch.prices[key]

    def _economic_refuse_unsendable(self, project, batch, lines, customer_number):
        """Put in error the lines e-conomic cannot take as they would be sent; return the rest.

        Checked on what is sent: the rounded quantity, and the product's price (a product
        unknown in e-conomic names the product; the draft is not touched).
        """
        default_product = project._economic_default_product_number()
        reasons = {}
        for line in lines:
            if round(line.unit_amount, 2) <= 0:
                reasons[line] = self.env._(
                    "%(hours)s hours make quantity 0 on the invoice (two decimals): correct "
                    "the hours, then approve the line again.",
                    # more decimals than the invoice: the user sees what was rounded away
                    hours=formatLang(self.env, line.unit_amount, digits=4),
                )
                continue
            product = line._economic_product_number(default_product)
            try:
                self._economic_price(batch, customer_number, product)
            except UnknownProduct:
                reasons[line] = self.env._(
                    "e-conomic has no product %(product)s (deleted there, or never created): "
                    "choose another invoice product for the line or create the product in "
                    "e-conomic, then reset the line and approve it again. The draft invoice "
                    "is kept.",
                    product=product,
                )
        if not reasons:
            return lines
        refused = self.env["account.analytic.line"].union(*reasons)
        refused.invalidate_recordset(["economic_line_state"])
        for line, reason in reasons.items():
            if line.economic_line_state != "approved":
                continue  # reset by a user meanwhile: theirs
            line.write(
                {
                    "economic_line_state": "error",
                    "economic_error": reason,
                    "economic_send_key": False,
                }
            )
        project._economic_post(
            Markup("%s<ul>%s</ul>")
            % (
                self.env._("1 approved timesheet line cannot be invoiced as it is:")
                if len(refused) == 1
                else self.env._(
                    "%(count)s approved timesheet lines cannot be invoiced as they are:",
                    count=len(refused),
                ),
                Markup().join(Markup("<li>%s</li>") % text for text in set(reasons.values())),
            )
        )
        self._economic_commit()
        return lines - refused

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

    def _economic_mark_sent(self, project, lines, remote_lines, draft_number, key=None):
        """Mark the ``lines`` found (by marker) among ``remote_lines`` as on the draft.

        Guarded: a line is marked only while it is still approved with the send key the
        request went out with (``key``, else the line's stored key). A reset committed
        meanwhile by a user wins; its removal (queued by the reset) takes the line off the
        draft.
        """
        by_marker = {}
        for remote in remote_lines:
            line_id = marker_line_id(remote.get("description"))
            if line_id:
                by_marker[line_id] = remote
        sent = self.env["account.analytic.line"]
        for line in lines.filtered(lambda line: line.id in by_marker):
            if line._economic_mark_on_draft_guarded(draft_number, by_marker[line.id], key):
                sent |= line
        if sent:
            hours = format_hours(self.env, sum(sent.mapped("unit_amount")))
            project._economic_post(
                self.env._(
                    "1 approved timesheet line (%(hours)s h) sent to draft invoice %(number)s.",
                    hours=hours,
                    number=draft_number,
                )
                if len(sent) == 1
                else self.env._(
                    "%(count)s approved timesheet lines (%(hours)s h) sent to draft invoice "
                    "%(number)s.",
                    count=len(sent),
                    hours=hours,
                    number=draft_number,
                )
            )
        self._economic_commit()
        return sent

    def _economic_send_lines(self, project, batch, queued):
        """All queued lines of the draft in one POST /invoices/drafts/{n}/lines."""
        client = batch.client
        number = project.economic_draft_number
        unknown_numbering = project.economic_draft_external and not project.economic_draft_last_line
        if queued.filtered("economic_send_key") or unknown_numbering:
            # In doubt (or a draft made in e-conomic): read the draft before writing.
            try:
                draft = client.get_draft(number)
            except economic_errors.NotFoundError:
                self._economic_draft_missing(project, batch)
                return
            project._economic_store_draft_summary(draft)
            self._economic_match_in_doubt(project, draft)
            queued = project._economic_queued_lines()
        prepared = self._economic_prepare_lines(project, batch, queued)
        if not prepared["payload"]:
            return
        try:
            result = self._economic_send(
                project,
                batch,
                "POST",
                prepared["path"],
                prepared["payload"],
                prepared["base_key"],
            )
        except economic_errors.NotFoundError as exc:
            self._economic_lines_answered(project, batch, prepared, error=exc)
            return
        self._economic_lines_answered(project, batch, prepared, result)

    def _economic_lines_answered(self, project, batch, prepared, result=None, error=None):
        """Record e-conomic's answer to a POST of lines (``_economic_prepare_lines``).

        :param error: the request's exception (None when it answered ``result``)
        """
        number = prepared["number"]
        if error is not None:
            if isinstance(error, economic_errors.NotFoundError):
                # Only the draft itself being gone may drop the link: ask e-conomic for it.
                try:
                    batch.client.get_draft(number)
                except economic_errors.NotFoundError:
                    self._economic_draft_missing(project, batch)
                    return
            raise error
        queued = prepared["queued"]
        remote = (result or {}).get("lines") or []
        sent = self._economic_mark_sent(project, queued, remote, number, key=prepared["base_key"])
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

    def _economic_draft_missing(self, project, batch):
        """A GET of the project's draft answered 404: booked or deleted in e-conomic. When
        deleted, the queued lines start a new draft at once."""
        self._economic_draft_gone(project, batch.client, run=self._economic_batch_run(batch))
        queued = project._economic_queued_lines()
        if queued and project.economic_draft_state != "booked":
            self._economic_create_draft(project, batch, queued)

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
        self._economic_send(
            project,
            batch,
            "PUT",
            f"/invoices/drafts/{int(number)}",
            project._economic_book_payload(draft),
            project.economic_book_update_key,
        )
        # e-conomic books with its own number series (ClientTime's way): Odoo renders its
        # invoice afterwards, for the number e-conomic gave (see _economic_archive_pdf)
        booked = self._economic_send(
            project,
            batch,
            "POST",
            "/invoices/booked",
            {"draftInvoice": {"draftInvoiceNumber": int(number)}},
            project.economic_book_key,
        )
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
        """The booked invoice that came from this project's current draft, if any.

        Only facts that identify the draft count (a booked invoice keeps no draft number):
        the reference the connector wrote on its own drafts, or the markers of the lines Odoo
        put on the draft. Heading, customer or amount alone never do.
        """
        sent_ids = set(project._economic_draft_lines(("on_draft", "error")).ids)
        candidates = []
        if not project.economic_draft_external:
            candidates = self._economic_unknown_booked(
                project,
                client.list_booked(
                    filter=economic_filters.eq("references.other", project.economic_reference)
                ),
            )
        customer = project.partner_id.commercial_partner_id.economic_number
        if not candidates and sent_ids and customer:
            # A draft made in e-conomic (or before references carried the database): only
            # an invoice holding lines Odoo put on this draft is the one.
            candidates = self._economic_unknown_booked(
                project,
                client.list_booked(
                    filter=economic_filters.eq("customer.customerNumber", int(customer))
                ),
            )[:BOOKED_SCAN]
        for booked in candidates:
            if not booked.get("lines"):
                booked = client.get_booked(booked["bookedInvoiceNumber"])
            reference = (booked.get("references") or {}).get("other")
            markers = {
                marker_line_id(line.get("description")) for line in booked.get("lines") or []
            }
            ours = not project.economic_draft_external and reference == project.economic_reference
            if ours or (sent_ids & markers):
                return booked
        return None

    def _economic_unknown_booked(self, project, candidates):
        """The booked invoices of ``candidates`` not stored in Odoo yet, newest first."""
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
        return sorted(
            (b for b in candidates if b.get("bookedInvoiceNumber") not in known),
            key=lambda b: b.get("bookedInvoiceNumber") or 0,
            reverse=True,
        )

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
        # Approved lines that never reached the draft: not invoiced, and the project closes.
        left_behind = project._economic_queued_lines()
        left_behind.write(
            {
                "economic_line_state": "error",
                "economic_send_key": False,
                "economic_error": self.env._(
                    "Draft invoice %(draft)s was booked in e-conomic (invoice %(number)s) before "
                    "this line was sent, so it is not invoiced. Reopen the project, then reset "
                    "the line and approve it again to put it on a new draft invoice.",
                    draft=draft_number,
                    number=invoice.number,
                ),
            }
        )
        project._economic_forget_draft("booked")
        project.write(
            {
                "economic_error": False,
                "economic_outbox_pending": bool(project.economic_removals),
                "economic_attempts": 0,
                "economic_next_attempt": False,
            }
        )
        # The amount goes on the booked invoice, which only project managers and bookkeepers
        # read; the project's chatter is read by every employee on the project.
        invoice.message_post(
            body=self.env._(
                "Invoice %(number)s booked in e-conomic: %(gross)s.",
                number=invoice.number,
                gross=invoice._economic_format_amount(invoice.gross_amount),
            ),
            message_type="notification",
        )
        body = (
            self.env._(
                "Invoice %(number)s booked in e-conomic (draft %(draft)s): 1 timesheet line "
                "invoiced. The project is closed.",
                number=invoice.number,
                draft=draft_number,
            )
            if len(invoiced) == 1
            else self.env._(
                "Invoice %(number)s booked in e-conomic (draft %(draft)s): %(count)s timesheet "
                "lines invoiced. The project is closed.",
                number=invoice.number,
                draft=draft_number,
                count=len(invoiced),
            )
        )
        if len(missing) == 1:
            body = self.env._(
                "%(body)s 1 line was not on the booked invoice; see its error.", body=body
            )
        elif missing:
            body = self.env._(
                "%(body)s %(count)s lines were not on the booked invoice; see their error.",
                body=body,
                count=len(missing),
            )
        if len(left_behind) == 1:
            body = self.env._(
                "%(body)s 1 approved line was still waiting to be sent and is not invoiced; see "
                "its error.",
                body=body,
            )
        elif left_behind:
            body = self.env._(
                "%(body)s %(count)s approved lines were still waiting to be sent and are not "
                "invoiced; see their error.",
                body=body,
                count=len(left_behind),
            )
        if remarks:
            body = Markup("%s<br/>%s") % (body, Markup("<br/>").join(remarks))
        # No attachment on the message: every reader of the project's chatter would get the
        # PDF (message attachments carry an access token); it is under "Booked invoices".
        project._economic_post(body)
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
                    # On the invoice, not the project: attachments are readable by whoever
                    # reads their record, and money is for project managers and bookkeepers.
                    "res_model": invoice._name,
                    "res_id": invoice.id,
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
            invoice.project_id._economic_post(body)
        return attachment, remarks

    # === POLL (cron "notice drafts and booked invoices") === #

    @api.model
    def _economic_poll_invoices(self):
        now = fields.Datetime.now()
        Company = self.env["res.company"]
        for company in Company.search([]):
            if company._economic_missing_settings() or not self._economic_invoicing_enabled(
                company
            ):
                continue
            if not Company._economic_poll_interval_due(company, now):
                continue  # webhooks are active: the poll is only their backstop
            service, company = in_company_lang(company, self, company)
            try:
                service._economic_poll_company_exclusive(company)
            except economic_errors.EconomicError as exc:
                _logger.warning("e-conomic poll of company %s failed: %s", company.id, exc)
                self.env.cr.rollback()
                run = self.env["economic.run"]._economic_start(company, "drafts")
                run._economic_finish(message=economic_error_text(service.env, exc), failed=True)
                self._economic_commit()

    def _economic_poll_company_exclusive(self, company):
        """Poll ``company`` unless another worker is polling it (the poll cron and the
        webhook job may both want to); False when it is.

        A session-level advisory lock, because the poll commits as it goes.
        """
        cr = self.env.cr
        cr.execute("SELECT pg_try_advisory_lock(%s, %s)", [POLL_LOCK_NAMESPACE, company.id])
        if not cr.fetchone()[0]:
            return False
        try:
            self._economic_poll_company(company)
        finally:
            try:
                cr.execute("SELECT pg_advisory_unlock(%s, %s)", [POLL_LOCK_NAMESPACE, company.id])
            except Exception:  # noqa: BLE001 - aborted transaction: roll back, then unlock
                cr.rollback()
                cr.execute("SELECT pg_advisory_unlock(%s, %s)", [POLL_LOCK_NAMESPACE, company.id])
        return True

    def _economic_poll_company(self, company):
        """Notice what changed in e-conomic since the last poll, at a cost that does not grow
        with the number of open drafts.

        Calls (D = drafts on the agreement, C = drafts changed since the last poll):
        - 1 per 1000 changed drafts: the drafts with ``lastUpdated`` since the last poll
          (minus a margin for the clocks), with the total count of drafts on the agreement;
        - only when that count disagrees with what Odoo knows (a draft is gone: booked or
          deleted), or on the first poll: the full list, 1 call per 1000 drafts;
        - one GET per draft that changed since Odoo last compared it and holds lines Odoo
          sent, and the booked-invoice look-up of a draft that is gone.
        An idle poll therefore costs 1 call with up to 1000 changed drafts.
        """
        client = company._economic_client()
        started = fields.Datetime.now()
        Project = self.env["project.project"].with_context(active_test=False)
        # Projects first, then the lists: a draft a project held before the lists were read
        # and that is in neither of them is really gone (finding 6: never the reverse).
        projects = Project.search(
            [("company_id", "=", company.id), ("economic_draft_number", "!=", 0)]
        )
        drafts, listed, listed_at = self._economic_poll_list_drafts(company, client, projects)
        # The lines Odoo sent, for all projects in one query (compared with each draft).
        on_draft = (
            self.env["account.analytic.line"]
            .sudo()
            .search([("project_id", "in", projects.ids), ("economic_line_state", "=", "on_draft")])
        )
        linked = set(projects.mapped("economic_draft_number"))
        for project in projects:
            number = project.economic_draft_number
            summary = drafts.get(number)
            if number in listed and not self._economic_poll_needs_look(project, summary):
                continue
            if not self._economic_poll_claim(project, number):
                continue
            try:
                if number not in listed:
                    self._economic_draft_gone(project, client)
                    continue
                sent = on_draft.filtered(
                    lambda line, p=project: (
                        line.project_id == p
                        and line.economic_draft_number == p.economic_draft_number
                    )
                )
                self._economic_check_draft(project, client, summary, sent, listed_at=listed_at)
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
            owner_id = reference_project_id(self.env, reference)
            if owner_id:
                owner = Project.browse(owner_id).exists()
                if owner:
                    # Ours, created while the answer was lost: the outbox adopts it.
                    continue
            if Project.search_count([("economic_draft_number", "=", number)], limit=1):
                continue  # linked since the projects were read (the outbox made it)
            self._economic_import_draft(company, summary)
        self._economic_poll_save_state(company, started, listed)
        self._economic_commit()

    def _economic_poll_list_drafts(self, company, client, projects):
        """The drafts to look at, and the numbers of all drafts on the agreement.

        :return: ({number: summary} of the drafts changed since the last poll, or of all
            drafts after a full list; set of every draft number on the agreement; e-conomic's
            clock when the drafts were listed, or None when unknown)
        """
        company = company.sudo()
        since = company.economic_drafts_polled_at
        known = company.economic_drafts_known
        listed_at = None
        if since and isinstance(known, list):
            changed, total, listed_at = client.list_drafts_changed(since - POLL_CLOCK_MARGIN)
            drafts = {d["draftInvoiceNumber"]: d for d in changed}
            # Every draft that exists now either existed at the last poll (``known``) or was
            # made since, and then its lastUpdated is in the window. So when the count matches,
            # these are exactly the drafts on the agreement, and none of ``known`` is gone.
            listed = set(known) | set(drafts)
            if total == len(listed) and set(projects.mapped("economic_draft_number")) <= listed:
                return drafts, listed, listed_at
        drafts = {d["draftInvoiceNumber"]: d for d in client.list_drafts()}
        # listed_at (before this full list) still precedes every read that follows
        return drafts, set(drafts), listed_at

    def _economic_poll_needs_look(self, project, summary):
        """Whether the project's draft changed since Odoo last compared it."""
        if not project.economic_draft_seen_settled:
            return True
        if summary is None:
            return False  # not in the window of changes: unchanged
        return project.economic_draft_seen != project._economic_draft_seen_key(
            summary.get("lastUpdated")
        )

    def _economic_poll_claim(self, project, number):
        """Claim the project for the poll, and check it still holds draft ``number``.

        The sending job may have booked, replaced or created the project's draft since the
        poll read the project (issue 7 finding 6): then the project is not the poll's to
        judge this time; the next poll sees its new state.
        """
        if not self._economic_claim(project):
            return False  # could not lock: not mine
        project.invalidate_recordset()
        if project.economic_draft_number != number:
            self._economic_release(project)
            return False
        return True

    def _economic_poll_save_state(self, company, started, listed):
        """The per-company bookkeeping of the poll, in its job-state row (not the company's)."""
        self.env["economic.job.state"]._economic_set(
            company, job_state.DRAFTS_POLLED, at=started, data=sorted(listed)
        )

    def _economic_check_draft(self, project, client, summary, sent, listed_at=None):
        """Compare the draft in e-conomic with the ``sent`` lines Odoo put on it.

        :param summary: the draft as listed, or None when it is not in the window of changes
            (unchanged, compared again only because the last comparison was not settled)
        :param listed_at: e-conomic's clock when the drafts were listed (before this read)
        """
        if summary is None and not sent:
            # Unchanged for longer than the window: its stamp is old enough to settle.
            project.write({"economic_draft_seen_settled": True})
            self._economic_commit()
            return
        summary = summary or {}
        project._economic_store_draft_summary(
            {k: summary[k] for k in ("netAmount", "currency") if k in summary}
        )
        if not sent:
            self._economic_poll_mark_seen(project, summary.get("lastUpdated"), listed_at)
            self._economic_commit()
            return
        draft = client.get_draft(project.economic_draft_number)
        project._economic_store_draft_summary(draft)
        self._economic_poll_mark_seen(project, draft.get("lastUpdated"), listed_at)
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

    def _economic_poll_mark_seen(self, project, last_updated, listed_at=None):
        """Remember the draft's lastUpdated as compared now.

        e-conomic stamps ``lastUpdated`` to the second, and no source says whether an edit in
        the same second as an earlier change moves it [I]. So a comparison is final only when
        the stamp is from a second before the listing that preceded this read (e-conomic's
        clock, from the listing's HTTP ``Date`` header): any later edit then lands in a later
        second and moves the stamp. Otherwise the next poll compares once more. Without a
        ``Date`` header Odoo's clock decides, with ``SETTLE_MARGIN`` for the clocks' skew.
        """
        stamp = parse_economic_timestamp(last_updated)
        if not stamp:
            settled = False
        elif listed_at:
            settled = stamp < listed_at.replace(microsecond=0)
        else:
            settled = fields.Datetime.now() - stamp >= SETTLE_MARGIN
        project.write(
            {
                "economic_draft_seen": project._economic_draft_seen_key(last_updated),
                "economic_draft_seen_settled": settled,
            }
        )

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
