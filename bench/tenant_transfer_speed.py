"""`cmmsdb tenant export` and `import` speed for one seeded tenant: rows/s and MB/s of table
data (binary COPY bytes), and the round trip's delete, against a second migrated database
on the same server.

    python bench/tenant_transfer_speed.py [--dsn postgresql://...] [--profile load]
                                          [--scale X] [--runs N]

The tenant is seeded alone (`cmmsdb seed --tenants 1`), exported, imported into a second
database, deleted there, and imported again; each figure is the best of --runs.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import migrated_database, server_dsn

from cmmsdb import tenant_transfer
from cmmsdb.seeding import seed
from cmmsdb.target import Target
from cmmsdb.tenant_transfer import TransferReport


def line(name: str, report: TransferReport) -> str:
    data = report.to_dict()
    return (
        f"{name:8} {report.total_rows:>10,} rows  {report.bytes / 1e6:8.1f} MB  "
        f"{report.seconds:7.2f} s  {data['rows_per_second']:>10,} rows/s  "
        f"{data['megabytes_per_second']:7.1f} MB/s"
    )


def best(reports: list[TransferReport]) -> TransferReport:
    return min(reports, key=lambda report: report.seconds)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dsn")
    parser.add_argument("--profile", default="load")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    server = server_dsn(args.dsn)
    source, copy = (Target(migrated_database(server), "bench") for _ in range(2))
    seeded = seed(source, profile=args.profile, tenants=1, scale=args.scale, seed=1)
    org = seeded.organizations[0]
    exports, imports, deletes = [], [], []
    with tempfile.TemporaryDirectory() as folder:
        archive = Path(folder) / "tenant.tar"
        for _ in range(args.runs):
            exports.append(tenant_transfer.export(source, org, archive))
            imports.append(tenant_transfer.import_archive(copy, archive))
            deletes.append(tenant_transfer.delete(copy, org, yes=True))
        size = archive.stat().st_size
    print(f"one {args.profile} tenant (scale {args.scale:g}), archive {size / 1e6:.1f} MB")
    print(f"best of {args.runs}:")
    for name, reports in (("export", exports), ("import", imports), ("delete", deletes)):
        print(line(name, best(reports)))


if __name__ == "__main__":
    main()
