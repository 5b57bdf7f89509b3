# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Master data: creates in doubt (issue 7 finding 5), employees against the published
projectsapi schema (issue 8 item 3), job bookkeeping off the company row (finding 11)."""

import json
import os
from unittest.mock import patch

import jsonschema

from odoo.tests import tagged

from ..economic.fake.app import IDEMPOTENCY_TTL
from ..models import economic_job_state as job_state
from ..models.hr_employee import HrEmployee
from .test_customers import CustomerSyncCase

SCHEMA_DIR = os.path.join(os.path.dirname(__file__), "schemas")
HOURS_LATER = 3 * 3600
EMPLOYEES_PATH = "/projectsapi/v1.1.0/Employees"


def employee_schema():
    with open(os.path.join(SCHEMA_DIR, "projectsapi-Employee.schema.json"), encoding="utf-8") as f:
        return json.load(f)


class MasterSafetyCase(CustomerSyncCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Employee = cls.env["hr.employee"]
        # Employees that exist before the tests (e.g. the administrator's) are left out.
        cls.Employee.search([("company_id", "=", cls.company.id)]).action_archive()

    def employee(self, **values):
        values.setdefault("company_id", self.company.id)
        return self.Employee.create(values)

    def posted(self, path):
        return [
            request
            for request in self.fake.requests
            if request["method"] == "POST" and request["path"] == path
        ]

    def remote_numbers(self, *names):
        """Numbers of the e-conomic customers with one of these names."""
        return sorted(
            number for number, customer in self.fake.customers.items() if customer["name"] in names
        )

    def lose_everything_then_wait(self, path):
        """Every answer to the next POST (and its retries) is lost; then hours pass, beyond
        e-conomic's idempotency window."""
        self.fake.lose_response_next(1000, method="POST", path=path)
        self.sync()
        self.fake.clear_faults()
        self.fake.clock.advance(HOURS_LATER)
        self.assertGreater(HOURS_LATER, IDEMPOTENCY_TTL)


@tagged("post_install", "-at_install")
class TestCreateInDoubt(MasterSafetyCase):
    """Finding 5: a create whose answer was lost is looked up before any new POST."""

    def test_customer_lost_answer_retried_hours_later_is_not_created_twice(self):
        self.empty_agreement()
        partner = self.customer(name="Lost Answer ApS", city="Aarhus")
        self.lose_everything_then_wait("/customers")
        stored = self.remote_numbers("Lost Answer ApS")
        self.assertEqual(len(stored), 1, "e-conomic stored it")
        self.assertFalse(partner.economic_number, "Odoo never learnt the number")
        self.fake.reset_calls()
        self.sync()
        self.assertEqual(self.remote_numbers("Lost Answer ApS"), stored, "no second customer")
        self.assertEqual(partner.economic_number, str(stored[0]))
        self.assertEqual(partner.economic_state, "synced")
        self.assertFalse(self.posted("/customers"), "found, not sent again")

    def test_customer_edited_after_the_lost_answer_is_found_and_updated(self):
        self.empty_agreement()
        partner = self.customer(name="Before Rename ApS", city="Aarhus")
        self.lose_everything_then_wait("/customers")
        partner.write({"name": "After Rename ApS", "city": "Odense"})
        self.sync()
        self.assertEqual(
            len(self.remote_numbers("Before Rename ApS", "After Rename ApS")),
            1,
            "no second customer",
        )
        remote = self.remote(partner)
        self.assertEqual((remote["name"], remote["city"]), ("After Rename ApS", "Odense"))
        self.assertEqual(partner.economic_state, "synced")

    def test_customer_with_its_own_number_is_found_by_that_number(self):
        self.empty_agreement()
        partner = self.customer(name="Numbered ApS", economic_number="5000")
        self.lose_everything_then_wait("/customers")
        self.assertIn(5000, self.fake.customers)
        self.sync()
        self.assertEqual(self.remote_numbers("Numbered ApS"), [5000])
        self.assertEqual((partner.economic_number, partner.economic_state), ("5000", "synced"))

    def test_unrelated_customer_with_the_same_name_is_not_adopted(self):
        self.empty_agreement()
        partner = self.customer(name="Common Name ApS", city="Aarhus")
        self.lose_everything_then_wait("/customers")
        # Meanwhile the bookkeeper changes the one created (it no longer holds what was sent)
        # and nothing else matches: Odoo creates its customer rather than adopting a stranger.
        (number,) = self.remote_numbers("Common Name ApS")
        created = self.fake.customers[number]
        created["city"] = "Skagen"
        self.sync()
        self.assertEqual(len(self.remote_numbers("Common Name ApS")), 2)
        self.assertEqual(partner.economic_state, "synced")
        self.assertNotEqual(partner.economic_number, str(created["customerNumber"]))

    def test_employee_lost_answer_retried_hours_later_is_not_created_twice(self):
        employee = self.employee(name="Anne Ny", work_email="anne@example.com")
        before = len(self.fake.employees)
        self.lose_everything_then_wait("*Employees")
        self.assertEqual(len(self.fake.employees), before + 1)
        employee.write({"name": "Anne Nyborg", "work_email": "anne.nyborg@example.com"})
        self.fake.reset_calls()
        self.sync()
        self.assertEqual(len(self.fake.employees), before + 1, "no second employee")
        self.assertEqual(employee.economic_state, "synced")
        self.assertIn(int(employee.economic_number), self.fake.employees)
        self.assertFalse(self.posted(EMPLOYEES_PATH), "found, not sent again")


