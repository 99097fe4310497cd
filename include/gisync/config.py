"""Dossier configuration: one YAML file per MyUnisoft folder, validated with messages that name the
file and the field.

No secret lives here: the YAML names Airflow Connections (``myunisoft_conn_id``, ``gi_conn_id``) and
the tokens stay in those connections.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from gisync.errors import ConfigError

# libyaml's safe loader when present (7x faster: 1 000 dossier files are read at every DAG parse).
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_]{0,62}$")
# What Airflow 3.3 takes as a schedule string besides a cron expression (airflow.sdk's CRON_PRESETS plus
# @once/@continuous; tests/dags/test_dagbag.py builds a DAG with each). Checked here, in the config,
# because a schedule Airflow refuses would otherwise fail the whole DAG file, every dossier with it.
SCHEDULE_PRESETS = frozenset(
    {"@once", "@continuous", "@hourly", "@daily", "@weekly", "@monthly", "@quarterly", "@yearly"}
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Journals(_Strict):
    """MyUnisoft journal (diary) codes, as shown in MyUnisoft (``02``, ``15``...): the stable key.

    No defaults: posting into another folder's journal codes by omission is not a risk worth taking.
    """

    sales: str
    payments: str
    purchases: str | None = None
    payments_by_mode: dict[str, str] = Field(
        default_factory=dict, description="GI payment-mode code -> journal code, when a mode has its own journal"
    )

    @field_validator("sales", "payments", "purchases", mode="before")
    @classmethod
    def _code(cls, value: object) -> object:
        if isinstance(value, int) and not isinstance(value, bool):
            raise ValueError(f'quote the journal code ("0{value}" or "{value}"): YAML reads {value} as a number')
        if isinstance(value, str) and not value.strip():
            raise ValueError("empty journal code")
        return value.strip() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _distinct(self) -> Journals:
        if self.sales == self.payments or (self.purchases and self.purchases in (self.sales, self.payments)):
            raise ValueError("sales, payments and purchases must be different journals")
        return self


class Purchases(_Strict):
    enabled: bool = False
    account_replacements: dict[str, str] = Field(
        default_factory=dict, description="GI expense account -> account of this dossier"
    )


class VatAccounts(_Strict):
    """Overrides of the GI's VAT accounts per rate (``"20": "445712"``); empty means: use the GI's."""

    collected: dict[str, str] = Field(default_factory=dict)
    deductible: dict[str, str] = Field(default_factory=dict)


class Rounding(_Strict):
    """What to do when HT + VAT differs from TTC: hold (default) or post the gap within a tolerance."""

    policy: Literal["hold", "account"] = "hold"
    debit_account: str = "658000"
    credit_account: str = "758000"
    tolerance: Decimal = Decimal("0.00")


class Notify(_Strict):
    """Where a failed run's one-line reason goes besides the task log."""

    kind: Literal["log", "webhook", "email"] = "log"
    webhook_conn_id: str | None = None  # an HTTP connection whose host is the webhook URL
    email_conn_id: str | None = None  # an SMTP connection: host, port, login, password; extra from_email, starttls
    email_to: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _conn(self) -> Notify:
        if self.kind == "webhook" and not self.webhook_conn_id:
            raise ValueError("notify.kind webhook needs notify.webhook_conn_id (an Airflow HTTP connection)")
        if self.kind == "email" and not (self.email_conn_id and self.email_to):
            raise ValueError(
                "notify.kind email needs notify.email_conn_id (an Airflow SMTP connection) and notify.email_to"
            )
        bad = [a for a in self.email_to if "@" not in a or any(c.isspace() or c in ",;<>" for c in a)]
        if bad:
            raise ValueError(f"notify.email_to: not an e-mail address: {', '.join(bad)}")
        return self


