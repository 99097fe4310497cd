"""``python -m gisync preview``: the demo-mode code path without Airflow, zero writes, GI as API or files."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from gisync.__main__ import main as cli
from gisync.simulator import demo_firm
from gisync.simulator.gi.app import create_app as create_gi
from gisync.simulator.myunisoft.app import create_app as create_myunisoft
from gisync.simulator.myunisoft.default_state import default_state
from gisync.simulator.server import start_background

REPO = Path(__file__).resolve().parents[2]
DEMO = str(REPO / "include" / "dossiers" / "demo.yaml")


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[str, str]]:
    dataset = demo_firm.generate()
    state = default_state(extra_accounts=demo_firm.myunisoft_accounts(dataset))
    mu = start_background(
        create_myunisoft(state, token="preview-token-1", secret="preview-secret-1", rate_limit=100_000)
    )
    gi = start_background(create_gi(dataset, token="preview-gi-token"))
    yield mu.url, gi.url
    mu.stop()
    gi.stop()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MYUNISOFT_TOKEN", "preview-token-1")
    monkeypatch.setenv("MYUNISOFT_SECRET", "preview-secret-1")
    monkeypatch.setenv("GI_TOKEN", "preview-gi-token")


def _preview(out: Path, mu: str, *source: str) -> tuple[int, dict, list]:
    code = cli(["preview", "--dossier", DEMO, "--out", str(out), "--myunisoft-url", mu, *source])
    return code, json.loads((out / "report.json").read_text()), json.loads((out / "payloads.json").read_text())


def test_preview_from_the_gi_api_writes_nothing(servers: tuple[str, str], env: None, tmp_path: Path) -> None:
    mu, gi = servers
    code, report, payloads = _preview(tmp_path, mu, "--gi-url", gi)
    calls = requests.get(mu + "/_sim/calls", timeout=10).json()
    assert sum(calls["writes"].values()) == 0
    assert code == 1  # the demo data holds documents on purpose: the preview says so
    assert report["summary"]["mode"] == "demo" and report["summary"]["would_create"] == len(payloads) > 300
    assert report["summary"]["unbalanced"] == 0
    from gisync import jsonutil
    from gisync.myunisoft.payload import check_payload

    exact = jsonutil.loads((tmp_path / "payloads.json").read_text())  # decimals as written, not floats
    assert [p["partner_id"] for p in exact if check_payload(p["payload"], p["partner_id"])] == []
    assert "would_create" in {row["status"] for row in report["checks"]["clients"]}
    secrets = ("preview-token-1", "preview-secret-1", "preview-gi-token")
    text = (tmp_path / "report.json").read_text() + (tmp_path / "payloads.json").read_text()
    assert not any(s in text for s in secrets)


def test_preview_from_exported_files_gives_the_same_payloads(
    servers: tuple[str, str], env: None, tmp_path: Path
) -> None:
    pytest.importorskip("gisync.gi.files")
    mu, gi = servers
    _, _, from_api = _preview(tmp_path / "api", mu, "--gi-url", gi)
    files = tmp_path / "export"
    demo_firm.write_files(demo_firm.generate(), files, "csv")
    _, report, from_files = _preview(tmp_path / "files", mu, "--gi-dir", str(files))
    assert [p["payload"] for p in from_files] == [p["payload"] for p in from_api]
    assert report["summary"]["held"] > 0


def test_preview_bad_dossier_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("slug: x\n")
    code = cli(
        [
            "preview",
            "--dossier",
            str(bad),
            "--out",
            str(tmp_path),
            "--myunisoft-url",
            "http://127.0.0.1:9",
            "--gi-dir",
            "x",
        ]
    )
    assert code == 2 and "bad.yaml" in capsys.readouterr().err
