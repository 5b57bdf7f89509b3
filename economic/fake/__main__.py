# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""python3 -m economic.fake [--host 127.0.0.1] [--port 8079] [--secret S] [--grant G]"""

import argparse
import contextlib
import sys

from .app import FakeEconomic
from .server import make_server


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python3 -m economic.fake", description="Serve a fake e-conomic over HTTP."
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1; keep it local)"
    )
    parser.add_argument("--port", type=int, default=8079)
    parser.add_argument("--secret", default="demo-secret", help="X-AppSecretToken to accept")
    parser.add_argument("--grant", default="demo-grant", help="X-AgreementGrantToken to accept")
    parser.add_argument(
        "--empty",
        action="store_true",
        help="start with reference lists only (no demo customers/products)",
    )
    parser.add_argument(
        "--no-project-module",
        action="store_true",
        help="agreement without the Project module (projectsapi answers 403)",
    )
    args = parser.parse_args(argv)
    fake = FakeEconomic(args.secret, args.grant, seed=not args.empty)
    fake.set_project_module(not args.no_project_module)
    server = make_server(fake, args.host, args.port)
    host, port = server.server_address[:2]
    base = f"http://{host}:{port}"
    # The demo's operator reads these lines: a command-line banner, not a log.
    sys.stderr.write(
        f"Fake e-conomic listening on {base}\n"
        f"  rest_url={base}  openapi_url={base}\n"
        f"  X-AppSecretToken: {args.secret}\n"
        f"  X-AgreementGrantToken: {args.grant}\n"
    )
    sys.stderr.flush()
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
