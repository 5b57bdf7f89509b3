# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Requests in flight (issue 9 item 3): customers, employees and lines for many drafts are
sent several at once, from worker threads, without losing or duplicating anything."""

import threading
from collections import Counter
from unittest.mock import patch

from psycopg2 import errors as pg_errors

from odoo.tests import tagged
from odoo.tools import mute_logger

from ..economic.parallel import InFlight
from .test_customers import CustomerSyncCase
from .test_timesheet_approval import EconomicInvoicingCase

WORKER_PREFIX = "economic-send"


def meet_in_fake(fake, parties):
    """Make the fake's latency a rendezvous: a request sent from a worker thread is answered
    only once ``parties`` of them are inside the fake together (else the barrier breaks and
    the requests fail). Requests from the job's own thread pass at once."""
    barrier = threading.Barrier(parties, timeout=30)

    def rendezvous(_seconds):
        if threading.current_thread().name.startswith(WORKER_PREFIX):
            barrier.wait()

    fake.latency = 0.001
    fake.sleep = rendezvous
    return barrier


class RecordBatches:
    """Patch InFlight.send to record the size of every batch it sends."""

    def __init__(self):
        self.sizes = []
        real_send = InFlight.send
        recorder = self

        def send(in_flight, calls):
            calls = list(calls)
            recorder.sizes.append(len(calls))
            return real_send(in_flight, calls)

        self.patcher = patch.object(InFlight, "send", send)

    def __enter__(self):
        self.patcher.start()
        return self

    def __exit__(self, *exc):
        self.patcher.stop()


