"""One fake tenant's rows, table by table, in the order their foreign keys need.

A generator yields named rows (column -> value) and gives only the columns that need
realistic values; the rest is the catalog's business (seeding/schema.py): a column it does
not name is left to its default, or filled by type when it is required. Enum-like values
(roles, statuses, priorities) are drawn through `Tenant.chooser` from the values the
column's CHECK allows, weighted by the shares written here or in the profile.

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
from bisect import bisect
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from psycopg.types.json import Jsonb

from cmmsdb.seeding.pools import Pools
from cmmsdb.seeding.schema import Row, shares_within

DAY = 86_400.0
WORK_ORDER_OPEN = ("open", "in_progress", "on_hold")
ENTITY_TABLES = {"work_order": "work_orders", "asset": "assets", "location": "locations"}


@dataclass
class Tenant:
    """The state of one tenant being generated: its random generator, the ids so far, and
    the values the catalog's CHECK constraints allow (table -> column -> values)."""

    org: uuid.UUID
    rng: random.Random
    base: datetime
    pools: Pools
    status_shares: dict[str, float]
    priority_shares: dict[str, float]
    allowed: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
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

    def chooser(
        self, table: str, column: str, shares: Mapping[str, float] | None = None
    ) -> Callable[[], str]:
        """Draws of cmms.`table`.`column`'s values: those its CHECK allows, weighted by
        `shares` (values it does not allow are dropped; shares that name none, or none
        given, mean every allowed value evenly)."""
        allowed = self.allowed.get(table, {}).get(column, ())
        values, cumulative = shares_within(allowed, shares)
        draw, total, last = self.rng.random, cumulative[-1], len(cumulative) - 1
        # what rng.choices(values, cum_weights=cumulative)[0] does, without its list
        return lambda: values[bisect(cumulative, draw() * total, 0, last)]


Generator = Callable[[Tenant, int], Iterator[Row]]


def _stamped(t: Tenant, created: datetime) -> dict[str, datetime]:
    updated = created + timedelta(seconds=t.rng.randrange(0, 30 * 86_400))
    return {"created_at": created, "updated_at": updated}


def _users(t: Tenant, n: int) -> Iterator[Row]:
    roles = {
        "technician": 0.55,
        "requester": 0.2,
        "manager": 0.12,
        "viewer": 0.08,
        "admin": 0.05,
    }
    role = t.chooser("users", "role", roles)
    status = t.chooser("users", "status", {"active": 0.93, "disabled": 0.07})
    for i in range(n):
        user = t.new_id()
        t.ids.setdefault("users", []).append(user)
        first, last = (
            t.rng.choice(t.pools.first_names),
            t.rng.choice(t.pools.last_names),
        )
        created = t.before_base()
        yield {
            "organization_id": t.org,
            "id": user,
            "email": f"{first}.{last}.{i}@example.com".lower(),
            "full_name": f"{first} {last}",
            "role": role(),
            "status": status(),
            "phone": t.rng.choice(t.pools.phones),
            "hourly_rate": t.money(25, 90),
            **_stamped(t, created),
        }


def _teams(t: Tenant, n: int) -> Iterator[Row]:
    for i in range(n):
        team = t.new_id()
        t.ids.setdefault("teams", []).append(team)
        yield {
            "organization_id": t.org,
            "id": team,
            "name": f"{t.word().title()} crew {i + 1}",
            "description": t.sentence(),
            "lead_user_id": t.maybe("users", 0.8),
            **_stamped(t, t.before_base()),
        }


def _team_members(t: Tenant, n: int) -> Iterator[Row]:
    member_role = t.chooser("team_members", "role", {"member": 0.85, "supervisor": 0.15})
    pairs = {(t.pick("teams"), t.pick("users")) for _ in range(n)} if t.ids.get("teams") else set()
    for team, user in sorted(pairs):
        role = member_role()
        t.facts.setdefault("team_members", []).append((team, user))
        yield {
            "organization_id": t.org,
            "id": t.new_id(),
            "team_id": team,
            "user_id": user,
            "role": role,
            **_stamped(t, t.before_base()),
        }


