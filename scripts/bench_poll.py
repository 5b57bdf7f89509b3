# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Benchmark: the draft poll with 500 open drafts over a simulated day, and an inbox of
10,000 webhook events.

Run on a database with the addon installed (scripts/benchmark does this):

    odoo-bin shell -d DB --no-http < scripts/bench_poll.py

e-conomic is the in-process FakeEconomic; its clock and Odoo's clock move together by 10
minutes per poll. Commits are no-ops and everything is rolled back at the end.

Targets (issue 9): an idle poll <= 3 calls with 500 open drafts; <= 500 calls per simulated
day; 10,000 webhook events processed without loss or duplicate effect.
"""

import datetime
import json
import sys
import time
from collections import Counter
from datetime import date
from unittest.mock import patch

import requests

from odoo import fields

from odoo.addons.economic_connector.economic.client import EconomicClient
from odoo.addons.economic_connector.economic.fake import FakeEconomic

OPEN_DRAFTS = 500
ODOO_PROJECTS = 20  # drafts Odoo made and sent lines to; the rest were made by hand
POLLS_PER_DAY = 144  # every 10 minutes
INBOX_EVENTS = 10_000
BENCH_CUSTOMER_BASE = 7_780_001
REST_URL = "https://restapi.e-conomic.com"
OPENAPI_URL = "https://apis.e-conomic.com"


def report(text=""):
    sys.stdout.write(f"{text}\n")


def verdict(ok):
    return "met" if ok else "NOT MET"


def configure(env, fake):
    admin = env.ref("base.user_admin")
    env = env(user=admin, context=dict(env.context, tracking_disable=True))
    company = admin.company_id
    company.write(
        {
            "economic_app_secret_token": "bench-secret",
            "economic_grant_token": "bench-grant",
            "economic_rest_url": REST_URL,
            "economic_openapi_url": OPENAPI_URL,
        }
    )
    company._economic_refresh_lists()

    def choice(kind, code):
        return (
            env["economic.choice"]
            .search([("company_id", "=", company.id), ("kind", "=", kind), ("code", "=", code)])
            .id
        )

    company.write(
        {
            "economic_customer_group_id": choice("customer_group", "1"),
            "economic_payment_terms_id": choice("payment_terms", "7"),
            "economic_layout_id": choice("layout", "19"),
            "economic_product_vat_id": choice("product", "1"),
            "economic_product_novat_id": choice("product", "2"),
            "economic_vat_zone_id": choice("vat_zone", "1"),
            "economic_employee_group_id": choice("employee_group", "1"),
        }
    )
    company.economic_sync_enabled = True
    return env, company


def make_drafts(env, company, fake):
    employee = env["hr.employee"].create(
        {"name": "Bench Employee", "company_id": company.id, "employee_type": "freelance"}
    )
    denmark = env.ref("base.dk")
    projects = env["project.project"]
    for index in range(ODOO_PROJECTS):
        name = f"Bench poll customer {index + 1}"
        number = fake.add_customer(name=name, customerNumber=BENCH_CUSTOMER_BASE + index)
        partner = env["res.partner"].create(
            {"name": name, "is_company": True, "country_id": denmark.id}
        )
        partner._economic_set_synced(str(number), company=company)
        projects |= env["project.project"].create(
            {"name": name, "partner_id": partner.id, "allow_timesheets": True}
        )
    tasks = env["project.task"].create(
        [{"name": "Work", "project_id": project.id} for project in projects]
    )
    lines = env["account.analytic.line"].create(
        [
            {
                "project_id": projects[index % ODOO_PROJECTS].id,
                "task_id": tasks[index % ODOO_PROJECTS].id,
                "employee_id": employee.id,
                "name": f"Work {index}",
                "unit_amount": 1.0,
                "date": date(2026, 11, 2),
            }
            for index in range(ODOO_PROJECTS * 3)
        ]
    )
    lines.action_economic_approve()
    for _run in range(5):
        env["account.analytic.line"].sudo()._cron_economic_send_lines()
    customer = BENCH_CUSTOMER_BASE
    for index in range(OPEN_DRAFTS - ODOO_PROJECTS):
        fake.add_draft(customer, notes={"heading": f"By hand {index}"})
    return projects


def poll(env):
    env["project.project"].sudo()._cron_economic_poll_invoices()


def bench_poll(env, fake, clock):
    env, company = configure(env, fake)
    projects = make_drafts(env, company, fake)
    clock.advance(600)
    poll(env)  # first poll: full list, imports the drafts made by hand
    clock.advance(600)
    poll(env)
    assert len(fake.drafts) == OPEN_DRAFTS, len(fake.drafts)
    open_projects = (
        env["project.project"]
        .with_context(active_test=False)
        .search_count([("economic_draft_number", "!=", 0)])
    )
    open_drafts = len(fake.drafts)
    # an idle day
    fake.reset_calls()
    per_poll = []
    for _poll in range(POLLS_PER_DAY):
        clock.advance(600)
        before = len(fake.calls)
        poll(env)
        per_poll.append(len(fake.calls) - before)
    idle_day = len(fake.calls)
    idle_max = max(per_poll)
    # a working day: every hour a bookkeeper edits a line, books, deletes or makes a draft
    fake.reset_calls()
    odoo_drafts = [p.economic_draft_number for p in projects]
    activity = Counter()
    for index in range(POLLS_PER_DAY):
        clock.advance(600)
        if index % 6 == 0:
            hour = index // 6
            kind = ("edit", "book", "delete", "by_hand")[hour % 4]
            if kind == "edit" and odoo_drafts:
                number = odoo_drafts[hour % len(odoo_drafts)]
                if number in fake.drafts and fake.drafts[number].get("lines"):
                    first = fake.drafts[number]["lines"][0]["lineNumber"]
                    fake.edit_draft_line(number, first, quantity=2.0)
                    activity[kind] += 1
            elif kind == "book" and odoo_drafts:
                number = odoo_drafts.pop()
                if number in fake.drafts:
                    fake.book(number)
                    activity[kind] += 1
            elif kind == "delete":
                hand = [n for n in fake.drafts if n not in odoo_drafts]
                fake.remove_draft(hand[0])
                activity[kind] += 1
            else:
                fake.add_draft(BENCH_CUSTOMER_BASE, notes={"heading": f"New by hand {hour}"})
                activity[kind] += 1
            clock.advance(1)
        poll(env)
    busy_day = len(fake.calls)
    busy_by_path = Counter(
        (call[0], "/".join("N" if part.isdigit() else part for part in call[1].split("/")))
        for call in fake.calls
    )
    report("=== bench_poll: draft poll with 500 open drafts (fake e-conomic, 10-minute polls) ===")
    report(f"open drafts: {open_drafts} (projects linked: {open_projects})")
    report(f"idle poll: max {idle_max} calls (target <= 3): {verdict(idle_max <= 3)}")
    report(
        f"idle day ({POLLS_PER_DAY} polls): {idle_day} calls (target <= 500): "
        f"{verdict(idle_day <= 500)}"
    )
    report(
        f"working day ({dict(activity)}): {busy_day} calls "
        f"(information; the backstop interval while webhooks are active: 24 polls a day)"
    )
    for (method, path), count in sorted(busy_by_path.items()):
        report(f"  {method:6} {path:45} {count}")
    return idle_max <= 3 and idle_day <= 500


def bench_inbox(env, fake):
    """10,000 events (+ 1,000 replays) about one booking and many customers."""
    env = env(context=dict(env.context, tracking_disable=True))
    company = env.ref("base.user_admin").company_id
    company.sudo().write({"economic_webhook_state": "active", "economic_webhook_secret": "x"})
    Event = env["economic.webhook.event"].sudo()
    project = env["project.project"].search(
        [("economic_draft_number", "!=", 0), ("active", "=", True)], limit=1
    )
    draft = project.economic_draft_number
    booked = fake.book(draft)
    started = time.perf_counter()
    stored = 0
    for index in range(INBOX_EVENTS):
        kind = "INVOICE_BOOKED" if index % 2 else "CUSTOMER_UPDATED"
        body = json.dumps({"eventId": f"bench-{index}", "n": index}).encode()
        stored += Event._economic_receive(company, kind, body, {})
        if index % 10 == 0:
            Event._economic_receive(company, kind, body, {})  # replay
    received = time.perf_counter()
    runs = 0
    while Event.search_count([("state", "=", "new")]) and runs < 100:
        runs += 1
        env["economic.webhook.event"].sudo()._cron_economic_webhooks()
    finished = time.perf_counter()
    states = Counter(Event.search([]).mapped("state"))
    invoices = env["economic.invoice"].search_count([("number", "=", booked)])
    report("=== bench_poll: webhook inbox ===")
    report(
        f"events sent: {INBOX_EVENTS} + {INBOX_EVENTS // 10} replays; stored: {stored}; "
        f"states after the job: {dict(states)}; job runs: {runs}"
    )
    report(
        f"seconds: receive {received - started:.2f}, process {finished - received:.2f}; "
        f"invoice {booked} recorded {invoices} time(s); project state "
        f"{project.economic_draft_state}"
    )
    ok = (
        stored == INBOX_EVENTS
        and states == Counter({"done": INBOX_EVENTS})
        and invoices == 1
        and project.economic_draft_state == "booked"
    )
    report(f"10,000 events without loss or duplicate effect: {verdict(ok)}")
    return ok


def _run(env):
    fake = FakeEconomic(app_secret_token="bench-secret", agreement_grant_token="bench-grant")
    fake.clock.freeze()
    clock = fake.clock

    def odoo_now(*_args, **_kwargs):
        return datetime.datetime.fromtimestamp(clock.now(), datetime.UTC).replace(
            tzinfo=None, microsecond=0
        )

    cr = env.cr
    with (
        patch.object(type(cr), "commit", lambda self: self.flush()),
        patch.object(
            requests.Session, "send", lambda _session, request, **kw: fake.send(request, **kw)
        ),
        patch.object(EconomicClient, "sleep", staticmethod(lambda seconds: None)),
        patch.object(fields.Datetime, "now", staticmethod(odoo_now)),
    ):
        try:
            ok = bench_poll(env, fake, clock)
            ok = bench_inbox(env, fake) and ok
            report(f"RESULT: {'PASS' if ok else 'FAIL'}")
            return ok
        finally:
            cr.rollback()


if not _run(env):  # noqa: F821 - `env` is provided by odoo-bin shell
    raise SystemExit(1)
