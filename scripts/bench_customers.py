# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Customer sync benchmark: 10,000 customers against an in-process fake e-conomic.

Run it in an Odoo shell on a database with economic_connector installed (it commits):

    odoo-bin shell -d DB --addons-path=... < scripts/bench_customers.py

It connects the current company to a fresh FakeEconomic (requests.Session.send is routed to
the fake while it runs), creates 10,000 customers and measures three runs of the master-data
job, first with no latency, then again (fresh fake, 10,000 new customers) with the fake's
``latency`` at 100 ms per request, as on the real network, through the method the scheduled
job calls (``economic.master.sync._economic_sync_master_data``), called again while it reports more
work, as the job's re-triggers do:

- first export: every customer is new (target: one write per customer, at most 20 reads;
  <= 60 s at 0 ms latency, <= 5 min at 100 ms: the writes go out several at once, Settings'
  "Requests in flight", default 8)
- nothing changed (target: at most 3 calls, under 2 seconds)
- after 100 edits (target: at most 103 calls)

The fake's rate limit is lifted: the benchmark counts our calls, not e-conomic's throttling.
Environment: BENCH_CUSTOMERS (default 10000), BENCH_EDITS (default 100), BENCH_LATENCIES
(milliseconds, default "0,100").
"""
# pylint: disable=print-used
# (a command-line report: printing its table is its purpose)

import os
import random
import time
from unittest.mock import patch

import requests

from odoo.addons.economic_connector.economic.client import EconomicClient
from odoo.addons.economic_connector.economic.fake import FakeEconomic

CUSTOMERS = int(os.environ.get("BENCH_CUSTOMERS", "10000"))
EDITS = int(os.environ.get("BENCH_EDITS", "100"))
LATENCIES = [int(ms) / 1000 for ms in os.environ.get("BENCH_LATENCIES", "0,100").split(",")]
FIRST_EXPORT_SECONDS = {0.0: 60, 0.1: 300}  # targets by latency
REST_URL = "https://restapi.bench.invalid"
OPENAPI_URL = "https://apis.bench.invalid"
TOKENS = ("bench-secret", "bench-grant")


def bench(env, latency):
    fake = FakeEconomic(*TOKENS)
    fake.set_rate_limit(10**9, 60)
    fake.customers.clear()  # an agreement without customers: no matching step
    original_send = requests.Session.send

    def send(session, request, **kwargs):
        if request.url.startswith((REST_URL, OPENAPI_URL)):
            return fake.send(request, **kwargs)
        return original_send(session, request, **kwargs)

    with (
        patch.object(requests.Session, "send", send),
        patch.object(EconomicClient, "sleep", staticmethod(lambda seconds: None)),
    ):
        company = env.company
        Partner = env["res.partner"]
        _reset_company(env, company)
        _configure(env, company)
        # Connecting: products, employees and the (empty) agreement are settled first.
        warm_up = _measure(env, fake, company)
        tag = f"Bench {int(time.time())}"
        _create_customers(env, company, tag)
        fake.latency = latency  # the network from here on
        results = [("connect (products, employees, 0 customers)", warm_up, None)]
        first = _measure(env, fake, company)
        limit = FIRST_EXPORT_SECONDS.get(latency)
        results.append(
            (
                f"first export ({CUSTOMERS} customers)",
                first,
                first["customer_writes"] == CUSTOMERS
                and first["writes"] == CUSTOMERS
                and first["reads"] <= 20
                and (limit is None or first["seconds"] <= limit),
            )
        )
        idle = _measure(env, fake, company)
        # 2 s without latency; each of the 3 calls may add its latency
        results.append(
            ("nothing changed", idle, idle["calls"] <= 3 and idle["seconds"] < 2 + 3 * latency)
        )
        customers = Partner.search([("name", "=like", f"{tag} %")])
        for index, partner in enumerate(random.sample(list(customers), EDITS)):
            partner.phone = f"+45 {70000000 + index}"
        env.cr.commit()
        edited = _measure(env, fake, company)
        results.append(
            (
                f"after {EDITS} edits",
                edited,
                edited["calls"] <= EDITS + 3 and edited["customer_writes"] == EDITS,
            )
        )
        fake.latency = 0
        linked = Partner.search_count(
            [("name", "=like", f"{tag} %"), ("economic_state", "=", "synced")]
        )
        _print(results, linked, len(fake.customers), latency, fake.max_in_flight)


def _reset_company(env, company):
    """Forget links of earlier benchmark runs (each run gets a fresh fake)."""
    for table in ("res_partner", "hr_employee", "product_template"):
        env.cr.execute(
            f"UPDATE {table} SET economic_number = NULL, economic_company_id = NULL, "  # noqa: S608
            "economic_state = 'not_synced', economic_need_sync = TRUE, "
            "economic_idempotency_key = NULL, economic_error = NULL "
            "WHERE economic_company_id = %s OR economic_company_id IS NULL",
            [company.id],
        )
    env.cr.execute("UPDATE res_partner SET economic_exclude = TRUE WHERE name LIKE 'Bench %%'")
    env.cr.execute(
        "UPDATE economic_run SET state = 'done' WHERE company_id = %s AND state = 'running'",
        [company.id],
    )
    env.invalidate_all()


def _configure(env, company):
    company.write(
        {
            "economic_app_secret_token": TOKENS[0],
            "economic_grant_token": TOKENS[1],
            "economic_rest_url": REST_URL,
            "economic_openapi_url": OPENAPI_URL,
            "economic_customers_matched": False,
            "economic_customers_pulled_at": False,
            "economic_customer_direction": "odoo_to_economic",
            "country_id": company.country_id.id or env.ref("base.dk").id,
        }
    )
    company._economic_refresh_lists()

    def choice(kind, code):
        return env["economic.choice"].search(
            [("company_id", "=", company.id), ("kind", "=", kind), ("code", "=", code)]
        )

    company.write(
        {
            "economic_customer_group_id": choice("customer_group", "1").id,
            "economic_payment_terms_id": choice("payment_terms", "7").id,
            "economic_layout_id": choice("layout", "19").id,
            "economic_product_vat_id": choice("product", "1").id,
            "economic_product_novat_id": choice("product", "2").id,
            "economic_vat_zone_id": choice("vat_zone", "1").id,
            "economic_employee_group_id": choice("employee_group", "1").id,
            "economic_sync_enabled": True,
        }
    )
    env.cr.commit()


def _create_customers(env, company, tag):
    denmark = env.ref("base.dk")
    germany = env.ref("base.de")
    for start in range(0, CUSTOMERS, 1000):
        env["res.partner"].with_context(tracking_disable=True).create(
            [
                {
                    "name": f"{tag} {index:05d} ApS",
                    "is_company": True,
                    "economic_is_customer": True,
                    "street": f"Vestergade {index % 200 + 1}",
                    "zip": "8000",
                    "city": "Aarhus C",
                    "country_id": (germany if index % 10 == 0 else denmark).id,
                    "email": f"faktura{index}@bench.example",
                    "phone": f"+45 {20000000 + index}",
                    "company_registry": f"{30000000 + index}",
                }
                for index in range(start, min(start + 1000, CUSTOMERS))
            ]
        )
        env.cr.commit()


def _measure(env, fake, company):
    """One master-data run of the company ("Sync now"), followed until it is complete."""
    company.economic_master_synced_at = False
    env.cr.commit()
    fake.reset_calls()
    started = time.perf_counter()
    calls_per_round = []
    while True:
        more = env["economic.master.sync"]._economic_sync_master_data()
        env.cr.commit()
        calls_per_round.append(len(fake.calls))
        if not more:
            break
    seconds = time.perf_counter() - started
    calls = list(fake.calls)
    writes = [call for call in calls if call[0] not in ("GET", "HEAD")]
    return {
        "calls": len(calls),
        "reads": len(calls) - len(writes),
        "writes": len(writes),
        "customer_writes": sum(1 for call in writes if call[1].startswith("/customers")),
        "errors": sum(1 for call in calls if call[2] and call[2] >= 400),
        "job_calls": len(calls_per_round),
        "seconds": seconds,
    }


def _print(results, linked, remote_count, latency, max_in_flight):
    print()
    print(f"=== bench_customers: latency {latency * 1000:.0f} ms per request ===")
    header = (
        f"{'Run':<44} {'API calls':>9} {'reads':>6} {'writes':>7} {'errors':>6} "
        f"{'job calls':>9} {'seconds':>8}  target"
    )
    print()
    print(header)
    print("-" * len(header))
    for label, measured, ok in results:
        verdict = "" if ok is None else ("met" if ok else "not met")
        print(
            f"{label:<44} {measured['calls']:>9} {measured['reads']:>6} "
            f"{measured['writes']:>7} {measured['errors']:>6} {measured['job_calls']:>9} "
            f"{measured['seconds']:>8.2f}  {verdict}"
        )
    print()
    print(f"Customers linked in Odoo: {linked}; customers in the fake e-conomic: {remote_count}")
    print(f"Most requests in flight at once: {max_in_flight}")
    limit = FIRST_EXPORT_SECONDS.get(latency)
    print(
        "Targets: first export = 1 write per customer + <= 20 reads"
        + (f", <= {limit} s" if limit else "")
        + f"; nothing changed <= 3 calls and < {2 + 3 * latency:g} s; after {EDITS} edits "
        f"<= {EDITS + 3} calls."
    )


for bench_latency in LATENCIES:
    bench(env, bench_latency)  # noqa: F821 (``env`` is provided by odoo-bin shell)