@tagged("post_install", "-at_install")
class TestEmployeeContract(MasterSafetyCase):
    """Issue 8 item 3: POST /Employees is valid against the published Employee schema."""

    def test_payloads_are_valid_against_the_published_schema(self):
        schema = employee_schema()
        employees = [
            self.employee(name="Plain"),
            self.employee(name="Numbered", economic_number="77"),
            self.employee(
                name="N" * 140,
                work_email=("x" * 60) + "@example.com",
                work_phone="+45 12 34 56 78 90 12 34 56",
            ),
        ]
        for employee in employees:
            payload = employee._economic_prepare_payload(self.company)
            with self.subTest(employee=employee.name[:20]):
                jsonschema.validate(payload, schema)
        self.sync()
        bodies = [json.loads(request["body"]) for request in self.posted(EMPLOYEES_PATH)]
        self.assertEqual(len(bodies), 3)
        for body in bodies:
            jsonschema.validate(body, schema)
        self.assertEqual({body["isBarred"] for body in bodies}, {False})
        self.assertEqual(sorted(body["number"] or 0 for body in bodies), [0, 0, 77])
        self.assertEqual(set(employees[0].mapped("economic_state")), {"synced"})

    def test_refused_employee_is_retried_after_the_fix_without_editing(self):
        employee = self.employee(name="Refused Before The Fix")
        fixed_payload = HrEmployee._economic_prepare_payload

        def old_payload(record, company):
            payload = fixed_payload(record, company)
            payload.pop("isBarred", None)
            if payload.get("number") is None:
                payload.pop("number", None)
            return payload

        # The release before the fix: e-conomic refuses its payload (isBarred missing).
        with patch.object(HrEmployee, "_economic_prepare_payload", old_payload):
            self.fake.fail_next(1, 400, method="POST", path="*Employees")
            self.sync()
        self.assertEqual(employee.economic_state, "error")
        self.assertFalse(employee.economic_need_sync)
        # The fixed release runs; nobody touched the employee.
        self.sync()
        self.assertEqual(employee.economic_state, "synced")
        self.assertTrue(employee.economic_number)
        # Refused again with the same payload: not retried on every run.
        other = self.employee(name="Refused Twice")
        self.fake.fail_next(1, 400, method="POST", path="*Employees")
        self.sync()
        self.assertEqual(other.economic_state, "error")
        self.fake.reset_calls()
        self.sync()
        self.assertFalse(self.fake_calls("POST"), "an unchanged refused payload waits")
        self.assertEqual(other.economic_state, "error")


@tagged("post_install", "-at_install")
class TestJobStateOffCompanyRow(MasterSafetyCase):
    """Finding 11: the jobs' bookkeeping is not written on the res_company row."""

    def company_row_version(self):
        self.env.flush_all()
        self.env.cr.execute("SELECT ctid FROM res_company WHERE id = %s", [self.company.id])
        return self.env.cr.fetchone()[0]

    def test_jobs_leave_the_company_row_alone(self):
        self.company.economic_customer_direction = "both"
        self.empty_agreement()
        self.fake.add_customer(name="Pulled From e-conomic")
        self.customer(name="Sent From Odoo")
        self.employee(name="Employee From Odoo")
        JobState = self.env["economic.job.state"]
        JobState._economic_set(self.company, job_state.MASTER_SYNCED, clear=True)
        JobState._economic_set(self.company, job_state.CUSTOMERS_MATCHED)
        before = self.company_row_version()
        self.run_as_cron(lambda env: env["res.partner"]._cron_economic_sync_master_data())
        self.run_as_cron(lambda env: env["project.project"]._cron_economic_poll_invoices())
        self.assertEqual(self.company_row_version(), before, "the company row was not updated")
        # What the jobs recorded is still read through the company.
        company = self.company
        company.invalidate_recordset()
        self.assertTrue(company.economic_master_synced_at)
        self.assertTrue(company.economic_customers_pulled_at)
        self.assertTrue(company.economic_customers_matched)
        self.assertTrue(company.economic_drafts_polled_at)
        last = self.env["economic.run"].search(
            [("company_id", "=", company.id)], order="id desc", limit=1
        )
        self.assertEqual(company.economic_last_run_id, last)
        rows = JobState.search([("company_id", "=", company.id)])
        self.assertEqual(len(rows), len(set(rows.mapped("kind"))), "one row per kind")
        self.assertIn(job_state.LAST_RUN_PREFIX + "customers", rows.mapped("kind"))

    def test_upsert_keeps_one_row_and_clears(self):
        JobState = self.env["economic.job.state"]
        for _attempt in range(3):
            JobState._economic_set(self.company, job_state.DRAFTS_POLLED)
        rows = JobState.search(
            [("company_id", "=", self.company.id), ("kind", "=", job_state.DRAFTS_POLLED)]
        )
        self.assertEqual(len(rows), 1)
        self.company.economic_drafts_polled_at = False  # the form's way (inverse)
        self.assertFalse(JobState._economic_get_at(self.company, job_state.DRAFTS_POLLED))
        self.assertFalse(self.company.economic_drafts_polled_at)
