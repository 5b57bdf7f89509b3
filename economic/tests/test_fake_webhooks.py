# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The fake's Webhooks API v1.0.0, the client's webhook endpoints, event delivery over HTTP,
and the drafts listing the constant-cost poll relies on."""

import datetime
import json
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from economic.client import EconomicClient
from economic.exceptions import ForbiddenError, ValidationError
from economic.fake import FakeEconomic
from economic.fake.server import make_server
from economic.fake.webhooks import validate_openapi_body

HOOK = {
    "eventType": "INVOICE_BOOKED",
    "name": "Odoo",
    "url": "https://odoo.example/economic/webhook/1/INVOICE_BOOKED",
    "contentType": "application/json",
    "customHeaders": [{"key": "X-Secret", "value": "abc"}],
}


class WebhookCase(unittest.TestCase):
    def setUp(self):
        self.fake = FakeEconomic()
        self.fake.clock.freeze(1_780_000_000)
        session = requests.Session()
        session.send = self.fake.send
        self.client = EconomicClient("fake-secret", "fake-grant", session=session)
        self.client.sleep = lambda seconds: None


class TestWebhooksApi(WebhookCase):
    def test_event_types_and_create_list_delete(self):
        names = {event["name"] for event in self.client.list_event_types()}
        self.assertIn("INVOICE_BOOKED", names)
        self.assertEqual(
            self.client.create_webhook(HOOK, idempotency_key="k1"), {"eventType": "INVOICE_BOOKED"}
        )
        (listed,) = self.client.list_webhooks()
        self.assertEqual(listed["url"], HOOK["url"])
        self.assertEqual(listed["objectVersion"], "1")
        self.client.delete_webhook("INVOICE_BOOKED", idempotency_key="k2")
        self.assertEqual(self.client.list_webhooks(), [])

    def test_one_webhook_per_event_type(self):
        self.client.create_webhook(HOOK, idempotency_key="k1")
        with self.assertRaises(ValidationError) as caught:
            self.client.create_webhook(dict(HOOK, name="Other"), idempotency_key="k2")
        self.assertEqual(caught.exception.code, "WebhookAlreadyExistsForEventType")

    def test_superuser_role_required(self):
        self.fake.webhook_superuser = False
        with self.assertRaises(ForbiddenError):
            self.client.create_webhook(HOOK, idempotency_key="k1")
        self.assertFalse(self.fake.webhooks)

    def test_documented_rules(self):
        cases = {
            "WebhookInvalidUrlScheme": dict(HOOK, url="http://odoo.example/x"),
            "WebhookInvalidType": dict(HOOK, eventType="NO_SUCH_EVENT"),
            "WebhookCustomHeadersTooMany": dict(
                HOOK, customHeaders=[{"key": f"X-{i}", "value": "v"} for i in range(6)]
            ),
            "WebhookCustomHeaderInvalid": dict(
                HOOK, customHeaders=[{"key": "X-A", "value": "a\r\nInjected: 1"}]
            ),
            # refused by the fake's OpenAPI validation before the handler runs
            "PropertyRequired": {"eventType": "INVOICE_BOOKED", "name": "x"},
        }
        for code, body in cases.items():
            with self.subTest(code), self.assertRaises(ValidationError) as caught:
                self.client.create_webhook(body, idempotency_key=code)
            self.assertEqual(caught.exception.code, code)
        self.assertFalse(self.fake.webhooks)

    def test_put_needs_the_current_object_version(self):
        self.client.create_webhook(HOOK, idempotency_key="k1")
        stale = dict(HOOK, name="Renamed", objectVersion="0")
        with self.assertRaises(Exception) as caught:
            self.client.update_webhook(stale, idempotency_key="k2")
        self.assertEqual(caught.exception.status, 409)
        self.client.update_webhook(dict(stale, objectVersion="1"), idempotency_key="k3")
        self.assertEqual(self.fake.webhooks["INVOICE_BOOKED"]["name"], "Renamed")

    def test_validation_follows_the_spec(self):
        self.assertEqual(validate_openapi_body(HOOK, "Webhook"), [])
        errors = dict(validate_openapi_body(dict(HOOK, name="x" * 101), "Webhook"))
        self.assertIn("name", errors)

    def test_booking_produces_an_event_for_the_registered_url(self):
        self.client.create_webhook(HOOK, idempotency_key="k1")
        number = self.fake.book(self.fake.add_draft(1))
        delivery = self.fake.webhook_deliveries[-1]
        self.assertEqual(delivery["url"], HOOK["url"])
        self.assertEqual(delivery["headers"]["X-Secret"], "abc")
        self.assertEqual(json.loads(delivery["body"])["bookedInvoiceNumber"], number)
        self.fake.edit_customer(1, name="No webhook for customers here")
        self.assertEqual(len(self.fake.webhook_deliveries), 1)


class TestDraftWindow(WebhookCase):
    def test_changed_drafts_and_the_agreement_count(self):
        old = self.fake.add_draft(1)
        self.fake.clock.advance(600)
        since = datetime.datetime.fromtimestamp(self.fake.clock.now() - 60, datetime.UTC)
        new = self.fake.add_draft(1)
        items, total, server_now = self.client.list_drafts_changed(since.replace(tzinfo=None))
        self.assertEqual([d["draftInvoiceNumber"] for d in items], [new])
        self.assertEqual(total, 2, "the count covers every draft, also those filtered out")
        self.assertNotIn(old, [d["draftInvoiceNumber"] for d in items])
        self.assertEqual(
            server_now,
            datetime.datetime.fromtimestamp(self.fake.clock.now(), datetime.UTC).replace(
                tzinfo=None
            ),
        )
        self.assertEqual(len(self.fake.calls), 1)


class _Receiver(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.received.append((self.path, dict(self.headers), body, time.monotonic()))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


class TestDeliveryOverHttp(unittest.TestCase):
    def test_server_mode_posts_the_event_to_the_registered_url(self):
        receiver = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
        receiver.received = []
        threading.Thread(target=receiver.serve_forever, daemon=True).start()
        self.addCleanup(receiver.server_close)
        self.addCleanup(receiver.shutdown)
        fake = FakeEconomic("demo-secret", "demo-grant")
        server = make_server(fake, "127.0.0.1", 0, log_requests=False)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        base = f"http://127.0.0.1:{server.server_address[1]}"
        url = f"http://127.0.0.1:{receiver.server_address[1]}/economic/webhook/1/INVOICE_BOOKED"
        headers = {"X-AppSecretToken": "demo-secret", "X-AgreementGrantToken": "demo-grant"}
        created = requests.post(
            base + "/webhooksapi/v1.0.0/webhooks",
            json=dict(HOOK, url=url),
            headers=headers,
            timeout=5,
        )
        self.assertEqual(created.status_code, 201, created.text)
        draft = fake.add_draft(1)
        booked = requests.post(
            base + "/invoices/booked",
            json={"draftInvoice": {"draftInvoiceNumber": draft}},
            headers=headers,
            timeout=5,
        )
        self.assertEqual(booked.status_code, 201, booked.text)
        deadline = time.monotonic() + 5
        while not receiver.received and time.monotonic() < deadline:
            time.sleep(0.01)
        self.assertEqual(len(receiver.received), 1)
        path, received_headers, body, _at = receiver.received[0]
        self.assertEqual(path, "/economic/webhook/1/INVOICE_BOOKED")
        self.assertEqual(received_headers["X-Secret"], "abc")
        self.assertEqual(
            json.loads(body)["bookedInvoiceNumber"], booked.json()["bookedInvoiceNumber"]
        )


if __name__ == "__main__":
    unittest.main()
