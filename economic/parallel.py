# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Requests in flight: send a batch of prepared requests at once, in worker threads.

Pure Python (no Odoo). The caller's job thread prepares and commits everything a batch needs
(idempotency keys, leases), then ``InFlight.send(calls)`` runs the batch's client calls in
threads and returns their outcomes in order; the job thread records them. The calls must be
pure client calls: no database, no ORM.

Every call of a batch starts at once (one thread each), so a batch lasts no longer than its
slowest request; a job's leases renewed before the batch therefore cover it. Slowing down
happens between batches (``size``) and inside the client (a 429 holds every thread, see
``EconomicClient``).
"""

import concurrent.futures

DEFAULT_IN_FLIGHT = 8
MAX_IN_FLIGHT = 32
# Below this share of the rate limit's tokens left, the next batch is halved.
LOW_TOKENS_SHARE = 0.1


class Outcome:
    """The result of one call, or the exception it raised."""

    __slots__ = ("error", "result")

    def __init__(self, result=None, error=None):
        self.result = result
        self.error = error

    @property
    def ok(self):
        return self.error is None


class InFlight:
    """Up to ``maximum`` requests of one client in flight, fewer while e-conomic pushes back.

    ``size`` is how many requests the next batch may hold: it halves after a batch that met a
    429 or left few tokens of the ``X-RateLimiting`` budget, and grows back by one per calm
    batch.
    """

    def __init__(self, client, maximum=DEFAULT_IN_FLIGHT):
        self.client = client
        self.maximum = max(1, min(int(maximum or 1), MAX_IN_FLIGHT))
        self.size = self.maximum
        self.batches = []  # sizes of the batches sent (benchmarks and tests read it)

    def send(self, calls):
        """Run ``calls`` (callables taking no argument) at once; a list of Outcome, in order.

        At most ``size`` calls per batch: the caller takes ``size`` items, prepares them,
        then sends them.
        """
        calls = list(calls)
        if not calls:
            return []
        self.batches.append(len(calls))
        throttled_before = self.client.throttled
        if len(calls) == 1:
            outcomes = [self._call(calls[0])]
        else:
            with concurrent.futures.ThreadPoolExecutor(
                max_workers=len(calls), thread_name_prefix="economic-send"
            ) as pool:
                outcomes = list(pool.map(self._call, calls))
        self._adapt(self.client.throttled > throttled_before)
        return outcomes

    @staticmethod
    def _call(call):
        try:
            return Outcome(result=call())
        except Exception as exc:  # noqa: BLE001 - handed to the job thread, which decides
            return Outcome(error=exc)

    def _adapt(self, throttled):
        rate = self.client.rate_limit
        low = (
            rate is not None
            and rate.limit
            and rate.remaining is not None
            and rate.remaining < rate.limit * LOW_TOKENS_SHARE
        )
        if throttled or low:
            self.size = max(1, self.size // 2)
        else:
            self.size = min(self.maximum, self.size + 1)
