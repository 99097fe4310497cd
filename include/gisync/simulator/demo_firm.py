"""The demo firm: an accounting firm's GI data (its own clients, invoices, payments and purchases).

One deterministic generator feeds the GI simulator, the file-source fixtures, the MyUnisoft
simulator's existing third-party accounts and the end-to-end tests, so every part of the project
talks about the same firm. ``generate(seed)`` uses only ``random.Random(seed)`` (never the clock), so
a test can quote a count or an id and stay true.

Every record has exactly the shape of ``gi/CONTRACT.md`` (ids and amounts as strings, dates
``YYYY-MM-DD``, ``updated_at`` with the Paris offset of the document's day). The data carries the
traps the product must handle, on purpose:

- a few invoices with a ``706300`` ("Formation") line: that revenue account is missing from the
  MyUnisoft demo folder;
- a few payments in mode ``PAYPAL``, unknown to MyUnisoft;
- clients without an account number, and clients whose account is absent from MyUnisoft
  (:func:`myunisoft_accounts` leaves them out) — the third-party cascade has to create them;
- credit notes with negative amounts and others with positive amounts (``type`` decides the side),
  partial payments, payments settling two invoices, drafts and cancelled documents (never synced).
"""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from gisync.jsonutil import write_file
from gisync.money import round_cents

START = date(2023, 8, 1)
END = date(2024, 9, 30)

SETTINGS: dict[str, Any] = {
    "client_collective_account": "411000",
    "supplier_collective_account": "401000",
    "default_revenue_account": "706000",
    "vat_collected_accounts": {"20": "445712", "10": "445711", "5.5": "445713", "2.1": "445714"},
    "vat_deductible_accounts": {"20": "445660", "10": "445660", "5.5": "445660", "2.1": "445660"},
    "bank_accounts": {},
}

PAYMENT_MODES: list[dict[str, str]] = [
    {"code": "VIR", "label": "Virement"},
    {"code": "CHQ", "label": "Chèque"},
    {"code": "CB", "label": "Carte bancaire"},
    {"code": "PRLV", "label": "Prélèvement"},
    {"code": "ESP", "label": "Espèces"},
    {"code": "PAYPAL", "label": "PayPal"},
]

# (name, account-number suffix or None). The suffix is written by hand, as a GI user would, so the
# numbers read like real ones; None = the GI has no auxiliary account for that client.
CLIENTS: list[tuple[str, str | None]] = [
    ("Boulangerie Lefèvre", "LEFEVRE"),
    ("SARL Étienne & Fils", "ETIENNE"),
    ("Café des Arts", "CAFARTS"),
    ("Crèche Les Petits Loups", "PLOUPS"),
    ("Garage Rousseau Mécanique", "ROUSSEA"),
    ("Pharmacie de l'Église", "EGLISE"),
    ("Boucherie Ménard", "MENARD"),
    ("Librairie Les Mots Bleus", "MOTSBLE"),
    ("Hôtel du Lac d'Annecy", "HOTELAC"),
    ("Fromagerie Gérard Perrin", "PERRIN"),
    ("Cabinet Infirmier Sœur Thérèse", "THERESE"),
    ("Menuiserie Aubert Frères", None),
    ("Électricité Générale Caron", "CARON"),
    ("Plomberie Chauffage Noël", "NOEL"),
    ("Auto-École Bérénice", "BERENIC"),
    ("Crêperie Bretonne Le Goff", "LEGOFF"),
    ("Institut Beauté Éclat", "ECLAT"),
    ("Cave à Vins Dubœuf", "DUBOEUF"),
    ("Fleuriste Côté Jardin", "JARDIN"),
    ("SAS Héloïse Conseil", "HELOISE"),
    ("Taxi Léon Martin", None),
    ("Atelier Céramique Anaïs", "ANAIS"),
    ("Pâtisserie Gaëlle & Cie", "GAELLE"),
    ("Ferme du Château-Vert", "CHATEAU"),
    ("Agence Immobilière Côte d'Opale", "OPALE"),
    ("Cordonnerie François", "FRANCOI"),
    ("Opticien Lumière & Vue", "LUMIERE"),
    ("Traiteur Saint-Médard", None),
    ("EURL Jérôme Lemaître", "LEMAITR"),
    ("Salon de Coiffure Zoé", "ZOE"),
    ("Camping Les Églantiers", "EGLANTI"),
    ("Épicerie Fine Dupré", "DUPRE"),
    ("Cabinet Vétérinaire Bélanger", "BELANGE"),
    ("Brasserie L'Étoile du Nord", "ETOILE"),
]

