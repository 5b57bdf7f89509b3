# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Products come from e-conomic: imported as service products, price kept current.

e-conomic is the master of products (new products are created in e-conomic): the sync reads
the products changed since the newest ``lastUpdated`` it has seen and creates, updates,
archives (barred) or restores the Odoo products. Product groups stay in e-conomic; the group
number is shown on the product for reference.
"""

import logging

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..economic import filters as economic_filters
from .res_partner import parse_economic_datetime

_logger = logging.getLogger(__name__)

# e-conomic unit names (lower case) that mean hours
HOUR_UNIT_NAMES = frozenset({"timer", "time", "hours", "hour", "t", "hrs"})


class ProductTemplate(models.Model):
    _name = "product.template"
    _inherit = ["product.template", "economic.sync.mixin"]

    economic_last_updated = fields.Datetime(
        string="Changed in e-conomic",
        copy=False,
        readonly=True,
        help="When e-conomic last changed this product (its lastUpdated).",
    )
    economic_product_group = fields.Integer(
        string="e-conomic Product Group",
        copy=False,
        readonly=True,
        help="Product group in e-conomic; it decides the VAT and accounts there.",
    )

    def _economic_synced_fields(self):
        # e-conomic is the master of products: editing one in Odoo sends nothing.
        return []

    # === MAPPING === #

    @api.model
    def _economic_uom_for_unit(self, unit_name, cache):
        """Odoo unit of measure for an e-conomic unit name: "timer" is Hours."""
        key = (unit_name or "").strip().casefold()
        if key not in cache:
            uom = self.env["uom.uom"]
            if key in HOUR_UNIT_NAMES:
                uom = self.env.ref("uom.product_uom_hour")
            elif key:
                uom = uom.search([("name", "=ilike", key)], limit=1)
            cache[key] = (uom or self.env.ref("uom.product_uom_unit")).id
        return cache[key]

    @api.model
    def _economic_product_values(self, remote, company, unit_names, uom_cache):
        unit_number = (remote.get("unit") or {}).get("unitNumber")
        unit_name = (remote.get("unit") or {}).get("name") or unit_names.get(unit_number)
        return {
            "name": remote.get("name") or remote["productNumber"],
            "default_code": remote["productNumber"],
            "list_price": remote.get("salesPrice") or 0.0,
            "type": "service",
            "uom_id": self._economic_uom_for_unit(unit_name, uom_cache),
            "active": not remote.get("barred"),
            "economic_product_group": (remote.get("productGroup") or {}).get(
                "productGroupNumber"
            )
            or 0,
            "economic_last_updated": parse_economic_datetime(remote.get("lastUpdated")),
        }

    def _economic_changed_values(self, values):
        self.ensure_one()
        changed = {}
        for name, value in values.items():
            current = self[name]
            field = self._fields[name]
            if field.type == "many2one":
                current = current.id
            if field.type == "float":
                if abs((current or 0.0) - (value or 0.0)) < 0.005:
                    continue
            elif (current or False) == (value or False):
                continue
            changed[name] = value
        return changed

    # === SYNC === #

    @api.model
    def _economic_sync_products(self, company, client, run):
        """Import the products of ``company``'s agreement changed since the last sync.

        Linked products are found by their link, unlinked ones by internal reference =
        product number (products of this company or shared ones). One read per 1000 changed
        products; nothing is written in Odoo for products that did not change.

        :raise AuthenticationError, RateLimitedError: passed to the caller (stops the run)
        """
        Template = self.sudo().with_context(active_test=False)
        cron = self.env["ir.cron"]
        linked = Template.search([("economic_company_id", "=", company.id)])
        seen = [date for date in linked.mapped("economic_last_updated") if date]
        cursor = max(seen) if seen else None
        # gte: products changed within the newest second are read again (a no-op).
        flt = economic_filters.gte("lastUpdated", cursor) if cursor else None
        remote_products = client.list_products(filter=flt)
        if not remote_products:
            return
        by_number = {template.economic_number: template for template in linked}
        numbers = [product["productNumber"] for product in remote_products]
        by_code = {}
        for template in Template.search(
            [
                ("economic_company_id", "=", False),
                ("default_code", "in", numbers),
                ("company_id", "in", [company.id, False]),
            ],
            order="company_id, id",
        ):
            by_code.setdefault(template.default_code, template)
        unit_names = {}
        if any(
            (product.get("unit") or {}).get("unitNumber")
            and not (product.get("unit") or {}).get("name")
            for product in remote_products
        ):
            unit_names = {unit["unitNumber"]: unit.get("name") for unit in client.list_units()}
        uom_cache = {}
        for remote in remote_products:
            number = remote["productNumber"]
            values = self._economic_product_values(remote, company, unit_names, uom_cache)
            template = by_number.get(number)
            try:
                with self.env.cr.savepoint():
                    if template:
                        self._economic_update_product(template, values, run)
                    elif by_code.get(number):
                        template = by_code[number]
                        template.write(values)
                        template._economic_set_synced(number, company)
                        template._economic_log(
                            self.env._(
                                "Linked to e-conomic product %(number)s (same internal "
                                "reference).",
                                number=number,
                            )
                        )
                        run._economic_count("linked")
                    elif not remote.get("barred"):
                        template = Template.create(dict(values, company_id=company.id))
                        template._economic_set_synced(number, company)
                        template._economic_log(
                            self.env._(
                                "Created from e-conomic product %(number)s.", number=number
                            )
                        )
                        run._economic_count("created")
            except (ValueError, ValidationError, UserError) as exc:
                _logger.info("e-conomic product %s not imported: %s", number, exc)
                if template:
                    template._economic_set_error(exc, run=run)
                else:
                    run._economic_count("errors")
                    run._economic_add_issue(
                        company.partner_id,
                        self.env._(
                            "e-conomic product %(number)s could not be imported: %(error)s",
                            number=number,
                            error=str(exc),
                        ),
                    )
            cron._commit_progress()

    @api.model
    def _economic_update_product(self, template, values, run):
        changed = template._economic_changed_values(values)
        if not changed:
            return
        template.write(changed)
        template._economic_set_synced()
        notes = []
        if "list_price" in changed:
            notes.append(
                self.env._("sales price %(price)s", price=f"{changed['list_price']:.2f}")
            )
        if "active" in changed:
            notes.append(
                self.env._("restored") if changed["active"] else self.env._("barred: archived")
            )
        other = set(changed) - {"list_price", "active", "economic_last_updated"}
        if other:
            labels = template.fields_get(sorted(other), ["string"])
            notes.append(", ".join(labels[name]["string"] for name in sorted(other)))
        if notes:
            template._economic_log(
                self.env._(
                    "Updated from e-conomic product %(number)s: %(changes)s.",
                    number=template.economic_number,
                    changes="; ".join(notes),
                )
            )
            run._economic_count("updated")
