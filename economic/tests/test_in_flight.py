# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Requests in flight: the client and the fake are thread-safe; InFlight sends a batch at
once and slows down when e-conomic pushes back."""

import threading
import unittest
from unittest.mock import patch

import requests

from economic.client import EconomicClient, RateLimit
from economic.exceptions import RateLimitedError, ValidationError
from economic.fake import FakeEconomic
from economic.parallel import InFlight

THREADS = 8


class ThreadSafetyCase(unittest.TestCase):
    def setUp(self):
        self.fake = FakeEconomic()
        fake = self.fake
        # Every session of every thread reaches the fake (the client makes one per thread).
        patcher = patch.object(
            requests.Session, "send", lambda _session, request, **kw: fake.send(request, **kw)
        )
        patcher.start()
        self.addCleanup(patcher.stop)
        self.waits = []  # (thread name, seconds)
        sleep_patcher = patch.object(
            EconomicClient,
            "sleep",
            staticmethod(
                lambda seconds: self.waits.append((threading.current_thread().name, seconds))
            ),
        )
        sleep_patcher.start()
        self.addCleanup(sleep_patcher.stop)
        self.client = EconomicClient("fake-secret", "fake-grant")

    def run_threads(self, target, count=THREADS):
        errors = []

        def guarded(index):
            try:
                target(index)
            except Exception as exc:  # noqa: BLE001 - reported by the test below
                errors.append(exc)

        threads = [
            threading.Thread(target=guarded, args=(index,), name=f"t{index}")
            for index in range(count)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        self.assertFalse(errors)


class TestClientThreadSafety(ThreadSafetyCase):
    def test_counts_and_sessions_across_threads(self):
        sessions = {}
        per_thread = 25

        def work(index):
            sessions[index] = self.client.session
            for _ in range(per_thread):
                self.client.get_self()

        self.run_threads(work)
        self.assertEqual(self.client.call_count, THREADS * per_thread, "no increment lost")
        self.assertEqual(len(self.fake.calls), THREADS * per_thread)
        self.assertEqual(len({id(session) for session in sessions.values()}), THREADS)
        self.assertIsInstance(self.client.rate_limit, RateLimit)

    def test_a_given_session_is_shared(self):
        session = requests.Session()
        client = EconomicClient("fake-secret", "fake-grant", session=session)
        seen = []
        self.run_threads(lambda _index: seen.append(client.session), count=2)
        self.assertEqual({id(s) for s in seen}, {id(session)})

    def test_a_429_holds_the_other_threads(self):
        self.fake.fail_next(1, 429, path="/self", retry_after=30)
        self.run_threads(lambda _index: self.client.get_self(), count=1)
        self.assertEqual(self.waits, [("t0", 30.0)], "the thread that met it retries after 30 s")
        self.assertEqual(self.client.throttled, 1)
        other = threading.Thread(target=self.client.get_self, name="other")
        other.start()
        other.join(30)
        held = [seconds for name, seconds in self.waits if name == "other"]
        self.assertEqual(len(held), 1, "another thread waits before sending")
        self.assertTrue(20 < held[0] <= 30, held)
        self.assertEqual(len(self.fake.calls), 3)

    def test_a_hold_longer_than_the_budget_sends_nothing(self):
        self.client.hold_until = 10**12  # far in the future, set by another thread
        with self.assertRaises(RateLimitedError):
            self.client.get_self()
        self.assertFalse(self.fake.calls)


class TestFakeThreadSafety(ThreadSafetyCase):
    def test_concurrent_creates_each_stored_once(self):
        self.fake.customers.clear()
        group = {"customerGroupNumber": 1}

        def create(index):
            body = {
                "name": f"Concurrent {index}",
                "currency": "DKK",
                "customerGroup": group,
                "paymentTerms": {"paymentTermsNumber": 1},
                "vatZone": {"vatZoneNumber": 1},
            }
            self.client.create_customer(body, idempotency_key=f"key-{index}")
            # the same request again: answered from the idempotency cache
            self.client.create_customer(body, idempotency_key=f"key-{index}")

        self.run_threads(create)
        names = sorted(customer["name"] for customer in self.fake.customers.values())
        self.assertEqual(names, sorted(f"Concurrent {index}" for index in range(THREADS)))
        self.assertFalse(self.fake.idempotency_conflicts)

    def test_max_in_flight_is_recorded(self):
        barrier = threading.Barrier(4, timeout=30)
        self.fake.latency = 0.001
        self.fake.sleep = lambda _seconds: barrier.wait()
        self.run_threads(lambda _index: self.client.get_self(), count=4)
        self.assertEqual(self.fake.max_in_flight, 4)
        self.assertEqual(self.fake.in_flight, 0)


class TestInFlight(ThreadSafetyCase):
    def test_a_batch_is_in_flight_at_once_and_answers_in_order(self):
        # the refused call sends nothing: the other seven meet in the fake
        barrier = threading.Barrier(THREADS - 1, timeout=30)
        self.fake.latency = 0.001
        self.fake.sleep = lambda _seconds: barrier.wait()
        in_flight = InFlight(self.client, THREADS)

        def call(index):
            if index == 3:
                raise ValidationError("refused")
            return self.client.get_self() and index

        outcomes = in_flight.send([lambda index=index: call(index) for index in range(THREADS)])
        self.assertEqual([o.result for o in outcomes if o.ok], [0, 1, 2, 4, 5, 6, 7])
        self.assertIsInstance(outcomes[3].error, ValidationError)
        self.assertEqual(self.fake.max_in_flight, THREADS - 1)

    def test_size_halves_after_a_429_and_grows_back(self):
        in_flight = InFlight(self.client, 8)
        self.fake.fail_next(1, 429, path="/self", retry_after=1)
        in_flight.send([self.client.get_self] * 8)
        self.assertEqual(in_flight.size, 4)
        self.client.hold_until = 0.0
        in_flight.send([self.client.get_self] * 4)
        self.assertEqual(in_flight.size, 5, "a calm batch adds one")
        self.assertEqual(in_flight.batches, [8, 4])

    def test_size_halves_when_few_tokens_are_left(self):
        in_flight = InFlight(self.client, 8)
        self.fake.set_rate_limit(100, 60)
        for _ in range(31):
            self.client.get_self()  # 31 of 100 tokens... then a PUT-heavy batch
        self.fake.call_costs["GET"] = 10
        in_flight.send([self.client.get_self] * 6)  # 91 or more used: under 10% left
        self.assertLess(self.client.rate_limit.remaining, 10)
        self.assertEqual(in_flight.size, 4)

    def test_setting_bounds(self):
        self.assertEqual(InFlight(self.client, 0).size, 1)
        self.assertEqual(InFlight(self.client, 1000).size, 32)