@tagged("post_install", "-at_install")
class TestLinesInFlight(EconomicInvoicingCase):
    def projects_with_approved_lines(self, count, lines_each=3):
        projects = self.env["project.project"]
        for index in range(count):
            projects |= self.make_project(name=f"Parallel {index}")
        self.send()
        self.assertTrue(all(projects.mapped("economic_draft_number")))
        lines = self.env["account.analytic.line"]
        for project in projects:
            lines |= self.make_lines(project, count=lines_each, hours=1.0)
        self.approve(lines)
        return projects, lines

    def assertEachLineOnItsDraftOnce(self, lines):
        for project in lines.project_id:
            self.assertOnDraftOnce(
                lines.filtered(lambda line, project=project: line.project_id == project),
                project.economic_draft_number,
            )

    def lines_posts(self):
        return [
            call
            for call in self.fake.calls
            if call[0] == "POST" and call[1].endswith("/lines") and call[2] == 201
        ]

    def test_eight_drafts_get_their_lines_in_flight_together(self):
        projects, lines = self.projects_with_approved_lines(8)
        self.assertEqual(self.company.economic_max_in_flight, 8, "the default")
        meet_in_fake(self.fake, 8)
        self.fake.reset_calls()
        self.send()
        self.assertEqual(self.fake.max_in_flight, 8, "the eight POSTs were in the fake at once")
        self.assertEqual(len(self.lines_posts()), 8, "one write per draft")
        self.assertEachLineOnItsDraftOnce(lines)
        self.assertFalse(any(projects.mapped("economic_outbox_pending")))

    def test_one_in_flight_when_the_setting_says_one(self):
        projects, lines = self.projects_with_approved_lines(4, lines_each=1)
        self.company.economic_max_in_flight = 1
        self.env.flush_all()
        self.fake.reset_calls()
        with RecordBatches() as batches:
            self.send()
        self.assertEqual(batches.sizes, [1, 1, 1, 1])
        self.assertEqual(self.fake.max_in_flight, 1)
        self.assertEachLineOnItsDraftOnce(lines)

    def test_failures_in_a_batch_lose_nothing_and_duplicate_nothing(self):
        projects, lines = self.projects_with_approved_lines(8)
        lost, refused = projects[2], projects[5]
        # The answer to one POST never arrives (e-conomic stored the lines), on every
        # attempt; another draft's POST fails with 503 on every attempt (nothing stored).
        self.fake.lose_response_next(
            10, method="POST", path=f"/invoices/drafts/{lost.economic_draft_number}/lines"
        )
        self.fake.fail_next(
            10, 503, method="POST", path=f"/invoices/drafts/{refused.economic_draft_number}/lines"
        )
        self.send()
        for project in projects - lost - refused:
            self.assertFalse(project.economic_outbox_pending)
        for project in lost | refused:
            self.assertTrue(project.economic_outbox_pending, "kept queued with its error")
            self.assertTrue(project.economic_error)
            lines = project._economic_queued_lines()
            self.assertEqual(len(lines), 3, "nothing lost")
            self.assertTrue(all(lines.mapped("economic_send_key")), "sent: in doubt")
        self.assertEqual(len(self.fake.drafts[lost.economic_draft_number]["lines"]), 3)
        self.assertFalse(self.fake.drafts[refused.economic_draft_number].get("lines"))
        # e-conomic answers again; the next run resolves the doubt before sending.
        self.fake.clear_faults()
        self.expire_backoff(lost, refused)
        self.send()
        self.assertEachLineOnItsDraftOnce(lines)
        self.assertFalse(any(projects.mapped("economic_outbox_pending")))

    def test_a_429_slows_the_batch_down(self):
        projects, lines = self.projects_with_approved_lines(16, lines_each=1)
        self.fake.fail_next(1, 429, method="POST", path="/invoices/drafts/*/lines", retry_after=7)
        with RecordBatches() as batches:
            self.send()
        self.assertEqual(batches.sizes[0], 8)
        self.assertEqual(batches.sizes[1], 4, "halved after the batch that met a 429")
        self.assertEqual(sum(batches.sizes), 16)
        waits = Counter(round(seconds) for seconds in self.sleeps)
        self.assertGreater(
            sum(count for seconds, count in waits.items() if 5 <= seconds <= 7),
            1,
            f"the Retry-After held other requests too: {self.sleeps}",
        )
        self.assertEachLineOnItsDraftOnce(lines)

    def test_a_concurrent_change_is_retried_soon_without_an_error(self):
        """Two servers: a user's approval committed while the job writes the same project
        rows makes PostgreSQL refuse the job's commit (SerializationFailure). The project is
        not in error: it is simply taken up again by the next run."""
        projects, lines = self.projects_with_approved_lines(2, lines_each=1)
        busy = projects[0]
        sync_class = type(self.env["economic.invoice.sync"])
        original = sync_class._economic_prepare_lines
        cron = self.env.ref("economic_connector.ir_cron_economic_send_lines")
        Trigger = self.env["ir.cron.trigger"].sudo()
        triggers_before = Trigger.search_count([("cron_id", "=", cron.id)])

        def prepare_lines(sync, project, batch, queued=None):
            if project == busy:
                project.write({"economic_draft_line_count": 99})  # undone
                raise pg_errors.SerializationFailure("could not serialize access")
            return original(sync, project, batch, queued)

        with patch.object(sync_class, "_economic_prepare_lines", prepare_lines):
            self.send()
        self.assertFalse(busy.economic_error, "no error for the user")
        self.assertFalse(busy.economic_next_attempt, "no backoff")
        self.assertEqual(busy.economic_draft_line_count, 0)
        self.assertTrue(busy.economic_outbox_pending)
        self.assertFalse(busy.economic_lease_until, "the lease is released")
        self.assertGreater(Trigger.search_count([("cron_id", "=", cron.id)]), triggers_before)
        self.send()
        self.assertEachLineOnItsDraftOnce(lines)


