# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The Webhooks API v1.0.0 (``/webhooksapi/v1.0.0``) and the delivery of its events.

What the published spec (``schemas/openapi/openapi-webhooks-api.json``) says, and the fake does:
- ``GET /EventTypes``; ``GET/POST/PUT /webhooks``, ``GET/DELETE /webhooks/{eventType}``,
  ``GET /webhooks/count``. One webhook per event type per agreement
  (``WebhookAlreadyExistsForEventType``); the Webhooks endpoints need the SuperUser role
  (``x-required-roles``); HTTPS URLs only (``WebhookInvalidUrlScheme``); at most 5 custom
  headers (``WebhookCustomHeadersTooMany``), 1000 characters as JSON
  (``WebhookCustomHeadersTooLong``), no CR/LF (``WebhookCustomHeaderInvalid``); PUT needs the
  current ``objectVersion`` (409 otherwise).
- Bodies are checked against the spec's ``Webhook`` schema.

What no source says, so the fake chooses [I] (the connector must not rely on it):
- the event type names beyond the two the spec names (INVOICE_BOOKED, CUSTOMER_UPDATED);
- the status of the error answers (400 for validation, 403 without the role);
- what e-conomic POSTs to the URL without ``postData``: here a JSON object with
  ``eventType``, ``eventId``, ``occurredAt`` and the merge fields;
- retries of a failed delivery: none here.
"""

import copy
import json
import threading
import uuid

from . import openapi, schema
from .resources import ROUTES, _route

WEBHOOKS_PREFIX = "/webhooksapi/v1.0.0"
EVENT_TYPES = [
    {
        "name": "INVOICE_BOOKED",
        "description": "An invoice was booked.",
        "mergeFields": [  # [I] names chosen by the fake
            {"fieldName": "bookedInvoiceNumber", "description": "Number of the booked invoice"},
        ],
    },
    {
        "name": "CUSTOMER_UPDATED",
        "description": "A customer was updated.",
        "mergeFields": [
            {"fieldName": "customerNumber", "description": "Number of the customer"},
        ],
    },
]
MAX_CUSTOM_HEADERS = 5
MAX_CUSTOM_HEADERS_JSON = 1000

ROUTES.extend(
    [
        _route("GET", "/EventTypes", "webhooks_list_event_types", "webhooks"),
        _route("GET", "/webhooks", "webhooks_list", "webhooks"),
        _route("POST", "/webhooks", "webhooks_create", "webhooks"),
        _route("PUT", "/webhooks", "webhooks_update", "webhooks"),
        _route("GET", "/webhooks/count", "webhooks_count", "webhooks"),
        _route("GET", "/webhooks/{event_type}", "webhooks_get", "webhooks"),
        _route("DELETE", "/webhooks/{event_type}", "webhooks_delete", "webhooks"),
    ]
)


def validate_openapi_body(body, schema_name):
    """Violations of ``body`` against the published spec's ``schema_name``, as (field, message),
    by the fake's generic OpenAPI validator (which checks every request before its handler)."""
    service = openapi.service("webhooks")
    return [
        (schema.format_path(error.path), error.message)
        for error in service.validate(
            body, {"$ref": f"#/components/schemas/{schema_name}"}, mode="write"
        )
    ]


