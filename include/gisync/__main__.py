"""Command line: ``python -m gisync simulator myunisoft|gi``, ``check FILE...``, ``preview ...``."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    usage = (
        "usage: python -m gisync simulator {myunisoft,gi} [options] | python -m gisync check DOSSIER.yaml... | "
        "python -m gisync preview --dossier FILE --out DIR (--gi-dir DIR | --gi-url URL) --myunisoft-url URL"
    )
    if len(args) >= 2 and args[0] == "simulator" and args[1] == "myunisoft":
        from gisync.simulator.myunisoft import main as run_myunisoft

        run_myunisoft(args[2:])
        return 0
    if len(args) >= 2 and args[0] == "simulator" and args[1] == "gi":
        from gisync.simulator.gi import main as run_gi

        run_gi(args[2:])
        return 0
    if args and args[0] == "preview":
        from gisync.preview import main as preview

        return preview(args[1:])
    if not args or args[0] in ("-h", "--help", "help"):
        print(usage)
        return 0 if args else 2
    if args[0] == "check" and len(args) == 1:
        print("usage: python -m gisync check DOSSIER.yaml [DOSSIER.yaml ...]", file=sys.stderr)
        return 2
    if args and args[0] == "check":
        from gisync.config import load_config
        from gisync.errors import ConfigError

        status = 0
        for path in args[1:]:
            try:
                cfg = load_config(path)
                print(f"ok: {path} -> DAG {cfg.dag_id}")
            except ConfigError as exc:
                print(f"error: {exc}", file=sys.stderr)
                status = 1
        return status
    print(usage, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
