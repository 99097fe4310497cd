"""Dossier configs: the shipped demo loads; errors name the file and the field; one bad file hides nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from gisync.__main__ import main as cli
from gisync.config import load_all, load_config
from gisync.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "include" / "dossiers" / "demo.yaml"


def test_demo_config() -> None:
    cfg = load_config(DEMO)
    assert cfg.dag_id == "gi_myunisoft_sync__demo"
    assert cfg.start_date.isoformat() == "2023-08-01"
    assert cfg.payment_type_code("VIR") == "VIRT" and cfg.payment_type_code("CB") == "CB"
    assert cfg.purchases.account_replacements == {"606300": "606400"}


def test_error_names_file_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "d077.yaml"
    bad.write_text(DEMO.read_text().replace("slug: demo", "slug: d077").replace('"2023-08-01"', '"2025-13-01"'))
    with pytest.raises(ConfigError) as err:
        load_config(bad)
    message = str(err.value)
    assert message.startswith("d077: start_date invalide ('2025-13-01' : ")
    assert message.endswith(" — corriger d077.yaml")


def test_unknown_keys_and_bad_slug_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(DEMO.read_text().replace("auto_create_clients:", "auto_create_customers:"))
    (tmp_path / "b.yaml").write_text(DEMO.read_text().replace("slug: demo", "slug: Bad-Slug"))
    (tmp_path / "c.yaml").write_text(DEMO.read_text().replace("slug: demo", "slug: ok_one"))
    (tmp_path / "d.yaml").write_text(DEMO.read_text().replace("slug: demo", "slug: ok_one"))
    (tmp_path / "e.yaml").write_text("- not a mapping\n")
    configs, errors = load_all(tmp_path)
    assert [c.slug for c in configs] == ["ok_one"]
    assert set(errors) == {"a.yaml", "b.yaml", "d.yaml", "e.yaml"}
    assert "auto_create_customers" in errors["a.yaml"]
    assert "slug" in errors["b.yaml"]
    assert errors["d.yaml"] == "ok_one: slug déjà utilisé par c.yaml — corriger d.yaml"


def test_check_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["check", str(DEMO)]) == 0
    bad = tmp_path / "x.yaml"
    bad.write_text("slug: x\n")
    assert cli(["check", str(bad)]) == 1
    assert "myunisoft_conn_id" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("replace", "by", "message"),
    [
        ('  sales: "02"       # JOURNAL DE VENTES (VTE)\n', "", "journals.sales"),
        ('  sales: "02"', "  sales: 02", 'quote the journal code ("02"'),
        ('  sales: "02"', '  sales: ""', "empty journal code"),
        ('  sales: "02"', '  sales: "15"', "must be different journals"),
        ('  purchases: "01"   # JOURNAL D\'ACHATS (ACH)\n', "", "purchases.enabled needs journals.purchases"),
    ],
)
def test_journal_codes_are_required_quoted_and_distinct(tmp_path: Path, replace: str, by: str, message: str) -> None:
    text = DEMO.read_text()
    assert replace in text
    (tmp_path / "x.yaml").write_text(text.replace(replace, by))
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(".", r"\.")):
        load_config(tmp_path / "x.yaml")


def test_missing_journals_block_is_refused(tmp_path: Path) -> None:
    text = DEMO.read_text()
    start, end = text.index("journals:"), text.index("auto_create_clients")
    (tmp_path / "x.yaml").write_text(text[:start] + text[end:])
    with pytest.raises(ConfigError, match="journals manquant"):
        load_config(tmp_path / "x.yaml")