# (name, account suffix, expense account, VAT rate, months between invoices, HT range in cents,
#  invoice-number pattern). Numbers are the suppliers' own, free text as the GI shows them.
SUPPLIERS: list[tuple[str, str, str, str, int, tuple[int, int], str]] = [
    ("EDF Entreprises", "EDF", "606100", "20", 2, (18000, 42000), "1004{seq:06d}"),
    ("Lyreco France", "LYRECO", "606300", "20", 3, (6000, 48000), "FA/{year}-{seq:05d}"),
    ("SCI Les Tilleuls", "TILLEUL", "613200", "0", 1, (185000, 185000), "LOYER {year}-{month:02d}"),
    ("Entretien Propreté Durand", "DURAND", "615000", "20", 3, (24000, 36000), "DUR-{seq:04d}"),
    ("Éditions Francis Lefebvre", "LEFEBVR", "618000", "20", 7, (39000, 89000), "EFL{year}{seq:05d}"),
    ("Restaurant Le Relais", "RELAIS", "618000", "10", 7, (21000, 64000), "N° {seq}"),
    ("Cabinet Mercier Avocats", "MERCIER", "622600", "20", 7, (80000, 250000), "H-{year}-{seq:03d}"),
    ("La Poste Entreprise", "LAPOSTE", "626000", "0", 4, (4500, 19000), "LP{year}{month:02d}{seq:04d}"),
    ("Orange Business", "ORANGE", "626000", "20", 1, (8900, 13900), "F-ORA-{year}-{month:02d}"),
    ("Crédit Agricole Centre-Est", "CREDAGR", "627000", "0", 3, (3500, 9500), "FRAIS T{quarter} {year}"),
]

# (label, revenue account or None for the GI default, VAT rate, HT range in cents)
SERVICES: list[tuple[str, str | None, str, tuple[int, int]]] = [
    ("Tenue comptable mensuelle", None, "20", (15000, 90000)),
    ("Tenue comptable mensuelle", "706000", "20", (15000, 90000)),
    ("Bilan annuel", "706100", "20", (120000, 450000)),
    ("Liasse fiscale", "706100", "20", (30000, 90000)),
    ("Déclarations TVA", "706000", "20", (8000, 30000)),
    ("Paie (10 bulletins)", "706100", "20", (18000, 45000)),
    ("Conseil juridique et fiscal", "706100", "20", (20000, 120000)),
    ("Logiciel de caisse (licence annuelle)", "707000", "20", (29000, 59000)),
    ("Ouvrages et documentation", "707000", "5.5", (2500, 12000)),
    ("Déjeuner de travail refacturé", "707000", "10", (3000, 15000)),
    ("Débours (frais de greffe)", None, "0", (1000, 9000)),
]
SERVICE_WEIGHTS = [22, 10, 6, 6, 14, 10, 6, 4, 5, 4, 5]
TRAINING = ("Formation", "706300", "20", (45000, 150000))

MODES = ["VIR", "CHQ", "CB", "PRLV", "ESP"]
MODE_WEIGHTS = [50, 20, 10, 15, 5]

