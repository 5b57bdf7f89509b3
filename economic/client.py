# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""EconomicClient: the one choke point for every call to e-conomic, plus endpoint methods.

Both Legacy REST (``api="rest"``) and the OpenAPI services (``api="projects"``) go through
``request()``: auth headers, JSON, timeout, retries with backoff, typed errors, rate-limit
headers and redacted logging. Writes are retried only with a caller-supplied idempotency key.
"""

import email.utils
import json as jsonlib
import logging
import random
import re
import threading
import time
import urllib.parse
from datetime import datetime, timezone
from typing import NamedTuple

import requests
from requests.structures import CaseInsensitiveDict

from . import const, filters
from .exceptions import (
    EconomicError,
    MissingModuleError,
    RateLimitedError,
    TransportError,
    error_from_response,
)
from .filters import encode_path_id

_logger = logging.getLogger(__name__)

_RATE_LIMIT_RE = re.compile(r"token-limit-(\d+)-per-(\d+)-seconds:\s*(\d+)\s*/\s*(\d+)")
_TRANSPORT_ERRORS = (
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    requests.exceptions.ChunkedEncodingError,
)


class RateLimit(NamedTuple):
    """Parsed ``X-RateLimiting`` / ``X-CallCost``: ``used`` of ``limit`` tokens per ``window`` s."""

    used: int | None
    limit: int | None
    window: int | None
    call_cost: int | None

    @property
    def remaining(self):
        if self.limit is None or self.used is None:
            return None
        return max(self.limit - self.used, 0)


class EconomicResponse(NamedTuple):
    status: int
    headers: dict
    data: object  # parsed JSON, or None (empty body or raw=True)
    content: bytes
    from_cache: bool  # X-ResultFromCache: a replay of an earlier write with the same key


def parse_rate_limit(headers):
    """RateLimit from response headers, or None when e-conomic sent neither header."""
    limiting = headers.get(const.RATE_LIMIT_HEADER)
    cost = headers.get(const.CALL_COST_HEADER)
    if limiting is None and cost is None:
        return None
    match = _RATE_LIMIT_RE.search(limiting or "")
    limit, window, used = (
        (int(match[1]), int(match[2]), int(match[3])) if match else (None, None, None)
    )
    cost = int(cost) if cost and cost.strip().isdigit() else None
    return RateLimit(used=used, limit=limit, window=window, call_cost=cost)


def parse_http_date(value):
    """An HTTP ``Date`` header as a naive UTC datetime, or None."""
    if not value:
        return None
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def parse_retry_after(value, now=None):
    """Seconds to wait from a Retry-After header (seconds or HTTP-date); None if absent.

    Not capped here: the retry loop decides (``const.RETRY_AFTER_CAP``).
    """
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - (now or datetime.now(timezone.utc))).total_seconds()
    return max(seconds, 0.0)


class EconomicClient:
    """Client for one e-conomic agreement (one pair of tokens).

    Thread-safe, so that several requests can be in flight at once (economic/parallel.py):
    without a ``session`` given, each thread uses its own ``requests.Session``; the counters
    and the rate-limit state are updated under a lock. A 429 holds every thread of the
    client until its Retry-After has passed (``hold_until``), so a batch slows down as a
    whole instead of each request hitting the limit in turn.
    """

    sleep = staticmethod(time.sleep)  # patched by tests to avoid waiting

    def __init__(
        self,
        app_secret_token,
        agreement_grant_token,
        *,
        rest_url=const.REST_URL,
        openapi_url=const.OPENAPI_URL,
        timeout=const.DEFAULT_TIMEOUT,
        max_retries=const.DEFAULT_MAX_RETRIES,
        session=None,
    ):
        self._tokens = (app_secret_token or "", agreement_grant_token or "")
        self.rest_url = rest_url.rstrip("/")
        self.openapi_url = openapi_url.rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self._shared_session = session
        self._local = threading.local()
        self._lock = threading.Lock()
        self.rate_limit = None
        self.call_count = 0
        self.throttled = 0  # 429 answers received (InFlight reads it to size its batches)
        # monotonic time before which no thread sends (after a 429), and the thread that
        # received it (it waits its own Retry-After as a retry already)
        self.hold_until = 0.0
        self._hold_owner = None

    @property
    def session(self):
        """The session of the calling thread (the one given to the constructor, if any)."""
        if self._shared_session is not None:
            return self._shared_session
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def __repr__(self):
        return f"<EconomicClient {self.rest_url}>"

    # ------------------------------------------------------------------ choke point

    def request(
        self,
        method,
        path,
        *,
        params=None,
        json=None,
        idempotency_key=None,
        api="rest",
        raw=False,
    ):
        """Send one call (with retries) and return an EconomicResponse.

        :param path: path under the API base (``/customers/1``) or an absolute link that
            e-conomic returned (only its path and query are used: tokens never leave our bases)
        :param idempotency_key: sent as ``Idempotency-Key``; makes POST/PUT/DELETE retryable
        :param api: ``"rest"`` or an OpenAPI service name of ``const.OPENAPI_SERVICES``
        :param raw: do not parse the body as JSON (PDFs)
        :raise EconomicError: a subclass per failure (see exceptions.py)
        """
        method = method.upper()
        url = self._url(path, api)
        headers = {
            const.APP_SECRET_HEADER: self._tokens[0],
            const.AGREEMENT_GRANT_HEADER: self._tokens[1],
            "Accept": "*/*" if raw else const.JSON_CONTENT_TYPE,
            "Content-Type": const.JSON_CONTENT_TYPE,
        }
        if idempotency_key:
            headers[const.IDEMPOTENCY_HEADER] = idempotency_key
        may_retry = method in const.SAFE_METHODS or bool(idempotency_key)
        body = jsonlib.dumps(json).encode() if json is not None else None
        log_path = self._redact(urllib.parse.urlsplit(url)._replace(scheme="", netloc="").geturl())
        attempt = 0
        waited = 0.0
        while True:
            attempt += 1
            hold = self._hold_remaining()
            if hold > 0:
                if waited + hold > const.RETRY_WAIT_BUDGET:
                    raise RateLimitedError(
                        "e-conomic asked to slow down for longer than a request may wait.",
                        status=429,
                        method=method,
                        path=log_path,
                        retry_after=hold,
                    )
                waited += hold
                self.sleep(hold)
            outcome = self._attempt(method, url, params, body, headers, raw, log_path)
            if isinstance(outcome, EconomicResponse):
                return outcome
            error = outcome
            retry = (
                may_retry
                and attempt <= self.max_retries
                and (isinstance(error, TransportError) or error.status in const.RETRYABLE_STATUSES)
            )
            delay = self._backoff(attempt, error.retry_after) if retry else None
            if error.status == 429:
                self._hold(delay if delay is not None else error.retry_after)
            if delay is None or waited + delay > const.RETRY_WAIT_BUDGET:
                # longer than we may hold a job: the caller's own schedule retries later
                raise error
            waited += delay
            _logger.info(
                "e-conomic %s %s failed (%s), retry %d/%d in %.1f s",
                method,
                log_path,
                error.status or type(error).__name__,
                attempt,
                self.max_retries,
                delay,
            )
            self.sleep(delay)

    def _thread_token(self):
        """An object unique to the calling thread (thread idents are reused, these are not)."""
        token = getattr(self._local, "token", None)
        if token is None:
            token = self._local.token = object()
        return token

    def _hold_remaining(self):
        """Seconds this thread must wait before sending (another thread's 429)."""
        with self._lock:
            if self._hold_owner is self._thread_token():
                return 0.0
            return max(0.0, self.hold_until - time.monotonic())

    def _hold(self, seconds):
        """After a 429: no thread of this client sends for ``seconds``."""
        with self._lock:
            self.throttled += 1
            until = time.monotonic() + (seconds or 0.0)
            if until > self.hold_until:
                self.hold_until = until
                self._hold_owner = self._thread_token()

    def _attempt(self, method, url, params, body, headers, raw, log_path):
        """One HTTP exchange: an EconomicResponse on success, else the error to raise/retry."""
        with self._lock:
            self.call_count += 1
        started = time.monotonic()
        try:
            # no redirects: requests would forward our token headers to any other host
            response = self.session.request(
                method,
                url,
                params=params,
                data=body,
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
            )
        except _TRANSPORT_ERRORS as exc:
            _logger.info(
                "e-conomic %s %s: %s: %s",
                method,
                log_path,
                type(exc).__name__,
                self._redact(str(exc))[:300],
            )
            return TransportError(
                f"e-conomic could not be reached ({type(exc).__name__}).",
                method=method,
                path=log_path,
            )
        duration = (time.monotonic() - started) * 1000
        rate_limit = parse_rate_limit(response.headers)
        if rate_limit is not None:
            with self._lock:
                self.rate_limit = rate_limit
        content = response.content or b""
        status = response.status_code
        data = None
        if content and (status >= 300 or not raw):
            try:
                data = jsonlib.loads(self._redact(content.decode("utf-8", "replace")))
            except ValueError:
                if status < 300:
                    _logger.info("e-conomic %s %s -> %s, not JSON", method, log_path, status)
                    return EconomicError(
                        "e-conomic returned a response that is not JSON.",
                        status=status,
                        method=method,
                        path=log_path,
                    )
        if status >= 300:
            error = error_from_response(
                status,
                data,
                method=method,
                path=log_path,
                retry_after=parse_retry_after(response.headers.get(const.RETRY_AFTER_HEADER)),
            )
            _logger.info(
                "e-conomic %s %s -> %s in %.0f ms (log id %s, code %s)",
                method,
                log_path,
                status,
                duration,
                error.log_id,
                error.code,
            )
            return error
        from_cache = response.headers.get(const.FROM_CACHE_HEADER, "").lower() == "true"
        _logger.debug(
            "e-conomic %s %s -> %s in %.0f ms%s",
            method,
            log_path,
            status,
            duration,
            " (from cache)" if from_cache else "",
        )
        response_headers = CaseInsensitiveDict(response.headers)
        return EconomicResponse(status, response_headers, data, content, from_cache)

    def _url(self, path, api):
        if api == "rest":
            base = self.rest_url
        elif api in const.OPENAPI_SERVICES:
            base = f"{self.openapi_url}/{const.OPENAPI_SERVICES[api]}"
        else:
            raise ValueError(f"Unknown e-conomic API {api!r}")
        if "://" in path:
            # a link from a response: keep our base (never send tokens to another host)
            if not path.startswith(base + "/"):
                parts = urllib.parse.urlsplit(path)
                base_path = urllib.parse.urlsplit(base).path
                relative = parts.path.removeprefix(base_path) if base_path else parts.path
                path = relative + (f"?{parts.query}" if parts.query else "")
            else:
                return path
        return f"{base}/{path.lstrip('/')}"

    def _backoff(self, attempt, retry_after):
        """Seconds before the next attempt, or None when e-conomic asks for more than the cap.

        A Retry-After is honoured whatever the status that carries it (429, 503...).
        """
        if retry_after is not None:
            return retry_after if retry_after <= const.RETRY_AFTER_CAP else None
        return random.uniform(0, min(const.BACKOFF_CAP, const.BACKOFF_BASE * 2 ** (attempt - 1)))

    def _redact(self, text):
        for token in self._tokens:
            if token:
                text = text.replace(token, const.REDACTED)
        return text

    # ------------------------------------------------------------------ paging

    def iter_collection(self, path, *, filter=None, sort=None, pagesize=const.PAGE_SIZE):
        """Yield every item of a Legacy REST collection, following ``pagination.nextPage``."""
        params = {"skippages": 0, "pagesize": pagesize}
        if filter is not None:
            params["filter"] = str(filter)
        if sort:
            params["sort"] = sort
        seen = set()
        while path:
            data = self.request("GET", path, params=params).data or {}
            yield from data.get("collection") or []
            path = (data.get("pagination") or {}).get("nextPage")
            params = None  # nextPage carries paging, filter and sort
            if path in seen:
                raise EconomicError("e-conomic returned the same next page twice.")
            seen.add(path)

    def iter_cursor(self, path, *, filter=None, api="projects"):
        """Yield every item of an OpenAPI cursor listing (``{items, cursor}``)."""
        params = {"filter": str(filter)} if filter is not None else {}
        while True:
            data = self.request("GET", path, params=params or None, api=api).data or {}
            yield from data.get("items") or []
            if not data.get("cursor") or data["cursor"] == params.get("cursor"):
                return
            params = {**params, "cursor": data["cursor"]}

    # ------------------------------------------------------------------ endpoints

    def _get(self, path, **kwargs):
        return self.request("GET", path, **kwargs).data

    def _get_pdf(self, path):
        return self.request("GET", path, raw=True).content

    def _write(self, method, path, payload, idempotency_key, api="rest"):
        return self.request(
            method, path, json=payload, idempotency_key=idempotency_key, api=api
        ).data

    def get_self(self):
        return self._get("/self")

    def list_customers(self, filter=None):
        return list(self.iter_collection("/customers", filter=filter))

    def count_customers(self):
        """How many customers the agreement has: one read of a one-item page."""
        data = self._get("/customers", params={"pagesize": 1}) or {}
        results = (data.get("pagination") or {}).get("results")
        return len(data.get("collection") or []) if results is None else int(results)

    def get_customer(self, number):
        return self._get(f"/customers/{encode_path_id(number)}")

    def create_customer(self, payload, *, idempotency_key):
        return self._write("POST", "/customers", payload, idempotency_key)

    def update_customer(self, number, payload, *, idempotency_key):
        """PUT replaces the whole customer: send the complete document."""
        return self._write("PUT", f"/customers/{encode_path_id(number)}", payload, idempotency_key)

    def list_customer_groups(self):
        return list(self.iter_collection("/customer-groups"))

    def list_payment_terms(self):
        return list(self.iter_collection("/payment-terms"))

    def list_vat_zones(self):
        return list(self.iter_collection("/vat-zones"))

    def list_layouts(self):
        return list(self.iter_collection("/layouts"))

    def list_units(self):
        return list(self.iter_collection("/units"))

    def list_product_groups(self):
        return list(self.iter_collection("/product-groups"))

    def list_products(self, filter=None):
        return list(self.iter_collection("/products", filter=filter))

    def get_product(self, number):
        return self._get(f"/products/{encode_path_id(number)}")

    def create_product(self, payload, *, idempotency_key):
        return self._write("POST", "/products", payload, idempotency_key)

    def update_product(self, number, payload, *, idempotency_key):
        """PUT replaces the whole product: send the complete document."""
        return self._write("PUT", f"/products/{encode_path_id(number)}", payload, idempotency_key)

    def list_employees(self, filter=None):
        return list(self.iter_collection("/employees", filter=filter))

    def create_employee(self, payload, *, idempotency_key):
        """projectsapi POST /Employees; returns ``{"number": n}``."""
        return self._write("POST", "/Employees", payload, idempotency_key, api="projects")

    def get_project_employee(self, number):
        """projectsapi employee, with the ``objectVersion`` an update needs."""
        return self._get(f"/Employees/{encode_path_id(number)}", api="projects")

    def update_employee(self, payload, *, idempotency_key):
        """projectsapi PUT /Employees (number and current objectVersion in the payload)."""
        return self._write("PUT", "/Employees", payload, idempotency_key, api="projects")

    def list_employee_groups(self):
        return list(self.iter_cursor("/EmployeeGroups"))

    def get_customer_invoice_template(self, number):
        """A draft invoice body prefilled from the customer (recipient, terms, layout...)."""
        return self._get(f"/customers/{encode_path_id(number)}/templates/invoice")

    def get_customer_invoice_line_template(self, number, product_number, quantity=None):
        path = (
            f"/customers/{encode_path_id(number)}/templates/invoiceline/"
            f"{encode_path_id(product_number)}"
        )
        return self._get(path, params={"quantity": quantity} if quantity is not None else None)

    def create_draft(self, payload, *, idempotency_key):
        return self._write("POST", "/invoices/drafts", payload, idempotency_key)

    def get_draft(self, number):
        return self._get(f"/invoices/drafts/{encode_path_id(number)}")

    def list_drafts(self, filter=None):
        """Collection items carry no ``lines``; use get_draft() for them."""
        return list(self.iter_collection("/invoices/drafts", filter=filter))

    def list_drafts_changed(self, since):
        """Drafts whose ``lastUpdated`` is at or after ``since`` (UTC ``datetime``), and the
        number of drafts on the agreement (``pagination.resultsWithoutFilter``).

        ``lastUpdated`` is filterable on drafts (schema) but not sortable, so the listing is
        not sorted. One call per 1000 changed drafts.
        [3P] the filter value is a timestamp ``2024-01-01T00:00:00Z``: documented for
        customers only; e-conomic answers drafts' ``lastUpdated`` in that form too.

        :return: (list of draft summaries without lines, total drafts on the agreement,
            e-conomic's clock at the first page as a naive UTC datetime from the standard
            HTTP ``Date`` header, or None without one)
        """
        flt = filters.gte("lastUpdated", since.strftime("%Y-%m-%dT%H:%M:%SZ"))
        params = {"skippages": 0, "pagesize": const.PAGE_SIZE, "filter": str(flt)}
        path, items, total, seen, server_now = "/invoices/drafts", [], None, set(), None
        while path:
            response = self.request("GET", path, params=params)
            data = response.data or {}
            if server_now is None:
                server_now = parse_http_date(response.headers.get("Date"))
            items.extend(data.get("collection") or [])
            pagination = data.get("pagination") or {}
            if total is None:
                total = pagination.get("resultsWithoutFilter")
            path = pagination.get("nextPage")
            params = None
            if path in seen:
                raise EconomicError("e-conomic returned the same next page twice.")
            seen.add(path)
        return items, total, server_now

    def update_draft(self, number, payload, *, idempotency_key):
        """PUT replaces the whole draft, lines included."""
        path = f"/invoices/drafts/{encode_path_id(number)}"
        return self._write("PUT", path, payload, idempotency_key)

    def delete_draft(self, number, *, idempotency_key):
        path = f"/invoices/drafts/{encode_path_id(number)}"
        return self._write("DELETE", path, None, idempotency_key)

    def add_draft_lines(self, number, lines, *, idempotency_key):
        path = f"/invoices/drafts/{encode_path_id(number)}/lines"
        return self._write("POST", path, {"lines": list(lines)}, idempotency_key)

    def get_draft_pdf(self, number):
        return self._get_pdf(f"/invoices/drafts/{encode_path_id(number)}/pdf")

    def book_draft(self, number, *, idempotency_key):
        """Book the draft with e-conomic's own number series (no ``bookWithNumber``)."""
        payload = {"draftInvoice": {"draftInvoiceNumber": int(number)}}
        return self._write("POST", "/invoices/booked", payload, idempotency_key)

    def get_booked(self, number):
        return self._get(f"/invoices/booked/{encode_path_id(number)}")

    def list_booked(self, filter=None):
        return list(self.iter_collection("/invoices/booked", filter=filter))

    def get_booked_pdf(self, number):
        return self._get_pdf(f"/invoices/booked/{encode_path_id(number)}/pdf")

    # Webhooks API v1.0.0 (the Webhooks endpoints need the agreement's SuperUser role)

    def list_event_types(self):
        """``[{name, description, mergeFields}]``: the event types webhooks can listen to."""
        return self._get("/EventTypes", api="webhooks") or []

    def list_webhooks(self):
        return list(self.iter_cursor("/webhooks", api="webhooks"))

    def create_webhook(self, payload, *, idempotency_key):
        return self._write("POST", "/webhooks", payload, idempotency_key, api="webhooks")

    def update_webhook(self, payload, *, idempotency_key):
        """PUT the whole webhook; ``payload`` carries the current ``objectVersion``."""
        return self._write("PUT", "/webhooks", payload, idempotency_key, api="webhooks")

    def delete_webhook(self, event_type, *, idempotency_key):
        return self.request(
            "DELETE",
            f"/webhooks/{urllib.parse.quote(event_type, safe='')}",
            idempotency_key=idempotency_key,
            api="webhooks",
        ).data

    def has_project_module(self):
        """Whether the agreement has the Project module (time entries need it)."""
        try:
            self.request("GET", "/Projects/count", api="projects")
        except MissingModuleError:
            return False
        return True
