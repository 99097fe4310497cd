"""The "GI → MyUnisoft" status page: a small FastAPI app served by Airflow's api-server under ``/gisync``.

It reads only the sync-state database (``paths.state_db_url()``), never the GI or MyUnisoft, and renders
plain HTML (every value through :func:`html.escape`, no external assets).

Airflow mounts plugin apps with ``app.mount()``, which inherits none of the core API's authentication:
every route here therefore depends on Airflow's own ``requires_access_dag("GET")`` (from
``airflow.api_fastapi.core_api.security``). It resolves the user through ``get_user`` — a JWT in
``Authorization: Bearer`` or the UI's ``_token`` cookie, validated by the configured auth manager — and
asks the auth manager whether that user may read DAGs; the dossier page also checks read access to the
dossier's own DAG. Anonymous callers get 401 (with a link to the login page), others without the right 403.
The OpenAPI docs routes are switched off, since app-level dependencies do not cover them.
"""

from __future__ import annotations

import functools
import sys
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote

_REPO = Path(__file__).resolve().parents[2]
for _sub in ("include", "dags"):
    if str(_REPO / _sub) not in sys.path:
        sys.path.insert(0, str(_REPO / _sub))

from airflow.api_fastapi.auth.managers.models.base_user import BaseUser  # noqa: E402
from airflow.api_fastapi.core_api.security import GetUserDep, requires_access_dag  # noqa: E402
from fastapi import Depends, FastAPI, HTTPException, Request  # noqa: E402
from fastapi.responses import HTMLResponse, Response  # noqa: E402
from starlette.exceptions import HTTPException as StarletteHTTPException  # noqa: E402

from gisync.ledger import Ledger  # noqa: E402
from gisync.status import dossier_detail, dossiers  # noqa: E402
from gisync_dags.paths import state_db_url  # noqa: E402

URL_PREFIX = "/gisync"
DAG_PREFIX = "gi_myunisoft_sync__"

app = FastAPI(
    title="gisync status",
    docs_url=None,
    redoc_url=None,
    openapi_url=None,
    dependencies=[Depends(requires_access_dag(method="GET"))],
)


@functools.lru_cache(maxsize=4)
def _ledger(url: str) -> Ledger:
    return Ledger(url)


def ledger() -> Ledger:
    return _ledger(state_db_url())


def can_read_dossier(user: BaseUser, slug: str) -> bool:
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.models.resource_details import DagDetails

    return bool(get_auth_manager().is_authorized_dag(method="GET", details=DagDetails(id=DAG_PREFIX + slug), user=user))


# --- pages -----------------------------------------------------------------------------------------
@app.get("/", response_class=HTMLResponse)
def index(user: GetUserDep) -> HTMLResponse:
    rows = [d for d in dossiers(ledger()) if can_read_dossier(user, d["dossier"])]
    return HTMLResponse(render_index(rows, broken_configs()))


def broken_configs() -> dict[str, str]:
    """Dossier files that did not become a DAG, with their one-line error (Airflow 3.3 cannot show a
    DAG file's warnings in its UI, and an import error would hide every other dossier)."""
    from gisync.config import load_all
    from gisync_dags.paths import dossiers_dir

    return load_all(dossiers_dir())[1]


@app.get("/dossier/{slug}", response_class=HTMLResponse)
def dossier(slug: str, user: GetUserDep) -> HTMLResponse:
    if not can_read_dossier(user, slug):
        raise HTTPException(status_code=403, detail="Forbidden")
    detail = dossier_detail(ledger(), slug)
    if detail is None:
        raise HTTPException(status_code=404, detail=f"dossier {slug} : aucune exécution / no run yet")
    return HTMLResponse(render_dossier(detail))


