# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Customers in e-conomic, and the master-data run (products, employees, customers).

Which partners are customers: the partners of projects and the partners marked "e-conomic
customer", as commercial entities (companies, or individuals without a parent company), minus
those marked "Leave out of e-conomic". Partners already linked stay in scope.

Writes follow e-conomic's rules: PUT replaces the whole document, so an update reads the
current documents in batches (one call per 200 customers) and sends them back with our fields
laid over; ``null`` is never sent (empty values are omitted) and booleans only when true.
"""

import hashlib
import json
import logging
import re
import uuid
from datetime import datetime, timedelta

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain

from ..economic import exceptions as economic_errors
from ..economic import filters as economic_filters
from .economic_sync_mixin import SYNC_WRITING_KEY, economic_error_text

_logger = logging.getLogger(__name__)

# Customers handled per cron call; the cron re-triggers itself while more remain.
ECONOMIC_BATCH = 200
CUSTOMER_NUMBER_MAX = 999999999
CUSTOMER_NUMBER_RE = re.compile(r"^[0-9]+$")

VAT_ZONE_DOMESTIC = 1
VAT_ZONE_EU = 2
VAT_ZONE_ABROAD = 3
VAT_ZONE_EXEMPT = 4

# Customer properties e-conomic computes or serves as links: never sent back on a PUT.
CUSTOMER_READONLY_KEYS = frozenset(
    {
        "self",
        "balance",
        "dueAmount",
        "lastUpdated",
        "contacts",
        "deliveryLocations",
        "templates",
        "totals",
        "invoices",
        "metaData",
        "eInvoicingDisabledByDefault",  # PATCH only
    }
)
# Properties whose value comes from Odoo; an empty Odoo value removes them from the document.
CUSTOMER_MAPPED_KEYS = (
    "name",
    "address",
    "zip",
    "city",
    "country",
    "email",
    "telephoneAndFaxNumber",
    "website",
    "corporateIdentificationNumber",
    "ean",
    "vatZone",
)

# e-conomic stores the country as free text, usually the Danish name: the common ones.
DANISH_COUNTRY_NAMES = {
    "danmark": "DK",
    "sverige": "SE",
    "norge": "NO",
    "tyskland": "DE",
    "finland": "FI",
    "island": "IS",
    "færøerne": "FO",
    "grønland": "GL",
    "storbritannien": "GB",
    "england": "GB",
    "holland": "NL",
    "nederlandene": "NL",
    "belgien": "BE",
    "frankrig": "FR",
    "spanien": "ES",
    "italien": "IT",
    "polen": "PL",
    "østrig": "AT",
    "schweiz": "CH",
    "irland": "IE",
    "portugal": "PT",
    "estland": "EE",
    "letland": "LV",
    "litauen": "LT",
    "usa": "US",
    "forenede stater": "US",
}


def _clean(value):
    """Drop ``None``/empty values and false booleans, recursively (e-conomic's write rules)."""
    if isinstance(value, dict):
        cleaned = {}
        for key, item in value.items():
            item = _clean(item)
            if item is None or item is False or item == "" or item == {} or item == []:
                continue
            cleaned[key] = item
        return cleaned
    if isinstance(value, list):
        return [_clean(item) for item in value]
    return value


def _comparable(document):
    """A document without links (``self``), as e-conomic's answers and our payloads differ
    only in those."""
    if isinstance(document, dict):
        return {key: _comparable(value) for key, value in document.items() if key != "self"}
    if isinstance(document, list):
        return [_comparable(item) for item in document]
    return document


def _digest(payload):
    text = json.dumps(payload, sort_keys=True, ensure_ascii=True)
    return hashlib.sha1(text.encode()).hexdigest()[:12]  # noqa: S324 (not for security)


def _ref_number(reference, key):
    return (reference or {}).get(key) if isinstance(reference, dict) else None


def parse_economic_datetime(value):
    """``2024-10-17T14:09:30Z`` (e-conomic's lastUpdated) -> naive UTC datetime, or None."""
    if not value:
        return None
    try:
        return datetime.strptime(value[:19], "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return None


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = ["res.partner", "economic.sync.mixin"]

    economic_is_customer = fields.Boolean(
        string="e-conomic Customer",
        copy=False,
        help="Send this partner to e-conomic as a customer, even if it has no project.",
    )
    economic_exclude = fields.Boolean(
        string="Leave out of e-conomic",
        copy=False,
        help="Never send this partner to e-conomic, even if it is the customer of a project.",
    )
    economic_ean = fields.Char(
        string="EAN",
        copy=False,
        help="EAN (GLN) location number for electronic invoices to public institutions.",
    )
    economic_vat_zone = fields.Selection(
        [
            ("1", "Domestic"),
            ("2", "EU"),
            ("3", "Abroad"),
            ("4", "Domestic, VAT exempt"),
        ],
        string="e-conomic VAT Zone",
        help="Leave empty to derive it from the country: Denmark is domestic, other EU "
        "countries EU, everything else abroad.",
    )

    # === CONSTRAINTS === #

    @api.constrains("economic_number", "economic_company_id", "company_id")
    def _check_economic_customer_number(self):
        for partner in self.filtered("economic_number"):
            number = partner.economic_number.strip()
            if not CUSTOMER_NUMBER_RE.match(number):
                raise ValidationError(
                    self.env._(
                        "The e-conomic customer number “%(number)s” of %(partner)s is not "
                        "valid: e-conomic accepts digits only (a number from 1 to 999999999).",
                        number=partner.economic_number,
                        partner=partner.display_name,
                    )
                )
            if not 1 <= int(number) <= CUSTOMER_NUMBER_MAX:
                raise ValidationError(
                    self.env._(
                        "The e-conomic customer number “%(number)s” of %(partner)s is out of "
                        "range: e-conomic accepts digits only, from 1 to 999999999.",
                        number=partner.economic_number,
                        partner=partner.display_name,
                    )
                )
            if self.env.context.get(SYNC_WRITING_KEY):
                continue  # a number e-conomic gave: unique there, and by the link's index here
            company = partner.economic_company_id or partner.company_id or self.env.company
            same = self.with_context(active_test=False).search(
                [
                    ("id", "!=", partner.id),
                    ("economic_number", "=", partner.economic_number),
                    "|",
                    ("economic_company_id", "=", company.id),
                    "&",
                    ("economic_company_id", "=", False),
                    ("company_id", "in", [company.id, False]),
                ],
                limit=1,
            )
            if same:
                raise ValidationError(
                    self.env._(
                        "The e-conomic customer number %(number)s is already used by "
                        "%(other)s in %(company)s.",
                        number=partner.economic_number,
                        other=same.display_name,
                        company=company.name,
                    )
                )

    # === SYNC HOOKS === #

    def _economic_synced_fields(self):
        return [
            "name",
            "street",
            "street2",
            "zip",
            "city",
            "country_id",
            "email",
            "phone",
            "website",
            "vat",
            "company_registry",
            "economic_ean",
            "economic_vat_zone",
            "economic_number",
            "economic_is_customer",
            "economic_exclude",
            "parent_id",
            "is_company",
        ]

    @api.model
    def _economic_normalize_vals(self, vals):
        if isinstance(vals.get("economic_number"), str):
            vals = dict(vals, economic_number=vals["economic_number"].strip() or False)
        return vals

    @api.model_create_multi
    def create(self, vals_list):
        return super().create([self._economic_normalize_vals(vals) for vals in vals_list])

    def write(self, vals):
        return super().write(self._economic_normalize_vals(vals))

    def _economic_write(self, vals):
        # Sync bookkeeping is not worth a tracking pass over the partner's address fields.
        return super(ResPartner, self.with_context(tracking_disable=True))._economic_write(vals)

    # === MAPPING ODOO -> E-CONOMIC === #

    def _economic_cvr(self):
        """The CVR sent as ``corporateIdentificationNumber``.

        The partner's company registry ("CVR" for Danish partners) when set; otherwise, for a
        Danish partner, its VAT number without the ``DK`` prefix and spaces.
        """
        self.ensure_one()
        if self.company_registry:
            return self.company_registry.strip()
        if self.vat and (not self.country_id or self.country_id.code == "DK"):
            digits = re.sub(r"[^0-9]", "", self.vat.upper().removeprefix("DK"))
            if len(digits) == 8:
                return digits
        return False

    def _economic_vat_zone_number(self, company=None, cache=None):
        """The e-conomic VAT zone number of this customer (1 domestic, 2 EU, 3 abroad, 4 exempt).

        The zone set on the customer wins; otherwise it follows the country: the company's own
        country (Denmark) is domestic, other EU countries EU, every other country abroad. A
        customer without a country is domestic.
        """
        self.ensure_one()
        if self.economic_vat_zone:
            return int(self.economic_vat_zone)
        return self._economic_derived_vat_zone(company, cache)

    def _economic_derived_vat_zone(self, company=None, cache=None):
        """VAT zone from the country (see ``_economic_vat_zone_number``).

        :param cache: a dict kept over a batch, so the company's country and the EU
            countries are read once
        """
        self.ensure_one()
        company = company or self.economic_company_id or self.env.company
        cache = {} if cache is None else cache
        if "vat_zone_countries" not in cache:
            default = company.sudo().economic_vat_zone_id
            europe = self.env.ref("base.europe", raise_if_not_found=False)
            cache["vat_zone_countries"] = (
                (company.country_id or self.env.ref("base.dk")).id,
                set(europe.country_ids.ids) if europe else set(),
                default._economic_int_code() if default else VAT_ZONE_DOMESTIC,
            )
        home_id, europe_ids, default_zone = cache["vat_zone_countries"]
        country_id = self.country_id.id
        if not country_id:
            return default_zone
        if country_id == home_id:
            return VAT_ZONE_DOMESTIC
        if country_id in europe_ids:
            return VAT_ZONE_EU
        return VAT_ZONE_ABROAD

    def _economic_currency_code(self, company):
        """ISO code of the currency to invoice this customer in: an explicit pricelist's, else
        the company's."""
        self.ensure_one()
        pricelist = self.with_company(company).specific_property_product_pricelist
        return (pricelist.currency_id or company.currency_id).name

    def _economic_country_name(self, company, cache=None):
        """The country as e-conomic stores it: its name in the company's language."""
        self.ensure_one()
        if not self.country_id:
            return False
        cache = {} if cache is None else cache
        if self.country_id.id not in cache:
            lang = company.partner_id.lang or self.env.lang
            cache[self.country_id.id] = self.country_id.with_context(lang=lang).name
        return cache[self.country_id.id]

    def _economic_customer_values(self, company, country_names=None):
        """The customer properties that Odoo owns, False where Odoo has no value."""
        self.ensure_one()
        address = "\n".join(part for part in (self.street, self.street2) if part)
        email = re.sub(r"[,;\s]+", " ", self.email or "").strip()
        return {
            "name": (self.name or "").strip() or False,
            "address": address or False,
            "zip": self.zip or False,
            "city": self.city or False,
            "country": self._economic_country_name(company, country_names),
            "email": email or False,
            "telephoneAndFaxNumber": self.phone or False,
            "website": self.website or False,
            "corporateIdentificationNumber": self._economic_cvr(),
            "ean": (self.economic_ean or "").strip() or False,
            "vatZone": {"vatZoneNumber": self._economic_vat_zone_number(company, country_names)},
        }

    def _economic_customer_document(self, company, remote=None, country_names=None):
        """The complete customer document to send.

        :param remote: the current e-conomic document of a linked customer (from a batch read);
            its properties that Odoo does not own (layout, credit limit, sales person, ...) are
            kept, because a PUT replaces the whole document
        :return: a document without empty values or false booleans
        """
        self.ensure_one()
        document = {
            key: value
            for key, value in (remote or {}).items()
            if key not in CUSTOMER_READONLY_KEYS
        }
        for key, value in self._economic_customer_values(company, country_names).items():
            if value:
                document[key] = value
            else:
                document.pop(key, None)
        # Currency, group and terms: set on creation; afterwards e-conomic's choice is kept
        # unless the customer has an explicit pricelist in Odoo.
        pricelist = self.with_company(company).specific_property_product_pricelist
        if pricelist.currency_id or "currency" not in document:
            document["currency"] = self._economic_currency_code(company)
        if not _ref_number(document.get("customerGroup"), "customerGroupNumber"):
            group = company.economic_customer_group_id
            if group:
                document["customerGroup"] = {"customerGroupNumber": group._economic_int_code()}
        if not _ref_number(document.get("paymentTerms"), "paymentTermsNumber"):
            terms = company.economic_payment_terms_id
            if terms:
                document["paymentTerms"] = {"paymentTermsNumber": terms._economic_int_code()}
        if self.economic_number:
            document["customerNumber"] = int(self.economic_number)
        return _clean(document)

    # === MAPPING E-CONOMIC -> ODOO === #

    @api.model
    def _economic_country_from_name(self, name, cache=None):
        """res.country for e-conomic's free-text country (Danish or English name, or code)."""
        if not name:
            return self.env["res.country"]
        key = name.strip().casefold()
        if cache is None:
            cache = {}
        if key not in cache:
            code = DANISH_COUNTRY_NAMES.get(key)
            country = self.env["res.country"]
            if code:
                country = country.search([("code", "=", code)], limit=1)
            if not country and len(key) == 2:
                country = country.search([("code", "=ilike", key)], limit=1)
            if not country:
                for lang in {"en_US", self.env.lang or "en_US"}:
                    country = (
                        self.env["res.country"]
                        .with_context(lang=lang)
                        .search([("name", "=ilike", name.strip())], limit=1)
                    )
                    if country:
                        break
            cache[key] = country.id
        return self.env["res.country"].browse(cache[key])

    def _economic_odoo_values(self, remote, company, country_cache=None):
        """Odoo values for an e-conomic customer document (e-conomic -> Odoo direction)."""
        lines = (remote.get("address") or "").splitlines()
        country = self._economic_country_from_name(remote.get("country"), country_cache)
        values = {
            "name": remote.get("name") or False,
            "street": lines[0] if lines else False,
            "street2": " ".join(lines[1:]) or False,
            "zip": remote.get("zip") or False,
            "city": remote.get("city") or False,
            "country_id": country.id or False,
            "email": remote.get("email") or False,
            "phone": remote.get("telephoneAndFaxNumber") or remote.get("mobilePhone") or False,
            "website": remote.get("website") or False,
            "company_registry": remote.get("corporateIdentificationNumber") or False,
            "economic_ean": remote.get("ean") or False,
        }
        zone = _ref_number(remote.get("vatZone"), "vatZoneNumber")
        if zone:
            derived = self.new({"country_id": country.id})._economic_derived_vat_zone(company)
            values["economic_vat_zone"] = str(zone) if zone != derived else False
        return values

    def _economic_changed_values(self, values):
        """The subset of ``values`` that differs from the record."""
        self.ensure_one()
        changed = {}
        for name, value in values.items():
            current = self[name]
            if self._fields[name].type == "many2one":
                current = current.id
            if (current or False) != (value or False):
                changed[name] = value
        return changed

    # === WHICH PARTNERS ARE CUSTOMERS === #

    @api.model
    def _economic_project_customer_ids(self, company):
        projects = self.env["project.project"].sudo().with_context(active_test=False)
        groups = projects._read_group(
            [("partner_id", "!=", False), ("company_id", "in", [company.id, False])],
            ["partner_id"],
        )
        partners = self.browse([partner.id for (partner,) in groups])
        return partners.commercial_partner_id.ids

    @api.model
    def _economic_customer_domain(self, company):
        """Domain of the partners that are customers of ``company`` in e-conomic."""
        return Domain.AND(
            [
                Domain("parent_id", "=", False),
                Domain("economic_exclude", "=", False),
                Domain("company_id", "in", [company.id, False]),
                Domain("economic_company_id", "in", [company.id, False]),
                Domain("economic_is_customer", "=", True)
                | Domain("id", "in", self._economic_project_customer_ids(company))
                | Domain("economic_company_id", "=", company.id),
            ]
        )

    @api.model
    def _economic_pending_customers(self, company, run=None, limit=None):
        """Customers to send: new or changed in Odoo (``economic_need_sync``).

        :param run: the running customer run; customers that failed with a temporary error
            during it (e-conomic unreachable) wait for the next run instead of looping
        """
        domain = self._economic_customer_domain(company) & Domain("economic_need_sync", "=", True)
        if run:
            failed = run.issue_ids.filtered(lambda issue: issue.res_model == self._name)
            domain &= Domain("id", "not in", failed.mapped("res_id"))
        return self.search(domain, limit=limit, order="id")

    def _economic_customer_targets(self, company):
        """These partners as e-conomic customers: commercial entities, in scope of ``company``."""
        no_company = self.env["res.company"]
        return self.commercial_partner_id.filtered(
            lambda partner: not partner.economic_exclude
            and partner.economic_company_id in (company, no_company)
            and partner.company_id in (company, no_company)
        )

    def _economic_is_linked(self, company):
        self.ensure_one()
        return bool(self.economic_company_id == company and self.economic_number)

    # === MATCHING GATE === #

    @api.model
    def _economic_customer_matching_ready(self, company, client):
        """Whether customers may be created in ``company``'s agreement without duplicates.

        True once the matching proposal was confirmed, or when the agreement has no customer
        at all (then it is recorded as matched: everything is simply created). Costs one read
        (a page of one customer) until then.
        """
        if company.economic_customers_matched:
            return True
        response = client.request("GET", "/customers", params={"pagesize": 1})
        data = response.data or {}
        results = (data.get("pagination") or {}).get("results")
        if results is None:
            results = len(data.get("collection") or [])
        if results:
            return False
        company.sudo().economic_customers_matched = True
        return True

    @api.model
    def _economic_matching_needed_text(self):
        return self.env._(
            "The e-conomic agreement already has customers: open Settings > e-conomic > "
            "Match customers and confirm the proposal. Until then no customer is sent to "
            "e-conomic, so that none is created twice."
        )

    # === ODOO -> E-CONOMIC === #

    def _economic_export_customers(self, company, client, run, progress=False):
        """Create or update these partners as customers in ``company``'s agreement.

        Used by every code path that needs customers in e-conomic (the master-data run, draft
        invoices of projects). Contact persons are replaced by their commercial partner;
        partners left out of e-conomic or linked to another company are ignored. Customers
        that are linked and unchanged cost nothing; customers in error are not retried until
        they are edited.

        Commits: yes. The idempotency keys of the customers to send are stored and committed
        before anything is sent, and each customer's outcome is committed after its call,
        through ``ir.cron._commit_progress`` (which also commits the caller's pending changes).
        Call it only from a cron or a cron-style loop whose previous work may be committed,
        never from a user request that could still roll back.

        :param company: res.company whose agreement receives the customers
        :param client: its EconomicClient
        :param run: economic.run that counts the outcome and lists the failures
        :param progress: count each customer as processed work of the running cron (the
            master-data cron) and stop when the cron's time is up
        :return: the commercial partners that are linked and up to date in e-conomic
        :raise AuthenticationError: the tokens were refused; the customer being sent stays
            pending, nothing is marked synced that was not
        :raise RateLimitedError: the rate limit outlasted the client's retries; the customer
            being sent and the rest stay pending for the next run
        """
        partners = self._economic_customer_targets(company)
        cron = self.env["ir.cron"]
        done = partners.filtered(
            lambda partner: partner._economic_is_linked(company)
            and not partner.economic_need_sync
            and partner.economic_state == "synced"
        )
        todo = (partners - done).filtered(
            lambda partner: partner.economic_need_sync
            or (partner.economic_state != "error" and not partner._economic_is_linked(company))
        )
        if not todo:
            return done
        if not self._economic_customer_matching_ready(company, client):
            message = self._economic_matching_needed_text()
            todo.filtered(lambda partner: partner.economic_error != message)._economic_write(
                {"economic_error": message}
            )
            cron._commit_progress()
            return done
        for partner in todo.filtered(lambda partner: not partner.economic_idempotency_key):
            partner._economic_write({"economic_idempotency_key": uuid.uuid4().hex})
        # Keys are safe before the first call: after a crash, a restart sends the same keys.
        cron._commit_progress()
        linked = todo.filtered(lambda partner: partner._economic_is_linked(company))
        remote_documents = self._economic_read_customers(client, linked.mapped("economic_number"))
        country_names = {}
        log_bodies = {}
        try:
            for partner in todo:
                # One record at a time: each commit empties the cache, and prefetching the
                # whole batch again for every record would cost more than it saves.
                partner = partner.with_prefetch()
                try:
                    with self.env.cr.savepoint():
                        log_bodies[partner.id] = partner._economic_push_customer(
                            company, client, run, remote_documents, country_names
                        )
                except (economic_errors.AuthenticationError, economic_errors.RateLimitedError):
                    raise
                except (economic_errors.EconomicError, UserError, psycopg2.IntegrityError) as exc:
                    # e-conomic refused it, or Odoo could not store the outcome (e.g. the
                    # number e-conomic gave is linked to another partner): this one only.
                    partner._economic_set_error(exc, run=run)
                else:
                    done |= partner
                remaining = cron._commit_progress(1 if progress else 0)
                if progress and not remaining:
                    break
        finally:
            # The chatter notes of the batch in one go (informational: written after the
            # outcomes they describe were committed).
            bodies = {key: body for key, body in log_bodies.items() if body}
            if bodies:
                self.browse(list(bodies)).sudo()._message_log_batch(bodies=bodies)
                cron._commit_progress()
        return done

    @api.model
    def _economic_read_customers(self, client, numbers):
        """Current documents of linked customers: one read per 200 numbers."""
        documents = {}
        numbers = sorted({int(number) for number in numbers if number})
        for chunk_filter in economic_filters.in_chunks("customerNumber", numbers):
            for document in client.list_customers(filter=chunk_filter):
                documents[str(document["customerNumber"])] = document
        return documents

    def _economic_push_customer(self, company, client, run, remote_documents, country_names=None):
        """Send one customer: a POST when not linked yet, else a PUT of the merged document.

        :return: the chatter note telling what was done, or None when nothing was sent
        """
        self.ensure_one()
        if not self._economic_is_linked(company):
            document = self._economic_customer_document(company, country_names=country_names)
            response = client.request(
                "POST", "/customers", json=document, idempotency_key=self.economic_idempotency_key
            )
            entity = response.data or {}
            number = entity.get("customerNumber")
            if not number:
                raise economic_errors.EconomicError(
                    self.env._("e-conomic did not return a customer number.")
                )
            self._economic_set_synced(number, company)
            # A replayed answer (same key after a lost response) may predate an edit: keep the
            # customer pending when e-conomic does not hold what Odoo has now.
            if response.from_cache and _comparable(
                _clean({key: entity.get(key) for key in CUSTOMER_MAPPED_KEYS})
            ) != _comparable(_clean({key: document.get(key) for key in CUSTOMER_MAPPED_KEYS})):
                self._economic_write({"economic_need_sync": True, "economic_state": "pending"})
            run._economic_count("created")
            return self.env._("Created in e-conomic as customer %(number)s.", number=number)
        remote = remote_documents.get(self.economic_number)
        document = self._economic_customer_document(company, remote, country_names)
        held = {key: value for key, value in (remote or {}).items()
                if key not in CUSTOMER_READONLY_KEYS}
        if remote is not None and _comparable(document) == _comparable(_clean(held)):
            # e-conomic already holds exactly this: no write needed.
            self._economic_set_synced(self.economic_number, company)
            return None
        client.request(
            "PUT",
            f"/customers/{int(self.economic_number)}",
            json=document,
            # The stored key plus the document: a retry of this very write is recognised,
            # a later different write is not answered from e-conomic's cache.
            idempotency_key=f"{self.economic_idempotency_key}-{_digest(document)}",
        )
        self._economic_set_synced(self.economic_number, company)
        if remote is None:
            run._economic_count("created")
            return self.env._(
                "Customer %(number)s was missing in e-conomic and has been created again.",
                number=self.economic_number,
            )
        run._economic_count("updated")
        return self.env._("Updated customer %(number)s in e-conomic.", number=self.economic_number)

    # === E-CONOMIC -> ODOO === #

    @api.model
    def _economic_pull_customers(self, company, client, run):
        """Create or update Odoo customers changed in e-conomic since the last pull.

        Conflict rule: a customer changed in Odoo since its last sync (still pending) is not
        updated from e-conomic: Odoo wins, and the export that follows sends Odoo's version.
        Commits after each batch and moves the cursor ``economic_customers_pulled_at`` to the
        newest ``lastUpdated`` seen.
        """
        cursor = company.economic_customers_pulled_at
        # gte: customers changed within the cursor's second are read again (a no-op).
        flt = economic_filters.gte("lastUpdated", cursor) if cursor else None
        newest = cursor
        country_cache = {}
        cron = self.env["ir.cron"]
        documents = client.list_customers(filter=flt)
        for start in range(0, len(documents), ECONOMIC_BATCH):
            chunk = documents[start : start + ECONOMIC_BATCH]
            linked = self.with_context(active_test=False)._economic_search_linked(
                company, [document["customerNumber"] for document in chunk]
            )
            by_number = {partner.economic_number: partner for partner in linked}
            for document in chunk:
                number = str(document["customerNumber"])
                updated = parse_economic_datetime(document.get("lastUpdated"))
                if updated and (not newest or updated > newest):
                    newest = updated
                partner = by_number.get(number)
                try:
                    with self.env.cr.savepoint():
                        self._economic_pull_customer(
                            company, document, partner, run, country_cache
                        )
                except (ValidationError, ValueError) as exc:
                    _logger.info("e-conomic customer %s not pulled: %s", number, exc)
                    message = self.env._(
                        "e-conomic customer %(number)s could not be copied to Odoo: %(error)s",
                        number=number,
                        error=str(exc),
                    )
                    run._economic_count("errors")
                    run._economic_add_issue(partner or company.partner_id, message)
            if newest != cursor:
                company.sudo().economic_customers_pulled_at = newest
            cron._commit_progress()

    @api.model
    def _economic_pull_customer(self, company, document, partner, run, country_cache):
        number = document["customerNumber"]
        values = self._economic_odoo_values(document, company, country_cache)
        writer = {SYNC_WRITING_KEY: True}
        if partner:
            if partner.economic_need_sync:
                # Changed on both sides since the last run: Odoo wins.
                run._economic_count("skipped")
                return
            changed = partner._economic_changed_values(values)
            if not changed:
                return
            partner.with_context(**writer).write(changed)
            partner._economic_set_synced(number, company)
            labels = partner.fields_get(list(changed), ["string"])
            partner._economic_log(
                self.env._(
                    "Updated from e-conomic customer %(number)s: %(fields)s.",
                    number=number,
                    fields=", ".join(labels[name]["string"] for name in changed),
                )
            )
            run._economic_count("updated")
            return
        values = {key: value for key, value in values.items() if value}
        values.update(is_company=True, economic_is_customer=True)
        partner = self.with_context(**writer).create(values)
        partner._economic_set_synced(number, company)
        partner._economic_log(
            self.env._("Created from e-conomic customer %(number)s.", number=number)
        )
        run._economic_count("created")

    # === MASTER-DATA RUN === #

    @api.model
    def _cron_economic_sync_master_data(self):
        return self._economic_sync_master_data()

    @api.model
    def _economic_sync_master_data(self, companies=None):
        """Products, then employees, then customers, for every company that is due.

        A company is due when its sync interval has passed since ``economic_master_synced_at``
        (cleared by "Sync now"), or while its customer export is unfinished. Each call sends at
        most ``ECONOMIC_BATCH`` customers per company and re-triggers the cron when more
        remain. Commits as it goes (cron progress).

        :param companies: restrict to these companies (default: those with sync enabled)
        :return: True when work remains (the cron has been re-triggered)
        """
        if companies is None:
            companies = self.env["res.company"]._economic_enabled_companies()
        more = False
        for company in companies.sudo():
            if self._economic_master_data_due(company):
                more |= self._economic_sync_company_master_data(company)
        if more:
            cron = self.env.ref(
                "economic_connector.ir_cron_economic_sync_master_data", raise_if_not_found=False
            )
            if cron:
                cron.sudo()._trigger()
        return more

    @api.model
    def _economic_running_customer_run(self, company):
        return self.env["economic.run"].sudo().search(
            [
                ("company_id", "=", company.id),
                ("kind", "=", "customers"),
                ("state", "=", "running"),
            ],
            order="id desc",
            limit=1,
        )

    @api.model
    def _economic_master_data_due(self, company):
        if self._economic_running_customer_run(company):
            return True
        last = company.economic_master_synced_at
        if not last:
            return True
        interval = company.economic_sync_interval or 360
        return fields.Datetime.now() >= last + timedelta(minutes=interval)

    @api.model
    def _economic_sync_company_master_data(self, company):
        """One call's share of a company's master-data run.

        The first call of a run syncs products and employees, pulls customers (both ways) and
        opens the customer run; each call then sends one batch of pending customers. The
        customer run stays "running" until no customer is pending, which is how the next call
        knows to continue it.

        :return: True when customers remain for another call
        """
        cron = self.env["ir.cron"]
        Run = self.env["economic.run"]
        run = self._economic_running_customer_run(company)
        try:
            client = company._economic_client()
            if not run:
                run = Run._economic_start(company, "products")
                cron._commit_progress()
                self.env["product.template"]._economic_sync_products(company, client, run)
                run._economic_finish()
                cron._commit_progress()
                run = Run._economic_start(company, "employees")
                cron._commit_progress()
                self.env["hr.employee"]._economic_sync_employees(company, client, run)
                run._economic_finish()
                cron._commit_progress()
                run = Run._economic_start(company, "customers")
                cron._commit_progress()
                if not self._economic_customer_matching_ready(company, client):
                    pending = self._economic_pending_customers(company)
                    run._economic_count("skipped", len(pending))
                    run._economic_finish(message=self._economic_matching_needed_text())
                    company.economic_master_synced_at = fields.Datetime.now()
                    cron._commit_progress()
                    return False
                if company.economic_customer_direction == "both":
                    self._economic_pull_customers(company, client, run)
            pending = self._economic_pending_customers(company, run)
            cron._commit_progress(remaining=len(pending))
            pending[:ECONOMIC_BATCH]._economic_export_customers(
                company, client, run, progress=True
            )
            if self._economic_pending_customers(company, run, limit=1):
                return True
        except (
            economic_errors.AuthenticationError,
            economic_errors.RateLimitedError,
            economic_errors.TransportError,
            economic_errors.ServerError,
            economic_errors.ForbiddenError,
            UserError,
        ) as exc:
            # Agreement-wide: stop this company's run with one message. What was committed
            # stays; the record being sent was not marked synced.
            self.env.cr.rollback()
            self._economic_stop_run(company, run, exc)
            return False
        run._economic_finish()
        company.economic_master_synced_at = fields.Datetime.now()
        cron._commit_progress()
        return False

    @api.model
    def _economic_stop_run(self, company, run, exc):
        """End the current run on an error that concerns the whole agreement."""
        message = economic_error_text(self.env, exc)
        _logger.warning("e-conomic master-data run of %s stopped: %s", company.name, exc)
        run = run.exists() if run else run
        if not run:
            run = self.env["economic.run"]._economic_start(company, "customers")
        run._economic_finish(message=message, failed=True)
        company.economic_master_synced_at = fields.Datetime.now()
        self.env["ir.cron"]._commit_progress()


class ResCompany(models.Model):
    _inherit = "res.company"

    economic_customers_matched = fields.Boolean(
        string="e-conomic Customers Matched",
        copy=False,
        help="Set when the customer matching proposal was confirmed, or when the first sync "
        "found the agreement without customers. Until then no customer is created in "
        "e-conomic.",
    )


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    def action_economic_sync_now(self):
        # The master-data run only syncs companies whose interval has passed: "Sync now"
        # makes this company due at once.
        self.company_id.sudo().economic_master_synced_at = False
        return super().action_economic_sync_now()