@tagged("post_install", "-at_install")
class TestMasterDataInFlight(CustomerSyncCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Employees that exist before the tests (e.g. the administrator's) are left out.
        cls.env["hr.employee"].search([("company_id", "=", cls.company.id)]).action_archive()

    def test_customers_in_flight_together_one_refused(self):
        self.empty_agreement()
        partners = self.Partner.browse()
        for index in range(8):
            partners |= self.customer(name=f"Parallel Customer {index}")
        meet_in_fake(self.fake, 8)
        self.fake.fail_next(
            1,
            400,
            method="POST",
            path="/customers",
            body={"message": "Validation error.", "errorCode": "E04300", "httpStatusCode": 400},
        )
        self.sync()
        self.assertEqual(self.fake.max_in_flight, 8)
        refused = partners.filtered(lambda partner: partner.economic_state == "error")
        synced = partners.filtered(lambda partner: partner.economic_state == "synced")
        self.assertEqual((len(refused), len(synced)), (1, 7))
        self.assertFalse(refused.economic_number, "refused: not linked")
        self.assertEqual(len(self.fake.customers), 7, "each stored once")
        self.assertEqual(
            sorted(customer["name"] for customer in self.fake.customers.values()),
            sorted(synced.mapped("name")),
        )
        self.assertEqual(len(set(synced.mapped("economic_number"))), 7)
        # Edited, it goes out again alone; nothing else is sent twice.
        self.fake.latency = 0
        refused.name = refused.name + " ApS"
        self.fake.reset_calls()
        self.sync()
        self.assertEqual(refused.economic_state, "synced")
        self.assertEqual(len(self.fake_calls("POST", "/customers")), 1)
        self.assertEqual(len(self.fake.customers), 8)

    def test_customers_of_a_batch_recorded_together_one_number_taken(self):
        """The outcomes of a batch are written in one statement; when Odoo cannot store one
        of them (the number e-conomic gave is linked to another partner already), that one
        is in error and the others of the batch are still recorded."""
        self.empty_agreement()
        taken = self.customer(name="Left out", economic_exclude=True)
        taken._economic_set_synced("5", company=self.company)  # the fake gives 1..8
        partners = self.Partner.browse()
        for index in range(8):
            partners |= self.customer(name=f"Batch Customer {index}")
        with RecordBatches() as batches, mute_logger("odoo.sql_db"):
            self.sync()
        self.assertEqual(batches.sizes, [8], "one batch")
        failed = partners.filtered(lambda partner: partner.economic_state == "error")
        synced = partners.filtered(lambda partner: partner.economic_state == "synced")
        self.assertEqual((len(failed), len(synced)), (1, 7))
        self.assertFalse(failed.economic_number)
        self.assertTrue(failed.economic_error)
        self.assertEqual(
            sorted(int(number) for number in synced.mapped("economic_number")),
            [1, 2, 3, 4, 6, 7, 8],
        )
        self.assertFalse(any(synced.mapped("economic_idempotency_key")))
        self.assertEqual(self.Partner._economic_search_linked(self.company, [5]), taken)
        for partner in synced:
            self.assertIn(
                f"Created in e-conomic as customer {partner.economic_number}.",
                "".join(partner.message_ids.mapped("body")),
            )

    def test_customers_rate_limited_mid_batch_stay_pending(self):
        """A 429 outlasting the retries stops the run: the others of the batch are stored,
        the rate-limited one stays pending and is sent once by the next run."""
        self.empty_agreement()
        partners = self.Partner.browse()
        for index in range(4):
            partners |= self.customer(name=f"Limited {index}")
        meet_in_fake(self.fake, 4)  # all four in flight before any answer
        self.fake.fail_next(1, 429, method="POST", path="/customers", retry_after=600)
        self.sync()
        self.assertEqual(len(self.fake.customers), 3)
        pending = partners.filtered(lambda partner: not partner.economic_number)
        self.assertEqual(len(pending), 1)
        self.assertNotEqual(pending.economic_state, "error")
        self.fake.latency = 0
        self.sync()
        self.assertEqual(set(partners.mapped("economic_state")), {"synced"})
        self.assertEqual(len(self.fake.customers), 4, "none created twice")

    def test_employees_in_flight_together(self):
        Employee = self.env["hr.employee"]
        employees = Employee.create(
            [
                {"name": f"Parallel Employee {index}", "company_id": self.company.id}
                for index in range(8)
            ]
        )
        before = len(self.fake.employees)
        meet_in_fake(self.fake, 8)
        self.sync()
        self.assertEqual(self.fake.max_in_flight, 8)
        self.assertEqual(set(employees.mapped("economic_state")), {"synced"})
        self.assertEqual(len(self.fake.employees), before + 8)
        self.assertEqual(len(set(employees.mapped("economic_number"))), 8)


@tagged("post_install", "-at_install")
class TestRunOfARolledBackPart(EconomicInvoicingCase):
    def test_run_created_in_a_rolled_back_part_is_started_again(self):
        """Seen with two servers: the sending run was created, then a project's step was
        rolled back after a concurrent change (taking the new run with it), and the next
        count on the run raised MissingError, so that project's outcome crashed."""
        sync = self.env["economic.invoice.sync"]
        batch = sync._economic_batch(self.company, {})
        run = sync._economic_batch_run(batch)
        run.unlink()  # what the rollback does to a run created since the last commit
        again = sync._economic_batch_run(batch)
        self.assertTrue(again.exists())
        again._economic_count("sent", 2)
        self.assertEqual(again.sent, 2)