STREETS = [
    "12 rue de la République",
    "3 place du Marché",
    "45 avenue Jean Jaurès",
    "8 impasse des Érables",
    "27 boulevard Gambetta",
    "5 chemin de la Forêt",
    "19 rue Émile Zola",
    "1 quai Saint-Éloi",
    "66 route de Besançon",
    "14 allée des Châtaigniers",
]
CITIES = [
    ("69002", "Lyon"),
    ("74000", "Annecy"),
    ("42000", "Saint-Étienne"),
    ("45000", "Orléans"),
    ("30000", "Nîmes"),
    ("25000", "Besançon"),
    ("38000", "Grenoble"),
    ("73000", "Chambéry"),
    ("21000", "Dijon"),
    ("69100", "Villeurbanne"),
]

N_INVOICES = 240
N_CREDIT_NOTES = 14
N_TRAINING = 4
N_PAIRS = 10
N_PARTIAL = 10
N_PAYPAL = 4


# --------------------------------------------------------------------------------------- helpers


def _amount(value: Decimal) -> str:
    """The contract's amount text: always two decimals (``"1200.00"``, ``"-35.50"``)."""
    return f"{round_cents(value):.2f}"


def _cents(rng: random.Random, bounds: tuple[int, int]) -> Decimal:
    """A random amount drawn in whole cents, so no float is ever involved."""
    return Decimal(rng.randint(*bounds)) / 100


def _last_sunday(year: int, month: int) -> date:
    day = date(year, month + 1, 1) - timedelta(days=1)
    return day - timedelta(days=(day.weekday() + 1) % 7)


def _paris_offset(day: date) -> str:
    """Europe/Paris summer time runs from the last Sunday of March to the last Sunday of October."""
    summer = _last_sunday(day.year, 3) <= day < _last_sunday(day.year, 10)
    return "+02:00" if summer else "+01:00"


def _stamp(day: date, salt: int) -> str:
    """A deterministic ``updated_at`` on ``day`` (office hours), with the offset of that day."""
    hour = 9 + salt % 9
    minute = (salt * 7) % 60
    second = (salt * 13) % 60
    return f"{day.isoformat()}T{hour:02d}:{minute:02d}:{second:02d}{_paris_offset(day)}"


def _siren(rng: random.Random) -> str:
    """A 9-digit SIREN with a valid Luhn key, like the real ones."""
    body = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(7)]
    for key in range(10):
        digits = [*body, key]
        total = 0
        for i, d in enumerate(reversed(digits)):
            d2 = d * 2 if i % 2 else d
            total += d2 - 9 if d2 > 9 else d2
        if total % 10 == 0:
            return "".join(str(d) for d in digits)
    raise AssertionError("unreachable: one Luhn key always fits")


def _vat_number(siren: str) -> str:
    key = (12 + 3 * (int(siren) % 97)) % 97
    return f"FR{key:02d}{siren}"


def _line(label: str, account: str | None, rate: str, amount_ht: Decimal, sign: int = 1) -> dict[str, Any]:
    """One document line; VAT computed once here from the positive HT, then signed."""
    ht = round_cents(amount_ht)
    vat = round_cents(ht * Decimal(rate) / 100)
    return {
        "label": label,
        "account_number": account,
        "amount_ht": _amount(ht * sign),
        "vat_rate": rate,
        "vat_amount": _amount(vat * sign),
    }


def _totals(lines: list[dict[str, Any]]) -> dict[str, str]:
    ht = sum((Decimal(line["amount_ht"]) for line in lines), Decimal("0.00"))
    vat = sum((Decimal(line["vat_amount"]) for line in lines), Decimal("0.00"))
    return {"total_ht": _amount(ht), "total_vat": _amount(vat), "total_ttc": _amount(ht + vat)}


def _random_day(rng: random.Random) -> date:
    return START + timedelta(days=rng.randint(0, (END - START).days))


def _after(day: date, rng: random.Random, low: int, high: int) -> date:
    return min(day + timedelta(days=rng.randint(low, high)), END)


# ------------------------------------------------------------------------------------ generation


