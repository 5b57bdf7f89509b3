# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Employees in step with e-conomic, both ways (the run is ``economic.master.sync``).

Every e-conomic field on hr.employee carries ``groups="hr.group_hr_user"`` (Odoo 19 rule):
users without HR rights read employees through hr.employee.public, and any field without
the group would make reading an employee's name fail for them (timesheets included).
"""

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .economic_sync_mixin import valid_economic_number

HR_GROUP = "hr.group_hr_user"
# projectsapi Employees limits
EMPLOYEE_NAME_MAX = 100
EMPLOYEE_EMAIL_MAX = 50
EMPLOYEE_PHONE_MAX = 20
EMPLOYEE_NUMBER_MAX = 999999


class HrEmployee(models.Model):
    _name = "hr.employee"
    _inherit = ["hr.employee", "economic.sync.mixin"]

    # The mixin's fields again, restricted to HR users (see the module docstring).
    economic_number = fields.Char(groups=HR_GROUP)
    economic_company_id = fields.Many2one(groups=HR_GROUP)
    economic_state = fields.Selection(groups=HR_GROUP)
    economic_need_sync = fields.Boolean(groups=HR_GROUP)
    economic_sync_date = fields.Datetime(groups=HR_GROUP)
    economic_error = fields.Text(groups=HR_GROUP)
    economic_log_id = fields.Char(groups=HR_GROUP)
    economic_idempotency_key = fields.Char(groups=HR_GROUP)
    economic_create_sent = fields.Json(groups=HR_GROUP)
    # Fingerprint of the payload e-conomic refused: the employee is sent again as soon as
    # Odoo would send something else (an edit, a setting, or a fixed release), not before.
    economic_refused_digest = fields.Char(copy=False, groups=HR_GROUP)

    @api.constrains("economic_number")
    def _check_economic_employee_number(self):
        for employee in self.filtered("economic_number"):
            if not valid_economic_number(employee.economic_number, EMPLOYEE_NUMBER_MAX):
                raise ValidationError(
                    self.env._(
                        "The e-conomic employee number “%(number)s” of %(employee)s is not "
                        "valid: e-conomic accepts digits only, from 1 to 999999.",
                        number=employee.economic_number,
                        employee=employee.name,
                    )
                )

    def _economic_synced_fields(self):
        return ["name", "work_email", "work_phone", "economic_number"]

    # === MAPPING === #

    def _economic_prepare_payload(self, company):
        """projectsapi Employee document for a new employee.

        The published schema (openapi-Projects.json, ``Employee``) requires ``groupNumber``,
        ``isBarred``, ``name`` and ``number``; ``number`` is nullable (null: e-conomic picks
        it). ``email`` and ``phone`` are optional and sent only when they fit (50 and 20
        characters): an e-mail cut short would be wrong, so a longer one is left out.
        """
        self.ensure_one()
        group = company.economic_employee_group_id
        payload = {
            "number": int(self.economic_number) if self.economic_number else None,
            "groupNumber": group._economic_int_code() if group else None,
            "name": (self.name or "").strip()[:EMPLOYEE_NAME_MAX],
            "isBarred": False,
        }
        email = (self.work_email or "").strip()
        if email and len(email) <= EMPLOYEE_EMAIL_MAX:
            payload["email"] = email
        phone = (self.work_phone or "").strip()[:EMPLOYEE_PHONE_MAX]
        if phone:
            payload["phone"] = phone
        return payload

    @api.model
    def _economic_prepare_vals(self, payload, company):
        """Odoo values of an employee new in e-conomic (legacy ``GET /employees`` item)."""
        return {
            "name": payload.get("name") or str(payload.get("employeeNumber")),
            "work_email": payload.get("email") or False,
            "work_phone": payload.get("phone") or False,
            "company_id": company.id,
        }