def _locations(t: Tenant, n: int) -> Iterator[Row]:
    kinds = t.chooser(
        "locations", "location_type", dict.fromkeys(("building", "floor", "room", "area"), 1.0)
    )
    lat0, lon0 = t.rng.choice(t.pools.coordinates)
    for i in range(n):
        location = t.new_id()
        parent = t.rng.choice(t.ids["locations"]) if i and t.rng.random() < 0.8 else None
        t.ids.setdefault("locations", []).append(location)
        kind = "site" if parent is None else kinds()
        lat, lon = lat0 + t.rng.uniform(-0.2, 0.2), lon0 + t.rng.uniform(-0.2, 0.2)
        yield {
            "organization_id": t.org,
            "id": location,
            "parent_id": parent,
            "name": f"{t.word().title()} {kind} {i + 1}",
            "code": f"L-{i + 1:05d}",
            "location_type": kind,
            "address": t.rng.choice(t.pools.streets),
            "latitude": lat,
            "longitude": lon,
            **_stamped(t, t.before_base()),
        }


def _assets(t: Tenant, n: int) -> Iterator[Row]:
    status = t.chooser("assets", "status", {"up": 0.94, "down": 0.06})
    criticality = t.chooser(
        "assets", "criticality", {"low": 1, "medium": 2, "high": 1, "critical": 1}
    )
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
        yield {
            "organization_id": t.org,
            "id": asset,
            "parent_id": parent,
            "location_id": t.maybe("locations", 0.9),
            "name": f"{category.title()} {i + 1}",
            "asset_tag": f"AST-{i + 1:06d}",
            "category": category,
            "manufacturer": t.rng.choice(t.pools.companies),
            "model": f"{t.word().upper()}-{t.rng.randrange(100, 999)}",
            "serial_number": f"SN{t.rng.getrandbits(40):012X}",
            "description": t.sentence(),
            "status": status(),
            "criticality": criticality(),
            "installed_on": purchased,
            "purchased_on": purchased,
            "purchase_cost": t.money(500, 250_000),
            "warranty_expires_on": purchased + timedelta(days=t.rng.choice((365, 730, 1095))),
            "latitude": lat if placed else None,
            "longitude": lon if placed else None,
            **_stamped(t, t.before_base()),
        }


def _meters(t: Tenant, n: int) -> Iterator[Row]:
    units = t.chooser(
        "meters", "unit", dict.fromkeys(("hours", "cycles", "km", "kwh", "celsius", "bar"), 1.0)
    )
    for i in range(n):
        meter = t.new_id()
        t.ids.setdefault("meters", []).append(meter)
        unit = units()
        kind = "gauge" if unit in ("celsius", "bar") else "cumulative"
        t.facts.setdefault("meter_kinds", []).append(kind)
        yield {
            "organization_id": t.org,
            "id": meter,
            "asset_id": t.pick("assets"),
            "name": f"{unit.title()} meter {i + 1}",
            "unit": unit,
            "meter_type": kind,
            **_stamped(t, t.before_base()),
        }


def _meter_readings(t: Tenant, n: int) -> Iterator[Row]:
    source = t.chooser("meter_readings", "source", {"manual": 1, "device": 2, "import": 1})
    meters = t.ids.get("meters", [])
    if not meters:
        return
    totals = dict.fromkeys(meters, 0.0)
    for i in range(n):
        meter = meters[i % len(meters)]
        totals[meter] += t.rng.uniform(1, 50)
        read_at = t.base - timedelta(days=365 * (1 - (i + 1) / (n + 1)))
        yield {
            "organization_id": t.org,
            "id": t.new_id(),
            "meter_id": meter,
            "value": Decimal(f"{totals[meter]:.3f}"),
            "read_at": read_at,
            "source": source(),
            "recorded_by_user_id": t.maybe("users", 0.3),
            **_stamped(t, read_at),
        }


def _vendors(t: Tenant, n: int) -> Iterator[Row]:
    for i in range(n):
        vendor = t.new_id()
        t.ids.setdefault("vendors", []).append(vendor)
        company = f"{t.rng.choice(t.pools.companies)} {i + 1}"
        yield {
            "organization_id": t.org,
            "id": vendor,
            "name": company,
            "contact_name": t.person(),
            "email": f"orders{i + 1}@vendor.example.com",
            "phone": t.rng.choice(t.pools.phones),
            "address": t.rng.choice(t.pools.streets),
            "payment_terms": "net 30",
            **_stamped(t, t.before_base()),
        }


def _contractors(t: Tenant, n: int) -> Iterator[Row]:
    trades = ("electrical", "plumbing", "hvac", "welding", "elevators", "roofing")
    for i in range(n):
        yield {
            "organization_id": t.org,
            "id": t.new_id(),
            "name": f"{t.rng.choice(t.pools.companies)} services {i + 1}",
            "vendor_id": t.maybe("vendors", 0.4),
            "trade": t.rng.choice(trades),
            "email": f"crew{i + 1}@contractor.example.com",
            "hourly_rate": t.money(45, 140),
            "currency": "USD",
            **_stamped(t, t.before_base()),
        }