def _third_parties(rng: random.Random) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    clients: list[dict[str, Any]] = []
    used: set[str] = set()
    for index, (name, suffix) in enumerate(CLIENTS, start=1):
        account = f"411{suffix}" if suffix else None
        if account is not None:
            assert account not in used and len(account) <= 10, account
            used.add(account)
        siren = _siren(rng) if index % 2 == 1 else None
        postal_code, city = CITIES[rng.randrange(len(CITIES))]
        slug = (suffix or f"client{index}").lower()
        clients.append(
            {
                "id": str(1000 + index),
                "code": f"CLI{index:03d}",
                "name": name,
                "siren": siren,
                "vat_number": _vat_number(siren) if siren else None,
                "email": f"contact@{slug}.example.fr",
                "address": {
                    "line1": STREETS[rng.randrange(len(STREETS))],
                    "postal_code": postal_code,
                    "city": city,
                    "country": "FR",
                },
                "account_number": account,
                "updated_at": _stamp(date(2023, 6, 1) + timedelta(days=index * 3), index),
            }
        )
    suppliers: list[dict[str, Any]] = []
    for index, (name, suffix, *_rest) in enumerate(SUPPLIERS, start=1):
        siren = _siren(rng)
        postal_code, city = CITIES[rng.randrange(len(CITIES))]
        suppliers.append(
            {
                "id": str(2000 + index),
                "code": f"FRS{index:03d}",
                "name": name,
                "siren": siren,
                "vat_number": _vat_number(siren),
                "email": f"factures@{suffix.lower()}.example.fr",
                "address": {
                    "line1": STREETS[rng.randrange(len(STREETS))],
                    "postal_code": postal_code,
                    "city": city,
                    "country": "FR",
                },
                "account_number": f"401{suffix}",
                "updated_at": _stamp(date(2023, 5, 15) + timedelta(days=index * 5), index),
            }
        )
    return clients, suppliers


def _document(
    doc_id: str, number: str, kind: str, day: date, party_key: str, party_id: str, lines: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "id": doc_id,
        "number": number,
        "type": kind,
        "status": "issued",
        "date": day.isoformat(),
        "due_date": (day + timedelta(days=30)).isoformat() if kind == "invoice" else None,
        party_key: party_id,
        "currency": "EUR",
        "lines": lines,
        **_totals(lines),
        "total_ttc_eur": None,
        "pdf_url": None,
        "updated_at": _stamp(day, int(doc_id)),
    }


def _invoices(rng: random.Random, clients: list[dict[str, Any]]) -> list[dict[str, Any]]:
    drafts: list[tuple[date, str, list[dict[str, Any]]]] = []
    for _ in range(N_INVOICES):
        day = _random_day(rng)
        client = clients[rng.randrange(len(clients))]
        count = rng.choices([1, 2, 3, 4], weights=[45, 30, 17, 8])[0]
        picks: list[int] = []
        while len(picks) < count:
            pick = rng.choices(range(len(SERVICES)), weights=SERVICE_WEIGHTS)[0]
            if pick not in picks:
                picks.append(pick)
        lines = [
            _line(label, acc, rate, _cents(rng, bounds)) for label, acc, rate, bounds in (SERVICES[p] for p in picks)
        ]
        drafts.append((day, client["id"], lines))
    drafts.sort(key=lambda d: d[0])  # stable: same-day invoices keep their drawing order
    # The 706300 trap: a "Formation" line on a few invoices spread over the period.
    for position in rng.sample(range(10, N_INVOICES - 20), N_TRAINING):
        label, acc, rate, bounds = TRAINING
        drafts[position][2].append(_line(label, acc, rate, _cents(rng, bounds)))
    invoices: list[dict[str, Any]] = []
    per_year: dict[int, int] = {}
    for index, (day, client_id, lines) in enumerate(drafts, start=1):
        per_year[day.year] = per_year.get(day.year, 0) + 1
        number = f"FA-{day.year}-{per_year[day.year]:04d}"
        invoices.append(_document(str(10000 + index), number, "invoice", day, "client_id", client_id, lines))
    return invoices


