"""Pools of fake values, drawn once per seed from Faker and then sampled per row: Faker's
generators run at about 10,000 values a second, far too slow to call for millions of rows.
The same seed gives the same pools (Faker is seeded; its version is pinned by the
environment)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from cmmsdb import extras

POOL_SIZE = 2_000


@dataclass(frozen=True)
class Pools:
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    companies: tuple[str, ...]
    cities: tuple[str, ...]
    streets: tuple[str, ...]
    phones: tuple[str, ...]
    words: tuple[str, ...]
    sentences: tuple[str, ...]
    paragraphs: tuple[str, ...]
    coordinates: tuple[tuple[float, float], ...]


@functools.lru_cache(maxsize=4)  # 0.6 s a build; a test session seeds many tenants
def build(seed: int) -> Pools:
    faker = extras.require("faker", "seed", "cmmsdb seed")
    fake = faker.Faker("en_US")
    fake.seed_instance(seed)
    n = POOL_SIZE
    return Pools(
        first_names=tuple(fake.first_name() for _ in range(n)),
        last_names=tuple(fake.last_name() for _ in range(n)),
        companies=tuple(fake.company() for _ in range(n)),
        cities=tuple(fake.city() for _ in range(n // 4)),
        streets=tuple(fake.street_address() for _ in range(n)),
        phones=tuple(fake.numerify("+1-###-###-####") for _ in range(n)),
        words=tuple(dict.fromkeys(w.lower() for w in fake.words(nb=n))),
        sentences=tuple(fake.sentence(nb_words=8) for _ in range(n)),
        paragraphs=tuple(fake.paragraph(nb_sentences=3) for _ in range(n // 4)),
        coordinates=tuple(_coordinates(fake, n // 4)),
    )


def _coordinates(fake: Any, n: int) -> list[tuple[float, float]]:
    """Real places (latitude, longitude), so that radius searches find clusters."""
    places = (fake.local_latlng(country_code="US", coords_only=True) for _ in range(n))
    return [(float(lat), float(lon)) for lat, lon in places]
