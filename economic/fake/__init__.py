# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""A fake e-conomic for tests and the demo (pure Python: stdlib + requests).

Use it in place of e-conomic::

    fake = FakeEconomic()                      # seeded Danish demo agreement
    session.send = fake.send                   # or fake.handle(method, url, headers, body)
    python3 -m economic.fake --port 8079       # the same over HTTP
"""

from .app import Clock, FakeEconomic
from .helpers import FakeSetupError
from .resources import decode_id, encode_id

__all__ = ["Clock", "FakeEconomic", "FakeSetupError", "decode_id", "encode_id"]
