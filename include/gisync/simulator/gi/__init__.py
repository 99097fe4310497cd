"""GI simulator: serves gi/CONTRACT.md over HTTP from the demo firm (or any dataset).

CLI (``python -m gisync simulator gi ...`` or ``python -m gisync.simulator.gi ...``)::

    --port N         listen on N (default 8091)
    --host H         interface (default 127.0.0.1; 0.0.0.0 in a container)
    --seed S         demo-firm seed (default 2024)
    --data FILE      a JSON dataset (keys clients, suppliers, invoices, payments, purchases,
                     payment_modes, settings) instead of the generated demo firm
    --token T        bearer token the API accepts
"""

from __future__ import annotations

import argparse
from typing import Any

from gisync.simulator.gi.app import DEFAULT_TOKEN, create_app

__all__ = ["DEFAULT_PORT", "DEFAULT_TOKEN", "create_app", "main"]

DEFAULT_PORT = 8091


def main(argv: list[str] | None = None) -> None:
    """Run the simulator in the foreground until interrupted."""
    from gisync.jsonutil import read_file
    from gisync.simulator.demo_firm import generate
    from gisync.simulator.server import serve_forever

    parser = argparse.ArgumentParser(prog="python -m gisync simulator gi", description=__doc__)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--data", help="JSON dataset file (default: the generated demo firm)")
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    args = parser.parse_args(argv)

    dataset: dict[str, Any] = read_file(args.data) if args.data else generate(args.seed)
    if not isinstance(dataset, dict):
        parser.error(f"{args.data}: a dataset must be a JSON object")
    app = create_app(dataset, token=args.token)
    print(f"GI simulator on http://{args.host}:{args.port}/api/v1", flush=True)
    serve_forever(app, args.port, host=args.host)
