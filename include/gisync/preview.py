"""``python -m gisync preview``: what a dossier's sync would write, without Airflow and without writing.

Reads the GI (REST connection or a folder of exported files) and MyUnisoft (reads only), runs every
check, builds every entry, and writes ``report.json`` and ``payloads.json`` to ``--out`` exactly as the
DAG's demo mode does (it is the same code path, :func:`gisync.pipeline.run_all` with ``demo``).
Credentials come from the environment, never from the command line (shell history, ``ps``):
``MYUNISOFT_TOKEN``, ``MYUNISOFT_SECRET``, ``GI_TOKEN``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
from pathlib import Path

from gisync.config import load_config
from gisync.errors import GisyncError
from gisync.ledger import Ledger
from gisync.pipeline import DossierDeferred, DossierRun, DossierRunFailed, GiSource, RunParams, run_all


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gisync preview", description=__doc__)
    parser.add_argument("--dossier", required=True, help="the dossier YAML (include/dossiers/<slug>.yaml)")
    parser.add_argument("--out", required=True, help="folder for report.json and payloads.json")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--gi-dir", help="a folder of GI exports (JSON/CSV files, see the README)")
    source.add_argument("--gi-url", help="the GI API base URL (token in $GI_TOKEN)")
    parser.add_argument("--myunisoft-url", required=True, help="MyUnisoft base URL (token/secret in the environment)")
    parser.add_argument("--clients", nargs="*", default=[], help="only these GI client ids")
    args = parser.parse_args(argv)

    try:
        cfg = load_config(args.dossier)
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        from gisync.myunisoft.client import MyUnisoftClient

        def myunisoft() -> MyUnisoftClient:
            return MyUnisoftClient(
                args.myunisoft_url,
                token=os.environ.get("MYUNISOFT_TOKEN", ""),
                secret=os.environ.get("MYUNISOFT_SECRET", ""),
                society_id=cfg.society_id,
                rate_limit=cfg.rate_limit,
                window=cfg.rate_window_seconds,
            )

        def gi() -> GiSource:
            if args.gi_dir:
                from gisync.gi.files import GiFileSource

                return GiFileSource(args.gi_dir)
            from gisync.gi.rest import GiRestClient

            return GiRestClient(args.gi_url, os.environ.get("GI_TOKEN", ""))

        with tempfile.TemporaryDirectory(prefix="gisync-preview-") as tmp:
            run = DossierRun(
                cfg=cfg,
                run_id=f"preview__{dt.datetime.now(dt.UTC):%Y-%m-%dT%H%M%S}",
                params=RunParams(demo=True, clients=tuple(args.clients)),
                ledger=Ledger(f"sqlite:///{tmp}/preview.db"),
                myunisoft=myunisoft,
                gi=gi,
                reports_dir=out,
                output_dir=out,
            )
            try:
                summary = run_all(run)
                status = 0
            except (DossierRunFailed, DossierDeferred) as exc:
                print(str(exc), file=sys.stderr)
                summary, status = None, 1
            run.ledger.engine.dispose()
    except GisyncError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if summary is not None:
        print(f"preview ok: {summary['would_create']} entries would be written")
    print(f"report: {out / 'report.json'}\npayloads: {out / 'payloads.json'}")
    return status