def _parts(t: Tenant, n: int) -> Iterator[Row]:
    units = t.chooser(
        "parts_inventory",
        "unit",
        {"each": 3, "box": 1, "pack": 1, "m": 1, "l": 1, "kg": 1, "set": 1},
    )
    for i in range(n):
        part = t.new_id()
        t.ids.setdefault("parts_inventory", []).append(part)
        cost = t.money(1, 900)
        t.facts.setdefault("part_costs", []).append(cost)
        stock = Decimal(t.rng.randrange(0, 200))
        yield {
            "organization_id": t.org,
            "id": part,
            "part_number": f"P-{i + 1:06d}",
            "name": f"{t.word().title()} {t.word()}",
            "description": t.sentence(),
            "category": t.rng.choice(("filters", "bearings", "belts", "seals", "fuses", "valves")),
            "unit": units(),
            "quantity_on_hand": stock,
            "reorder_point": Decimal(t.rng.randrange(5, 40)),
            "reorder_quantity": Decimal(t.rng.randrange(10, 100)),
            "unit_cost": cost,
            "currency": "USD",
            "location_id": t.maybe("locations", 0.8),
            "storage_bin": f"BIN-{t.rng.randrange(1, 400)}",
            "preferred_vendor_id": t.maybe("vendors", 0.8),
            **_stamped(t, t.before_base()),
        }


def _templates(t: Tenant, n: int) -> Iterator[Row]:
    priority = t.chooser("work_order_templates", "priority", {"low": 1, "medium": 1, "high": 1})
    kind = t.chooser("work_order_templates", "work_order_type", {"preventive": 2, "inspection": 1})
    for i in range(n):
        template = t.new_id()
        t.ids.setdefault("work_order_templates", []).append(template)
        job = t.rng.choice(("Inspect", "Lubricate", "Replace filter of", "Calibrate", "Service"))
        yield {
            "organization_id": t.org,
            "id": template,
            "name": f"{job} {t.word()} {i + 1}",
            "title": f"{job} {t.word()}",
            "description": t.sentence(),
            "instructions": t.rng.choice(t.pools.paragraphs),
            "priority": priority(),
            "work_order_type": kind(),
            "estimated_duration_minutes": t.rng.choice((30, 60, 90, 120, 240)),
            "team_id": t.maybe("teams", 0.6),
            **_stamped(t, t.before_base()),
        }


def _pm_schedules(t: Tenant, n: int) -> Iterator[Row]:
    if not t.ids.get("work_order_templates") or not t.ids.get("assets"):
        return
    for i in range(n):
        schedule = t.new_id()
        t.ids.setdefault("pm_schedules", []).append(schedule)
        starts = t.before_base()
        by_meter = bool(t.ids.get("meters")) and t.rng.random() < 0.3
        interval = None if by_meter else timedelta(days=t.rng.choice((7, 14, 30, 90, 180, 365)))
        yield {
            "organization_id": t.org,
            "id": schedule,
            "name": f"PM {i + 1}",
            "asset_id": t.pick("assets"),
            "template_id": t.pick("work_order_templates"),
            "trigger_type": "meter" if by_meter else "calendar",
            "calendar_interval": interval,
            "meter_id": t.pick("meters") if by_meter else None,
            "meter_interval": Decimal(t.rng.choice((250, 500, 1000))) if by_meter else None,
            "lead_time": timedelta(days=t.rng.choice((0, 3, 7))),
            "starts_at": starts,
            "next_due_at": None
            if by_meter
            else starts + (interval or timedelta()) * t.rng.randrange(1, 5),
            **_stamped(t, starts),
        }


