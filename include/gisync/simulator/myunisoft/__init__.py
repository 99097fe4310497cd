"""MyUnisoft partner-API simulator: the reference the client and the tests talk to over real HTTP.

What it reproduces (API.md §13): the ``/api/v1`` routes of §5–§8 over a JSON dossier state
(:mod:`.state`, :mod:`.default_state`), the entry and account rules of §6.3/§7.1 (:mod:`.rules`), the
error envelope (§4.1), both access types and every auth refusal (§2, §4.2; :mod:`.auth`), the per-token
budget and per-route concurrency cap with their ``X-Rate-Limit-*`` headers (§3; :mod:`.ratelimit`),
a maintenance switch, and fault injection (:mod:`.faults`). ``/_sim/*`` control routes
(:mod:`.control`) show what clients did: stored entries, calls per route, highest concurrency and
sliding-window rate, faults fired, refusals by code.

Python: ``gisync.simulator.myunisoft.app.create_app(state, *, secret, token, rate_limit=20,
window=10.0, persist_path=None, reject_duplicates=False, firm_token=None, revoked_tokens=None,
max_concurrent=10, maintenance=False, faults=None)``; serve it with
``gisync.simulator.server.start_background(app)``.

Access: the society token (``--token``, ``key/info`` ``target.type`` "api") opens folder 2123 without
a header; the firm token (``--firm-token``, type "firm") needs ``society-id: 2123`` on folder routes
(missing → 400 GBL1, other id → 404 ERR-FOLDER-NOT-FOUND). Revoked token → 401
ERR-API-TOKEN-NOT-FOUND; unknown malformed token (whitespace, < 8 chars) → 401 ERR-INVALID-JWT; route
removed from ``key_info.routes`` → 403 ERR-FORBIDDEN-ROUTE; maintenance → 503
ERR-API-UNDER-MAINTENANCE; over budget → 429 ERR-TOO-MANY-REQUEST; more than ``max_concurrent`` calls
of one token in flight on one route → 429 ERR-TOO-MANY-CONCURRENT-REQUESTS.

Faults (next N matching calls): ``429``, ``429_html``, ``503``, ``500``, ``401``, ``non_json``,
``latency``, ``commit_then_drop``, ``timeout`` — exact behaviour in :mod:`.faults`.

CLI (``python -m gisync simulator myunisoft ...`` or ``python -m gisync.simulator.myunisoft ...``)::

    --port N            listen on 127.0.0.1:N (default 8090)
    --state FILE        initial state (shape of default_state()); default: default_state() with the
                        demo firm's 401/411 accounts when gisync.simulator.demo_firm exists
    --persist FILE      load the state from FILE if it exists and save it there after every write
    --reset             ignore an existing --persist file and start from the initial state
    --secret S --token T --rate-limit N --window SECONDS --reject-duplicates
    --firm-token T      also accept firm token T (e.g. gisync-demo-firm-token), needs society-id
    --revoked-token T   T starts revoked (repeatable)
    --max-concurrent N  in-flight calls per route and token (default 10)
    --maintenance       start in maintenance (every /api/v1 call 503)
    --fault KIND[:ROUTE[:COUNT[:DELAY]]]   arm a fault (repeatable), e.g.
                        --fault "commit_then_drop:POST /api/v1/entry:1" --fault 429:*:3
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


def _fault(text: str) -> dict[str, Any]:
    from gisync.simulator.myunisoft.faults import parse_cli_fault

    try:
        return parse_cli_fault(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def main(argv: list[str] | None = None) -> None:
    from gisync.jsonutil import write_file
    from gisync.simulator.myunisoft.app import DEFAULT_MAX_CONCURRENT, DEFAULT_SECRET, DEFAULT_TOKEN, create_app
    from gisync.simulator.server import serve_forever

    parser = argparse.ArgumentParser(
        prog="python -m gisync simulator myunisoft",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (0.0.0.0 only inside a container)")
    parser.add_argument("--state", help="JSON state file (shape of default_state())")
    parser.add_argument("--persist", help="state file loaded at start (if present) and saved on writes")
    parser.add_argument("--reset", action="store_true", help="start from the initial state, not --persist")
    parser.add_argument("--secret", default=DEFAULT_SECRET)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--rate-limit", type=int, default=20)
    parser.add_argument("--window", type=float, default=10.0)
    parser.add_argument("--reject-duplicates", action="store_true", help="refuse a reused partner id (ECR4)")
    parser.add_argument("--firm-token", help="also accept this firm token (needs the society-id header)")
    parser.add_argument("--revoked-token", action="append", default=[], help="a token that starts revoked")
    parser.add_argument("--max-concurrent", type=int, default=DEFAULT_MAX_CONCURRENT)
    parser.add_argument("--maintenance", action="store_true", help="answer every /api/v1 call 503")
    parser.add_argument("--fault", type=_fault, action="append", default=[], metavar="KIND[:ROUTE[:COUNT[:DELAY]]]")
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
        firm_token=args.firm_token,
        revoked_tokens=args.revoked_token,
        max_concurrent=args.max_concurrent,
        maintenance=args.maintenance,
        faults=args.fault,
    )
    print(f"MyUnisoft simulator on http://127.0.0.1:{args.port}/api/v1", flush=True)
    serve_forever(app, args.port, host=args.host)
