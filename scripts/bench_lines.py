# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Benchmark: 1,000 timesheet lines approved across 20 projects, sent to their drafts.

Run on a database with the addon installed (scripts/benchmark does this):

    odoo-bin shell -d DB --no-http < scripts/bench_lines.py

e-conomic is the in-process FakeEconomic (requests.Session.send is routed to it). The
sending path is the cron's own method, called as the cron calls it. Nothing is kept: the
cursor's commits are turned into no-ops for the run and everything is rolled back at the end,
so the database is unchanged and the script can run again.

Targets: at 0 ms latency (issue 4) at most one write per draft plus at most two reads per
draft, under 10 s; at 100 ms latency per request (the fake's ``latency``; issue 9) at most 20
writes + 40 reads and under 5 s: the drafts' POSTs go out several at once ("Requests in
flight", default 8).
"""

import sys
import time
from collections import Counter
from datetime import date, timedelta
from unittest.mock import patch

import requests

from odoo.addons.economic_connector.economic.client import EconomicClient
from odoo.addons.economic_connector.economic.fake import FakeEconomic
from odoo.addons.economic_connector.models.account_analytic_line import marker_line_id

PROJECTS = 20
BENCH_CUSTOMER_BASE = 7_770_001
LINES = 1000
REST_URL = "https://restapi.e-conomic.com"
OPENAPI_URL = "https://apis.e-conomic.com"


def report(text=""):
    """One line of the benchmark's output (stdout of ``odoo-bin shell``)."""
    sys.stdout.write(f"{text}\n")


def bench(env, fake, latency):  # noqa: C901 - a linear script
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
    employee = env["hr.employee"].create(
        {"name": "Bench Employee", "company_id": company.id, "employee_type": "freelance"}
    )
    denmark = env.ref("base.dk")
    projects = env["project.project"]
    for index in range(PROJECTS):
        name = f"Bench customer {index + 1}"
        # Numbers far from those other benchmarks or demo data may have linked already.
        number = fake.add_customer(name=name, customerNumber=BENCH_CUSTOMER_BASE + index)
        partner = env["res.partner"].create(
            {"name": name, "is_company": True, "country_id": denmark.id}
        )
        partner._economic_set_synced(str(number), company=company)
        projects |= env["project.project"].create(
            {
                "name": f"Bench project {index + 1}",
                "partner_id": partner.id,
                "allow_timesheets": True,
                "company_id": company.id,
            }
        )
    # Drafts are created when the projects are (before any approval): not measured.
    env["account.analytic.line"].sudo()._cron_economic_send_lines()
    missing = projects.filtered(lambda p: not p.economic_draft_number)
    assert not missing, f"drafts not created: {missing.mapped('economic_error')}"
    tasks = env["project.task"].create(
        [{"name": "Development", "project_id": project.id} for project in projects]
    )
    start_day = date(2026, 11, 2)
    lines = env["account.analytic.line"].create(
        [
            {
                "project_id": projects[index % PROJECTS].id,
                "task_id": tasks[index % PROJECTS].id,
                "employee_id": employee.id,
                "name": f"Feature {index}",
                "unit_amount": 0.25 + (index % 8) * 0.25,
                "date": start_day + timedelta(days=index % 20),
            }
            for index in range(LINES)
        ]
    )
    env.flush_all()
    fake.reset_calls()
    fake.latency = latency  # the network from here on: approval and sending are measured
    client_calls = Counter()
    real_request = EconomicClient.request

    def counting_request(client, method, path, **kwargs):
        client_calls[method.upper()] += 1
        return real_request(client, method, path, **kwargs)

    with patch.object(EconomicClient, "request", counting_request):
        started = time.perf_counter()
        lines.action_economic_approve()
        env.flush_all()
        approved = time.perf_counter()
        runs = 0
        while runs < 10:
            runs += 1
            env["account.analytic.line"].sudo()._cron_economic_send_lines()
            if not env["project.project"].search_count([("economic_outbox_pending", "=", True)]):
                break
        finished = time.perf_counter()

    # Verify: every line on its project's draft exactly once.
    on_draft = Counter()
    for project in projects:
        for remote in fake.drafts[project.economic_draft_number].get("lines", []):
            on_draft[marker_line_id(remote.get("description"))] += 1
    lost = [line.id for line in lines if on_draft[line.id] == 0]
    twice = [line_id for line_id, count in on_draft.items() if count > 1]
    states = Counter(lines.mapped("economic_line_state"))
    by_method = Counter(call[0] for call in fake.calls)
    writes = sum(count for method, count in by_method.items() if method != "GET")
    reads = by_method.get("GET", 0)
    drafts = len(projects)
    fake.latency = 0
    seconds = finished - started
    report(
        f"=== bench_lines: approved timesheet lines -> e-conomic draft invoices, "
        f"latency {latency * 1000:.0f} ms per request ==="
    )
    report(f"projects/drafts: {drafts}, lines approved: {len(lines)}, cron runs: {runs}")
    report(f"line states after sending: {dict(states)}")
    report(f"lines lost: {len(lost)}, lines on a draft twice: {len(twice)}")
    report(
        f"API calls answered by e-conomic: {len(fake.calls)} "
        f"({', '.join(f'{m} {n}' for m, n in sorted(by_method.items()))}); "
        f"client requests incl. retries: {sum(client_calls.values())}; "
        f"most requests in flight at once: {fake.max_in_flight}"
    )
    report(
        f"seconds: approval {approved - started:.2f}, sending {finished - approved:.2f}, "
        f"approval to all lines on drafts {seconds:.2f}"
    )
    if latency:
        targets = [
            (f"writes {writes} <= 20", writes <= 20),
            (f"reads {reads} <= 40", reads <= 40),
            (f"seconds {seconds:.2f} < 5", seconds < 5),
        ]
    else:
        targets = [
            (f"writes per draft {writes / drafts:.2f} <= 1", writes <= drafts),
            (f"reads per draft {reads / drafts:.2f} <= 2", reads <= 2 * drafts),
            (f"seconds {seconds:.2f} < 10", seconds < 10),
        ]
    for text, met in targets:
        report(f"target {text}: {'met' if met else 'not met'}")
    calls_by_path = Counter(
        (call[0], "/".join(part if not part.isdigit() else "N" for part in call[1].split("/")))
        for call in fake.calls
    )
    for (method, path), count in sorted(calls_by_path.items()):
        report(f"  {method:6} {path:55} {count}")
    ok = (
        not lost
        and not twice
        and all(met for _text, met in targets)
        and states == Counter({"on_draft": LINES})
    )
    report(f"RESULT: {'PASS' if ok else 'FAIL'}")
    return ok


def _run(env, latency):
    fake = FakeEconomic(app_secret_token="bench-secret", agreement_grant_token="bench-grant")
    cr = env.cr
    # Commits become no-ops and the whole run is rolled back: the database stays as it was.
    with (
        patch.object(type(cr), "commit", lambda self: self.flush()),
        patch.object(
            requests.Session, "send", lambda _session, request, **kw: fake.send(request, **kw)
        ),
        patch.object(EconomicClient, "sleep", staticmethod(lambda seconds: None)),
    ):
        try:
            return bench(env, fake, latency)
        finally:
            cr.rollback()


results = [_run(env, latency) for latency in (0.0, 0.1)]  # noqa: F821 - odoo-bin shell's env
if not all(results):
    raise SystemExit(1)