class DossierConfig(_Strict):
    slug: str
    name: str = ""
    enabled: bool = True
    owner: str = "gisync"
    myunisoft_conn_id: str
    gi_conn_id: str
    society_id: int | None = None
    start_date: dt.date
    schedule: str | None = "@daily"
    timezone: str = "Europe/Paris"
    journals: Journals
    auto_create_clients: bool = False
    auto_create_suppliers: bool = False
    purchases: Purchases = Field(default_factory=Purchases)
    payment_modes: dict[str, str] = Field(
        default_factory=dict,
        description="GI payment-mode code -> MyUnisoft payment-type code, when they differ",
    )
    vat_accounts: VatAccounts = Field(default_factory=VatAccounts)
    client_account_prefix: str = "411"
    supplier_account_prefix: str = "401"
    bank_account: str | None = None
    rounding: Rounding = Field(default_factory=Rounding)
    notify: Notify = Field(default_factory=Notify)
    rate_limit: int = Field(20, ge=1, description="MyUnisoft requests per window for this token (server default 20)")
    rate_window_seconds: float = Field(10.0, gt=0)

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG_RE.match(value):
            raise ValueError("lower-case letters, digits and _ only (it becomes part of the DAG id)")
        return value

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, value: str | None) -> str | None:
        if value is None or value in SCHEDULE_PRESETS:
            return value
        from croniter import croniter  # Airflow's own cron parser, only needed for this check

        if not croniter.is_valid(value):
            raise ValueError(
                f'not a schedule Airflow accepts: a cron expression ("0 6 * * *"), one of '
                f"{', '.join(sorted(SCHEDULE_PRESETS))}, or null to trigger by hand"
            )
        return value

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _purchases_journal(self) -> DossierConfig:
        if self.purchases.enabled and not self.journals.purchases:
            raise ValueError("purchases.enabled needs journals.purchases (the MyUnisoft purchase journal code)")
        return self

    @property
    def dag_id(self) -> str:
        return f"gi_myunisoft_sync__{self.slug}"

    def payment_type_code(self, gi_mode: str) -> str:
        """MyUnisoft payment-type code for a GI payment mode (same code unless mapped)."""
        return self.payment_modes.get(gi_mode, gi_mode)


def _describe(exc: ValidationError) -> str:
    """Each refused field as ``<field> manquant`` or ``<field> invalide (<value> : <why>)``."""
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "(fichier)"
        if err["type"] == "missing":
            parts.append(f"{where} manquant ({err['msg']})")
        else:
            value = err.get("input")
            shown = f"{value!r} : " if isinstance(value, str | int | float | bool) else ""
            parts.append(f"{where} invalide ({shown}{err['msg']})")
    return "; ".join(parts)


def load_config(path: str | Path) -> DossierConfig:
    """Read one dossier YAML; any problem is a ConfigError naming the dossier, the field and the file to fix.

    The message starts with the dossier (its slug, else the file name): "d077: start_date invalide
    ('2025-13-01' : …) — corriger d077.yaml", what the Airflow import error and the status page show.
    """
    file = Path(path)
    try:
        raw = yaml.load(file.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(
            f"{file.stem}: fichier illisible ({exc.__class__.__name__}: {exc}) — corriger {file.name}"
        ) from exc
    if not isinstance(raw, dict):
        found = "fichier vide" if raw is None else f"trouvé : {type(raw).__name__}"
        raise ConfigError(
            f"{file.stem}: le fichier doit contenir des réglages « clé: valeur » ({found}) — corriger {file.name}"
        )
    try:
        return DossierConfig.model_validate(raw)
    except ValidationError as exc:
        named = raw.get("slug")
        slug = named if isinstance(named, str) and SLUG_RE.match(named) else file.stem
        raise ConfigError(f"{slug}: {_describe(exc)} — corriger {file.name}") from exc


def load_files(files: Iterable[str | Path]) -> list[tuple[Path, DossierConfig | ConfigError]]:
    """Each file's config or its error, in the given order; a slug already used by an earlier file is an
    error of the later one (two DAGs cannot share an id)."""
    results: list[tuple[Path, DossierConfig | ConfigError]] = []
    seen: dict[str, str] = {}
    for path in files:
        file = Path(path)
        try:
            cfg = load_config(file)
        except ConfigError as exc:
            results.append((file, exc))
            continue
        if cfg.slug in seen:
            results.append(
                (file, ConfigError(f"{cfg.slug}: slug déjà utilisé par {seen[cfg.slug]} — corriger {file.name}"))
            )
            continue
        seen[cfg.slug] = file.name
        results.append((file, cfg))
    return results


def dossier_files(folder: str | Path) -> list[Path]:
    """The dossier configs of a folder: its ``*.yaml`` / ``*.yml`` files, sorted by name."""
    return sorted(Path(folder).glob("*.y*ml"))


def load_all(folder: str | Path) -> tuple[list[DossierConfig], dict[str, str]]:
    """Every dossier config of a folder: the valid configs and, per broken file name, its one-line error.

    A broken file never hides the others; duplicate slugs are reported as errors of the later file.
    """
    configs: list[DossierConfig] = []
    errors: dict[str, str] = {}
    for file, result in load_files(dossier_files(folder)):
        if isinstance(result, ConfigError):
            errors[file.name] = str(result)
        else:
            configs.append(result)
    return configs, errors
