"""MyUnisoft partner-API simulator: the reference the client and the tests talk to over real HTTP.

CLI (``python -m gisync simulator myunisoft ...`` or ``python -m gisync.simulator.myunisoft ...``)::

    --port N            listen on 127.0.0.1:N (default 8090)
    --state FILE        initial state (shape of default_state()); default: default_state() with the
                        demo firm's 401/411 accounts when gisync.simulator.demo_firm exists
    --persist FILE      load the state from FILE if it exists and save it there after every write
    --reset             ignore an existing --persist file and start from the initial state
    --secret S --token T --rate-limit N --window SECONDS --reject-duplicates
"""

from __future__ import annotations

import argparse
from typing import Any

DEFAULT_PORT = 8090


def _initial_state(state_file: str | None) -> dict[str, Any]:
    from gisync.jsonutil import read_file
    from gisync.simulator.myunisoft.default_state import default_state

    if state_file:
        loaded: dict[str, Any] = read_file(state_file)
        return loaded
    try:  # written by another part of the project; the simulator must run without it
        from gisync.simulator.demo_firm import myunisoft_accounts  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return default_state()
    return default_state(list(myunisoft_accounts()))


def main(argv: list[str] | None = None) -> None:
    from gisync.jsonutil import write_file
    from gisync.simulator.myunisoft.app import DEFAULT_SECRET, DEFAULT_TOKEN, create_app
    from gisync.simulator.server import serve_forever

    parser = argparse.ArgumentParser(prog="python -m gisync simulator myunisoft", description=__doc__)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--state", help="JSON state file (shape of default_state())")
    parser.add_argument("--persist", help="state file loaded at start (if present) and saved on writes")
    parser.add_argument("--reset", action="store_true", help="start from the initial state, not --persist")
    parser.add_argument("--secret", default=DEFAULT_SECRET)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--rate-limit", type=int, default=20)
    parser.add_argument("--window", type=float, default=10.0)
    parser.add_argument("--reject-duplicates", action="store_true", help="refuse a reused partner id (ECR4)")
    args = parser.parse_args(argv)

    state = _initial_state(args.state)
    if args.persist and args.reset:
        write_file(args.persist, state)
    app = create_app(
        state,
        secret=args.secret,
        token=args.token,
        rate_limit=args.rate_limit,
        window=args.window,
        persist_path=args.persist,
        reject_duplicates=args.reject_duplicates,
    )
    print(f"MyUnisoft simulator on http://127.0.0.1:{args.port}/api/v1", flush=True)
    serve_forever(app, args.port)
