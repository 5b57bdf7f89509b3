# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Employees in step with e-conomic, both ways, matched by number, then e-mail, then name.

Every e-conomic field on hr.employee carries ``groups="hr.group_hr_user"`` (Odoo 19 rule):
users without HR rights read employees through hr.employee.public, and any field without
the group would make reading an employee's name fail for them (timesheets included).
"""

import logging
import uuid

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..economic import exceptions as economic_errors

_logger = logging.getLogger(__name__)

HR_GROUP = "hr.group_hr_user"
# projectsapi Employees limits
EMPLOYEE_NAME_MAX = 100
EMPLOYEE_EMAIL_MAX = 50
EMPLOYEE_PHONE_MAX = 20
EMPLOYEE_NUMBER_MAX = 999999


def _key(text):
    return " ".join((text or "").split()).casefold()


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

    @api.constrains("economic_number")
    def _check_economic_employee_number(self):
        for employee in self.filtered("economic_number"):
            number = employee.economic_number
            if not number.isdigit() or not 1 <= int(number) <= EMPLOYEE_NUMBER_MAX:
                raise ValidationError(
                    self.env._(
                        "The e-conomic employee number “%(number)s” of %(employee)s is not "
                        "valid: e-conomic accepts digits only, from 1 to 999999.",
                        number=number,
                        employee=employee.name,
                    )
                )

    def _economic_synced_fields(self):
        return ["name", "work_email", "work_phone", "economic_number"]

    # === MAPPING === #

    def _economic_employee_payload(self, company):
        """projectsapi Employee document for a new employee (empty values omitted)."""
        self.ensure_one()
        group = company.economic_employee_group_id
        payload = {
            "name": (self.name or "")[:EMPLOYEE_NAME_MAX],
            "groupNumber": group._economic_int_code() if group else None,
            "email": self.work_email if len(self.work_email or "") <= EMPLOYEE_EMAIL_MAX else None,
            "phone": (self.work_phone or "")[:EMPLOYEE_PHONE_MAX] or None,
            "number": int(self.economic_number) if self.economic_number else None,
        }
        return {key: value for key, value in payload.items() if value not in (None, "", False)}

    # === SYNC === #

    @api.model
    def _economic_sync_employees(self, company, client, run):
        """Link, import and export employees of ``company``.

        1. Every e-conomic employee (legacy ``GET /employees``) is found in Odoo by its link,
           then among the company's unlinked employees by the number typed on them, their
           work e-mail, then their name; found ones are linked, the others created in Odoo
           (barred ones are not imported).
        2. The company's active employees still unlinked are created in e-conomic (projectsapi
           ``POST /Employees``, in the employee group from Settings), each with an
           idempotency key committed before the call.

        Employee details are not copied after linking: each side keeps its own.
        Commits per employee (cron progress).

        :raise AuthenticationError, RateLimitedError: passed to the caller (stops the run)
        """
        Employee = self.sudo().with_context(active_test=False)
        cron = self.env["ir.cron"]
        remote_employees = client.list_employees()
        linked = Employee.search([("economic_company_id", "=", company.id)])
        linked_numbers = set(linked.filtered("economic_number").mapped("economic_number"))
        unlinked = Employee.search(
            [
                ("company_id", "=", company.id),
                ("economic_company_id", "=", False),
                ("active", "=", True),
            ],
            order="id",
        )
        by_number, by_email, by_name = {}, {}, {}
        for employee in unlinked:
            if employee.economic_number:
                by_number.setdefault(employee.economic_number, employee)
            if employee.work_email:
                by_email.setdefault(_key(employee.work_email), employee)
            by_name.setdefault(_key(employee.name), employee)
        used = Employee.browse()
        for remote in remote_employees:
            number = str(remote.get("employeeNumber") or "")
            if not number or number in linked_numbers:
                continue
            candidates = (
                (by_number.get(number), self.env._("employee number")),
                (by_email.get(_key(remote.get("email"))) if remote.get("email") else None,
                 self.env._("e-mail")),
                (by_name.get(_key(remote.get("name"))), self.env._("name")),
            )
            match, reason = next(
                ((employee, reason) for employee, reason in candidates
                 if employee and employee not in used),
                (None, None),
            )
            if match:
                used |= match
                match._economic_set_synced(number, company)
                match._economic_log(
                    self.env._(
                        "Linked to e-conomic employee %(number)s (same %(reason)s).",
                        number=number,
                        reason=reason,
                    )
                )
                run._economic_count("linked")
            elif not remote.get("barred"):
                try:
                    with self.env.cr.savepoint():
                        employee = Employee.create(
                            {
                                "name": remote.get("name") or number,
                                "work_email": remote.get("email") or False,
                                "work_phone": remote.get("phone") or False,
                                "company_id": company.id,
                            }
                        )
                        employee._economic_set_synced(number, company)
                except (UserError, ValueError) as exc:
                    run._economic_count("errors")
                    run._economic_add_issue(
                        company.partner_id,
                        self.env._(
                            "e-conomic employee %(number)s could not be created in Odoo: "
                            "%(error)s",
                            number=number,
                            error=str(exc),
                        ),
                    )
                else:
                    employee._economic_log(
                        self.env._("Created from e-conomic employee %(number)s.", number=number)
                    )
                    run._economic_count("created")
            linked_numbers.add(number)
            cron._commit_progress()
        # New employees and edited ones; those refused before wait until they are edited.
        to_export = (unlinked - used).filtered("economic_need_sync")
        if to_export:
            to_export._economic_export_employees(company, client, run)

    def _economic_export_employees(self, company, client, run):
        """Create these (unlinked) employees in e-conomic, committing the keys first."""
        cron = self.env["ir.cron"]
        for employee in self.filtered(lambda employee: not employee.economic_idempotency_key):
            employee._economic_write({"economic_idempotency_key": uuid.uuid4().hex})
        cron._commit_progress()
        for employee in self:
            if not company.economic_employee_group_id:
                run._economic_count("errors")
                run._economic_add_issue(
                    employee,
                    self.env._(
                        "Choose the employee group in Settings > e-conomic: employees from "
                        "Odoo are created in that group."
                    ),
                )
                continue
            try:
                result = client.create_employee(
                    employee._economic_employee_payload(company),
                    idempotency_key=employee.economic_idempotency_key,
                )
            except (economic_errors.AuthenticationError, economic_errors.RateLimitedError):
                raise
            except economic_errors.EconomicError as exc:
                employee._economic_set_error(exc, run=run)
            else:
                number = (result or {}).get("number") or employee.economic_number
                employee._economic_set_synced(number, company)
                employee._economic_log(
                    self.env._("Created in e-conomic as employee %(number)s.", number=number)
                )
                run._economic_count("created")
            cron._commit_progress()
