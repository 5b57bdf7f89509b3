# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""e-conomic webhooks: registration (Settings > e-conomic > "Receive changes instantly"), the
durable inbox the route fills, and the job that empties it.

The route only checks and stores (``controllers/webhook.py``); the job acts. An event is a
hint, never a fact: the job re-reads e-conomic (the draft poll for a booked invoice, the
master-data pull for customers, products, employees), so a duplicate, a replay or an event
older than one already handled changes nothing. The poll stays as a backstop at a slower
interval while the webhooks are active.
"""

import hashlib
import logging
import secrets
import uuid
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..economic import exceptions as economic_errors
from . import economic_job_state as job_state
from .economic_sync_mixin import economic_error_text

_logger = logging.getLogger(__name__)

WEBHOOK_ROUTE = "/economic/webhook"  # + /<company id>/<EVENT_TYPE>
SECRET_HEADER = "X-Odoo-Economic-Secret"
INBOX_BATCH = 1000  # events per cron call
# Event types the connector listens to, by the resource they name. GET /EventTypes decides
# which exist; the spec names INVOICE_BOOKED and CUSTOMER_UPDATED only.
EVENT_KINDS = (
    ("INVOICE_", "invoices"),
    ("DRAFT_INVOICE", "invoices"),
    ("CUSTOMER_", "master"),
    ("PRODUCT_", "master"),
    ("EMPLOYEE_", "master"),
)
BACKSTOP_INTERVAL = timedelta(hours=1)  # the poll's interval while webhooks are active
RETRY_DELAY = timedelta(minutes=2)  # events whose re-read failed wait this long
MASTER_CRON_XMLID = "economic_connector.ir_cron_economic_sync_master_data"
WEBHOOK_CRON_XMLID = "economic_connector.ir_cron_economic_webhooks"


def event_kind(event_type):
    """What an event type is about ("invoices", "master"), or None when not used."""
    for prefix, kind in EVENT_KINDS:
        if (event_type or "").startswith(prefix):
            return kind
    return None


class EconomicWebhookEvent(models.Model):
    _name = "economic.webhook.event"
    _description = "e-conomic Webhook Event"
    _order = "id"

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    event_type = fields.Char(required=True, readonly=True)
    payload = fields.Text(readonly=True)
    dedupe_key = fields.Char(required=True, readonly=True)
    received_at = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    state = fields.Selection(
        [("new", "New"), ("done", "Done")],
        default="new",
        required=True,
        readonly=True,
        index=True,
    )
    processed_at = fields.Datetime(readonly=True)
    retry_at = fields.Datetime(readonly=True)  # acting failed: the job tries again then
    error = fields.Text(readonly=True)

    _company_dedupe_unique = models.UniqueIndex("(company_id, dedupe_key)")

    # === INBOX (called by the route) === #

    @api.model
    def _economic_receive(self, company, event_type, raw_body, event):
        """Store one event unless it is already in the inbox; True when it is new.

        The dedupe key is e-conomic's event id when the body has one [I: no source names
        one], else a digest of the event type and the exact body: a replay is ignored.
        """
        event_id = str(event.get("eventId") or event.get("id") or "")
        digest = hashlib.sha256(event_type.encode() + b"\n" + raw_body).hexdigest()
        key = f"id:{event_id}" if event_id else f"sha256:{digest}"
        self.env.cr.execute(
            SQL(
                """INSERT INTO economic_webhook_event
                       (company_id, event_type, payload, dedupe_key, received_at, state,
                        create_uid, create_date, write_uid, write_date)
                   VALUES (%(company)s, %(type)s, %(payload)s, %(key)s, now() at time zone 'UTC',
                           'new', %(uid)s, now() at time zone 'UTC', %(uid)s,
                           now() at time zone 'UTC')
                   ON CONFLICT (company_id, dedupe_key) DO NOTHING
                   RETURNING id""",
                company=company.id,
                type=event_type,
                payload=raw_body.decode("utf-8", "replace")[:100_000],
                key=key,
                uid=self.env.uid,
            )
        )
        stored = bool(self.env.cr.fetchall())
        if stored:
            cron = self.env.ref(WEBHOOK_CRON_XMLID, raise_if_not_found=False)
            if cron:
                cron.sudo()._trigger()
        return stored

    # === JOB === #

    @api.model
    def _cron_economic_webhooks(self):
        self.env["economic.webhook.service"]._economic_run()


class EconomicWebhookService(models.AbstractModel):
    _name = "economic.webhook.service"
    _description = "e-conomic Webhooks Service"

    def _economic_commit(self):
        self.env["ir.cron"]._commit_progress(0)

    @api.model
    def _economic_run(self):
        """Register or remove what Settings asked for, then empty the inbox."""
        for company in (
            self.env["res.company"]
            .sudo()
            .search([("economic_webhook_state", "in", ("pending", "removing"))])
        ):
            try:
                if company.economic_webhook_state == "pending":
                    self._economic_register(company)
                else:
                    self._economic_unregister(company)
            except economic_errors.EconomicError as exc:
                self.env.cr.rollback()
                self._economic_registration_failed(company, exc)
        self._economic_process_inbox()

    # --- registration

    def _economic_webhook_url(self, company, event_type):
        base = company.get_base_url().rstrip("/")
        return f"{base}{WEBHOOK_ROUTE}/{company.id}/{event_type}"

    def _economic_webhook_payload(self, company, event_type):
        return {
            "eventType": event_type,
            "name": f"Odoo {company.name}"[:100],
            "url": self._economic_webhook_url(company, event_type),
            "contentType": "application/json",
            "customHeaders": [{"key": SECRET_HEADER, "value": company.economic_webhook_secret}],
        }

    def _economic_register(self, company):
        """Create (or take back) one webhook per event type the connector uses.

        The key of this registration is committed before the first request; each request's
        key is derived from it and the event type, so a retry replays the same request.
        A webhook of another app on an event type is left alone and reported.
        """
        if not company.economic_webhook_key:
            company.write({"economic_webhook_key": str(uuid.uuid4())})
            self._economic_commit()
        client = company._economic_client()
        wanted = [
            event["name"]
            for event in client.list_event_types()
            if event_kind(event.get("name")) and event.get("name")
        ]
        existing = {hook.get("eventType"): hook for hook in client.list_webhooks()}
        ours_prefix = f"{company.get_base_url().rstrip('/')}{WEBHOOK_ROUTE}/{company.id}/"
        registered, refused = [], []
        for event_type in wanted:
            payload = self._economic_webhook_payload(company, event_type)
            key = f"{company.economic_webhook_key}-{event_type}"
            current = existing.get(event_type)
            try:
                if current is None:
                    client.create_webhook(payload, idempotency_key=f"{key}-create")
                elif (current.get("url") or "").startswith(ours_prefix):
                    # ours (an earlier registration): PUT it again, enabled, with this secret
                    payload["objectVersion"] = current.get("objectVersion")
                    client.update_webhook(payload, idempotency_key=f"{key}-update")
                else:
                    refused.append(
                        self.env._(
                            "%(type)s: e-conomic allows one webhook per event type, and another "
                            "app already has it (%(url)s).",
                            type=event_type,
                            url=current.get("url") or "?",
                        )
                    )
                    continue
            except economic_errors.ForbiddenError as exc:
                refused.append(
                    self.env._(
                        "%(type)s: refused by e-conomic: %(error)s Webhooks need the SuperUser "
                        "role in the app's grant.",
                        type=event_type,
                        error=economic_error_text(self.env, exc),
                    )
                )
                continue
            except economic_errors.ValidationError as exc:
                refused.append(
                    self.env._(
                        "%(type)s: refused by e-conomic: %(error)s",
                        type=event_type,
                        error=economic_error_text(self.env, exc),
                    )
                )
                continue
            registered.append(event_type)
        if registered and not refused:
            state = "active"
        elif registered:
            state = "partial"
        else:
            state = "refused"
        if not wanted:
            refused.append(self.env._("e-conomic offers no event type the connector uses."))
        company.write(
            {
                "economic_webhook_state": state,
                "economic_webhook_types": ",".join(registered),
                "economic_webhook_message": "\n".join(refused) or False,
                "economic_webhook_key": False,
            }
        )
        self._economic_commit()

    def _economic_unregister(self, company):
        """Delete the webhooks this company registered (never another app's)."""
        if not company.economic_webhook_key:
            company.write({"economic_webhook_key": str(uuid.uuid4())})
            self._economic_commit()
        client = company._economic_client()
        ours_prefix = f"{company.get_base_url().rstrip('/')}{WEBHOOK_ROUTE}/{company.id}/"
        for hook in client.list_webhooks():
            if not (hook.get("url") or "").startswith(ours_prefix):
                continue
            try:
                client.delete_webhook(
                    hook["eventType"],
                    idempotency_key=f"{company.economic_webhook_key}-{hook['eventType']}-delete",
                )
            except economic_errors.NotFoundError:
                _logger.info("e-conomic webhook %s was already removed", hook["eventType"])
        company.write(
            {
                "economic_webhook_state": "off",
                "economic_webhook_types": False,
                "economic_webhook_message": False,
                "economic_webhook_key": False,
            }
        )
        self._economic_commit()

    def _economic_registration_failed(self, company, exc):
        """The registration could not be done at all: say why; the poll keeps its interval."""
        if company.economic_webhook_state == "removing":
            message = self.env._(
                "The webhooks could not be removed from e-conomic: %(error)s. Odoo tries again "
                "with the next run.",
                error=economic_error_text(self.env, exc),
            )
            company.write({"economic_webhook_message": message})
        elif exc.retryable:
            # e-conomic unreachable or busy: not a refusal; the job tries again shortly
            company.write(
                {
                    "economic_webhook_message": self.env._(
                        "e-conomic could not be reached to register the webhooks: %(error)s "
                        "Odoo tries again in a few minutes; changes are fetched every 10 "
                        "minutes meanwhile.",
                        error=economic_error_text(self.env, exc),
                    )
                }
            )
            self.env.ref(WEBHOOK_CRON_XMLID).sudo()._trigger(fields.Datetime.now() + RETRY_DELAY)
        else:
            message = self.env._(
                "e-conomic refused the webhooks: %(error)s Changes are fetched every 10 "
                "minutes as before.",
                error=economic_error_text(self.env, exc),
            )
            if isinstance(exc, economic_errors.ForbiddenError):
                message = self.env._(
                    "%(message)s Webhooks need the SuperUser role in the app's grant.",
                    message=message,
                )
            company.write(
                {
                    "economic_webhook_state": "refused",
                    "economic_webhook_message": message,
                    "economic_webhook_key": False,
                }
            )
        self._economic_commit()

    # --- inbox

    @api.model
    def _economic_process_inbox(self, limit=INBOX_BATCH):
        """Act once per company and kind on a batch of new events, then mark them done.

        Acting re-reads e-conomic, so the order of events and their repetitions do not
        matter; the batch is committed with its outcome.
        """
        Event = self.env["economic.webhook.event"].sudo()
        now = fields.Datetime.now()
        events = Event.search(
            [("state", "=", "new"), "|", ("retry_at", "=", False), ("retry_at", "<=", now)],
            limit=limit + 1,
        )
        more = len(events) > limit
        events = events[:limit]
        groups = {}
        for event in events:
            groups.setdefault((event.company_id, event_kind(event.event_type)), Event)
            groups[(event.company_id, event_kind(event.event_type))] |= event
        cron = self.env["ir.cron"]
        cron._commit_progress(remaining=len(events))
        retry = False
        for (company, kind), group in groups.items():
            try:
                done = self._economic_act(company, kind)
                error = False if done else self.env._("Another job was reading e-conomic.")
            except Exception as exc:  # noqa: BLE001 - one company's failure must not stop the rest
                _logger.warning("e-conomic webhook events of company %s: %s", company.id, exc)
                self.env.cr.rollback()
                error = economic_error_text(self.env, exc)
            if error:
                # kept: acting again later re-reads e-conomic (the poll stays the backstop)
                group.write({"retry_at": fields.Datetime.now() + RETRY_DELAY, "error": error})
                retry = True
            else:
                group.write({"state": "done", "processed_at": fields.Datetime.now()})
            if not cron._commit_progress(len(group)):
                more = True
                break
        job = self.env.ref(WEBHOOK_CRON_XMLID).sudo()
        if more:
            job._trigger()
        if retry:
            job._trigger(fields.Datetime.now() + RETRY_DELAY)

    def _economic_act(self, company, kind):
        """Re-read e-conomic for what the events are about; False when it must wait."""
        if kind == "invoices":
            sync = self.env["economic.invoice.sync"]
            if not company._economic_missing_settings() and sync._economic_invoicing_enabled(
                company
            ):
                return sync._economic_poll_company_exclusive(company)
        elif kind == "master":
            # due now; the job-state row, not the company row (several jobs write these)
            self.env["economic.job.state"]._economic_set(
                company, job_state.MASTER_SYNCED, clear=True
            )
            self.env.ref(MASTER_CRON_XMLID).sudo()._trigger()
        return True


def new_webhook_secret():
    return secrets.token_urlsafe(32)
