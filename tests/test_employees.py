# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Employees both ways, matching order, failures, and HR access rules."""

from odoo.tests import new_test_user, tagged

from .test_customers import CustomerSyncCase


@tagged("post_install", "-at_install")
class TestEmployeeSync(CustomerSyncCase):
    """The seeded agreement has employee 1, Demo Bruger <demo@example.com>."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Employee = cls.env["hr.employee"]
        # Employees that exist before the tests (e.g. the administrator's) are left out.
        cls.Employee.search([("company_id", "=", cls.company.id)]).action_archive()

    def employee(self, **values):
        values.setdefault("company_id", self.company.id)
        return self.Employee.create(values)

    def linked(self, number):
        return self.Employee.with_context(active_test=False)._economic_search_linked(
            self.company, [number]
        )

    def test_employees_both_ways(self):
        by_email = self.employee(name="D. Bruger", work_email="DEMO@example.com")
        jens_number = self.fake.add_employee(name="Jens Hansen", email="jens@example.com")
        odoo_only = self.employee(
            name="Anne Ny", work_email="anne@example.com", work_phone="+45 11 22 33 44"
        )
        self.sync()
        self.assertEqual(by_email.economic_number, "1", "matched by e-mail")
        self.assertEqual(by_email.economic_state, "synced")
        jens = self.linked(jens_number)
        self.assertEqual(jens.name, "Jens Hansen", "new in e-conomic: appears in Odoo")
        self.assertEqual(jens.work_email, "jens@example.com")
        self.assertEqual(jens.company_id, self.company)
        self.assertTrue(odoo_only.economic_number, "new in Odoo: created in e-conomic")
        remote = self.fake.employees[int(odoo_only.economic_number)]
        self.assertEqual(remote["name"], "Anne Ny")
        self.assertEqual(remote["email"], "anne@example.com")
        self.assertEqual(remote["employeeGroup"]["employeeGroupNumber"], 1)
        self.assertEqual(len(self.fake_calls("POST", "/projectsapi/v1.1.0/Employees")), 1)
        run = self.last_run("employees")
        self.assertEqual((run.created, run.linked, run.errors), (2, 1, 0))
        self.assertIn(
            "Linked to e-conomic employee 1", "".join(by_email.message_ids.mapped("body"))
        )
        self.assertIn(
            f"Created in e-conomic as employee {odoo_only.economic_number}",
            "".join(odoo_only.message_ids.mapped("body")),
        )
        # A second run finds everything linked: one read, no write.
        self.fake.reset_calls()
        self.sync()
        self.assertFalse(self.fake_calls("POST"))
        self.assertEqual(len(self.fake_calls("GET", "/employees")), 1)
        self.assertEqual(len(self.fake.employees), 3)

    def test_matching_order_number_then_email_then_name(self):
        by_number = self.employee(
            name="Somebody", economic_number="5", work_email="jens@example.com"
        )
        by_name = self.employee(name="Karen  Blixen")
        self.fake.add_employee(number=5, name="Other Name")
        self.fake.add_employee(number=6, name="Mail Owner", email="jens@example.com")
        self.fake.add_employee(number=7, name="karen blixen")
        self.sync()
        self.assertEqual(by_number.economic_number, "5", "the number wins over the e-mail")
        self.assertEqual(by_name.economic_number, "7")
        self.assertEqual(by_name.economic_company_id, self.company)
        self.assertEqual(self.linked(6).name, "Mail Owner", "unmatched: created in Odoo")
        self.assertFalse(self.fake_calls("POST"), "everyone was matched or imported")

    def test_refused_employee_does_not_stop_the_others(self):
        first = self.employee(name="First New")
        second = self.employee(name="Second New")
        self.fake.fail_next(1, 400, method="POST", path="*Employees")
        self.sync()
        states = {employee: employee.economic_state for employee in first | second}
        self.assertEqual(sorted(states.values()), ["error", "synced"])
        refused = first if states[first] == "error" else second
        self.assertTrue(refused.economic_error)
        self.assertEqual(self.last_run("employees").errors, 1)
        # Saving the employee retries it.
        refused.name = refused.name + " (fixed)"
        self.assertTrue(refused.economic_need_sync)
        self.sync()
        self.assertEqual(refused.economic_state, "synced")

    def test_timesheet_user_is_not_blocked_by_economic_fields(self):
        user = new_test_user(
            self.env, login="ts_only", groups="hr_timesheet.group_hr_timesheet_user"
        )
        employee = self.employee(name="Timesheet Only", user_id=user.id)
        self.sync()
        self.assertTrue(employee.economic_number)
        project = self.env["project.project"].create(
            {"name": "Billable", "allow_timesheets": True, "privacy_visibility": "employees"}
        )
        line = (
            self.env["account.analytic.line"]
            .with_user(user)
            .create({"project_id": project.id, "name": "Work", "unit_amount": 2.0})
        )
        # Read from the database as the user, not from the cache filled while creating.
        self.env.invalidate_all()
        self.assertEqual(line.employee_id.name, "Timesheet Only")
        self.env.invalidate_all()
        line.read(["employee_id", "unit_amount", "project_id"])
        as_user = self.env["hr.employee"].with_user(user)
        self.assertIn("Timesheet Only", [row["name"] for row in as_user.search_read([], ["name"])])
        self.env.invalidate_all()
        self.assertEqual(as_user.browse(employee.id).name, "Timesheet Only")
        self.env.invalidate_all()
        self.env["account.analytic.line"].with_user(user).search_read(
            [("id", "=", line.id)], ["employee_id", "name"]
        )