def _work_orders(t: Tenant, n: int) -> Iterator[Row]:
    status = t.chooser("work_orders", "status", t.status_shares)
    priority = t.chooser("work_orders", "priority", t.priority_shares)
    kind = t.chooser("work_orders", "work_order_type", {"corrective": 2, "inspection": 1})
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
        state = status()
        t.facts.setdefault("work_order_status", []).append(state)
        created = t.before_base()
        due = created + timedelta(days=t.rng.choice((1, 2, 3, 7, 14, 30)))
        t.facts.setdefault("work_order_due", []).append(due)
        started = created + timedelta(hours=t.rng.uniform(1, 72)) if state != "open" else None
        completed = (
            (started or created) + timedelta(hours=t.rng.uniform(0.5, 48))
            if state in ("completed", "closed")
            else None
        )
        from_pm = t.ids.get("pm_schedules") and t.rng.random() < 0.25
        estimate = t.rng.choice((30, 60, 90, 120, 240, 480))
        yield {
            "organization_id": t.org,
            "id": work_order,
            "number": number,
            "title": f"{t.rng.choice(titles)} {t.word()} {number}",
            "description": t.rng.choice(t.pools.paragraphs),
            "status": state,
            "priority": priority(),
            "work_order_type": "preventive" if from_pm else kind(),
            "scheduled_start_at": created,
            "scheduled_end_at": created + timedelta(minutes=estimate),
            "due_at": due,
            "started_at": started,
            "completed_at": completed,
            "estimated_duration_minutes": estimate,
            "actual_duration_minutes": int(estimate * t.rng.uniform(0.5, 2)) if completed else None,
            "assignee_user_id": t.maybe("users", 0.9),
            "requester_user_id": t.maybe("users", 0.7),
            "team_id": t.maybe("teams", 0.5),
            "location_id": t.maybe("locations", 0.8),
            "template_id": t.maybe("work_order_templates", 0.2),
            "pm_schedule_id": t.pick("pm_schedules") if from_pm else None,
            "pm_due_at": due if from_pm else None,
            **_stamped(t, created),
        }


def _pairs(t: Tenant, n: int, left: str, right: str) -> list[tuple[uuid.UUID, uuid.UUID]]:
    if not t.ids.get(left) or not t.ids.get(right):
        return []
    return sorted({(t.pick(left), t.pick(right)) for _ in range(n)})


def _work_order_assets(t: Tenant, n: int) -> Iterator[Row]:
    for work_order, asset in _pairs(t, n, "work_orders", "assets"):
        yield {
            "organization_id": t.org,
            "id": t.new_id(),
            "work_order_id": work_order,
            "asset_id": asset,
            **_stamped(t, t.before_base()),
        }


def _work_requests(t: Tenant, n: int) -> Iterator[Row]:
    priority = t.chooser("work_requests", "priority", {"low": 1, "medium": 1, "high": 1})
    states = {
        "new": 0.15,
        "triaged": 0.1,
        "approved": 0.1,
        "rejected": 0.1,
        "converted": 0.55,
    }
    status = t.chooser("work_requests", "status", states)
    for i in range(n):
        state = status()
        requester = t.maybe("users", 0.7)
        yield {
            "organization_id": t.org,
            "id": t.new_id(),
            "title": f"Request: {t.sentence()}",
            "description": t.rng.choice(t.pools.paragraphs),
            "priority": priority(),
            "status": state,
            "requester_user_id": requester,
            "requester_name": t.person(),
            "requester_email": f"requester{i + 1}@example.com",
            "location_id": t.maybe("locations", 0.6),
            "asset_id": t.maybe("assets", 0.5),
            "work_order_id": t.pick("work_orders")
            if state == "converted" and t.ids.get("work_orders")
            else None,
            "rejection_reason": "Duplicate of an open work order." if state == "rejected" else None,
            **_stamped(t, t.before_base()),
        }


def _maintenance_logs(t: Tenant, n: int) -> Iterator[Row]:
    entry = t.chooser(
        "maintenance_logs",
        "entry_type",
        dict.fromkeys(("note", "inspection_result", "repair"), 1.0),
    )
    if not t.ids.get("work_orders"):
        return
    for _ in range(n):
        index = t.rng.randrange(len(t.ids["work_orders"]))
        state = t.facts["work_order_status"][index]
        change = state != "open" and t.rng.random() < 0.6
        kind = "status_change" if change else entry()
        logged = t.before_base()
        yield {
            "organization_id": t.org,
            "id": t.new_id(),
            "work_order_id": t.ids["work_orders"][index],
            "asset_id": t.maybe("assets", 0.5),
            "entry_type": kind,
            "from_status": "open" if change else None,
            "to_status": state if change else None,
            "message": t.sentence(),
            "logged_by_user_id": t.maybe("users", 0.9),
            "logged_at": logged,
            **_stamped(t, logged),
        }


def _checklists(t: Tenant, n: int) -> Iterator[Row]:
    for i in range(n):
        checklist = t.new_id()
        on_template = bool(t.ids.get("work_order_templates")) and t.rng.random() < 0.2
        if not on_template and not t.ids.get("work_orders"):
            continue
        t.ids.setdefault("checklists", []).append(checklist)
        t.facts.setdefault("checklist_on_template", []).append(on_template)
        yield {
            "organization_id": t.org,
            "id": checklist,
            "work_order_id": None if on_template else t.pick("work_orders"),
            "template_id": t.pick("work_order_templates") if on_template else None,
            "name": f"Checklist {i + 1}",
            "requires_signature": t.rng.random() < 0.3,
            **_stamped(t, t.before_base()),
        }


