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


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("- slug: x\n", "x: le fichier doit contenir des réglages « clé: valeur » (trouvé : list) — corriger x.yaml"),
        ("", "x: le fichier doit contenir des réglages « clé: valeur » (fichier vide) — corriger x.yaml"),
        ("just text\n", "x: le fichier doit contenir des réglages « clé: valeur » (trouvé : str) — corriger x.yaml"),
    ],
)
def test_a_file_that_is_not_a_mapping_says_what_it_found(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "x.yaml").write_text(content)
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path / "x.yaml")
    assert str(err.value) == message


def test_a_non_utf8_file_is_a_config_error_not_a_crash(tmp_path: Path) -> None:
    """A latin-1 file must be reported like any broken file, not escape and take every dossier down."""
    (tmp_path / "ok.yaml").write_text(DEMO.read_text())
    (tmp_path / "latin.yaml").write_bytes(DEMO.read_text().replace("démo", "d\xe9mo").encode("latin-1"))
    configs, errors = load_all(tmp_path)
    assert [c.slug for c in configs] == ["demo"]
    assert errors["latin.yaml"].startswith("latin: fichier illisible (UnicodeDecodeError")
    assert errors["latin.yaml"].endswith("— corriger latin.yaml")


@pytest.mark.parametrize("slug", ['""', '"x\\ny"', '"Bad-Slug"'])
def test_an_invalid_slug_is_not_used_to_name_the_dossier(tmp_path: Path, slug: str) -> None:
    (tmp_path / "d9.yaml").write_text(DEMO.read_text().replace("slug: demo", f"slug: {slug}"))
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path / "d9.yaml")
    assert str(err.value).startswith("d9: slug invalide (")
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("schedule", ['"@dayly"', '"61 * * * *"', '"every day"'])
def test_a_schedule_airflow_would_refuse_is_a_config_error(tmp_path: Path, schedule: str) -> None:
    """Airflow raises for such a schedule while building the DAG, which would fail the whole DAG file."""
    (tmp_path / "s.yaml").write_text(DEMO.read_text().replace('schedule: "@daily"', f"schedule: {schedule}"))
    with pytest.raises(ConfigError, match=r"^demo: schedule invalide \(.*not a schedule Airflow accepts"):
        load_config(tmp_path / "s.yaml")


def test_check_a_folder_finds_a_slug_used_twice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Two files with the same slug would be one DAG id: `check` says so, as the DAG file does."""
    (tmp_path / "demo.yaml").write_text(DEMO.read_text())
    (tmp_path / "other.yaml").write_text(DEMO.read_text())
    assert cli(["check", str(tmp_path)]) == 1
    out, err = capsys.readouterr()
    assert f"ok: {tmp_path / 'demo.yaml'} -> DAG gi_myunisoft_sync__demo" in out
    assert err.strip() == "error: demo: slug déjà utilisé par demo.yaml — corriger other.yaml"
    assert cli(["check", str(tmp_path / "demo.yaml"), str(tmp_path / "other.yaml")]) == 1


def test_check_help_prints_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["check", "--help"]) == 0
    assert capsys.readouterr().out.startswith("usage: python -m gisync check")
    assert cli(["check"]) == 2