def _credit_notes(rng: random.Random, invoices: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Credit notes on earlier invoices of the same client: half negative, half positive amounts."""
    candidates = [inv for inv in invoices if inv["date"] <= "2024-09-20"]
    credited = sorted(rng.sample(candidates, N_CREDIT_NOTES), key=lambda inv: (inv["date"], inv["id"]))
    drafts = []
    for index, invoice in enumerate(credited):
        day = _after(date.fromisoformat(invoice["date"]), rng, 3, 40)
        source = invoice["lines"][0]
        share = Decimal(rng.choice([20, 50, 100]))
        base = round_cents(abs(Decimal(source["amount_ht"])) * share / 100)
        sign = -1 if index % 2 == 0 else 1
        label = f"Avoir {invoice['number']} - {source['label']}"
        line = _line(label, source["account_number"], source["vat_rate"], base, sign)
        drafts.append((day, invoice, line))
    drafts.sort(key=lambda d: d[0])
    notes = []
    per_year: dict[int, int] = {}
    for index, (day, invoice, line) in enumerate(drafts, start=1):
        per_year[day.year] = per_year.get(day.year, 0) + 1
        number = f"AV-{day.year}-{per_year[day.year]:04d}"
        note = _document(str(19000 + index), number, "credit_note", day, "client_id", invoice["client_id"], [line])
        note["credited_invoice_id"] = invoice["id"]
        notes.append(note)
    return notes


def _payments(
    rng: random.Random, invoices: list[dict[str, Any]], clients: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Payments of issued invoices: mostly one per invoice, some partial, some for two invoices."""
    preferred = {c["id"]: rng.choices(MODES, weights=MODE_WEIGHTS)[0] for c in clients}
    payable = [
        inv
        for inv in invoices
        if inv["type"] == "invoice" and inv["status"] == "issued" and inv["date"] <= "2024-09-15"
    ]
    paid = [inv for inv in payable if rng.random() < (0.95 if inv["date"] < "2024-08-01" else 0.5)]
    by_client: dict[str, list[dict[str, Any]]] = {}
    for inv in paid:
        by_client.setdefault(inv["client_id"], []).append(inv)
    pairs: list[tuple[dict[str, Any], dict[str, Any]]] = []
    paired: set[str] = set()
    for client_id in sorted(by_client, key=lambda cid: -len(by_client[cid])):
        if len(pairs) == N_PAIRS:
            break
        first, second = by_client[client_id][0], by_client[client_id][1]
        pairs.append((first, second))
        paired.update({first["id"], second["id"]})
    singles = [inv for inv in paid if inv["id"] not in paired]
    partial = {inv["id"] for inv in rng.sample(singles, N_PARTIAL)}

    drafts: list[tuple[date, str, list[tuple[str, Decimal]]]] = []
    for first, second in pairs:
        day = _after(date.fromisoformat(second["date"]), rng, 1, 30)
        allocs = [(inv["id"], Decimal(inv["total_ttc"])) for inv in (first, second)]
        drafts.append((day, first["client_id"], allocs))
    for inv in singles:
        total = Decimal(inv["total_ttc"])
        day = _after(date.fromisoformat(inv["date"]), rng, 1, 45)
        if inv["id"] in partial:
            part = round_cents(total * Decimal(rng.randint(30, 70)) / 100)
            drafts.append((day, inv["client_id"], [(inv["id"], part)]))
            drafts.append((_after(day, rng, 1, 30), inv["client_id"], [(inv["id"], total - part)]))
        else:
            drafts.append((day, inv["client_id"], [(inv["id"], total)]))
    drafts.sort(key=lambda d: d[0])

    payments: list[dict[str, Any]] = []
    for index, (day, client_id, allocs) in enumerate(drafts, start=1):
        mode = preferred[client_id] if rng.random() < 0.8 else rng.choices(MODES, weights=MODE_WEIGHTS)[0]
        payments.append(
            {
                "id": str(50000 + index),
                "date": day.isoformat(),
                "client_id": client_id,
                "amount": _amount(sum((a for _, a in allocs), Decimal("0.00"))),
                "currency": "EUR",
                "amount_currency": None,
                "mode": mode,
                "reference": f"{mode}-{100 + index:06d}",
                "status": "valid",
                "allocations": [{"invoice_id": inv_id, "amount": _amount(a)} for inv_id, a in allocs],
                "updated_at": _stamp(day, 50000 + index),
            }
        )
    simple = [p for p in payments if len(p["allocations"]) == 1]
    chosen = rng.sample(simple, N_PAYPAL + 2)
    for payment in chosen[:N_PAYPAL]:  # the PAYPAL trap: a mode MyUnisoft does not know
        payment["mode"] = "PAYPAL"
        payment["reference"] = "PAYPAL-" + payment["reference"].split("-")[-1]
    for payment in chosen[N_PAYPAL:]:  # cancelled after entry: later update
        payment["status"] = "cancelled"
        payment["updated_at"] = _stamp(_after(date.fromisoformat(payment["date"]), rng, 1, 10), int(payment["id"]))
    return payments


def _purchases(rng: random.Random, suppliers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    drafts: list[tuple[date, int, str, list[dict[str, Any]], str]] = []
    months = [(START.year + (START.month - 1 + k) // 12, (START.month - 1 + k) % 12 + 1) for k in range(14)]
    for s_index, (_name, _suffix, account, rate, every, bounds, pattern) in enumerate(SUPPLIERS):
        seq = rng.randint(100, 900)
        for k in range(s_index % every, len(months), every):
            year, month = months[k]
            day = date(year, month, rng.randint(1, 28))
            seq += rng.randint(1, 40)
            number = pattern.format(year=year, month=month, seq=seq, quarter=(month - 1) // 3 + 1)
            lines = [_line(_purchase_label(_name, account), account, rate, _cents(rng, bounds))]
            if account == "606300" and rng.random() < 0.5:
                lines.append(_line("Petit matériel de bureau", "606300", rate, _cents(rng, (2000, 9000))))
            drafts.append((day, s_index, number, lines, "invoice"))
    # Two supplier credit notes: Lyreco (positive amounts), Orange (negative amounts).
    drafts.append(
        (
            date(2024, 2, 12),
            1,
            "AV/2024-00031",
            [_line("Retour de marchandises", "606300", "20", Decimal("84.90"))],
            "credit_note",
        )
    )
    drafts.append(
        (
            date(2024, 6, 18),
            8,
            "AV-ORA-2024-06",
            [_line("Geste commercial", "626000", "20", Decimal("25.00"), -1)],
            "credit_note",
        )
    )
    drafts.sort(key=lambda d: (d[0], d[1]))
    purchases = []
    for index, (day, s_index, number, lines, kind) in enumerate(drafts, start=1):
        doc = _document(str(70000 + index), number, kind, day, "supplier_id", suppliers[s_index]["id"], lines)
        purchases.append(doc)
    return purchases


def _purchase_label(name: str, account: str) -> str:
    labels = {
        "606100": "Électricité",
        "606300": "Fournitures de bureau",
        "613200": "Loyer des bureaux",
        "615000": "Entretien des locaux",
        "618000": "Documentation et séminaires",
        "622600": "Honoraires",
        "626000": "Frais postaux et télécommunications",
        "627000": "Frais bancaires",
    }
    return f"{labels[account]} - {name}"


def generate(seed: int = 2024) -> dict[str, Any]:
    """The demo firm's GI dataset; the same seed always gives the same data (no clock involved)."""
    rng = random.Random(seed)
    clients, suppliers = _third_parties(rng)
    invoices = _invoices(rng, clients)
    for inv in invoices:
        inv["credited_invoice_id"] = None
    notes = _credit_notes(rng, invoices)
    credited = {n["credited_invoice_id"] for n in notes}

    # Statuses: the last 3 plain invoices are still drafts, 2 others were cancelled after issue.
    plain = [inv for inv in invoices if inv["id"] not in credited]
    for inv in plain[-3:]:
        inv["status"] = "draft"
    for inv in rng.sample(plain[20:-20], 2):
        inv["status"] = "cancelled"
        inv["updated_at"] = _stamp(_after(date.fromisoformat(inv["date"]), rng, 2, 20), int(inv["id"]))
    for inv in rng.sample([i for i in plain[:-3] if i["status"] == "issued"], 4):
        inv["due_date"] = None

    payments = _payments(rng, [i for i in invoices if i["id"] not in credited], clients)
    purchases = _purchases(rng, suppliers)
    all_invoices = sorted(invoices + notes, key=lambda d: (d["date"], d["id"]))
    return {
        "clients": clients,
        "suppliers": suppliers,
        "invoices": all_invoices,
        "payments": payments,
        "purchases": purchases,
        "payment_modes": [dict(m) for m in PAYMENT_MODES],
        "settings": {k: (dict(v) if isinstance(v, dict) else v) for k, v in SETTINGS.items()},
    }


ABSENT_FROM_MYUNISOFT = 3


def myunisoft_accounts(dataset: dict[str, Any] | None = None) -> list[dict[str, str]]:
    """Third-party accounts already open in the MyUnisoft demo folder.

    Every supplier, and every client with an account number except the last
    :data:`ABSENT_FROM_MYUNISOFT` of them: with the clients that have no account number in the GI,
    about six clients must be found or created by the third-party cascade.
    """
    data = generate() if dataset is None else dataset
    with_account = [c for c in data["clients"] if c.get("account_number")]
    kept = with_account[: len(with_account) - ABSENT_FROM_MYUNISOFT]
    accounts = [{"account_number": s["account_number"], "label": s["name"].upper()} for s in data["suppliers"]]
    accounts += [{"account_number": c["account_number"], "label": c["name"].upper()} for c in kept]
    return accounts


FILE_NAMES = ["clients", "suppliers", "invoices", "payments", "purchases", "payment_modes"]


def write_files(dataset: dict[str, Any], folder: str | Path, fmt: str = "json") -> list[Path]:
    """Write the file-source layout of CONTRACT.md "Files"; returns the files written.

    ``fmt="csv"`` writes one row per line (invoices, purchases) or per allocation (payments), the
    document columns repeated, as the contract says; the nested address of a third party becomes
    ``address_line1``, ``address_postal_code``, ``address_city``, ``address_country``.
    ``settings.json`` is always JSON (it is one nested object).
    """
    if fmt not in ("json", "csv"):
        raise ValueError(f"unknown format {fmt!r} (json or csv)")
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name in FILE_NAMES:
        records = dataset.get(name, [])
        if fmt == "json":
            path = target / f"{name}.json"
            write_file(path, records)
        else:
            path = target / f"{name}.csv"
            _write_csv(path, _csv_rows(name, records))
        written.append(path)
    settings_path = target / "settings.json"
    write_file(settings_path, dataset.get("settings", {}))
    written.append(settings_path)
    return written


def _csv_rows(name: str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for record in records:
        flat = {k: v for k, v in record.items() if k not in ("lines", "allocations", "address")}
        if "address" in record:
            for key, value in (record["address"] or {}).items():
                flat[f"address_{key}"] = value
        if name in ("invoices", "purchases"):
            for line in record["lines"]:
                rows.append({**flat, **{f"line_{k}": v for k, v in line.items()}})
        elif name == "payments":
            for alloc in record["allocations"] or [{"invoice_id": None, "amount": None}]:
                rows.append(
                    {**flat, "allocation_invoice_id": alloc["invoice_id"], "allocation_amount": alloc["amount"]}
                )
        else:
            rows.append(flat)
    return rows


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    columns: list[str] = []
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, delimiter=";")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if v is None else v for k, v in row.items()})