def _checklist_items(t: Tenant, n: int) -> Iterator[Row]:
    item_type = t.chooser(
        "checklist_items", "item_type", {"checkbox": 2, "pass_fail": 1, "number": 1, "text": 1}
    )
    checklists = t.ids.get("checklists", [])
    for i in range(n if checklists else 0):
        kind = item_type()
        done = t.rng.random() < 0.6
        result = {
            "pass_fail": "pass",
            "number": f"{t.rng.uniform(0, 100):.1f}",
            "text": "ok",
        }.get(kind)
        done_at = t.before_base() if done else None
        yield {
            "organization_id": t.org,
            "id": t.new_id(),
            "checklist_id": checklists[i % len(checklists)],
            "position": i // len(checklists),
            "label": f"{t.word().title()} {t.word()}",
            "item_type": kind,
            "is_required": t.rng.random() < 0.7,
            "is_done": done,
            "done_at": done_at,
            "done_by_user_id": t.maybe("users", 0.9) if done else None,
            "result": result if done else None,
            **_stamped(t, t.before_base()),
        }


def _checklist_signatures(t: Tenant, n: int) -> Iterator[Row]:
    for checklist, user in _pairs(t, n, "checklists", "users"):
        yield {
            "organization_id": t.org,
            "id": t.new_id(),
            "checklist_id": checklist,
            "signed_by_user_id": user,
            "signer_name": t.person(),
            "signer_role": "technician",
            "signed_at": t.before_base(),
            "signature_sha256": hashlib.sha256(user.bytes + checklist.bytes).hexdigest(),
            **_stamped(t, t.before_base()),
        }


def _comments(t: Tenant, n: int) -> Iterator[Row]:
    work_orders = t.ids.get("work_orders", [])
    threads: dict[uuid.UUID, list[uuid.UUID]] = {}
    for _ in range(n if work_orders else 0):
        comment = t.new_id()
        work_order = t.rng.choice(work_orders)
        thread = threads.setdefault(work_order, [])
        parent = t.rng.choice(thread) if thread and t.rng.random() < 0.4 else None
        thread.append(comment)
        yield {
            "organization_id": t.org,
            "id": comment,
            "work_order_id": work_order,
            "parent_id": parent,
            "author_user_id": t.maybe("users", 0.95),
            "body": t.rng.choice(t.pools.paragraphs),
            **_stamped(t, t.before_base()),
        }


def _labor_entries(t: Tenant, n: int) -> Iterator[Row]:
    for _ in range(n if t.ids.get("work_orders") else 0):
        started = t.before_base()
        minutes = t.rng.choice((15, 30, 45, 60, 90, 120, 240))
        yield {
            "organization_id": t.org,
            "id": t.new_id(),
            "work_order_id": t.pick("work_orders"),
            "user_id": t.maybe("users", 0.95),
            "started_at": started,
            "ended_at": started + timedelta(minutes=minutes),
            "minutes": minutes,
            "hourly_rate": t.money(25, 90),
            "currency": "USD",
            "is_billable": t.rng.random() < 0.8,
            **_stamped(t, started),
        }


def _purchase_orders(t: Tenant, n: int) -> Iterator[Row]:
    states = {
        "received": 0.5,
        "partially_received": 0.1,
        "approved": 0.15,
        "submitted": 0.1,
        "draft": 0.1,
        "cancelled": 0.05,
    }
    status = t.chooser("purchase_orders", "status", states)
    for number in range(1, (n if t.ids.get("vendors") else 0) + 1):
        order = t.new_id()
        t.ids.setdefault("purchase_orders", []).append(order)
        state = status()
        ordered = t.before_base()
        received = ordered + timedelta(days=t.rng.randrange(2, 30)) if state == "received" else None
        yield {
            "organization_id": t.org,
            "id": order,
            "number": number,
            "vendor_id": t.pick("vendors"),
            "status": state,
            "ordered_at": ordered,
            "expected_at": ordered + timedelta(days=14),
            "received_at": received,
            "currency": "USD",
            "requested_by_user_id": t.maybe("users", 0.8),
            "approved_by_user_id": t.maybe("users", 0.5)
            if state not in ("draft", "submitted")
            else None,
            "ship_to_location_id": t.maybe("locations", 0.5),
            **_stamped(t, ordered),
        }


