"""One fake tenant's rows, table by table, in the order their foreign keys need.

Every value comes from the tenant's own random generator (seeded from the run's seed and
the tenant's number) and the shared pools, and every time from the fixed base time, so the
same seed gives the same rows. Foreign keys point at rows generated earlier for the same
tenant; values satisfy the CHECK constraints and unique keys of the migrations (a test
loads every profile with all constraints checked).
"""

from __future__ import annotations

import hashlib
import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from psycopg.types.json import Jsonb

from cmmsdb.seeding.pools import Pools

Row = tuple[Any, ...]
DAY = 86_400.0
WORK_ORDER_OPEN = ("open", "in_progress", "on_hold")
ENTITY_TABLES = {"work_order": "work_orders", "asset": "assets", "location": "locations"}


@dataclass
class Tenant:
    """The state of one tenant being generated: its random generator and the ids so far."""

    org: uuid.UUID
    rng: random.Random
    base: datetime
    pools: Pools
    status_shares: dict[str, float]
    priority_shares: dict[str, float]
    ids: dict[str, list[uuid.UUID]] = field(default_factory=dict)
    facts: dict[str, list[Any]] = field(default_factory=dict)

    def new_id(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def before_base(self, days: float = 365) -> datetime:
        """A time within `days` before the base time, to the microsecond."""
        return self.base - timedelta(microseconds=self.rng.randrange(int(days * DAY * 1e6)))

    def pick(self, table: str) -> uuid.UUID:
        return self.rng.choice(self.ids[table])

    def maybe(self, table: str, share: float = 0.5) -> uuid.UUID | None:
        found = self.ids.get(table)
        return self.rng.choice(found) if found and self.rng.random() < share else None

    def word(self) -> str:
        return self.rng.choice(self.pools.words)

    def sentence(self) -> str:
        return self.rng.choice(self.pools.sentences)

    def person(self) -> str:
        return f"{self.rng.choice(self.pools.first_names)} {self.rng.choice(self.pools.last_names)}"

    def money(self, low: float, high: float) -> Decimal:
        return Decimal(round(self.rng.uniform(low, high), 2)).quantize(Decimal("0.01"))

    def weighted(self, shares: dict[str, float]) -> str:
        return self.rng.choices(list(shares), weights=list(shares.values()))[0]


Generator = Callable[[Tenant, int], Iterator[Row]]


@dataclass(frozen=True)
class Table:
    """How to generate one table: its columns (in COPY order) and its row generator."""

    name: str
    columns: tuple[str, ...]
    rows: Generator


def _stamped(t: Tenant, created: datetime) -> tuple[datetime, datetime]:
    return created, created + timedelta(seconds=t.rng.randrange(0, 30 * 86_400))


def _users(t: Tenant, n: int) -> Iterator[Row]:
    roles = {"technician": 0.55, "requester": 0.2, "manager": 0.12, "viewer": 0.08, "admin": 0.05}
    for i in range(n):
        user = t.new_id()
        t.ids.setdefault("users", []).append(user)
        first, last = t.rng.choice(t.pools.first_names), t.rng.choice(t.pools.last_names)
        created = t.before_base()
        yield (
            t.org,
            user,
            f"{first}.{last}.{i}@example.com".lower(),
            f"{first} {last}",
            t.weighted(roles),
            "active" if t.rng.random() < 0.93 else "disabled",
            t.rng.choice(t.pools.phones),
            t.money(25, 90),
            *_stamped(t, created),
        )


def _teams(t: Tenant, n: int) -> Iterator[Row]:
    for i in range(n):
        team = t.new_id()
        t.ids.setdefault("teams", []).append(team)
        yield (
            t.org,
            team,
            f"{t.word().title()} crew {i + 1}",
            t.sentence(),
            t.maybe("users", 0.8),
            *_stamped(t, t.before_base()),
        )


def _team_members(t: Tenant, n: int) -> Iterator[Row]:
    pairs = {(t.pick("teams"), t.pick("users")) for _ in range(n)} if t.ids.get("teams") else set()
    for team, user in sorted(pairs):
        role = "supervisor" if t.rng.random() < 0.15 else "member"
        yield (t.org, t.new_id(), team, user, role, *_stamped(t, t.before_base()))


def _locations(t: Tenant, n: int) -> Iterator[Row]:
    kinds = ("building", "floor", "room", "area")
    lat0, lon0 = t.rng.choice(t.pools.coordinates)
    for i in range(n):
        location = t.new_id()
        parent = t.rng.choice(t.ids["locations"]) if i and t.rng.random() < 0.8 else None
        t.ids.setdefault("locations", []).append(location)
        kind = "site" if parent is None else t.rng.choice(kinds)
        lat, lon = lat0 + t.rng.uniform(-0.2, 0.2), lon0 + t.rng.uniform(-0.2, 0.2)
        yield (
            t.org,
            location,
            parent,
            f"{t.word().title()} {kind} {i + 1}",
            f"L-{i + 1:05d}",
            kind,
            t.rng.choice(t.pools.streets),
            lat,
            lon,
            *_stamped(t, t.before_base()),
        )


def _assets(t: Tenant, n: int) -> Iterator[Row]:
    categories = (
        "pump",
        "compressor",
        "boiler",
        "chiller",
        "conveyor",
        "forklift",
        "generator",
        "hvac unit",
        "motor",
        "valve",
        "vehicle",
        "elevator",
    )
    for i in range(n):
        asset = t.new_id()
        parent = t.rng.choice(t.ids["assets"]) if i and t.rng.random() < 0.25 else None
        t.ids.setdefault("assets", []).append(asset)
        category = t.rng.choice(categories)
        lat, lon = t.rng.choice(t.pools.coordinates)
        placed = t.rng.random() < 0.7
        purchased = (t.base - timedelta(days=t.rng.randrange(30, 3650))).date()
        yield (
            t.org,
            asset,
            parent,
            t.maybe("locations", 0.9),
            f"{category.title()} {i + 1}",
            f"AST-{i + 1:06d}",
            category,
            t.rng.choice(t.pools.companies),
            f"{t.word().upper()}-{t.rng.randrange(100, 999)}",
            f"SN{t.rng.getrandbits(40):012X}",
            t.sentence(),
            "down" if t.rng.random() < 0.06 else "up",
            t.rng.choice(("low", "medium", "medium", "high", "critical")),
            purchased,
            purchased,
            t.money(500, 250_000),
            purchased + timedelta(days=t.rng.choice((365, 730, 1095))),
            lat if placed else None,
            lon if placed else None,
            *_stamped(t, t.before_base()),
        )


def _meters(t: Tenant, n: int) -> Iterator[Row]:
    units = ("hours", "cycles", "km", "kwh", "celsius", "bar")
    for i in range(n):
        meter = t.new_id()
        t.ids.setdefault("meters", []).append(meter)
        unit = t.rng.choice(units)
        kind = "gauge" if unit in ("celsius", "bar") else "cumulative"
        t.facts.setdefault("meter_kinds", []).append(kind)
        yield (
            t.org,
            meter,
            t.pick("assets"),
            f"{unit.title()} meter {i + 1}",
            unit,
            kind,
            *_stamped(t, t.before_base()),
        )


def _meter_readings(t: Tenant, n: int) -> Iterator[Row]:
    meters = t.ids.get("meters", [])
    if not meters:
        return
    totals = dict.fromkeys(meters, 0.0)
    for i in range(n):
        meter = meters[i % len(meters)]
        totals[meter] += t.rng.uniform(1, 50)
        read_at = t.base - timedelta(days=365 * (1 - (i + 1) / (n + 1)))
        yield (
            t.org,
            t.new_id(),
            meter,
            Decimal(f"{totals[meter]:.3f}"),
            read_at,
            t.rng.choice(("manual", "device", "device", "import")),
            t.maybe("users", 0.3),
            *_stamped(t, read_at),
        )


def _vendors(t: Tenant, n: int) -> Iterator[Row]:
    for i in range(n):
        vendor = t.new_id()
        t.ids.setdefault("vendors", []).append(vendor)
        company = f"{t.rng.choice(t.pools.companies)} {i + 1}"
        yield (
            t.org,
            vendor,
            company,
            t.person(),
            f"orders{i + 1}@vendor.example.com",
            t.rng.choice(t.pools.phones),
            t.rng.choice(t.pools.streets),
            "net 30",
            *_stamped(t, t.before_base()),
        )


def _contractors(t: Tenant, n: int) -> Iterator[Row]:
    trades = ("electrical", "plumbing", "hvac", "welding", "elevators", "roofing")
    for i in range(n):
        yield (
            t.org,
            t.new_id(),
            f"{t.rng.choice(t.pools.companies)} services {i + 1}",
            t.maybe("vendors", 0.4),
            t.rng.choice(trades),
            f"crew{i + 1}@contractor.example.com",
            t.money(45, 140),
            "USD",
            *_stamped(t, t.before_base()),
        )


def _parts(t: Tenant, n: int) -> Iterator[Row]:
    units = ("each", "each", "each", "box", "pack", "m", "l", "kg", "set")
    for i in range(n):
        part = t.new_id()
        t.ids.setdefault("parts_inventory", []).append(part)
        cost = t.money(1, 900)
        t.facts.setdefault("part_costs", []).append(cost)
        stock = Decimal(t.rng.randrange(0, 200))
        yield (
            t.org,
            part,
            f"P-{i + 1:06d}",
            f"{t.word().title()} {t.word()}",
            t.sentence(),
            t.rng.choice(("filters", "bearings", "belts", "seals", "fuses", "valves")),
            t.rng.choice(units),
            stock,
            Decimal(t.rng.randrange(5, 40)),
            Decimal(t.rng.randrange(10, 100)),
            cost,
            "USD",
            t.maybe("locations", 0.8),
            f"BIN-{t.rng.randrange(1, 400)}",
            t.maybe("vendors", 0.8),
            *_stamped(t, t.before_base()),
        )


def _templates(t: Tenant, n: int) -> Iterator[Row]:
    for i in range(n):
        template = t.new_id()
        t.ids.setdefault("work_order_templates", []).append(template)
        job = t.rng.choice(("Inspect", "Lubricate", "Replace filter of", "Calibrate", "Service"))
        yield (
            t.org,
            template,
            f"{job} {t.word()} {i + 1}",
            f"{job} {t.word()}",
            t.sentence(),
            t.rng.choice(t.pools.paragraphs),
            t.rng.choice(("low", "medium", "high")),
            t.rng.choice(("preventive", "preventive", "inspection")),
            t.rng.choice((30, 60, 90, 120, 240)),
            t.maybe("teams", 0.6),
            *_stamped(t, t.before_base()),
        )


def _pm_schedules(t: Tenant, n: int) -> Iterator[Row]:
    if not t.ids.get("work_order_templates") or not t.ids.get("assets"):
        return
    for i in range(n):
        schedule = t.new_id()
        t.ids.setdefault("pm_schedules", []).append(schedule)
        starts = t.before_base()
        by_meter = bool(t.ids.get("meters")) and t.rng.random() < 0.3
        interval = None if by_meter else timedelta(days=t.rng.choice((7, 14, 30, 90, 180, 365)))
        yield (
            t.org,
            schedule,
            f"PM {i + 1}",
            t.pick("assets"),
            t.pick("work_order_templates"),
            "meter" if by_meter else "calendar",
            interval,
            t.pick("meters") if by_meter else None,
            Decimal(t.rng.choice((250, 500, 1000))) if by_meter else None,
            timedelta(days=t.rng.choice((0, 3, 7))),
            starts,
            None if by_meter else starts + (interval or timedelta()) * t.rng.randrange(1, 5),
            *_stamped(t, starts),
        )


def _work_orders(t: Tenant, n: int) -> Iterator[Row]:
    titles = (
        "Repair",
        "Inspect",
        "Replace",
        "Adjust",
        "Clean",
        "Investigate noise in",
        "Fix leak in",
        "Restart",
    )
    for number in range(1, n + 1):
        work_order = t.new_id()
        t.ids.setdefault("work_orders", []).append(work_order)
        state = t.weighted(t.status_shares)
        t.facts.setdefault("work_order_status", []).append(state)
        created = t.before_base()
        due = created + timedelta(days=t.rng.choice((1, 2, 3, 7, 14, 30)))
        started = created + timedelta(hours=t.rng.uniform(1, 72)) if state != "open" else None
        completed = (
            (started or created) + timedelta(hours=t.rng.uniform(0.5, 48))
            if state in ("completed", "closed")
            else None
        )
        from_pm = t.ids.get("pm_schedules") and t.rng.random() < 0.25
        estimate = t.rng.choice((30, 60, 90, 120, 240, 480))
        yield (
            t.org,
            work_order,
            number,
            f"{t.rng.choice(titles)} {t.word()} {number}",
            t.rng.choice(t.pools.paragraphs),
            state,
            t.weighted(t.priority_shares),
            "preventive" if from_pm else t.rng.choice(("corrective", "corrective", "inspection")),
            created,
            created + timedelta(minutes=estimate),
            due,
            started,
            completed,
            estimate,
            int(estimate * t.rng.uniform(0.5, 2)) if completed else None,
            t.maybe("users", 0.9),
            t.maybe("users", 0.7),
            t.maybe("teams", 0.5),
            t.maybe("locations", 0.8),
            t.maybe("work_order_templates", 0.2),
            t.pick("pm_schedules") if from_pm else None,
            due if from_pm else None,
            *_stamped(t, created),
        )


def _pairs(t: Tenant, n: int, left: str, right: str) -> list[tuple[uuid.UUID, uuid.UUID]]:
    if not t.ids.get(left) or not t.ids.get(right):
        return []
    return sorted({(t.pick(left), t.pick(right)) for _ in range(n)})


def _work_order_assets(t: Tenant, n: int) -> Iterator[Row]:
    for work_order, asset in _pairs(t, n, "work_orders", "assets"):
        yield (t.org, t.new_id(), work_order, asset, *_stamped(t, t.before_base()))


def _work_requests(t: Tenant, n: int) -> Iterator[Row]:
    states = {"new": 0.15, "triaged": 0.1, "approved": 0.1, "rejected": 0.1, "converted": 0.55}
    for i in range(n):
        state = t.weighted(states)
        requester = t.maybe("users", 0.7)
        yield (
            t.org,
            t.new_id(),
            f"Request: {t.sentence()}",
            t.rng.choice(t.pools.paragraphs),
            t.rng.choice(("low", "medium", "high")),
            state,
            requester,
            t.person(),
            f"requester{i + 1}@example.com",
            t.maybe("locations", 0.6),
            t.maybe("assets", 0.5),
            t.pick("work_orders") if state == "converted" and t.ids.get("work_orders") else None,
            "Duplicate of an open work order." if state == "rejected" else None,
            *_stamped(t, t.before_base()),
        )


def _maintenance_logs(t: Tenant, n: int) -> Iterator[Row]:
    if not t.ids.get("work_orders"):
        return
    for _ in range(n):
        index = t.rng.randrange(len(t.ids["work_orders"]))
        state = t.facts["work_order_status"][index]
        change = state != "open" and t.rng.random() < 0.6
        kind = "status_change" if change else t.rng.choice(("note", "inspection_result", "repair"))
        logged = t.before_base()
        yield (
            t.org,
            t.new_id(),
            t.ids["work_orders"][index],
            t.maybe("assets", 0.5),
            kind,
            "open" if change else None,
            state if change else None,
            t.sentence(),
            t.maybe("users", 0.9),
            logged,
            *_stamped(t, logged),
        )


def _checklists(t: Tenant, n: int) -> Iterator[Row]:
    for i in range(n):
        checklist = t.new_id()
        on_template = bool(t.ids.get("work_order_templates")) and t.rng.random() < 0.2
        if not on_template and not t.ids.get("work_orders"):
            continue
        t.ids.setdefault("checklists", []).append(checklist)
        t.facts.setdefault("checklist_on_template", []).append(on_template)
        yield (
            t.org,
            checklist,
            None if on_template else t.pick("work_orders"),
            t.pick("work_order_templates") if on_template else None,
            f"Checklist {i + 1}",
            t.rng.random() < 0.3,
            *_stamped(t, t.before_base()),
        )


def _checklist_items(t: Tenant, n: int) -> Iterator[Row]:
    checklists = t.ids.get("checklists", [])
    for i in range(n if checklists else 0):
        kind = t.rng.choice(("checkbox", "checkbox", "pass_fail", "number", "text"))
        done = t.rng.random() < 0.6
        result = {"pass_fail": "pass", "number": f"{t.rng.uniform(0, 100):.1f}", "text": "ok"}.get(
            kind
        )
        done_at = t.before_base() if done else None
        yield (
            t.org,
            t.new_id(),
            checklists[i % len(checklists)],
            i // len(checklists),
            f"{t.word().title()} {t.word()}",
            kind,
            t.rng.random() < 0.7,
            done,
            done_at,
            t.maybe("users", 0.9) if done else None,
            result if done else None,
            *_stamped(t, t.before_base()),
        )


def _checklist_signatures(t: Tenant, n: int) -> Iterator[Row]:
    for checklist, user in _pairs(t, n, "checklists", "users"):
        yield (
            t.org,
            t.new_id(),
            checklist,
            user,
            t.person(),
            "technician",
            t.before_base(),
            hashlib.sha256(user.bytes + checklist.bytes).hexdigest(),
            *_stamped(t, t.before_base()),
        )


def _comments(t: Tenant, n: int) -> Iterator[Row]:
    work_orders = t.ids.get("work_orders", [])
    threads: dict[uuid.UUID, list[uuid.UUID]] = {}
    for _ in range(n if work_orders else 0):
        comment = t.new_id()
        work_order = t.rng.choice(work_orders)
        thread = threads.setdefault(work_order, [])
        parent = t.rng.choice(thread) if thread and t.rng.random() < 0.4 else None
        thread.append(comment)
        yield (
            t.org,
            comment,
            work_order,
            parent,
            t.maybe("users", 0.95),
            t.rng.choice(t.pools.paragraphs),
            *_stamped(t, t.before_base()),
        )


def _labor_entries(t: Tenant, n: int) -> Iterator[Row]:
    for _ in range(n if t.ids.get("work_orders") else 0):
        started = t.before_base()
        minutes = t.rng.choice((15, 30, 45, 60, 90, 120, 240))
        yield (
            t.org,
            t.new_id(),
            t.pick("work_orders"),
            t.maybe("users", 0.95),
            started,
            started + timedelta(minutes=minutes),
            minutes,
            t.money(25, 90),
            "USD",
            t.rng.random() < 0.8,
            *_stamped(t, started),
        )


def _purchase_orders(t: Tenant, n: int) -> Iterator[Row]:
    states = {
        "received": 0.5,
        "partially_received": 0.1,
        "approved": 0.15,
        "submitted": 0.1,
        "draft": 0.1,
        "cancelled": 0.05,
    }
    for number in range(1, (n if t.ids.get("vendors") else 0) + 1):
        order = t.new_id()
        t.ids.setdefault("purchase_orders", []).append(order)
        state = t.weighted(states)
        ordered = t.before_base()
        received = ordered + timedelta(days=t.rng.randrange(2, 30)) if state == "received" else None
        yield (
            t.org,
            order,
            number,
            t.pick("vendors"),
            state,
            ordered,
            ordered + timedelta(days=14),
            received,
            "USD",
            t.maybe("users", 0.8),
            t.maybe("users", 0.5) if state not in ("draft", "submitted") else None,
            t.maybe("locations", 0.5),
            *_stamped(t, ordered),
        )


def _purchase_order_lines(t: Tenant, n: int) -> Iterator[Row]:
    orders = t.ids.get("purchase_orders", [])
    for i in range(n if orders else 0):
        line = t.new_id()
        t.ids.setdefault("purchase_order_lines", []).append(line)
        ordered = Decimal(t.rng.randrange(1, 50))
        yield (
            t.org,
            line,
            orders[i % len(orders)],
            i // len(orders) + 1,
            t.maybe("parts_inventory", 0.85),
            t.sentence(),
            ordered,
            ordered if t.rng.random() < 0.6 else Decimal(0),
            t.money(1, 500),
            *_stamped(t, t.before_base()),
        )


def _parts_used(t: Tenant, n: int) -> Iterator[Row]:
    if not t.ids.get("work_orders") or not t.ids.get("parts_inventory"):
        return
    for _ in range(n):
        index = t.rng.randrange(len(t.ids["parts_inventory"]))
        used = t.before_base()
        yield (
            t.org,
            t.new_id(),
            t.pick("work_orders"),
            t.ids["parts_inventory"][index],
            Decimal(t.rng.randrange(1, 6)),
            t.facts["part_costs"][index],
            used,
            t.maybe("users", 0.9),
            *_stamped(t, used),
        )


def _part_transactions(t: Tenant, n: int) -> Iterator[Row]:
    """Receipts and issues with a running balance per part that never goes negative."""
    parts = t.ids.get("parts_inventory", [])
    balances = dict.fromkeys(parts, Decimal(0))
    for i in range(n if parts else 0):
        part = parts[i % len(parts)]
        receipt = balances[part] < 5 or t.rng.random() < 0.4
        quantity = (
            Decimal(t.rng.randrange(5, 50))
            if receipt
            else -Decimal(t.rng.randrange(1, int(balances[part]) + 1))
        )
        balances[part] += quantity
        when = t.base - timedelta(days=365 * (1 - (i + 1) / (n + 1)))
        yield (
            t.org,
            t.new_id(),
            part,
            "receipt" if receipt else "issue",
            quantity,
            balances[part],
            t.money(1, 500) if receipt else None,
            when,
            None if receipt else t.maybe("work_orders", 0.8),
            t.maybe("users", 0.8),
            *_stamped(t, when),
        )


def _calendar_events(t: Tenant, n: int) -> Iterator[Row]:
    kinds = ("maintenance_window", "shutdown", "inspection", "meeting", "holiday", "other")
    for i in range(n):
        starts = t.base + timedelta(hours=t.rng.randrange(-24 * 180, 24 * 90))
        yield (
            t.org,
            t.new_id(),
            f"{t.word().title()} {i + 1}",
            t.sentence(),
            starts,
            starts + timedelta(hours=t.rng.choice((1, 2, 4, 8))),
            t.rng.choice(kinds),
            t.maybe("locations", 0.5),
            t.maybe("work_orders", 0.3),
            t.maybe("teams", 0.3),
            "FREQ=WEEKLY;BYDAY=MO" if t.rng.random() < 0.2 else None,
            *_stamped(t, t.before_base()),
        )


def _tags(t: Tenant, n: int) -> Iterator[Row]:
    for i in range(n):
        tag = t.new_id()
        t.ids.setdefault("tags", []).append(tag)
        yield (
            t.org,
            tag,
            f"{t.word()}-{i + 1}",
            f"#{t.rng.getrandbits(24):06x}",
            *_stamped(t, t.before_base()),
        )


def _entity(t: Tenant) -> tuple[str, uuid.UUID] | None:
    kinds = [kind for kind, table in ENTITY_TABLES.items() if t.ids.get(table)]
    if not kinds:
        return None
    kind = t.rng.choice(kinds)
    return kind, t.pick(ENTITY_TABLES[kind])


def _entity_tags(t: Tenant, n: int) -> Iterator[Row]:
    if not t.ids.get("tags"):
        return
    seen = set()
    for _ in range(n):
        entity = _entity(t)
        key = (t.pick("tags"), *entity) if entity else None
        if key and key not in seen:
            seen.add(key)
            yield (t.org, t.new_id(), *key, *_stamped(t, t.before_base()))


def _custom_fields(t: Tenant, n: int) -> Iterator[Row]:
    for i in range(n):
        field_id = t.new_id()
        t.ids.setdefault("custom_fields", []).append(field_id)
        kind = ("text", "number", "select", "boolean")[i % 4]
        t.facts.setdefault("field_kinds", []).append(kind)
        options = Jsonb(["low", "medium", "high"]) if kind == "select" else None
        yield (
            t.org,
            field_id,
            "work_order",
            f"field_{i + 1}",
            f"{t.word().title()} {i + 1}",
            kind,
            options,
            False,
            i,
            *_stamped(t, t.before_base()),
        )


def _custom_field_values(t: Tenant, n: int) -> Iterator[Row]:
    fields, work_orders = t.ids.get("custom_fields", []), t.ids.get("work_orders", [])
    if not fields or not work_orders:
        return
    for index, work_order in sorted(
        {(t.rng.randrange(len(fields)), t.pick("work_orders")) for _ in range(n)}
    ):
        kind = t.facts["field_kinds"][index]
        value = {
            "text": t.word(),
            "number": round(t.rng.uniform(0, 100), 2),
            "select": t.rng.choice(("low", "medium", "high")),
            "boolean": t.rng.random() < 0.5,
        }[kind]
        yield (
            t.org,
            t.new_id(),
            fields[index],
            work_order,
            Jsonb(value),
            *_stamped(t, t.before_base()),
        )


def _notifications(t: Tenant, n: int) -> Iterator[Row]:
    kinds = ("work_order_assigned", "work_order_status_changed", "work_order_comment", "pm_due")
    for _ in range(n if t.ids.get("users") else 0):
        created = t.before_base(60)
        work_order = t.maybe("work_orders", 0.9)
        yield (
            t.org,
            t.new_id(),
            t.pick("users"),
            t.rng.choice(kinds),
            t.rng.choice(("in_app", "in_app", "email", "push")),
            t.sentence()[:200],
            "work_order" if work_order else None,
            work_order,
            created + timedelta(hours=1) if t.rng.random() < 0.7 else None,
            created,
            *_stamped(t, created),
        )


def _attachments(t: Tenant, n: int) -> Iterator[Row]:
    types = (("image/jpeg", "jpg"), ("application/pdf", "pdf"), ("image/png", "png"))
    for i in range(n):
        entity = _entity(t)
        if entity is None:
            return
        content_type, extension = t.rng.choice(types)
        key = f"{t.org}/{i + 1}.{extension}"
        yield (
            t.org,
            t.new_id(),
            t.rng.choice(("s3", "s3", "local", "cloudinary")),
            key,
            f"{t.word()}-{i + 1}.{extension}",
            content_type,
            t.rng.randrange(10_000, 5_000_000),
            hashlib.sha256(key.encode()).hexdigest(),
            *entity,
            t.maybe("users", 0.9),
            *_stamped(t, t.before_base()),
        )


def _i18n_overrides(t: Tenant, n: int) -> Iterator[Row]:
    keys = (
        "work_order.status.open",
        "work_order.status.closed",
        "asset.status.down",
        "work_order.priority.urgent",
        "work_request.title",
        "checklist.sign",
    )
    for i, key in enumerate(keys[:n]):
        yield (
            t.org,
            t.new_id(),
            key,
            ("en", "fr", "de")[i % 3],
            f"{t.word().title()} {i + 1}",
            *_stamped(t, t.before_base()),
        )


AUDIT = ("created_at", "updated_at")
TABLES: tuple[Table, ...] = (
    Table(
        "users",
        (
            "organization_id",
            "id",
            "email",
            "full_name",
            "role",
            "status",
            "phone",
            "hourly_rate",
            *AUDIT,
        ),
        _users,
    ),
    Table(
        "teams", ("organization_id", "id", "name", "description", "lead_user_id", *AUDIT), _teams
    ),
    Table(
        "team_members",
        ("organization_id", "id", "team_id", "user_id", "role", *AUDIT),
        _team_members,
    ),
    Table(
        "locations",
        (
            "organization_id",
            "id",
            "parent_id",
            "name",
            "code",
            "location_type",
            "address",
            "latitude",
            "longitude",
            *AUDIT,
        ),
        _locations,
    ),
    Table(
        "assets",
        (
            "organization_id",
            "id",
            "parent_id",
            "location_id",
            "name",
            "asset_tag",
            "category",
            "manufacturer",
            "model",
            "serial_number",
            "description",
            "status",
            "criticality",
            "installed_on",
            "purchased_on",
            "purchase_cost",
            "warranty_expires_on",
            "latitude",
            "longitude",
            *AUDIT,
        ),
        _assets,
    ),
    Table(
        "meters",
        ("organization_id", "id", "asset_id", "name", "unit", "meter_type", *AUDIT),
        _meters,
    ),
    Table(
        "meter_readings",
        (
            "organization_id",
            "id",
            "meter_id",
            "value",
            "read_at",
            "source",
            "recorded_by_user_id",
            *AUDIT,
        ),
        _meter_readings,
    ),
    Table(
        "vendors",
        (
            "organization_id",
            "id",
            "name",
            "contact_name",
            "email",
            "phone",
            "address",
            "payment_terms",
            *AUDIT,
        ),
        _vendors,
    ),
    Table(
        "contractors",
        (
            "organization_id",
            "id",
            "name",
            "vendor_id",
            "trade",
            "email",
            "hourly_rate",
            "currency",
            *AUDIT,
        ),
        _contractors,
    ),
    Table(
        "parts_inventory",
        (
            "organization_id",
            "id",
            "part_number",
            "name",
            "description",
            "category",
            "unit",
            "quantity_on_hand",
            "reorder_point",
            "reorder_quantity",
            "unit_cost",
            "currency",
            "location_id",
            "storage_bin",
            "preferred_vendor_id",
            *AUDIT,
        ),
        _parts,
    ),
    Table(
        "work_order_templates",
        (
            "organization_id",
            "id",
            "name",
            "title",
            "description",
            "instructions",
            "priority",
            "work_order_type",
            "estimated_duration_minutes",
            "team_id",
            *AUDIT,
        ),
        _templates,
    ),
    Table(
        "pm_schedules",
        (
            "organization_id",
            "id",
            "name",
            "asset_id",
            "template_id",
            "trigger_type",
            "calendar_interval",
            "meter_id",
            "meter_interval",
            "lead_time",
            "starts_at",
            "next_due_at",
            *AUDIT,
        ),
        _pm_schedules,
    ),
    Table(
        "work_orders",
        (
            "organization_id",
            "id",
            "number",
            "title",
            "description",
            "status",
            "priority",
            "work_order_type",
            "scheduled_start_at",
            "scheduled_end_at",
            "due_at",
            "started_at",
            "completed_at",
            "estimated_duration_minutes",
            "actual_duration_minutes",
            "assignee_user_id",
            "requester_user_id",
            "team_id",
            "location_id",
            "template_id",
            "pm_schedule_id",
            "pm_due_at",
            *AUDIT,
        ),
        _work_orders,
    ),
    Table(
        "work_order_assets",
        ("organization_id", "id", "work_order_id", "asset_id", *AUDIT),
        _work_order_assets,
    ),
    Table(
        "work_requests",
        (
            "organization_id",
            "id",
            "title",
            "description",
            "priority",
            "status",
            "requester_user_id",
            "requester_name",
            "requester_email",
            "location_id",
            "asset_id",
            "work_order_id",
            "rejection_reason",
            *AUDIT,
        ),
        _work_requests,
    ),
    Table(
        "maintenance_logs",
        (
            "organization_id",
            "id",
            "work_order_id",
            "asset_id",
            "entry_type",
            "from_status",
            "to_status",
            "message",
            "logged_by_user_id",
            "logged_at",
            *AUDIT,
        ),
        _maintenance_logs,
    ),
    Table(
        "checklists",
        (
            "organization_id",
            "id",
            "work_order_id",
            "template_id",
            "name",
            "requires_signature",
            *AUDIT,
        ),
        _checklists,
    ),
    Table(
        "checklist_items",
        (
            "organization_id",
            "id",
            "checklist_id",
            "position",
            "label",
            "item_type",
            "is_required",
            "is_done",
            "done_at",
            "done_by_user_id",
            "result",
            *AUDIT,
        ),
        _checklist_items,
    ),
    Table(
        "checklist_signatures",
        (
            "organization_id",
            "id",
            "checklist_id",
            "signed_by_user_id",
            "signer_name",
            "signer_role",
            "signed_at",
            "signature_sha256",
            *AUDIT,
        ),
        _checklist_signatures,
    ),
    Table(
        "comments",
        ("organization_id", "id", "work_order_id", "parent_id", "author_user_id", "body", *AUDIT),
        _comments,
    ),
    Table(
        "labor_entries",
        (
            "organization_id",
            "id",
            "work_order_id",
            "user_id",
            "started_at",
            "ended_at",
            "minutes",
            "hourly_rate",
            "currency",
            "is_billable",
            *AUDIT,
        ),
        _labor_entries,
    ),
    Table(
        "purchase_orders",
        (
            "organization_id",
            "id",
            "number",
            "vendor_id",
            "status",
            "ordered_at",
            "expected_at",
            "received_at",
            "currency",
            "requested_by_user_id",
            "approved_by_user_id",
            "ship_to_location_id",
            *AUDIT,
        ),
        _purchase_orders,
    ),
    Table(
        "purchase_order_lines",
        (
            "organization_id",
            "id",
            "purchase_order_id",
            "line_number",
            "part_id",
            "description",
            "quantity_ordered",
            "quantity_received",
            "unit_cost",
            *AUDIT,
        ),
        _purchase_order_lines,
    ),
    Table(
        "work_order_parts_used",
        (
            "organization_id",
            "id",
            "work_order_id",
            "part_id",
            "quantity",
            "unit_cost",
            "used_at",
            "used_by_user_id",
            *AUDIT,
        ),
        _parts_used,
    ),
    Table(
        "part_transactions",
        (
            "organization_id",
            "id",
            "part_id",
            "transaction_type",
            "quantity",
            "balance_after",
            "unit_cost",
            "occurred_at",
            "work_order_id",
            "performed_by_user_id",
            *AUDIT,
        ),
        _part_transactions,
    ),
    Table(
        "calendar_events",
        (
            "organization_id",
            "id",
            "title",
            "description",
            "starts_at",
            "ends_at",
            "event_type",
            "location_id",
            "work_order_id",
            "team_id",
            "recurrence_rule",
            *AUDIT,
        ),
        _calendar_events,
    ),
    Table("tags", ("organization_id", "id", "name", "color", *AUDIT), _tags),
    Table(
        "entity_tags",
        ("organization_id", "id", "tag_id", "entity_type", "entity_id", *AUDIT),
        _entity_tags,
    ),
    Table(
        "custom_fields",
        (
            "organization_id",
            "id",
            "entity_type",
            "key",
            "label",
            "field_type",
            "options",
            "required",
            "position",
            *AUDIT,
        ),
        _custom_fields,
    ),
    Table(
        "custom_field_values",
        ("organization_id", "id", "custom_field_id", "entity_id", "value", *AUDIT),
        _custom_field_values,
    ),
    Table(
        "notifications",
        (
            "organization_id",
            "id",
            "user_id",
            "notification_type",
            "channel",
            "title",
            "entity_type",
            "entity_id",
            "read_at",
            "sent_at",
            *AUDIT,
        ),
        _notifications,
    ),
    Table(
        "attachments",
        (
            "organization_id",
            "id",
            "storage_backend",
            "storage_key",
            "file_name",
            "content_type",
            "size_bytes",
            "checksum_sha256",
            "entity_type",
            "entity_id",
            "uploaded_by_user_id",
            *AUDIT,
        ),
        _attachments,
    ),
    Table(
        "i18n_overrides",
        ("organization_id", "id", "key", "locale", "text", *AUDIT),
        _i18n_overrides,
    ),
)
