# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Randomized, seeded, bounded interleavings of users, the bookkeeper, the jobs and faults.

A Hypothesis rule-based state machine drives one Odoo database and one fake e-conomic:

- users approve, reset, edit hours, create time, book (wizard), archive and reopen projects;
  an approver also resets lines while the outbox waits for e-conomic's answer;
- the bookkeeper works directly in e-conomic: books a draft, edits or removes a line,
  deletes a draft, makes a draft by hand;
- the jobs run: the outbox (sending cron), the draft poll, the master-data sync, and the
  outbox as two workers at once (the second one during a request of the first, with or
  without the first one's lease expired);
- faults are injected: 503, 429 with Retry-After, timeouts (before or after e-conomic did
  the work), answers lost after e-conomic committed, the idempotency cache expiring (the
  fake's clock moves past ``IDEMPOTENCY_TTL``), backoffs elapsing.

After every step the safety invariants are checked (nothing billed twice, no draft booked
twice, no duplicate customer or employee, no line on a draft while Odoo says "To approve"
without a removal queued, errors with a reason). The ``settle`` step lets the jobs run
without faults and then also checks that Odoo and e-conomic agree (each approved line on
its draft exactly once or in error with a reason, the draft's lines equal Odoo's).

A failure names the invariant, the line or draft concerned and the example's steps (after
Hypothesis shrank it); each invariant is its own exception type, so distinct failures are
reported (and shrunk) separately.

Each example starts from the same state: it runs inside a savepoint rolled back at its end,
against a fresh fake. Fixed seed, bounded size (Hypothesis turns rules off per example, so
many short examples find more than a few long ones). Environment variables:
``ECONOMIC_STATEFUL_EXAMPLES`` / ``ECONOMIC_STATEFUL_STEPS`` (a longer run),
``ECONOMIC_STATEFUL_SEED``, ``ECONOMIC_STATEFUL_SHRINK_SECONDS`` (time for shrinking a
failure), ``ECONOMIC_STATEFUL_VERBOSE=1`` (log each example's steps) and, to look past a
failure being fixed, ``ECONOMIC_STATEFUL_EXCLUDE=rule,rule`` (default: every rule).
"""

import logging
import os
import time
from collections import Counter
from contextlib import contextmanager, nullcontext
from datetime import date, timedelta
from fnmatch import fnmatchcase
from unittest.mock import patch
from urllib.parse import urlsplit

from hypothesis import HealthCheck, Verbosity, seed, settings
from hypothesis import strategies as st
from hypothesis.internal.conjecture import engine as hypothesis_engine
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from odoo import SUPERUSER_ID, api, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import SQL

from ..economic.fake.app import IDEMPOTENCY_TTL
from ..economic.fake.helpers import FakeSetupError
from ..models.account_analytic_line import marker_line_id
from ..models.project_project import REFERENCE_PREFIX
from .common import new_fake
from .test_timesheet_approval import CUSTOMER_NUMBER, EconomicInvoicingCase

_logger = logging.getLogger(__name__)

EXAMPLES = int(os.environ.get("ECONOMIC_STATEFUL_EXAMPLES") or 60)
STEPS = int(os.environ.get("ECONOMIC_STATEFUL_STEPS") or 25)
SEED = int(os.environ.get("ECONOMIC_STATEFUL_SEED") or 20261128)
VERBOSE = bool(os.environ.get("ECONOMIC_STATEFUL_VERBOSE"))  # log every example's steps
# Shrinking a failure replays many examples: bounded, so that a failing CI run ends too.
SHRINK_SECONDS = int(os.environ.get("ECONOMIC_STATEFUL_SHRINK_SECONDS") or 90)
# Exploration aid only (default: every rule): rule names to leave out, comma-separated, to
# look past a known failure while it is being fixed.
EXCLUDED_RULES = {
    name.strip()
    for name in (os.environ.get("ECONOMIC_STATEFUL_EXCLUDE") or "").split(",")
    if name.strip()
}

ADDON_LOGGER = "odoo.addons.economic_connector"
USER_ERRORS = (UserError, ValidationError, AccessError)

# Requests a fault can aim at ("*" = any request). Globs on the URL path.
FAULT_TARGETS = (
    (None, None),
    ("POST", "/invoices/drafts"),
    ("POST", "/invoices/drafts/*/lines"),
    ("PUT", "/invoices/drafts/*"),
    ("GET", "/invoices/drafts*"),
    ("POST", "/invoices/booked"),
    ("POST", "/customers"),
    ("POST", "*/Employees"),
    ("GET", "/customers/*/templates/invoiceline/*"),
)
WRITE_TARGETS = tuple(aim for aim in FAULT_TARGETS if aim[0] in ("POST", "PUT"))
# Writes during which a second worker may run: the first one has committed its key and
# holds no row lock. (Both workers share one database connection here, so a row lock held
# across a request, as the customer export does, would not hold worker 2 back: such
# requests are left out rather than simulated wrongly.)
INTERLEAVE_TARGETS = (
    ("POST", "/invoices/drafts"),
    ("POST", "/invoices/drafts/*/lines"),
    ("PUT", "/invoices/drafts/*"),
    ("POST", "/invoices/booked"),
)

indexes = st.integers(min_value=0, max_value=63)
index_lists = st.lists(indexes, min_size=1, max_size=3)


class InvariantViolation(AssertionError):
    pass


_VIOLATION_TYPES = {}


def violation_type(invariant_name):
    """One exception class per invariant, so that Hypothesis tells the failures apart (it
    groups failures by exception type and place) and shrinks each one on its own."""
    if invariant_name not in _VIOLATION_TYPES:
        slug = "".join(word.capitalize() for word in invariant_name.split()[:8] if word.isalnum())
        _VIOLATION_TYPES[invariant_name] = type(
            f"InvariantViolation{slug}", (InvariantViolation,), {"__module__": __name__}
        )
    return _VIOLATION_TYPES[invariant_name]


class _Capture(logging.Handler):
    """Collects the addon's log records of a job run (and keeps them out of the test log)."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.records = []

    def emit(self, record):
        self.records.append(record)


class InvoicingMachine(RuleBasedStateMachine):
    """One example: a company, three projects (one with a customer not yet in e-conomic),
    a few timesheet lines, and whatever the rules do to them."""

    case = None  # the running EconomicCase (set by the test method)
    examples_run = 0
    steps_run = 0

    def __init__(self):
        super().__init__()
        case = self.case
        self.env = case.env
        type(self).examples_run += 1
        self.steps = []
        # Lines a user reset (committed) and nobody approved again since: the user's word.
        self.reset_by_user = set()
        self.labels = {}  # line id -> "L<n>"; project id -> "P<n>"
        self.savepoint = self.env.cr.savepoint()
        # Only this example's records count (ids are never reused, even after a rollback).
        self.first_line_id = self._next_id("account_analytic_line")
        self.first_project_id = self._next_id("project_project")
        self.fake = new_fake()
        case.fake = self.fake
        case._economic_route_to(self.fake, case._economic_url_prefixes())
        self.fake.add_product(
            "30",
            name="Seniorkonsulent",
            productGroup={"productGroupNumber": 1},
            salesPrice=1200.0,
            unit={"unitNumber": 1},
        )
        # The customer matching was confirmed: new customers may be created in e-conomic.
        case.company.economic_customers_matched = True
        self.new_customer = self.env["res.partner"].create(
            {"name": f"Ny Kunde {self.examples_run} ApS", "is_company": True}
        )
        projects = self.env["project.project"]
        for name, partner in (
            ("Website", case.customer),
            ("Webshop", case.customer),
            ("Intranet", self.new_customer),
        ):
            projects |= case.make_project(name=name, partner=partner)
        for project in projects:
            self._label(project)
            self.env["project.task"].create({"name": "Design", "project_id": project.id})
        self._make_lines(projects[0], 2, 2.0)
        self._make_lines(projects[1], 1, 3.5)
        self._make_lines(projects[2], 1, 1.0)
        self.log("setup: P1 Website, P2 Webshop (customer 1), P3 Intranet (new customer)")

    # === PLUMBING === #

    def teardown(self):
        if VERBOSE:
            _logger.info("Example %s:\n%s", self.examples_run, "\n".join(self.steps))
        try:
            self.fake.clear_faults()
        finally:
            self.savepoint.close(rollback=True)
            self.env.invalidate_all()

    def log(self, text):
        self.steps.append(text)

    def _next_id(self, table):
        self.env.flush_all()
        self.env.cr.execute(SQL("SELECT COALESCE(MAX(id), 0) + 1 FROM %s", SQL.identifier(table)))
        return self.env.cr.fetchone()[0]

    def _label(self, record):
        prefix = "P" if record._name == "project.project" else "L"
        count = sum(1 for label in self.labels.values() if label.startswith(prefix))
        key = (record._name, record.id)
        self.labels.setdefault(key, f"{prefix}{count + 1}")
        return self.labels[key]

    def line_name(self, line_id):
        return f"{self._label(self.Line.browse(line_id))} (id {line_id})"

    def project_name(self, project):
        return f"{self._label(project)} (id {project.id})"

    def _make_lines(self, project, count, hours):
        task = project.task_ids[:1]
        lines = self.env["account.analytic.line"].create(
            [
                {
                    "project_id": project.id,
                    "task_id": task.id,
                    "employee_id": self.case.employee.id,
                    "name": f"Work {index}",
                    "unit_amount": hours,
                    "date": date(2026, 11, 2) + timedelta(days=index),
                }
                for index in range(count)
            ]
        )
        for line in lines:
            self._label(line)
        return lines

    @property
    def Line(self):
        return self.env["account.analytic.line"].sudo().with_context(active_test=False)

    @property
    def Project(self):
        return self.env["project.project"].sudo().with_context(active_test=False)

    def lines(self, states=None):
        domain = [("project_id", "!=", False), ("id", ">=", self.first_line_id)]
        if states:
            domain.append(("economic_line_state", "in", list(states)))
        return self.Line.search(domain, order="id")

    def projects(self, domain=()):
        return self.Project.search([("id", ">=", self.first_project_id), *domain], order="id")

    @staticmethod
    def pick(records, picks):
        chosen = records.browse()
        for index in picks:
            chosen |= records[index % len(records)]
        return chosen

    @contextmanager
    def captured_logs(self):
        """Keep the addon's warnings and errors out of the test log, and look at them: an
        error logged by a job is an unexpected crash (a bug), reported as such."""
        logger = logging.getLogger(ADDON_LOGGER)
        handler = _Capture()
        propagate = logger.propagate
        logger.addHandler(handler)
        logger.propagate = False
        try:
            yield handler
        finally:
            logger.removeHandler(handler)
            logger.propagate = propagate
        crashes = [r for r in handler.records if r.levelno >= logging.ERROR]
        if crashes:
            record = crashes[0]
            detail = record.getMessage()
            if record.exc_info:
                detail += f": {record.exc_info[0].__name__}: {record.exc_info[1]}"
            self.violation("a job crashed (unexpected error)", detail)

    def job(self, func):
        """Run ``func(env)`` as a cron would: superuser, on a cursor that commits."""
        case = self.case
        try:
            with self.captured_logs():
                if type(case)._registry_patched:
                    self._job_on_cursor(func)
                else:
                    with case.enter_registry_test_mode():
                        self._job_on_cursor(func)
        except InvariantViolation:
            raise
        except Exception as exc:  # noqa: BLE001 - a job that crashes is a finding
            self.violation(
                "a job run never crashes (one project's problem must not stop the others)",
                f"{type(exc).__name__}: {exc}",
            )
        finally:
            self.env.invalidate_all()

    def _job_on_cursor(self, func):
        with self.case.registry.cursor() as cr:
            func(api.Environment(cr, SUPERUSER_ID, {}))

    def user_action(self, description, func):
        """A user's request: all or nothing, refusals (UserError...) are expected answers."""
        try:
            with self.env.cr.savepoint():
                func()
        except USER_ERRORS as exc:
            message = str(exc).splitlines()[0][:100]
            self.log(f"{description} -> refused: {message}")
            done = False
        else:
            self.log(description)
            done = True
        self.env.invalidate_all()
        return done

    def violation(self, invariant_name, detail):
        steps = "\n".join(f"  {n + 1}. {step}" for n, step in enumerate(self.steps))
        raise violation_type(invariant_name)(
            f"Invariant violated: {invariant_name}\n{detail}\nSteps of this example:\n{steps}"
        )

    def step(self):
        type(self).steps_run += 1

    # === USER ACTIONS === #

    @precondition(lambda self: self.lines(["to_approve"]))
    @rule(picks=index_lists)
    def approve(self, picks):
        self.step()
        lines = self.pick(self.lines(["to_approve"]), picks)
        names = ", ".join(self.line_name(line.id) for line in lines)
        if self.user_action(
            f"approve {names}",
            lambda: lines.with_user(self.case.approver).action_economic_approve(),
        ):
            self.reset_by_user -= set(lines.ids)

    @precondition(lambda self: self.lines(["approved", "on_draft", "error"]))
    @rule(picks=index_lists)
    def reset(self, picks):
        self.step()
        lines = self.pick(self.lines(["approved", "on_draft", "error"]), picks)
        names = ", ".join(self.line_name(line.id) for line in lines)
        if self.user_action(
            f"reset {names}", lambda: lines.with_user(self.case.approver).action_economic_reset()
        ):
            self.reset_by_user |= set(lines.ids)

    @precondition(lambda self: self.lines(["to_approve"]))
    @rule(pick=indexes, hours=st.sampled_from([0.5, 1.0, 4.25, 7.5]))
    def edit_hours(self, pick, hours):
        self.step()
        line = self.pick(self.lines(["to_approve"]), [pick])
        self.user_action(
            f"edit hours of {self.line_name(line.id)} to {hours}",
            lambda: line.with_user(self.case.approver).write({"unit_amount": hours}),
        )

    @precondition(lambda self: self.projects([("active", "=", True)]))
    @rule(pick=indexes, hours=st.sampled_from([1.0, 2.5]))
    def create_line(self, pick, hours):
        self.step()
        project = self.pick(self.projects([("active", "=", True)]), [pick])
        created = []

        def create():
            created.append(self._make_lines(project.with_env(self.env), 1, hours))

        self.user_action(f"create a line on {self.project_name(project)}", create)
        if created:
            line = created[0]
            self.steps[-1] += f": {self.line_name(line.id)} ({hours} h)"

    @precondition(lambda self: self.projects([("economic_draft_state", "=", "open")]))
    @rule(pick=indexes)
    def book_in_odoo(self, pick):
        self.step()
        project = self.pick(self.projects([("economic_draft_state", "=", "open")]), [pick])
        bookkeeper = self.case.bookkeeper

        def book():
            action = project.with_user(bookkeeper).action_economic_book()
            wizard = Form(
                self.env[action["res_model"]].with_user(bookkeeper).with_context(action["context"])
            ).save()
            wizard.action_book()

        self.user_action(
            f"book draft {project.economic_draft_number} of {self.project_name(project)} (wizard)",
            book,
        )

    @precondition(lambda self: self.projects([("active", "=", True)]))
    @rule(pick=indexes)
    def archive_project(self, pick):
        self.step()
        project = self.pick(self.projects([("active", "=", True)]), [pick])
        self.user_action(
            f"archive {self.project_name(project)}",
            lambda: project.with_user(self.case.approver).action_archive(),
        )

    @precondition(lambda self: self.projects([("active", "=", False)]))
    @rule(pick=indexes)
    def reopen_project(self, pick):
        self.step()
        project = self.pick(self.projects([("active", "=", False)]), [pick])
        self._label(project)
        self.user_action(
            f"reopen (unarchive) {self.project_name(project)}",
            lambda: project.with_user(self.case.approver).action_unarchive(),
        )

    # === THE BOOKKEEPER IN E-CONOMIC === #

    def fake_draft(self, pick):
        numbers = sorted(self.fake.drafts)
        return numbers[pick % len(numbers)]

    def fake_line(self, number, pick):
        lines = self.fake.drafts[number].get("lines") or []
        return lines[pick % len(lines)] if lines else None

    def describe_remote_line(self, remote):
        line_id = marker_line_id(remote.get("description"))
        return self.line_name(line_id) if line_id else f"hand line {remote.get('lineNumber')}"

    @precondition(lambda self: self.fake.drafts)
    @rule(pick=indexes)
    def bookkeeper_books(self, pick):
        self.step()
        number = self.fake_draft(pick)
        invoice = self.fake.book(number)
        self.log(f"bookkeeper books draft {number} in e-conomic (invoice {invoice})")

    @precondition(lambda self: any(d.get("lines") for d in self.fake.drafts.values()))
    @rule(pick=indexes, line_pick=indexes, quantity=st.sampled_from([0.5, 9.0]))
    def bookkeeper_edits_line(self, pick, line_pick, quantity):
        self.step()
        numbers = [n for n in sorted(self.fake.drafts) if self.fake.drafts[n].get("lines")]
        number = numbers[pick % len(numbers)]
        remote = self.fake_line(number, line_pick)
        try:
            self.fake.edit_draft_line(number, remote["lineNumber"], quantity=quantity)
        except FakeSetupError as exc:
            self.log(f"bookkeeper edit refused by e-conomic: {exc}")
            return
        self.log(
            f"bookkeeper sets quantity {quantity} on {self.describe_remote_line(remote)} of "
            f"draft {number}"
        )

    @precondition(lambda self: any(d.get("lines") for d in self.fake.drafts.values()))
    @rule(pick=indexes, line_pick=indexes)
    def bookkeeper_removes_line(self, pick, line_pick):
        self.step()
        numbers = [n for n in sorted(self.fake.drafts) if self.fake.drafts[n].get("lines")]
        number = numbers[pick % len(numbers)]
        remote = self.fake_line(number, line_pick)
        self.fake.edit_draft_line(number, remote["lineNumber"], delete=True)
        self.log(f"bookkeeper removes {self.describe_remote_line(remote)} from draft {number}")

    @precondition(lambda self: self.fake.drafts)
    @rule(pick=indexes)
    def bookkeeper_deletes_draft(self, pick):
        self.step()
        number = self.fake_draft(pick)
        self.fake.remove_draft(number)
        self.log(f"bookkeeper deletes draft {number} in e-conomic")

    @rule()
    def bookkeeper_makes_draft(self):
        self.step()
        number = self.fake.add_draft(
            CUSTOMER_NUMBER,
            lines=[{"product": {"productNumber": "30"}, "quantity": 1.0}],
            notes={"heading": "Made by hand"},
        )
        self.log(f"bookkeeper makes draft {number} by hand in e-conomic")

    # === JOBS === #

    @rule(job=st.sampled_from(["outbox", "poll", "outbox", "master-data sync"]))
    def run_job(self, job):
        {
            "outbox": self.run_outbox,
            "poll": self.run_poll,
            "master-data sync": self.run_master_sync,
        }[job]()

    def run_outbox(self):
        self.step()
        self.log("job: outbox (send lines)")
        self.job(lambda env: env["account.analytic.line"]._cron_economic_send_lines())

    def run_poll(self):
        self.step()
        self.log("job: poll drafts")
        self.job(lambda env: env["project.project"]._cron_economic_poll_invoices())

    def run_master_sync(self):
        self.step()
        self.log("job: master-data sync (products, employees, customers)")

        def sync(env):
            env.company.sudo().economic_master_synced_at = False
            env["res.partner"]._cron_economic_sync_master_data()

        self.job(sync)

    def outbox_with_interruption(self, during, after, interruption):
        """Run the outbox; during its first ``during`` request (before e-conomic sees it, or
        after e-conomic processed it and before the answer arrives) run ``interruption()``,
        as another transaction would. :return: whether the request happened."""
        method, glob = during
        fake = self.fake
        original_send = fake.send
        fired = []

        def send(prepared, **kwargs):
            path = urlsplit(prepared.url).path
            if fired or prepared.method != method or not fnmatchcase(path, glob):
                return original_send(prepared, **kwargs)
            fired.append(path)
            if not after:
                interruption()
                return original_send(prepared, **kwargs)
            response = original_send(prepared, **kwargs)
            interruption()
            return response

        def one_at_a_time(env):
            # The interruption opens another test cursor, which a request sent from one of
            # the in-flight worker threads could not get (the job thread holds the test
            # cursor's lock); in production the other transaction is another process. The
            # in-flight path itself runs in the plain job rule.
            env.company.sudo().economic_max_in_flight = 1
            try:
                env["account.analytic.line"]._cron_economic_send_lines()
            finally:
                env.company.sudo().economic_max_in_flight = in_flight

        in_flight = self.case.env.company.sudo().economic_max_in_flight
        fake.send = send
        try:
            self.job(one_at_a_time)
        finally:
            del fake.send
        if not fired:
            self.steps[-1] += " (no such request: nothing happened during it)"
        return bool(fired)

    @staticmethod
    def when(after):
        return "after e-conomic processed it" if after else "before e-conomic sees it"

    @rule(
        during=st.sampled_from(INTERLEAVE_TARGETS), steal_lease=st.booleans(), after=st.booleans()
    )
    def run_two_workers(self, during, steal_lease, after):
        """The outbox twice at once: worker 2 runs while worker 1 waits for e-conomic."""
        if steal_lease:
            # A lease outlasts the longest request twice over (renewed right before it), so
            # a lease that expires mid-request means e-conomic answers late: it has processed
            # the request. e-conomic processing a request more than a lease (20 minutes)
            # after it was sent is outside the guarantees (README, Reliability).
            after = True
        self.step()
        self.log(
            f"job: outbox worker 1; during its {' '.join(during)} ({self.when(after)}) "
            + ("the lease expires and " if steal_lease else "")
            + "worker 2 runs the outbox"
        )

        def second_worker():
            with self.case.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                if steal_lease:
                    cr.execute(
                        "UPDATE project_project SET economic_lease_until = %s "
                        "WHERE economic_lease_until IS NOT NULL",
                        [fields.Datetime.now() - timedelta(seconds=1)],
                    )
                    cr.commit()
                env["account.analytic.line"]._cron_economic_send_lines()

        self.outbox_with_interruption(during, after, second_worker)

    @precondition(lambda self: self.lines(["approved", "on_draft", "error"]))
    @rule(during=st.sampled_from(INTERLEAVE_TARGETS), after=st.booleans(), picks=index_lists)
    def reset_during_send(self, during, after, picks):
        """An approver resets lines (and commits) while the outbox waits for e-conomic."""
        self.step()
        lines = self.pick(self.lines(["approved", "on_draft", "error"]), picks)
        names = ", ".join(self.line_name(line.id) for line in lines)
        self.log(
            f"job: outbox; during its {' '.join(during)} ({self.when(after)}) the approver "
            f"resets {names}"
        )
        outcome = []

        def reset():
            with self.case.registry.cursor() as cr:
                env = api.Environment(cr, self.case.approver.id, {})
                try:
                    with cr.savepoint():
                        env["account.analytic.line"].browse(lines.ids).action_economic_reset()
                except USER_ERRORS as exc:
                    outcome.append(f"refused: {str(exc).splitlines()[0][:100]}")
                else:
                    self.reset_by_user.update(lines.ids)
                cr.commit()

        if self.outbox_with_interruption(during, after, reset) and outcome:
            self.steps[-1] += f" -> {outcome[0]}"

    # === FAULTS AND TIME === #

    @rule(
        kind=st.sampled_from(["lost answers", "refusals", "timeouts", "unknown product"]),
        aim=st.sampled_from(FAULT_TARGETS),
        count=st.sampled_from([1, 2, 6]),
        status=st.sampled_from([503, 429]),
        retry_after=st.sampled_from([1, 30, 900]),
        applied=st.booleans(),
    )
    def inject_fault(self, kind, aim, count, status, retry_after, applied):
        """One fault rule (Hypothesis turns rules off per example: one rule for all faults
        keeps them together). Arguments a kind does not use are ignored."""
        if kind == "lost answers":
            writes = [target for target in WRITE_TARGETS if target == aim]
            self.fault_lost_answers(writes[0] if writes else WRITE_TARGETS[0], count)
        elif kind == "refusals":
            self.fault_refusals(status, count, aim, retry_after)
        elif kind == "timeouts":
            self.fault_timeouts(applied, count, aim)
        else:
            self.fault_unknown_product(count)

    def fault_lost_answers(self, aim, count):
        """e-conomic does the write, the answer never arrives (the client retries 4 times)."""
        self.step()
        method, glob = aim
        self.fake.lose_response_next(count, method=method, path=glob)
        self.log(f"fault: the next {count} answers to {method} {glob} are lost (work done)")

    def fault_refusals(self, status, count, aim, retry_after):
        self.step()
        method, glob = aim
        where = f"{method} {glob}" if method else "any request"
        self.fake.fail_next(count, status, method=method, path=glob, retry_after=retry_after)
        extra = f" (Retry-After {retry_after})" if status == 429 else ""
        self.log(f"fault: the next {count} x {where} answer {status}{extra}")

    def fault_timeouts(self, applied, count, aim):
        self.step()
        method, glob = aim
        where = f"{method} {glob}" if method else "any request"
        self.fake.timeout_next(count, method=method, path=glob, apply=applied)
        done = "after e-conomic did the work" if applied else "before e-conomic sees them"
        self.log(f"fault: the next {count} x {where} time out {done}")

    def fault_unknown_product(self, count):
        """The one realistic 404 on a live draft's work: the price of a product e-conomic no
        longer knows (deleted there). A 404 for an existing draft never happens: not injected."""
        self.step()
        glob = "/customers/*/templates/invoiceline/*"
        self.fake.fail_next(count, 404, method="GET", path=glob)
        self.log(f"fault: the next {count} price reads answer 404 (product unknown in e-conomic)")

    @rule(what=st.sampled_from(["backoffs", "idempotency cache"]))
    def time_passes(self, what):
        if what == "backoffs":
            self.backoff_elapses()
        else:
            self.idempotency_cache_expires()

    def idempotency_cache_expires(self):
        self.step()
        self.fake.clock.advance(IDEMPOTENCY_TTL + 60)
        self.log("time: e-conomic's idempotency cache expires (clock + 1 h)")

    def backoff_elapses(self):
        self.step()
        self._expire_backoff()
        self.log("time: retry backoffs elapse")

    def _expire_backoff(self):
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE project_project SET economic_next_attempt = %s "
            "WHERE economic_next_attempt IS NOT NULL",
            [fields.Datetime.now() - timedelta(seconds=1)],
        )
        self.env.invalidate_all()

    @rule()
    def settle(self):
        """No more faults; time passes and the jobs run until there is nothing left to do.
        Then Odoo and e-conomic must agree."""
        self.step()
        self.log("settle: faults cleared, backoffs elapse, outbox + poll x3, outbox")
        self.fake.clear_faults()
        for _round in range(3):
            self._expire_backoff()
            self.job(lambda env: env["account.analytic.line"]._cron_economic_send_lines())
            self.job(lambda env: env["project.project"]._cron_economic_poll_invoices())
        self._expire_backoff()
        self.job(lambda env: env["account.analytic.line"]._cron_economic_send_lines())
        self.check_settled()

    # === INVARIANTS (after every step) === #

    def documents(self):
        """Every invoice document in e-conomic: (label, number, is_draft, document)."""
        for number, draft in sorted(self.fake.drafts.items()):
            yield f"draft {number}", number, True, draft
        for number, booked in sorted(self.fake.booked.items()):
            yield f"booked invoice {number}", number, False, booked

    def placements(self):
        """Odoo line id -> [(document label, number, is_draft, remote line)]."""
        where = {}
        for label, number, is_draft, document in self.documents():
            for remote in document.get("lines") or []:
                line_id = marker_line_id(remote.get("description"))
                if line_id:
                    where.setdefault(line_id, []).append((label, number, is_draft, remote))
        return where

    @invariant()
    def nothing_billed_twice(self):
        for line_id, places in self.placements().items():
            if len(places) > 1:
                self.violation(
                    "every line is on one e-conomic document at most once (no double billing)",
                    f"line {self.line_name(line_id)} is on "
                    + ", ".join(label for label, *_rest in places),
                )

    @invariant()
    def no_draft_booked_twice(self):
        invoices = self.env["economic.invoice"].sudo().search([])
        numbers = Counter(invoices.mapped("number"))
        twice = [n for n, count in numbers.items() if count > 1]
        if twice:
            self.violation("no booked invoice is recorded twice", f"invoices {twice}")
        by_draft = Counter(
            (invoice.project_id.id, invoice.draft_number)
            for invoice in invoices
            if invoice.draft_number
        )
        twice = [key for key, count in by_draft.items() if count > 1]
        if twice:
            self.violation("no draft is booked twice", f"(project id, draft) {twice}")

    @invariant()
    def no_duplicate_master_data(self):
        names = Counter(c.get("name") for c in self.fake.customers.values())
        twice = sorted(name for name, count in names.items() if count > 1)
        if twice:
            self.violation("no customer exists twice in e-conomic", f"customers named {twice}")
        names = Counter(e.get("name") for e in self.fake.employees.values())
        twice = sorted(name for name, count in names.items() if count > 1)
        if twice:
            self.violation("no employee exists twice in e-conomic", f"employees named {twice}")

    @invariant()
    def errors_have_reasons(self):
        for line in self.lines(["error"]):
            if not (line.economic_error or "").strip():
                self.violation(
                    "a line in error says why", f"line {self.line_name(line.id)} has no reason"
                )

    @invariant()
    def to_approve_lines_are_off_drafts(self):
        """A line Odoo shows "To approve" is on no open draft, unless its removal is queued."""
        places = self.placements()
        for line in self.lines(["to_approve"]):
            for label, number, is_draft, _remote in places.get(line.id, []):
                if not is_draft:
                    continue
                removals = line.project_id.economic_removals or []
                # draft 0: the draft whose creation is in doubt (its number is not known yet);
                # the removal is applied once the outbox adopts it (checked at settle)
                in_doubt = 0 if not line.project_id.economic_draft_number else None
                queued = any(
                    r.get("line") == line.id and r.get("draft") in (number, in_doubt)
                    for r in removals
                )
                if not queued:
                    self.violation(
                        "no line is on a draft while Odoo shows it “To approve” (unless its "
                        "removal is queued)",
                        f"line {self.line_name(line.id)} of {self.project_name(line.project_id)}"
                        f" is on {label}; removals queued: {removals}",
                    )

    @invariant()
    def invoiced_lines_are_on_their_invoice(self):
        places = self.placements()
        for line in self.lines(["invoiced"]):
            number = line.economic_invoice_id.number
            found = [
                label
                for label, n, is_draft, _r in places.get(line.id, [])
                if not is_draft and n == number
            ]
            if not found:
                self.violation(
                    "an invoiced line is on its booked invoice",
                    f"line {self.line_name(line.id)} says invoice {number}, e-conomic has it on "
                    f"{[label for label, *_r in places.get(line.id, [])]}",
                )

    @invariant()
    def one_project_per_draft(self):
        linked = Counter(
            self.projects([("economic_draft_number", "!=", 0)]).mapped("economic_draft_number")
        )
        twice = [n for n, count in linked.items() if count > 1]
        if twice:
            self.violation("a draft belongs to one project", f"drafts {twice}")

    # === AGREEMENT ONCE THE JOBS HAVE RUN (settle) === #

    def check_settled(self):
        places = self.placements()
        self.check_settled_lines(places)
        self.check_settled_documents(places)
        self.check_settled_links()
        self.log("settle: Odoo and e-conomic agree")

    def check_settled_lines(self, places):
        """Each approved line is on its draft exactly once, or in error with a reason; a
        line a user reset stays reset (unless booked in e-conomic before its removal)."""
        for line in self.Line.browse(sorted(self.reset_by_user)):
            if line.economic_line_state not in ("to_approve", "invoiced"):
                self.violation(
                    "a reset committed by a user stands (the line is “To approve”)",
                    f"line {self.line_name(line.id)} was reset and not approved again, Odoo "
                    f"shows it {line.economic_line_state} (draft {line.economic_draft_number})",
                )
        for line in self.lines(["approved", "on_draft", "error", "to_approve", "invoiced"]):
            state = line.economic_line_state
            where = places.get(line.id, [])
            where_text = [label for label, *_r in where] or "no document"
            name = self.line_name(line.id)
            if state == "approved" and not line.economic_error:
                self.violation(
                    "after the jobs ran without faults, every approved line is on its draft or "
                    "in error with a reason",
                    f"line {name} is still “Approved” without a reason (on {where_text}); "
                    f"project {self.project_name(line.project_id)} draft "
                    f"{line.project_id.economic_draft_number} "
                    f"({line.project_id.economic_draft_state}), error: "
                    f"{line.project_id.economic_error}",
                )
            if state == "on_draft":
                number = line.economic_draft_number
                ok = [p for p in where if p[2] and p[1] == number]
                if len(ok) != 1 or len(where) != 1:
                    self.violation(
                        "a line Odoo shows “On draft invoice N” is on draft N exactly once",
                        f"line {name} says draft {number}, e-conomic has it on {where_text}",
                    )
                if line.project_id.economic_draft_number != number:
                    self.violation(
                        "a line on a draft belongs to its project's current draft",
                        f"line {name} says draft {number}, its project "
                        f"{self.project_name(line.project_id)} has draft "
                        f"{line.project_id.economic_draft_number}",
                    )
                remote = ok[0][3]
                if round(float(remote.get("quantity") or 0), 2) != round(line.unit_amount, 2):
                    self.violation(
                        "the draft's lines equal Odoo's (hours)",
                        f"line {name}: {line.unit_amount} h in Odoo, {remote.get('quantity')} "
                        f"on draft {number}",
                    )
            if state in ("to_approve", "approved") and where:
                self.violation(
                    "after the jobs ran, a line “To approve” or queued is on no e-conomic document",
                    f"line {name} ({state}) is on {where_text}",
                )

    def check_settled_documents(self, places):
        """Every marked line on a draft is Odoo's line for that draft; every line of a booked
        invoice is invoiced in Odoo with that invoice."""
        for line_id, where in places.items():
            line = self.Line.browse(line_id).exists()
            for label, number, is_draft, _remote in where:
                if not is_draft:
                    if (
                        not line
                        or line.economic_line_state != "invoiced"
                        or (line.economic_invoice_id.number != number)
                    ):
                        self.violation(
                            "after the poll, every line of a booked invoice is “Invoiced” in "
                            "Odoo with that invoice",
                            f"line {self.line_name(line_id)} is on {label}; Odoo: "
                            f"{line.economic_line_state if line else 'deleted'}",
                        )
                    continue
                if (
                    not line
                    or line.economic_draft_number != number
                    or (line.economic_line_state not in ("on_draft", "error"))
                ):
                    self.violation(
                        "the draft's lines equal Odoo's lines for it",
                        f"{label} holds line {self.line_name(line_id)}; Odoo: "
                        + (
                            f"{line.economic_line_state}, draft {line.economic_draft_number}"
                            if line
                            else "deleted"
                        ),
                    )

    def check_settled_links(self):
        """Each project's draft exists; each invoice booked from an Odoo draft is known."""
        for project in self.projects([("economic_draft_number", "!=", 0)]):
            if project.economic_draft_number not in self.fake.drafts:
                self.violation(
                    "after the poll, a project's draft exists in e-conomic",
                    f"{self.project_name(project)} links draft {project.economic_draft_number}, "
                    f"e-conomic has drafts {sorted(self.fake.drafts)}",
                )
        known = set(self.env["economic.invoice"].sudo().search([]).mapped("number"))
        for number, booked in self.fake.booked.items():
            reference = (booked.get("references") or {}).get("other") or ""
            if reference.startswith(REFERENCE_PREFIX) and number not in known:
                self.violation(
                    "after the poll, every invoice booked from an Odoo draft is known in Odoo",
                    f"booked invoice {number} ({reference}) is not in Odoo",
                )


@tagged("post_install", "-at_install")
class TestStatefulInvoicing(EconomicInvoicingCase):
    def test_random_interleavings_keep_money_safe(self):
        attributes = {"case": self}
        for name in EXCLUDED_RULES:
            # a plain method is no rule: the machine runs without it
            attributes[name] = lambda machine, *args, **kwargs: None
        machine = seed(SEED)(type("InvoicingMachineRun", (InvoicingMachine,), attributes))
        machine.examples_run = machine.steps_run = 0
        started = time.monotonic()
        shrink_cap = (
            patch.object(hypothesis_engine, "MAX_SHRINKING_SECONDS", SHRINK_SECONDS)
            if hasattr(hypothesis_engine, "MAX_SHRINKING_SECONDS")
            else nullcontext()
        )
        try:
            with shrink_cap:
                run_state_machine_as_test(
                    machine,
                    settings=settings(
                        max_examples=EXAMPLES,
                        stateful_step_count=STEPS,
                        deadline=None,
                        database=None,
                        derandomize=False,
                        print_blob=False,
                        verbosity=Verbosity.normal,
                        suppress_health_check=list(HealthCheck),
                    ),
                )
        finally:
            _logger.info(
                "Stateful invoicing test: %s examples, %s steps (at most %s per example), "
                "seed %s, %.1f s%s",
                machine.examples_run,
                machine.steps_run,
                STEPS,
                SEED,
                time.monotonic() - started,
                f" (rules left out: {sorted(EXCLUDED_RULES)})" if EXCLUDED_RULES else "",
            )
