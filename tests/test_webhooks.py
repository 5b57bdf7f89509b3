# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""e-conomic webhooks: the route (secret, replay, unknown agreement, malformed body), the
registration (accepted, refused), the inbox job, and the poll as backstop."""

import json
from datetime import timedelta
from unittest.mock import patch

from odoo import fields, sql_db
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from ..models.economic_invoice_sync import POLL_LOCK_NAMESPACE
from ..models.economic_webhook import SECRET_HEADER, WEBHOOK_ROUTE
from .test_timesheet_approval import CUSTOMER_NUMBER, EconomicInvoicingCase

ROUTE_LOGGER = "odoo.addons.economic_connector.controllers.webhook"


@tagged("post_install", "-at_install")
class TestWebhookRoute(HttpCase):
    def setUp(self):
        super().setUp()
        self.company = self.env.ref("base.main_company")
        self.company.sudo().write(
            {
                "economic_webhook_state": "active",
                "economic_webhook_secret": "s3cret-value",
                "economic_agreement_number": "123456",
            }
        )
        self.Event = self.env["economic.webhook.event"].sudo()

    def post(self, body, secret="s3cret-value", company=None, event_type="INVOICE_BOOKED"):
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers[SECRET_HEADER] = secret
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        company_id = company if company is not None else self.company.id
        return self.opener.post(
            f"{self.base_url()}{WEBHOOK_ROUTE}/{company_id}/{event_type}",
            data=data,
            headers=headers,
            timeout=30,
        )

    def events(self):
        return self.Event.search([("company_id", "=", self.company.id)])

    def test_good_secret_is_stored_and_answered_at_once(self):
        with patch.object(type(self.env["ir.cron"]), "_trigger") as trigger:
            response = self.post({"eventId": "e-1", "bookedInvoiceNumber": 7})
        self.assertEqual(response.status_code, 204)
        event = self.events()
        self.assertEqual(len(event), 1)
        self.assertEqual(event.event_type, "INVOICE_BOOKED")
        self.assertEqual(event.state, "new", "stored only; the job acts")
        self.assertEqual(json.loads(event.payload)["bookedInvoiceNumber"], 7)
        self.assertTrue(trigger.called, "the job is started")
        self.company.invalidate_recordset()
        self.assertEqual(self.company.economic_webhook_last_event, event.received_at)

    @mute_logger(ROUTE_LOGGER)
    def test_wrong_or_missing_secret_is_refused_and_touches_nothing(self):
        self.assertEqual(self.post({"eventId": "e-1"}, secret="s3cret-valuf").status_code, 403)
        self.assertEqual(self.post({"eventId": "e-2"}, secret="").status_code, 403)
        self.assertEqual(self.post({"eventId": "e-3"}, secret=None).status_code, 403)
        self.assertFalse(self.events())

    @mute_logger(ROUTE_LOGGER)
    def test_replayed_event_is_stored_once(self):
        body = {"eventId": "e-1", "bookedInvoiceNumber": 7}
        self.assertEqual(self.post(body).status_code, 204)
        self.assertEqual(self.post(body).status_code, 204, "a replay is acknowledged")
        self.assertEqual(len(self.events()), 1)
        # without an event id, the exact same body is the same event
        self.assertEqual(self.post(b'{"bookedInvoiceNumber": 8}').status_code, 204)
        self.assertEqual(self.post(b'{"bookedInvoiceNumber": 8}').status_code, 204)
        self.assertEqual(len(self.events()), 2)

    @mute_logger(ROUTE_LOGGER)
    def test_unknown_agreement_is_refused(self):
        missing = self.env["res.company"].search([], order="id desc", limit=1).id + 1000
        self.assertEqual(self.post({"eventId": "e-1"}, company=missing).status_code, 404)
        self.assertEqual(
            self.post({"eventId": "e-2", "agreementNumber": 999}).status_code,
            403,
            "an event of another agreement",
        )
        self.company.sudo().economic_webhook_state = "off"
        self.assertEqual(self.post({"eventId": "e-3"}).status_code, 404, "webhooks are off")
        self.assertFalse(self.Event.search([]))

    @mute_logger(ROUTE_LOGGER)
    def test_malformed_body_is_refused(self):
        self.assertEqual(self.post(b"{not json").status_code, 400)
        self.assertEqual(self.post(b"[1, 2]").status_code, 400)
        self.assertEqual(self.post(b"\xff\xfe").status_code, 400)
        self.assertEqual(self.post({"eventId": "e-1"}, event_type="bad-type").status_code, 400)
        self.assertEqual(
            self.post({"eventId": "e-2", "eventType": "CUSTOMER_UPDATED"}).status_code, 400
        )
        self.assertFalse(self.events())


@tagged("post_install", "-at_install")
class TestWebhooks(EconomicInvoicingCase):
    def setUp(self):
        super().setUp()
        self.Event = self.env["economic.webhook.event"].sudo()
        self.fake.webhook_allow_http = True  # the test server's base URL is http://

    def run_webhook_job(self):
        self.run_as_cron(lambda env: env["economic.webhook.event"]._cron_economic_webhooks())

    def register(self):
        self.env["res.config.settings"].create(
            {"company_id": self.company.id}
        ).action_economic_webhooks_register()
        self.run_webhook_job()
        self.company.invalidate_recordset()

    def deliver(self, delivery):
        """Hand one of the fake's deliveries to the inbox as the route would."""
        self.assertEqual(
            delivery["headers"][SECRET_HEADER], self.company.sudo().economic_webhook_secret
        )
        event = json.loads(delivery["body"])
        company_id, event_type = delivery["url"].rsplit("/", 2)[-2:]
        self.assertEqual(int(company_id), self.company.id)
        return self.Event._economic_receive(self.company, event_type, delivery["body"], event)

    # === REGISTRATION === #

    def test_register_creates_one_webhook_per_event_type_with_the_secret(self):
        self.register()
        self.assertEqual(self.company.economic_webhook_state, "active")
        self.assertEqual(set(self.fake.webhooks), {"INVOICE_BOOKED", "CUSTOMER_UPDATED"})
        secret = self.company.sudo().economic_webhook_secret
        for hook in self.fake.webhooks.values():
            self.assertEqual(hook["customHeaders"], [{"key": SECRET_HEADER, "value": secret}])
            self.assertIn(f"{WEBHOOK_ROUTE}/{self.company.id}/{hook['eventType']}", hook["url"])
        writes = [r for r in self.fake.requests if r["method"] != "GET"]
        self.assertTrue(all(r["idempotency_key"] for r in writes))
        # registering again takes our webhooks back (PUT), never a second POST
        self.fake.reset_calls()
        self.register()
        self.assertEqual(self.company.economic_webhook_state, "active")
        self.assertFalse(self.fake_calls("POST", "/webhooksapi"))

    def test_registration_refused_without_superuser_role_keeps_polling(self):
        self.fake.webhook_superuser = False
        self.register()
        self.assertEqual(self.company.economic_webhook_state, "refused")
        self.assertIn("SuperUser", self.company.economic_webhook_message)
        self.assertFalse(self.fake.webhooks)
        now = fields.Datetime.now()
        self.company.sudo().economic_drafts_polled_at = now - timedelta(minutes=10)
        self.assertTrue(self.env["res.company"]._economic_poll_interval_due(self.company, now))

    def test_registration_while_economic_is_down_is_tried_again(self):
        self.fake.fail_next(20, 503, path="/webhooksapi/*")
        self.register()
        self.assertEqual(self.company.economic_webhook_state, "pending", "not a refusal")
        self.assertIn("could not be reached", self.company.economic_webhook_message)
        self.fake.clear_faults()
        self.run_webhook_job()
        self.company.invalidate_recordset()
        self.assertEqual(self.company.economic_webhook_state, "active")

    def test_event_type_taken_by_another_app_is_reported(self):
        self.fake.webhooks["INVOICE_BOOKED"] = {
            "eventType": "INVOICE_BOOKED",
            "name": "Other app",
            "url": "https://other.example/hook",
            "contentType": "application/json",
            "objectVersion": "1",
        }
        self.register()
        self.assertEqual(self.company.economic_webhook_state, "partial")
        self.assertIn("INVOICE_BOOKED", self.company.economic_webhook_message)
        self.assertIn("another app", self.company.economic_webhook_message)
        self.assertEqual(self.fake.webhooks["INVOICE_BOOKED"]["url"], "https://other.example/hook")
        self.assertEqual(self.company.economic_webhook_types, "CUSTOMER_UPDATED")
        now = fields.Datetime.now()
        self.company.sudo().economic_drafts_polled_at = now - timedelta(minutes=10)
        self.assertTrue(
            self.env["res.company"]._economic_poll_interval_due(self.company, now),
            "not healthy: the poll keeps its interval",
        )

    def test_unregister_removes_only_our_webhooks(self):
        self.fake.webhooks["INVOICE_BOOKED"] = {
            "eventType": "INVOICE_BOOKED",
            "name": "Other app",
            "url": "https://other.example/hook",
            "contentType": "application/json",
            "objectVersion": "1",
        }
        self.register()
        self.env["res.config.settings"].create(
            {"company_id": self.company.id}
        ).action_economic_webhooks_unregister()
        self.run_webhook_job()
        self.company.invalidate_recordset()
        self.assertEqual(self.company.economic_webhook_state, "off")
        self.assertEqual(list(self.fake.webhooks), ["INVOICE_BOOKED"], "the other app's stays")

    def test_poll_is_a_backstop_while_webhooks_are_active(self):
        self.register()
        now = fields.Datetime.now()
        Company = self.env["res.company"]
        self.company.sudo().economic_drafts_polled_at = now - timedelta(minutes=10)
        self.assertFalse(Company._economic_poll_interval_due(self.company, now))
        self.company.sudo().economic_drafts_polled_at = now - timedelta(minutes=61)
        self.assertTrue(Company._economic_poll_interval_due(self.company, now))

    # === INBOX === #

    def test_booking_in_economic_closes_the_project_through_the_inbox(self):
        self.register()
        project = self.make_project()
        lines = self.make_lines(project, count=2)
        self.approve(lines)
        self.send()
        self.poll()
        number = self.fake.book(project.economic_draft_number)
        delivery = self.fake.webhook_deliveries[-1]
        self.assertEqual(delivery["event"]["bookedInvoiceNumber"], number)
        self.assertTrue(self.deliver(delivery))
        self.assertFalse(self.deliver(delivery), "a replay is not stored twice")
        self.run_webhook_job()
        self.assertEqual(project.economic_draft_state, "booked")
        self.assertEqual(project.economic_invoice_ids.number, number)
        self.assertEqual(set(self.Event.search([]).mapped("state")), {"done"})

    def test_duplicate_and_out_of_order_events_have_one_effect(self):
        self.register()
        project = self.make_project()
        lines = self.make_lines(project, count=2)
        self.approve(lines)
        self.send()
        self.poll()
        number = self.fake.book(project.economic_draft_number)
        booked = self.fake.webhook_deliveries[-1]
        # an older event (from before the booking) arrives after the newer one, twice
        older = dict(booked, body=json.dumps({"eventId": "older", "occurredAt": "2020-01-01"}))
        older["body"] = older["body"].encode()
        for delivery in (booked, older, older, booked):
            self.deliver(delivery)
        self.run_webhook_job()
        self.assertEqual(project.economic_invoice_ids.number, number)
        self.assertEqual(len(project.economic_invoice_ids), 1, "one invoice, whatever came")
        self.assertEqual(
            len([m for m in self.chatter(project) if f"Invoice {number} booked" in m]), 1
        )
        self.fake.reset_calls()
        self.deliver(dict(booked, body=json.dumps({"eventId": "late"}).encode()))
        self.run_webhook_job()
        self.assertEqual(len(project.economic_invoice_ids), 1)
        self.assertFalse(self.fake_calls("POST"), "a late event writes nothing")

    def test_customer_event_makes_the_master_sync_due(self):
        self.register()
        self.company.sudo().economic_master_synced_at = fields.Datetime.now()
        self.fake.edit_customer(CUSTOMER_NUMBER, name="Hansen & Co A/S")
        self.assertTrue(self.deliver(self.fake.webhook_deliveries[-1]))
        with patch.object(type(self.env["ir.cron"]), "_trigger") as trigger:
            self.run_webhook_job()
        self.assertFalse(self.company.sudo().economic_master_synced_at, "due now")
        self.assertTrue(trigger.called)

    def test_large_inbox_is_processed_in_batches_without_loss(self):
        self.register()
        events = self.Event
        for index in range(2500):
            body = json.dumps({"eventId": f"e-{index}", "customerNumber": index}).encode()
            self.Event._economic_receive(self.company, "CUSTOMER_UPDATED", body, {})
            if index % 3 == 0:  # replays
                self.Event._economic_receive(self.company, "CUSTOMER_UPDATED", body, {})
        events = self.Event.search([])
        self.assertEqual(len(events), 2500)
        acted = []
        service = type(self.env["economic.webhook.service"])

        def act(_service, company, kind):
            acted.append((company.id, kind))
            return True

        with patch.object(service, "_economic_act", act):
            for _run in range(3):
                self.run_webhook_job()
        self.assertEqual(set(self.Event.search([]).mapped("state")), {"done"})
        self.assertEqual(len(acted), 3, "one re-read per company and kind per batch of 1000")

    def test_events_wait_while_economic_is_down_then_act(self):
        self.register()
        project = self.make_project()
        lines = self.make_lines(project, count=2)
        self.approve(lines)
        self.send()
        self.poll()
        number = self.fake.book(project.economic_draft_number)
        self.deliver(self.fake.webhook_deliveries[-1])
        self.fake.fail_next(50, 503, path="/invoices/drafts*")
        self.run_webhook_job()
        event = self.Event.search([])
        self.assertEqual(event.state, "new", "kept, not lost")
        self.assertTrue(event.retry_at)
        self.assertTrue(event.error)
        self.assertEqual(project.economic_draft_state, "open")
        self.fake.clear_faults()
        event.retry_at = fields.Datetime.now() - timedelta(seconds=1)
        self.run_webhook_job()
        self.assertEqual(event.state, "done")
        self.assertEqual(project.economic_invoice_ids.number, number)

    def test_event_waits_while_the_poll_of_the_company_runs(self):
        self.register()
        self.deliver(
            self.fake.webhook_deliveries[-1]
            if self.fake.webhook_deliveries
            else {
                "headers": {SECRET_HEADER: self.company.sudo().economic_webhook_secret},
                "url": f"x{WEBHOOK_ROUTE}/{self.company.id}/INVOICE_BOOKED",
                "body": b'{"eventId": "e-1"}',
            }
        )
        other = sql_db.db_connect(self.env.cr.dbname).cursor()
        self.addCleanup(other.close)
        other.execute("SELECT pg_advisory_lock(%s, %s)", [POLL_LOCK_NAMESPACE, self.company.id])
        try:
            self.run_webhook_job()
        finally:
            other.execute(
                "SELECT pg_advisory_unlock(%s, %s)", [POLL_LOCK_NAMESPACE, self.company.id]
            )
        event = self.Event.search([])
        self.assertEqual(event.state, "new")
        self.assertTrue(event.retry_at)
        self.assertFalse(self.fake_calls("GET", "/invoices"), "no second poll at once")
