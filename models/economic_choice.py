# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""e-conomic's lists (customer groups, payment terms, ...) kept locally for the Settings form.

"Refresh lists" in Settings reloads them; the form keeps working when e-conomic is unreachable.
"""

from odoo import api, fields, models

CHOICE_KINDS = [
    ("customer_group", "Customer group"),
    ("payment_terms", "Payment terms"),
    ("vat_zone", "VAT zone"),
    ("layout", "Layout"),
    ("product", "Product"),
    ("employee_group", "Employee group"),
]


class EconomicChoice(models.Model):
    _name = "economic.choice"
    _description = "e-conomic List Value"
    _order = "company_id, kind, sequence, id"
    _rec_names_search = ["code", "name"]

    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    kind = fields.Selection(CHOICE_KINDS, required=True, index=True)
    code = fields.Char(
        required=True, help="The number of the value in e-conomic (products: product number)."
    )
    name = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    extra = fields.Json(
        help="Further e-conomic attributes, e.g. a payment term's type or a product's price."
    )
    active = fields.Boolean(default=True)

    _company_kind_code_unique = models.Constraint(
        "UNIQUE(company_id, kind, code)",
        "This e-conomic value is already listed for this company.",
    )

    @api.depends("code", "name", "kind", "extra")
    def _compute_display_name(self):
        for choice in self:
            label = f"{choice.code} - {choice.name}" if choice.code else choice.name or ""
            if choice.kind == "payment_terms" and choice._economic_term_type() == "dueDate":
                label = self.env._("%(label)s (due date)", label=label)
            choice.display_name = label

    def _economic_term_type(self):
        """e-conomic's ``paymentTermsType`` of a payment term (e.g. ``dueDate``)."""
        self.ensure_one()
        return (self.extra or {}).get("paymentTermsType")

    def _economic_int_code(self):
        """The number as an int, for the e-conomic payloads that want a number."""
        self.ensure_one()
        return int(self.code)

    @api.model
    def _economic_store(self, company, kind, values):
        """Replace the company's list of ``kind`` by ``values``.

        :param values: list of ``(code, name, extra)``; values no longer in e-conomic are
            archived (settings may still point to them) and reappearing ones are restored
        :return: number of values now active
        """
        existing = self.with_context(active_test=False).search(
            [("company_id", "=", company.id), ("kind", "=", kind)]
        )
        by_code = {choice.code: choice for choice in existing}
        seen = set()
        for sequence, (code, name, extra) in enumerate(values):
            code = str(code)
            seen.add(code)
            vals = {
                "name": name or code,
                "extra": extra or {},
                "sequence": sequence,
                "active": True,
            }
            choice = by_code.get(code)
            if choice:
                choice.write(vals)
            else:
                self.create(dict(vals, company_id=company.id, kind=kind, code=code))
        existing.filtered(lambda choice: choice.code not in seen and choice.active).write(
            {"active": False}
        )
        return len(seen)
