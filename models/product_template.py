# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Products come from e-conomic: imported as service products, price kept current.

e-conomic is the master of products (new products are created in e-conomic): the
master-data run (``economic.master.sync``) reads the products changed since the newest
``lastUpdated`` it has seen and creates, updates, archives (barred) or restores the Odoo
products with the values mapped here. Product groups stay in e-conomic; the group number is
shown on the product for reference.
"""

from odoo import api, fields, models
from odoo.tools import format_amount

from .economic_sync_mixin import parse_economic_datetime

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

    # === MAPPING E-CONOMIC -> ODOO === #

    @api.model
    def _economic_uom_for_unit(self, unit_name, cache):
        """Odoo unit of measure for an e-conomic unit name: "timer" is Hours."""
        key = (unit_name or "").strip().casefold()
        uoms = cache.setdefault("uoms", {})
        if key not in uoms:
            uom = self.env["uom.uom"]
            if key in HOUR_UNIT_NAMES:
                uom = self.env.ref("uom.product_uom_hour")
            elif key:
                uom = uom.search([("name", "=ilike", key)], limit=1)
            uoms[key] = (uom or self.env.ref("uom.product_uom_unit")).id
        return uoms[key]

    @api.model
    def _economic_prepare_vals(self, payload, company, cache=None):
        """Odoo values of an e-conomic product: a service product.

        :param cache: a dict kept over a run; ``unit_names`` maps e-conomic unit numbers to
            names when the products name their unit by number only
        """
        cache = {} if cache is None else cache
        unit = payload.get("unit") or {}
        unit_name = unit.get("name") or cache.get("unit_names", {}).get(unit.get("unitNumber"))
        return {
            "name": payload.get("name") or payload["productNumber"],
            "default_code": payload["productNumber"],
            "list_price": payload.get("salesPrice") or 0.0,
            "type": "service",
            "uom_id": self._economic_uom_for_unit(unit_name, cache),
            "active": not payload.get("barred"),
            "economic_product_group": (payload.get("productGroup") or {}).get("productGroupNumber")
            or 0,
            "economic_last_updated": parse_economic_datetime(payload.get("lastUpdated")),
        }

    def _economic_update_note(self, changed):
        """What an update from e-conomic changed, in words (empty when nothing worth
        telling, e.g. only ``lastUpdated``)."""
        self.ensure_one()
        notes = []
        if "list_price" in changed:
            price = format_amount(self.env, changed["list_price"], self.currency_id)
            notes.append(self.env._("sales price %(price)s", price=price))
        if "active" in changed:
            notes.append(
                self.env._("restored") if changed["active"] else self.env._("barred: archived")
            )
        other = sorted(set(changed) - {"list_price", "active", "economic_last_updated"})
        if other:
            labels = self.fields_get(other, ["string"])
            notes.append(", ".join(labels[name]["string"] for name in other))
        return "; ".join(notes)
