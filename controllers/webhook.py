# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The route e-conomic's webhooks call: check, store in the inbox, answer at once.

Nothing is acted on here (the webhook job does that, re-reading e-conomic), so a request
costs one insert. Refused requests touch nothing and are logged without their secret.
"""

import hmac
import json
import logging

from odoo import http
from odoo.http import request

from ..models.economic_webhook import SECRET_HEADER, WEBHOOK_ROUTE

_logger = logging.getLogger(__name__)

EVENT_TYPE_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")  # spec: ^[A-Z0-9_]+$
MAX_BODY = 1_000_000


class EconomicWebhookController(http.Controller):
    _webhook_url = WEBHOOK_ROUTE

    @http.route(
        f"{WEBHOOK_ROUTE}/<int:company_id>/<string:event_type>",
        type="http",
        auth="none",
        methods=["POST"],
        csrf=False,
        save_session=False,
        readonly=False,
    )
    def economic_webhook(self, company_id, event_type, **_kwargs):
        env = request.env(su=True)
        company = env["res.company"].browse(company_id).exists()
        secret = company.economic_webhook_secret if company else None
        if not company or not secret or company.economic_webhook_state == "off":
            return self._refuse(404, "unknown agreement", company_id, event_type)
        given = request.httprequest.headers.get(SECRET_HEADER) or ""
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return self._refuse(403, "wrong secret", company_id, event_type)
        if not event_type or not set(event_type) <= EVENT_TYPE_CHARS:
            return self._refuse(400, "malformed event type", company_id, event_type)
        raw = request.httprequest.get_data(cache=False)
        if len(raw) > MAX_BODY:
            return self._refuse(413, "body too large", company_id, event_type)
        try:
            event = json.loads(raw.decode("utf-8")) if raw else {}
        except (UnicodeDecodeError, ValueError):
            return self._refuse(400, "malformed body", company_id, event_type)
        if not isinstance(event, dict):
            return self._refuse(400, "malformed body", company_id, event_type)
        if event.get("eventType") not in (None, event_type):
            return self._refuse(400, "event type differs from the URL", company_id, event_type)
        agreement = event.get("agreementNumber")
        known = company.economic_agreement_number
        if agreement is not None and known and str(agreement) != str(known):
            return self._refuse(403, "unknown agreement", company_id, event_type)
        stored = env["economic.webhook.event"]._economic_receive(company, event_type, raw, event)
        if not stored:
            _logger.info(
                "e-conomic webhook %s for company %s: duplicate ignored", event_type, company_id
            )
        return request.make_response("", status=204)

    def _refuse(self, status, reason, company_id, event_type):
        _logger.warning(
            "e-conomic webhook refused (%s): company %s, event type %.60r, from %s",
            reason,
            company_id,
            event_type,
            request.httprequest.remote_addr,
        )
        return request.make_json_response({"error": reason}, status=status)
