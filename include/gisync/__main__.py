"""Command line: ``python -m gisync simulator myunisoft|gi``, ``check FILE...``, ``preview ...``."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    usage = (
        "usage: python -m gisync simulator {myunisoft,gi} [options] | python -m gisync check DOSSIER.yaml|FOLDER... | "
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
    if args[0] == "check":
        return _check(args[1:])
    print(usage, file=sys.stderr)
    return 2


def _check(paths: list[str]) -> int:
    """``check FILE|FOLDER...``: every dossier config given, as the DAG file would read them together."""
    from pathlib import Path

    from gisync.config import dossier_files, load_files
    from gisync.errors import ConfigError

    if not paths or any(p in ("-h", "--help") for p in paths):
        print("usage: python -m gisync check DOSSIER.yaml|FOLDER [...]  (a folder: its *.yaml files)")
        return 0 if paths else 2
    files = [f for p in paths for f in (dossier_files(p) if Path(p).is_dir() else [Path(p)])]
    if not files:
        print(f"error: no dossier file (*.yaml) in {' '.join(paths)}", file=sys.stderr)
        return 1
    status = 0
    for file, result in load_files(files):
        if isinstance(result, ConfigError):
            print(f"error: {result}", file=sys.stderr)
            status = 1
        else:
            print(f"ok: {file} -> DAG {result.dag_id}")
    return status


if __name__ == "__main__":
    sys.exit(main())