@app.exception_handler(StarletteHTTPException)
async def html_errors(request: Request, exc: StarletteHTTPException) -> Response:
    """Errors as a short HTML page; 401 links to Airflow's login page."""
    if exc.status_code == 401:
        body = (
            "<h1>Connexion requise / Login required</h1><p>Connectez-vous à Airflow puis revenez sur cette page."
            f' / Log in to Airflow, then come back.</p><p><a href="{escape(_login_url(request))}">Login</a></p>'
        )
    elif exc.status_code == 403:
        body = "<h1>Accès refusé / Forbidden</h1><p>Votre compte Airflow ne peut pas lire ce dossier.</p>"
    else:
        body = f"<h1>{exc.status_code}</h1><p>{escape(str(exc.detail))}</p>"
    headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
    return HTMLResponse(_page("gisync", body), status_code=exc.status_code, headers=headers)


def _login_url(request: Request) -> str:
    try:
        from airflow.api_fastapi.app import get_auth_manager

        return str(get_auth_manager().get_url_login(next_url=str(request.url)))
    except Exception:
        return "/auth/login?next=" + quote(str(request.url), safe="")


# --- rendering ---------------------------------------------------------------------------------------
CSS = """
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1f2933}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}
th,td{border:1px solid #cbd2d9;padding:.3rem .6rem;text-align:left;vertical-align:top}
th{background:#f0f4f8}
.red{background:#fde8e8}.green{background:#e3f9e5}
.badge{display:inline-block;padding:.1rem .5rem;border-radius:.6rem;font-weight:600}
.badge.red{color:#9b1c1c}.badge.green{color:#046c4e}
small{color:#616e7c}
"""

LABELS = {
    "created": "créés / created",
    "held": "bloqués / held",
    "deferred": "reportés / deferred",
    "rejected": "rejetés / rejected",
    "drift": "modifiés / drift",
    "out_of_scope": "hors périmètre / out of scope",
}
CHECK_LABELS = {
    "accounts": "Comptes / Accounts",
    "payment_modes": "Modes de règlement / Payment modes",
    "clients": "Clients et fournisseurs / Clients and suppliers",
    "journals_and_periods": "Journaux et exercices / Journals and fiscal years",
}
STATE_LABELS = {
    "held": "bloqué / held",
    "deferred": "reporté / deferred",
    "rejected": "rejeté / rejected",
    "drift": "modifié dans la GI / drift",
}


def _e(value: Any) -> str:
    return escape("" if value is None else str(value))


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body>{body}</body></html>"
    )


def _badge(status: str) -> str:
    text = "à traiter / needs action" if status == "red" else "OK"
    return f'<span class="badge {_e(status)}">{text}</span>'


def _when(run: dict[str, Any]) -> str:
    return _e(run["finished_at"] or f"en cours / running (début {run['started_at']})")


def _count_cells(run: dict[str, Any]) -> str:
    return "".join(f"<td>{int(run['counts'][k])}</td>" for k in LABELS)


def _problems(run: dict[str, Any]) -> str:
    """What is wrong and what to do, one line each, in the index (the dossier page lists them too)."""
    return "<br>".join(f"• {_e(p)}" for p in run["problems"])


def render_index(rows: list[dict[str, Any]], broken: dict[str, str] | None = None) -> str:
    head = "".join(f"<th>{_e(LABELS[k])}</th>" for k in LABELS)
    lines = []
    for d in rows:
        slug = d["dossier"]
        lines.append(
            f'<tr class="{_e(d["status"])}"><td><a href="{URL_PREFIX}/dossier/{quote(slug, safe="")}">{_e(slug)}</a>'
            f"</td><td>{_badge(d['status'])}</td><td>{_problems(d)}</td><td>{_e(d['run_id'])}</td>"
            f"<td>{_e(d['mode'])}</td><td>{_when(d)}</td>{_count_cells(d)}</tr>"
        )
    table = (
        "<table><tr><th>Dossier</th><th>État / Status</th><th>À traiter / To fix</th>"
        f"<th>Dernière exécution / Last run</th><th>Mode</th><th>Terminée / Finished</th>{head}</tr>"
        f"{''.join(lines)}</table>"
        if lines
        else "<p>Aucune exécution pour l'instant / No run yet.</p>"
    )
    errors = ""
    if broken:
        items = "".join(f"<li><b>{_e(name)}</b> : {_e(message)}</li>" for name, message in sorted(broken.items()))
        errors = (
            '<h2 class="red">Fichiers de dossier en erreur / Dossier files with errors</h2>'
            f"<p>Ces dossiers n'ont pas de DAG tant que leur fichier n'est pas corrigé / "
            f"These dossiers have no DAG until their file is fixed.</p><ul>{items}</ul>"
        )
    body = (
        "<h1>GI → MyUnisoft</h1><p>Dernière synchronisation de chaque dossier / "
        f"Latest sync of each dossier.</p>{errors}{table}"
    )
    return _page("GI → MyUnisoft", body)


