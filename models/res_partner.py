# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Customers in e-conomic: which partners are customers, and how they map to e-conomic.

Which partners are customers: the partners of projects and the partners marked "e-conomic
customer", as commercial entities (companies, or individuals without a parent company), minus
those marked "Leave out of e-conomic". Partners already linked stay in scope.

The mapping follows e-conomic's rules: PUT replaces the whole document, so the payload of a
linked customer is built on its current e-conomic document with our fields laid over;
``null`` is never sent (empty values are omitted) and booleans only when true. The run itself
(batches, matching gate, sending) is ``economic.master.sync``.
"""

import hashlib
import json
import re

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Domain
from odoo.tools import SQL

from .economic_sync_mixin import SYNC_WRITING_KEY, valid_economic_number

CUSTOMER_NUMBER_MAX = 999999999
# The connector's own bookkeeping on a partner (economic.sync.mixin): no partner logic
# depends on them, so the sync writes them straight to the table (_economic_write_rows).
BOOKKEEPING_FIELDS = frozenset(
    {
        "economic_number",
        "economic_company_id",
        "economic_state",
        "economic_need_sync",
        "economic_sync_date",
        "economic_error",
        "economic_log_id",
        "economic_idempotency_key",
        "economic_create_sent",
    }
)

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
    """A cleaned document without links (``self``): e-conomic's answers and our payloads
    differ only in those."""
    if isinstance(document, dict):
        return {key: _comparable(value) for key, value in document.items() if key != "self"}
    if isinstance(document, list):
        return [_comparable(item) for item in document]
    return document


def customer_document_holds(remote, payload, keys=None):
    """Whether e-conomic's customer document ``remote`` already holds ``payload``.

    :param keys: compare these properties only (default: all but the read-only ones)
    """
    if keys is None:
        held = {key: value for key, value in remote.items() if key not in CUSTOMER_READONLY_KEYS}
    else:
        held = {key: remote.get(key) for key in keys}
        payload = {key: payload.get(key) for key in keys}
    return _comparable(_clean(held)) == _comparable(_clean(payload))


def document_digest(payload):
    """A short fingerprint of a document (distinguishes two writes under one stored key)."""
    text = json.dumps(payload, sort_keys=True, ensure_ascii=True)
    return hashlib.sha1(text.encode()).hexdigest()[:12]  # noqa: S324 (not for security)


def _ref_number(reference, key):
    return (reference or {}).get(key) if isinstance(reference, dict) else None


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
            partner._economic_check_number_digits(partner.economic_number)
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

    def _economic_check_number_digits(self, number):
        if not valid_economic_number(number.strip(), CUSTOMER_NUMBER_MAX):
            raise ValidationError(
                self.env._(
                    "The e-conomic customer number “%(number)s” of %(partner)s is not "
                    "valid: e-conomic accepts digits only, from 1 to 999999999.",
                    number=number,
                    partner=self.display_name,
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
        if self and BOOKKEEPING_FIELDS.issuperset(vals):
            self._economic_write_rows(dict.fromkeys(self.ids, vals))
            return True
        # Sync bookkeeping is not worth a tracking pass over the partner's address fields.
        return super(ResPartner, self.with_context(tracking_disable=True))._economic_write(vals)

    def _economic_write_rows(self, rows):
        """The connector's bookkeeping fields of many partners in one UPDATE.

        res.partner's write() costs milliseconds per partner that a customer export pays
        three times per customer (key, create in doubt, outcome): it re-reads the partner,
        its users, children and commercial partner to sync commercial and address fields,
        none of which these fields touch, and none of them is tracked. So they go straight
        to the table, with what write() would do for them: access check, pending values
        flushed first, write_date/write_uid, cache invalidated, dependents notified,
        constraints checked.
        """
        rows = {record_id: self._economic_normalize_vals(vals) for record_id, vals in rows.items()}
        names = sorted({name for vals in rows.values() for name in vals})
        if not rows or not BOOKKEEPING_FIELDS.issuperset(names):
            return super()._economic_write_rows(rows)
        records = self.browse(list(rows))
        records.check_access("write")
        for name in names:
            records._check_field_access(self._fields[name], "write")
        # What _check_economic_customer_number checks of a number the sync writes (its
        # digits; e-conomic and the link's unique index vouch for the rest), on the values
        # at hand rather than on the partners read back.
        for record_id, vals in rows.items():
            if vals.get("economic_number"):
                self.browse(record_id)._economic_check_number_digits(vals["economic_number"])
        # Pending ORM values of these partners first (write_date among them: it is
        # invalidated below).
        records.flush_recordset()
        write_dates = {}
        now = self.env.cr.now()
        by_names = {}
        for record_id, vals in rows.items():
            by_names.setdefault(tuple(sorted(vals)), []).append(record_id)
        for group_names, record_ids in by_names.items():
            group_fields = [self._fields[name] for name in group_names]
            values = SQL(", ").join(
                SQL(
                    "(%s, %s)",
                    record_id,
                    SQL(", ").join(
                        SQL(
                            "%s::%s",
                            field.convert_to_column(rows[record_id][field.name], records),
                            SQL(field.column_type[1]),
                        )
                        for field in group_fields
                    ),
                )
                for record_id in record_ids
            )
            self.env.cr.execute(
                SQL(
                    "UPDATE %(table)s AS t SET %(assign)s, write_date = %(now)s, "
                    "write_uid = %(uid)s FROM (VALUES %(values)s) AS v(id, %(columns)s) "
                    "WHERE t.id = v.id RETURNING t.id, t.write_date",
                    table=SQL.identifier(self._table),
                    assign=SQL(", ").join(
                        SQL("%s = v.%s", SQL.identifier(name), SQL.identifier(name))
                        for name in group_names
                    ),
                    now=now,
                    uid=self.env.uid,
                    values=values,
                    columns=SQL(", ").join(SQL.identifier(name) for name in group_names),
                )
            )
            write_dates.update(self.env.cr.fetchall())
        records.invalidate_recordset([*names, "write_date", "write_uid"], flush=False)
        records.modified(names)
        records.with_context(**{SYNC_WRITING_KEY: True})._validate_fields(
            names, excluded_names={"economic_number"}
        )
        return write_dates

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
        customer without a country gets the default VAT zone of Settings.
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
        names = ({} if cache is None else cache).setdefault("country_names", {})
        if self.country_id.id not in names:
            lang = company.partner_id.lang or self.env.lang
            names[self.country_id.id] = self.country_id.with_context(lang=lang).name
        return names[self.country_id.id]

    def _economic_customer_values(self, company, cache=None):
        """The customer properties that Odoo owns, False where Odoo has no value."""
        self.ensure_one()
        address = "\n".join(part for part in (self.street, self.street2) if part)
        email = re.sub(r"[,;\s]+", " ", self.email or "").strip()
        return {
            "name": (self.name or "").strip() or False,
            "address": address or False,
            "zip": self.zip or False,
            "city": self.city or False,
            "country": self._economic_country_name(company, cache),
            "email": email or False,
            "telephoneAndFaxNumber": self.phone or False,
            "website": self.website or False,
            "corporateIdentificationNumber": self._economic_cvr(),
            "ean": (self.economic_ean or "").strip() or False,
            "vatZone": {"vatZoneNumber": self._economic_vat_zone_number(company, cache)},
        }

    def _economic_prepare_payload(self, company, remote=None, cache=None):
        """The complete customer document to send.

        :param company: the company whose agreement receives it
        :param remote: the current e-conomic document of a linked customer (from a batch read);
            its properties that Odoo does not own (layout, credit limit, sales person, ...) are
            kept, because a PUT replaces the whole document
        :param cache: a dict kept over a batch (country names, VAT zone countries)
        :return: a document without empty values or false booleans
        """
        self.ensure_one()
        document = {
            key: value for key, value in (remote or {}).items() if key not in CUSTOMER_READONLY_KEYS
        }
        for key, value in self._economic_customer_values(company, cache).items():
            if value:
                document[key] = value
            else:
                document.pop(key, None)
        # Currency, group and terms: set on creation; afterwards e-conomic's choice is kept
        # unless the customer has an explicit pricelist in Odoo.
        pricelist = self.with_company(company).specific_property_product_pricelist
        if pricelist.currency_id or "currency" not in document:
            document["currency"] = (pricelist.currency_id or company.currency_id).name
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
        Country = self.env["res.country"]
        if not name:
            return Country
        key = name.strip().casefold()
        countries = ({} if cache is None else cache).setdefault("countries_by_name", {})
        if key not in countries:
            code = DANISH_COUNTRY_NAMES.get(key)
            country = Country.search([("code", "=", code)], limit=1) if code else Country
            if not country and len(key) == 2:
                country = Country.search([("code", "=ilike", key)], limit=1)
            for lang in {"en_US", self.env.lang or "en_US"}:
                if country:
                    break
                country = Country.with_context(lang=lang).search(
                    [("name", "=ilike", name.strip())], limit=1
                )
            countries[key] = country.id
        return Country.browse(countries[key])

    @api.model
    def _economic_prepare_vals(self, payload, company, cache=None):
        """Odoo values for an e-conomic customer document (e-conomic -> Odoo direction).

        :param cache: a dict kept over a batch (countries by name, VAT zone countries)
        """
        lines = (payload.get("address") or "").splitlines()
        country = self._economic_country_from_name(payload.get("country"), cache)
        vals = {
            "name": payload.get("name") or False,
            "street": lines[0] if lines else False,
            "street2": " ".join(lines[1:]) or False,
            "zip": payload.get("zip") or False,
            "city": payload.get("city") or False,
            "country_id": country.id or False,
            "email": payload.get("email") or False,
            "phone": payload.get("telephoneAndFaxNumber") or payload.get("mobilePhone") or False,
            "website": payload.get("website") or False,
            "company_registry": payload.get("corporateIdentificationNumber") or False,
            "economic_ean": payload.get("ean") or False,
        }
        zone = _ref_number(payload.get("vatZone"), "vatZoneNumber")
        if zone:
            derived = self.new({"country_id": country.id})._economic_derived_vat_zone(
                company, cache
            )
            # Only a zone that differs from the derived one is worth storing.
            vals["economic_vat_zone"] = str(zone) if zone != derived else False
        return vals

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
            lambda partner: (
                not partner.economic_exclude
                and partner.economic_company_id in (company, no_company)
                and partner.company_id in (company, no_company)
            )
        )

    def _economic_is_linked(self, company):
        self.ensure_one()
        return bool(self.economic_company_id == company and self.economic_number)

    # === ENTRY POINTS (the run is economic.master.sync) === #

    @api.model
    def _cron_economic_sync_master_data(self):
        return self.env["economic.master.sync"]._economic_sync_master_data()

    def _economic_export_customers(self, company, client, run, progress=False):
        """Create or update these partners as customers in ``company``'s agreement.

        Used by every code path that needs customers in e-conomic (the master-data run, draft
        invoices of projects); see ``economic.master.sync._economic_export_customers``.
        Commits: yes (keys before sending, each outcome after its call): call it only from
        a cron or a cron-style loop.

        :return: the commercial partners that are linked and up to date in e-conomic
        """
        return self.env["economic.master.sync"]._economic_export_customers(
            self, company, client, run, progress=progress
        )