def _purchase_order_lines(t: Tenant, n: int) -> Iterator[Row]:
    orders = t.ids.get("purchase_orders", [])
    for i in range(n if orders else 0):
        line = t.new_id()
        t.ids.setdefault("purchase_order_lines", []).append(line)
        ordered = Decimal(t.rng.randrange(1, 50))
        yield {
            "organization_id": t.org,
            "id": line,
            "purchase_order_id": orders[i % len(orders)],
            "line_number": i // len(orders) + 1,
            "part_id": t.maybe("parts_inventory", 0.85),
            "description": t.sentence(),
            "quantity_ordered": ordered,
            "quantity_received": ordered if t.rng.random() < 0.6 else Decimal(0),
            "unit_cost": t.money(1, 500),
            **_stamped(t, t.before_base()),
        }


def _parts_used(t: Tenant, n: int) -> Iterator[Row]:
    if not t.ids.get("work_orders") or not t.ids.get("parts_inventory"):
        return
    for _ in range(n):
        index = t.rng.randrange(len(t.ids["parts_inventory"]))
        used = t.before_base()
        yield {
            "organization_id": t.org,
            "id": t.new_id(),
            "work_order_id": t.pick("work_orders"),
            "part_id": t.ids["parts_inventory"][index],
            "quantity": Decimal(t.rng.randrange(1, 6)),
            "unit_cost": t.facts["part_costs"][index],
            "used_at": used,
            "used_by_user_id": t.maybe("users", 0.9),
            **_stamped(t, used),
        }


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
        yield {
            "organization_id": t.org,
            "id": t.new_id(),
            "part_id": part,
            "transaction_type": "receipt" if receipt else "issue",
            "quantity": quantity,
            "balance_after": balances[part],
            "unit_cost": t.money(1, 500) if receipt else None,
            "occurred_at": when,
            "work_order_id": None if receipt else t.maybe("work_orders", 0.8),
            "performed_by_user_id": t.maybe("users", 0.8),
            **_stamped(t, when),
        }


def _calendar_events(t: Tenant, n: int) -> Iterator[Row]:
    kinds = ("maintenance_window", "shutdown", "inspection", "meeting", "holiday", "other")
    event_type = t.chooser("calendar_events", "event_type", dict.fromkeys(kinds, 1.0))
    for i in range(n):
        starts = t.base + timedelta(hours=t.rng.randrange(-24 * 180, 24 * 90))
        yield {
            "organization_id": t.org,
            "id": t.new_id(),
            "title": f"{t.word().title()} {i + 1}",
            "description": t.sentence(),
            "starts_at": starts,
            "ends_at": starts + timedelta(hours=t.rng.choice((1, 2, 4, 8))),
            "event_type": event_type(),
            "location_id": t.maybe("locations", 0.5),
            "work_order_id": t.maybe("work_orders", 0.3),
            "team_id": t.maybe("teams", 0.3),
            "recurrence_rule": "FREQ=WEEKLY;BYDAY=MO" if t.rng.random() < 0.2 else None,
            **_stamped(t, t.before_base()),
        }


def _tags(t: Tenant, n: int) -> Iterator[Row]:
    for i in range(n):
        tag = t.new_id()
        t.ids.setdefault("tags", []).append(tag)
        yield {
            "organization_id": t.org,
            "id": tag,
            "name": f"{t.word()}-{i + 1}",
            "color": f"#{t.rng.getrandbits(24):06x}",
            **_stamped(t, t.before_base()),
        }


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
            yield {
                "organization_id": t.org,
                "id": t.new_id(),
                "tag_id": key[0],
                "entity_type": key[1],
                "entity_id": key[2],
                **_stamped(t, t.before_base()),
            }


def _custom_fields(t: Tenant, n: int) -> Iterator[Row]:
    for i in range(n):
        field_id = t.new_id()
        t.ids.setdefault("custom_fields", []).append(field_id)
        kind = ("text", "number", "select", "boolean")[i % 4]
        t.facts.setdefault("field_kinds", []).append(kind)
        options = Jsonb(["low", "medium", "high"]) if kind == "select" else None
        yield {
            "organization_id": t.org,
            "id": field_id,
            "entity_type": "work_order",
            "key": f"field_{i + 1}",
            "label": f"{t.word().title()} {i + 1}",
            "field_type": kind,
            "options": options,
            "required": False,
            "position": i,
            **_stamped(t, t.before_base()),
        }


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
        yield {
            "organization_id": t.org,
            "id": t.new_id(),
            "custom_field_id": fields[index],
            "entity_id": work_order,
            "value": Jsonb(value),
            **_stamped(t, t.before_base()),
        }


