"""The product library never imports Airflow: every rule must be testable without it."""

import ast
from pathlib import Path

LIBRARY = Path(__file__).resolve().parents[2] / "include" / "gisync"


def test_gisync_never_imports_airflow() -> None:
    offenders = []
    for path in LIBRARY.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.relative_to(LIBRARY)}: {n}" for n in names if n.split(".")[0] == "airflow"]
    assert offenders == []
    assert len(list(LIBRARY.rglob("*.py"))) > 10