def render_dossier(d: dict[str, Any]) -> str:
    parts = [
        f'<p><a href="{URL_PREFIX}/">← Tous les dossiers / All dossiers</a></p>',
        f"<h1>Dossier {_e(d['dossier'])} {_badge(d['status'])}</h1>",
        f"<p>Dernière exécution / Last run : <b>{_e(d['run_id'])}</b> — mode {_e(d['mode'])} — "
        f"terminée / finished : {_when(d)}</p>",
    ]
    if d["problems"]:
        items = "".join(f"<li>{_e(p)}</li>" for p in d["problems"])
        parts.append(f"<h2>À traiter / Needs action</h2><ul>{items}</ul>")
    counts = "".join(f"<tr><th>{_e(LABELS[k])}</th><td>{int(v)}</td></tr>" for k, v in d["counts"].items())
    parts.append(f"<table>{counts}</table>")

    parts.append("<h2>Contrôles avant envoi / Pre-flight checks</h2>")
    if not d["checks"]:
        parts.append("<p>Aucun contrôle enregistré pour cette exécution / No check recorded for this run.</p>")
    for check in d["checks"]:
        rows = "".join(
            f'<tr class="{"green" if r["ok"] else "red"}"><td>{_e(r.get("item"))}</td>'
            f"<td>{_e(r.get('status'))}</td><td>{_e(r.get('detail'))}</td><td>{_e(r.get('documents'))}</td></tr>"
            for r in check["rows"]
        )
        parts.append(
            f'<h3 class="{"green" if check["ok"] else "red"}">{_e(CHECK_LABELS.get(check["name"], check["name"]))}'
            "</h3><table><tr><th>Élément / Item</th><th>État / Status</th><th>Détail ou correction / Detail or fix"
            f"</th><th>Documents</th></tr>{rows}</table>"
        )

    parts.append("<h2>Documents à traiter / Documents needing attention</h2>")
    if d["documents"]:
        rows = "".join(
            f'<tr class="red"><td>{_e(x["kind"])}</td><td>{_e(x["number"])}</td><td>{_e(x["gi_id"])}</td>'
            f"<td>{_e(STATE_LABELS.get(x['state'], x['state']))}</td><td>{_e(x['reason'])}</td>"
            f"<td>{_e(x['message'])}</td></tr>"
            for x in d["documents"]
        )
        parts.append(
            "<table><tr><th>Type</th><th>Numéro / Number</th><th>GI id</th><th>État / State</th>"
            f"<th>Motif / Reason</th><th>Message et correction / Message and fix</th></tr>{rows}</table>"
        )
    else:
        parts.append("<p>Aucun / None.</p>")

    head = "".join(f"<th>{_e(LABELS[k])}</th>" for k in LABELS)
    hist = "".join(
        f'<tr class="{_e(r["status"])}"><td>{_e(r["run_id"])}</td><td>{_e(r["mode"])}</td><td>{_e(r["started_at"])}'
        f"</td><td>{_when(r)}</td>{_count_cells(r)}"
        f"<td>{_badge(r['status'])}</td></tr>"
        for r in d["history"]
    )
    parts.append(
        "<h2>Historique (20 dernières) / Run history (last 20)</h2><table><tr><th>Exécution / Run</th><th>Mode</th>"
        f"<th>Début / Started</th><th>Fin / Finished</th>{head}<th>État / Status</th></tr>{hist}</table>"
    )
    return _page(f"gisync — {d['dossier']}", "".join(parts))