class WebhooksMixin:
    """Webhooks state, endpoints and event delivery of the fake."""

    def _init_webhooks(self):
        self.webhooks = {}  # event type -> webhook document
        self.webhook_superuser = True  # the grant has the SuperUser role
        self.webhook_allow_http = False  # the spec allows HTTPS only; the local demo needs http
        self.webhook_deliveries = []  # every event produced: {url, headers, body, event}
        self.webhook_sender = None  # callable(delivery); the HTTP server delivers in a thread
        self._webhook_versions = {}

    def _webhooks_state(self):
        if not hasattr(self, "webhooks"):
            self._init_webhooks()

    # ----------------------------------------------------------------- endpoints
    def _webhook_problem(self, status, title, code, errors=None):
        return self._problem(status, title, code, errors=errors)

    def _webhook_guard(self):
        self._webhooks_state()
        if not self.webhook_superuser:
            return self._webhook_problem(
                403,
                "Access forbidden. The grant lacks the role SuperUser.",
                "Forbidden",
            )
        return None

    def webhooks_list_event_types(self, request):
        return 200, copy.deepcopy(EVENT_TYPES), {}

    def webhooks_list(self, request):
        refused = self._webhook_guard()
        if refused:
            return refused
        return 200, {"items": [self._render_webhook(w) for w in self.webhooks.values()]}, {}

    def webhooks_count(self, request):
        refused = self._webhook_guard()
        if refused:
            return refused
        return 200, len(self.webhooks), {}

    def webhooks_get(self, request, event_type):
        refused = self._webhook_guard()
        if refused:
            return refused
        if event_type not in self.webhooks:
            return self._webhook_problem(404, "Resource not found.", "ResourceNotFound")
        return 200, self._render_webhook(self.webhooks[event_type]), {}

    def webhooks_delete(self, request, event_type):
        refused = self._webhook_guard()
        if refused:
            return refused
        if self.webhooks.pop(event_type, None) is None:
            return self._webhook_problem(404, "Resource not found.", "ResourceNotFound")
        return 204, None, {}

    def webhooks_create(self, request):
        refused = self._webhook_guard() or self._webhook_invalid(request.json)
        if refused:
            return refused
        body = request.json
        if body["eventType"] in self.webhooks:
            return self._webhook_problem(
                400,
                "Validation failed.",
                "WebhookAlreadyExistsForEventType",
                [
                    {
                        "errorCode": "WebhookAlreadyExistsForEventType",
                        "message": "A webhook for this event type already exists.",
                        "property": "eventType",
                    }
                ],
            )
        self._store_webhook(body)
        return 201, {"eventType": body["eventType"]}, {}

    def webhooks_update(self, request):
        refused = self._webhook_guard() or self._webhook_invalid(request.json)
        if refused:
            return refused
        body = request.json
        current = self.webhooks.get(body["eventType"])
        if current is None:
            return self._webhook_problem(404, "Resource not found.", "ResourceNotFound")
        if body.get("objectVersion") != current["objectVersion"]:
            return self._webhook_problem(
                409, "Update conflict. Object version does not match.", "Conflict"
            )
        self._store_webhook(body)
        return 204, None, {}

    def _webhook_invalid(self, body):
        """A 400 problem when ``body`` breaks the spec or its documented rules, else None."""
        # The body was checked against the spec's Webhook schema before the handler ran
        # (FakeEconomic._openapi_refusal): here only the rules the spec states in words.
        if not isinstance(body, dict):
            return self._webhook_problem(400, "Validation failed.", "InvalidBody")
        rule = None
        names = {event["name"] for event in EVENT_TYPES}
        url = body["url"]
        headers = body.get("customHeaders") or []
        if body["eventType"] not in names:
            rule = ("WebhookInvalidType", "eventType", "Unknown event type.")
        elif "://" not in url or " " in url:
            rule = ("WebhookInvalidUrl", "url", "The URL has invalid format.")
        elif not url.startswith("https://") and not (
            self.webhook_allow_http and url.startswith("http://")
        ):
            rule = ("WebhookInvalidUrlScheme", "url", "Only HTTPS is allowed.")
        elif len(headers) > MAX_CUSTOM_HEADERS:
            rule = ("WebhookCustomHeadersTooMany", "customHeaders", "At most 5 headers.")
        elif len(json.dumps(headers)) > MAX_CUSTOM_HEADERS_JSON:
            rule = ("WebhookCustomHeadersTooLong", "customHeaders", "Headers too long.")
        elif any(
            any(c in (h.get("key") or "") + (h.get("value") or "") for c in "\r\n") for h in headers
        ):
            rule = ("WebhookCustomHeaderInvalid", "customHeaders", "Invalid characters.")
        if rule:
            code, field, message = rule
            return self._webhook_problem(
                400,
                "Validation failed.",
                code,
                [{"errorCode": code, "message": message, "property": field}],
            )
        return None

    def _store_webhook(self, body):
        event_type = body["eventType"]
        version = self._webhook_versions.get(event_type, 0) + 1
        self._webhook_versions[event_type] = version
        stored = {
            key: copy.deepcopy(body[key])
            for key in ("eventType", "name", "url", "contentType", "postData", "customHeaders")
            if key in body
        }
        stored["isDisabled"] = bool(body.get("isDisabled"))
        stored["lastUpdated"] = self.clock.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")
        stored["objectVersion"] = str(version)
        self.webhooks[event_type] = stored

    def _render_webhook(self, webhook):
        body = copy.deepcopy(webhook)
        if not body.get("isDisabled"):
            body.pop("isDisabled", None)  # booleans only when true
        return body

    # ----------------------------------------------------------------- events
    def webhook_event(self, event_type, **merge_fields):
        """Produce ``event_type`` as e-conomic would: delivered when a webhook wants it.

        :return: the delivery (dict) or None when no active webhook listens
        """
        self._webhooks_state()
        webhook = self.webhooks.get(event_type)
        if not webhook or webhook.get("isDisabled"):
            return None
        body = {
            "eventType": event_type,
            "eventId": str(uuid.uuid4()),
            "occurredAt": self.clock.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
            **merge_fields,
        }
        headers = {"Content-Type": webhook.get("contentType") or "application/json"}
        for header in webhook.get("customHeaders") or []:
            headers[header["key"]] = header["value"]
        delivery = {
            "url": webhook["url"],
            "headers": headers,
            "body": json.dumps(body).encode("utf-8"),
            "event": body,
        }
        self.webhook_deliveries.append(delivery)
        if self.webhook_sender:
            self.webhook_sender(delivery)
        return delivery

    # hooks on the state changes that have an event type
    def book_draft(self, draft_number, book_with_number=None):
        number = super().book_draft(draft_number, book_with_number)
        self.webhook_event("INVOICE_BOOKED", bookedInvoiceNumber=number)
        return number

    def put_customer(self, request, number):
        result = super().put_customer(request, number)
        if result[0] < 300:
            self.webhook_event("CUSTOMER_UPDATED", customerNumber=result[1].get("customerNumber"))
        return result

    def edit_customer(self, number, **changes):
        result = super().edit_customer(number, **changes)
        self.webhook_event("CUSTOMER_UPDATED", customerNumber=number)
        return result


def deliver_in_thread(delivery, timeout=10):
    """POST one delivery to its URL in a daemon thread (the HTTP server mode's sender)."""

    def post():
        import urllib.request  # noqa: PLC0415 - only the server mode posts

        request = urllib.request.Request(
            delivery["url"], data=delivery["body"], headers=delivery["headers"], method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
                delivery["status"] = answer.status
        except Exception as exc:  # noqa: BLE001 - a failed delivery is only recorded
            delivery["status"] = getattr(exc, "code", None) or repr(exc)

    thread = threading.Thread(target=post, daemon=True)
    thread.start()
    return thread