def _rule(
    t: Tenant, name: str, event: str, action: str, params: dict[str, Any], condition: Any
) -> Row | None:
    """One rules_engine row, or None when the tenant lacks the user or team it names."""
    for key, table in (("user_id", "users"), ("team_id", "teams")):
        if key in params:
            if not t.ids.get(table):
                return None
            params = params | {key: str(t.pick(table))}
    return {
        "name": name,
        "event": event,
        "action_type": action,
        "action_params": Jsonb(params),
        "condition": Jsonb(condition),
    }


def _rules(t: Tenant, n: int) -> Iterator[Row]:
    """Automation rules as a maintenance team writes them; the overdue escalation first, so
    every tenant with rules has one for cmms.fire_due_rules (rule_firings)."""
    meter = str(t.pick("meters")) if t.ids.get("meters") else None
    kinds: list[tuple[str, str, str, dict[str, Any], dict[str, Any]]] = [
        ("Escalate overdue work", "work_order.overdue", "set_priority", {"priority": "urgent"}, {}),
        (
            "Tell the supervisor about overdue work",
            "work_order.overdue",
            "notify_user",
            {"user_id": None, "title": "Overdue work order"},
            {},
        ),
        (
            "Low stock to the stores crew",
            "part.below_reorder_point",
            "notify_team",
            {"team_id": None},
            {},
        ),
        (
            "Meter read on the main compressor",
            "meter.reading_recorded",
            "notify_user",
            {"user_id": None},
            {"meter_id": meter} if meter else {},
        ),
        (
            "Urgent work to a crew",
            "work_order.created",
            "assign_team",
            {"team_id": None},
            {"priority": "urgent"},
        ),
        (
            "Raise inspections",
            "work_order.created",
            "set_priority",
            {"priority": "high"},
            {"work_order_type": "inspection"},
        ),
    ]
    for i in range(n):
        name, event, action, params, condition = kinds[i % len(kinds)]
        made = _rule(
            t,
            name if i < len(kinds) else f"{name} {i // len(kinds) + 1}",
            event,
            action,
            params,
            condition,
        )
        if made is None:
            continue
        rule = t.new_id()
        if event == "work_order.overdue":
            t.ids.setdefault("overdue_rules", []).append(rule)
        yield {
            "organization_id": t.org,
            "id": rule,
            **made,
            "enabled": event == "work_order.overdue" or t.rng.random() < 0.9,
            "position": i,
            **_stamped(t, t.before_base(400)),
        }


def _rule_firings(t: Tenant, n: int) -> Iterator[Row]:
    """What cmms.fire_due_rules recorded: the overdue rules, fired for the work orders still
    open whose due date passed, shortly after it (at most n, each rule, work order and due
    date once)."""
    rules, work_orders = t.ids.get("overdue_rules", []), t.ids.get("work_orders", [])
    overdue = [
        (work_order, due)
        for work_order, state, due in zip(
            work_orders,
            t.facts.get("work_order_status", []),
            t.facts.get("work_order_due", []),
            strict=True,
        )
        if state in WORK_ORDER_OPEN and due < t.base
    ]
    for rule, (work_order, due) in [(r, o) for o in overdue for r in rules][:n]:
        fired = due + timedelta(minutes=t.rng.randrange(1, 15))
        yield {
            "organization_id": t.org,
            "id": t.new_id(),
            "rule_id": rule,
            "work_order_id": work_order,
            "due_at": due,
            "fired_at": fired,
            "created_at": fired,
            "updated_at": fired,
        }


def _notifications(t: Tenant, n: int) -> Iterator[Row]:
    channel = t.chooser("notifications", "channel", {"in_app": 2, "email": 1, "push": 1})
    kind = t.chooser(
        "notifications",
        "notification_type",
        dict.fromkeys(
            (
                "work_order_assigned",
                "work_order_status_changed",
                "work_order_comment",
                "pm_due",
            ),
            1.0,
        ),
    )
    for _ in range(n if t.ids.get("users") else 0):
        created = t.before_base(60)
        if t.rng.random() < 0.1:
            yield _announcement(t, created)
            continue
        work_order = t.maybe("work_orders", 0.9)
        yield {
            "organization_id": t.org,
            "id": t.new_id(),
            "user_id": t.pick("users"),
            "team_id": None,
            "notification_type": kind(),
            "channel": channel(),
            "title": t.sentence()[:200],
            "body": None,
            "entity_type": "work_order" if work_order else None,
            "entity_id": work_order,
            "read_at": created + timedelta(hours=1) if t.rng.random() < 0.7 else None,
            "sent_at": created,
            **_stamped(t, created),
        }


ANNOUNCEMENTS = (
    "Fire drill on Thursday at 10:00",
    "Compressed air shut down for maintenance this weekend",
    "New lockout-tagout procedure: read before your next shift",
    "Spare parts store closed for stocktaking on Friday",
    "Safety walk of the boiler room tomorrow",
    "Overtime schedule for the shutdown is posted",
)


def _announcement(t: Tenant, created: datetime) -> Row:
    """A notification to a team (its members read it) or to the whole organization; the
    users who read it are drawn by _notification_reads."""
    team = t.maybe("teams", 0.5)
    notification = t.new_id()
    t.facts.setdefault("announcements", []).append((notification, team, created))
    return {
        "organization_id": t.org,
        "id": notification,
        "user_id": None,
        "team_id": team,
        "notification_type": "system",
        "channel": "in_app",
        "title": t.rng.choice(ANNOUNCEMENTS),
        "body": t.sentence(),
        "entity_type": None,
        "entity_id": None,
        "read_at": None,
        "sent_at": created,
        **_stamped(t, created),
    }


def _notification_reads(t: Tenant, n: int) -> Iterator[Row]:
    """Who read the notifications to a team or the organization: members of the team, or
    any user, each at most once, within days of the message (at most n)."""
    members: dict[uuid.UUID, list[uuid.UUID]] = {}
    for team, user in t.facts.get("team_members", []):
        members.setdefault(team, []).append(user)
    pairs = []
    for notification, team, created in t.facts.get("announcements", []):
        readers = members.get(team, []) if team else t.ids.get("users", [])
        for user in sorted(set(readers)):
            if t.rng.random() < 0.6:
                pairs.append((notification, user, created))
    for notification, user, created in pairs[:n]:
        read = created + timedelta(minutes=t.rng.randrange(5, 4 * 24 * 60))
        yield {
            "organization_id": t.org,
            "id": t.new_id(),
            "notification_id": notification,
            "user_id": user,
            "read_at": read,
            "created_at": read,
            "updated_at": read,
        }


def _attachments(t: Tenant, n: int) -> Iterator[Row]:
    backend = t.chooser("attachments", "storage_backend", {"s3": 2, "local": 1, "cloudinary": 1})
    types = (("image/jpeg", "jpg"), ("application/pdf", "pdf"), ("image/png", "png"))
    for i in range(n):
        entity = _entity(t)
        if entity is None:
            return
        content_type, extension = t.rng.choice(types)
        key = f"{t.org}/{i + 1}.{extension}"
        yield {
            "organization_id": t.org,
            "id": t.new_id(),
            "storage_backend": backend(),
            "storage_key": key,
            "file_name": f"{t.word()}-{i + 1}.{extension}",
            "content_type": content_type,
            "size_bytes": t.rng.randrange(10_000, 5_000_000),
            "checksum_sha256": hashlib.sha256(key.encode()).hexdigest(),
            "entity_type": entity[0],
            "entity_id": entity[1],
            "uploaded_by_user_id": t.maybe("users", 0.9),
            **_stamped(t, t.before_base()),
        }


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
        yield {
            "organization_id": t.org,
            "id": t.new_id(),
            "key": key,
            "locale": ("en", "fr", "de")[i % 3],
            "text": f"{t.word().title()} {i + 1}",
            **_stamped(t, t.before_base()),
        }


# The tables the seeder fills, in the order their foreign keys need, and their generators.
GENERATORS: dict[str, Generator] = {
    "users": _users,
    "teams": _teams,
    "team_members": _team_members,
    "locations": _locations,
    "assets": _assets,
    "meters": _meters,
    "meter_readings": _meter_readings,
    "vendors": _vendors,
    "contractors": _contractors,
    "parts_inventory": _parts,
    "work_order_templates": _templates,
    "pm_schedules": _pm_schedules,
    "work_orders": _work_orders,
    "work_order_assets": _work_order_assets,
    "work_requests": _work_requests,
    "maintenance_logs": _maintenance_logs,
    "checklists": _checklists,
    "checklist_items": _checklist_items,
    "checklist_signatures": _checklist_signatures,
    "comments": _comments,
    "labor_entries": _labor_entries,
    "purchase_orders": _purchase_orders,
    "purchase_order_lines": _purchase_order_lines,
    "work_order_parts_used": _parts_used,
    "part_transactions": _part_transactions,
    "calendar_events": _calendar_events,
    "tags": _tags,
    "entity_tags": _entity_tags,
    "custom_fields": _custom_fields,
    "custom_field_values": _custom_field_values,
    "rules_engine": _rules,
    "rule_firings": _rule_firings,
    "notifications": _notifications,
    "notification_reads": _notification_reads,
    "attachments": _attachments,
    "i18n_overrides": _i18n_overrides,
}
