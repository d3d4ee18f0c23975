"""Bulk import throughput on PostgreSQL, against raw COPY and the usual tool.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/bench_import.py [--rows 1000000] [--rounds 2] \\
        [--against COMMIT] [--database bench_import] [--iie-rows 100000] [--no-mixed]

Each run below gets a fresh database (a copy of a template migrated once per schema):
1. our `manage.py import_phone_numbers` of N valid rows (rows/s; peak RSS of its largest
   process, and peak PSS of all its processes together);
2. raw COPY of the rows that import wrote (dumped once) back into:
   - all four tables it writes (phone number, 10DLC, billing, events), with their indexes
     and foreign keys: what PostgreSQL alone does with the same work;
   - the phone-number table alone, with all its indexes;
   - the phone-number table alone, with only its primary key and unique indexes: the
     cost of the table itself, without the secondary indexes;
3. once, after the rounds: our import of the same rows plus a 1% sprinkle of invalid
   ones (with --errors), and django-import-export in its fastest documented mode (use_bulk,
   skip_diff, force_init_instance, batches of 1000) on the first M rows; it writes the
   phone-number rows only, so it does less (`pip install django-import-export==4.4.3`;
   --iie-rows 0 skips it).

--against COMMIT runs that commit too, side by side: it is checked out in a temporary
git worktree (removed afterwards), migrated into its own template database, and 1 and 2
are run for it with its own code and schema, alternating with this checkout's (old, new,
old, new, ... for --rounds rounds), so that noise from other work on the machine falls
on both. The summary gives the min and median of each measurement over the rounds.
Both sides run with this checkout's virtualenv (same pinned dependencies).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import re
import statistics
import subprocess
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
WORK = Path(os.environ.get("BENCH_DIR", "/tmp/bench-import"))
AREAS = ["201", "212", "213", "305", "312", "404", "415", "512", "617", "646", "702", "718"]
# The tables the import writes, in foreign-key order.
PHONE = "phonenumbers_app_phonenumber"
TABLES = (
    PHONE,
    "phonenumbers_app_tendlc",
    "phonenumbers_app_billing",
    "phonenumbers_app_phonenumberevent",
)


def write_files(rows: int) -> tuple[Path, Path]:
    """N valid rows, and the same with every 100th row broken in some way."""
    WORK.mkdir(parents=True, exist_ok=True)
    valid, mixed = WORK / f"valid-{rows}.csv", WORK / f"mixed-{rows}.csv"
    if valid.exists() and mixed.exists():
        return valid, mixed
    header = [
        "number",
        "name",
        "inventoryState",
        "status",
        "enabled",
        "provider",
        "warmupHealthScore",
        "warmupProgressPercent",
        "tenDlcCampaignStatus",
    ]
    breakers = [
        ("number", "not a number"),
        ("inventoryState", "Lost"),
        ("enabled", "maybe"),
        ("name", "x" * 300),
        ("warmupHealthScore", "101"),
    ]
    with valid.open("w", newline="") as v, mixed.open("w", newline="") as m:
        vw, mw = csv.writer(v), csv.writer(m)
        vw.writerow(header)
        mw.writerow(header)
        for i in range(rows):
            area = AREAS[i % len(AREAS)]
            exchange, line = 200 + (i // len(AREAS)) // 10_000, (i // len(AREAS)) % 10_000
            row = [
                f"+1{area}{exchange:03d}{line:04d}",
                f"Line {i}",
                "Available",
                "Active",
                "true",
                "telnyx",
                str(i % 101),
                str(i % 97),
                "Approved" if i % 3 else "Pending",
            ]
            vw.writerow(row)
            if i % 100 == 99:
                column, bad = breakers[(i // 100) % len(breakers)]
                row = list(row)
                row[header.index(column)] = bad
            mw.writerow(row)
    return valid, mixed


def psql(database: str, sql: str, *, stdin: str | None = None) -> str:
    """Run `sql` (or a script on stdin, psql meta-commands included) and stop on an error."""
    command = [
        "psql",
        "-h",
        "127.0.0.1",
        "-U",
        "postgres",
        "-d",
        database,
        "-qAt",
        "-v",
        "ON_ERROR_STOP=1",
    ]
    if stdin is None:
        command += ["-c", sql]
    result = subprocess.run(command, input=stdin, check=True, capture_output=True, text=True)
    return result.stdout.strip()


@dataclass
class Side:
    """One version of the code: its checkout, and a template database with its schema."""

    label: str
    root: Path
    template: str
    dumps: dict[str, Path] = field(default_factory=dict)  # table → rows its import wrote


def migrated_template(side_root: Path, name: str) -> None:
    psql("postgres", f"DROP DATABASE IF EXISTS {name}")
    psql("postgres", f"CREATE DATABASE {name}")
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "-v0"],
        cwd=side_root,
        check=True,
        env={**os.environ, "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{name}"},
    )


def fresh_database(name: str, template: str) -> str:
    psql("postgres", f"DROP DATABASE IF EXISTS {name}")
    psql("postgres", f"CREATE DATABASE {name} TEMPLATE {template}")
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def timed(command: list[str], url: str, cwd: Path = ROOT) -> tuple[float, float, float, str]:
    """(seconds, peak RSS of the largest process in MB, peak PSS of all its processes
    together in MB, output) of a command run under /usr/bin/time -v.

    PSS counts the pages a forked worker shares with its parent once, so the sum is
    the memory the import as a whole holds; it is sampled every 0.2 s.
    """
    started = time.perf_counter()
    process = subprocess.Popen(
        ["/usr/bin/time", "-v", *command],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "DATABASE_URL": url},
    )
    peak_pss = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_pss
        while not done.wait(0.2):
            total = sum(_pss_kb(pid) for pid in _descendants(process.pid)[1:])
            peak_pss = max(peak_pss, total)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    done.set()
    sampler.join()
    seconds = time.perf_counter() - started
    if process.returncode not in (0, 1):  # 1: invalid rows were reported
        raise RuntimeError(f"{command} failed:\n{stdout}\n{stderr}")
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", stderr)
    return (
        seconds,
        int(peak.group(1)) / 1024 if peak else float("nan"),
        peak_pss / 1024,
        stdout + stderr,
    )


def timed_psql(database: str, script: str) -> float:
    started = time.perf_counter()
    psql(database, "", stdin=script)
    return time.perf_counter() - started


def dump(database: str, side: Side) -> None:
    """The rows the import wrote, one COPY file per table, to be loaded back raw."""
    for table in TABLES:
        path = WORK / f"{side.template}-{table}.copy"
        psql(database, f"\\copy {table} TO '{path}'")
        side.dumps[table] = path


def copy_four_tables(database: str, side: Side) -> float:
    """COPY into the four tables, indexes and foreign keys on, one transaction each (the
    deferred foreign-key checks run at each commit, as they do in the import's batches)."""
    fresh_database(database, side.template)
    script = "".join(f"\\copy {table} FROM '{side.dumps[table]}'\n" for table in TABLES)
    return timed_psql(database, script)


def copy_phone_twin(database: str, side: Side, *, unique_only: bool) -> float:
    """COPY into an empty twin of the phone-number table: all its indexes, or only the
    primary key and unique ones (no foreign keys either way: LIKE does not copy them)."""
    psql(database, "DROP TABLE IF EXISTS twin")
    psql(database, f"CREATE TABLE twin (LIKE {PHONE} INCLUDING ALL)")
    if unique_only:
        for (name,) in _rows(
            database,
            "SELECT indexrelid::regclass FROM pg_index "
            "WHERE indrelid = 'twin'::regclass AND NOT indisunique",
        ):
            psql(database, f"DROP INDEX {name}")
    seconds = timed_psql(database, f"\\copy twin FROM '{side.dumps[PHONE]}'\n")
    psql(database, "DROP TABLE twin")
    return seconds


def _rows(database: str, sql: str) -> list[list[str]]:
    return [line.split("|") for line in psql(database, sql).splitlines() if line]


def index_count(database: str, table: str) -> int:
    return int(
        psql(database, f"SELECT count(*) FROM pg_index WHERE indrelid = '{table}'::regclass")
    )


@contextlib.contextmanager
def checkout(commit: str):
    """`commit` in a temporary git worktree, removed afterwards."""
    parent = Path(tempfile.mkdtemp(prefix="bench-import-"))
    path = parent / "old"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(path), commit],
        check=True,
        capture_output=True,
    )
    try:
        yield path
    finally:
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(path)],
            check=False,
            capture_output=True,
        )
        subprocess.run(["git", "-C", str(ROOT), "worktree", "prune"], check=False)
        parent.rmdir()


def short(commit: str, root: Path = ROOT) -> str:
    return subprocess.run(
        ["git", "-C", str(root), "rev-parse", "--short", commit],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


class Results:
    """Every measurement by label, in order; printed as it comes and summarised at the end."""

    def __init__(self, rows: int):
        self.rows = rows
        self.seconds: dict[str, list[float]] = defaultdict(list)
        self.memory: dict[str, list[tuple[float, float]]] = defaultdict(list)

    def add(
        self,
        label: str,
        seconds: float,
        rows: int | None = None,
        memory: tuple[float, float] | None = None,
    ) -> None:
        rows = rows or self.rows
        self.seconds[label].append(seconds)
        if memory:
            self.memory[label].append(memory)
        peak, pss = (f"{m:>8.0f}" for m in memory) if memory else (f"{'-':>8}",) * 2
        print(f"  {label:<58} {seconds:>8.1f} {rows / seconds:>9,.0f} {peak} {pss}", flush=True)

    def median(self, label: str) -> float:
        return statistics.median(self.seconds[label])

    def summary(self) -> None:
        print(f"\nsummary over rounds ({self.rows:,} rows; seconds, rows/s of min and median run)")
        print(
            f"{'run':<60} {'n':>2} {'min s':>7} {'med s':>7} {'best/s':>9} {'med/s':>9}"
            f" {'peak MB':>8} {'all PSS':>8}"
        )
        for label, runs in self.seconds.items():
            rows = self.rows if "django-import-export" not in label else None
            low, mid = min(runs), statistics.median(runs)
            memory = self.memory.get(label)
            peak = f"{max(m[0] for m in memory):>8.0f}" if memory else f"{'-':>8}"
            pss = f"{max(m[1] for m in memory):>8.0f}" if memory else f"{'-':>8}"
            rates = f"{rows / low:>9,.0f} {rows / mid:>9,.0f}" if rows else f"{'':>9} {'':>9}"
            print(f"{label:<60} {len(runs):>2} {low:>7.1f} {mid:>7.1f} {rates} {peak} {pss}")


def run_side(side: Side, database: str, valid: Path, results: Results) -> None:
    url = fresh_database(database, side.template)
    seconds, peak, pss, out = timed(
        [PYTHON, "manage.py", "import_phone_numbers", str(valid), "--no-progress"], url, side.root
    )
    results.add(f"{side.label}: our import", seconds, memory=(peak, pss))
    if not side.dumps:
        print("   ", *[line for line in out.splitlines() if line.startswith("Created")])
        dump(database, side)
    results.add(
        f"{side.label}: COPY, four tables ({_indexes(database)})", copy_four_tables(database, side)
    )
    results.add(
        f"{side.label}: COPY, phone numbers, all {index_count(database, PHONE)} indexes",
        copy_phone_twin(database, side, unique_only=False),
    )
    results.add(
        f"{side.label}: COPY, phone numbers, primary key + unique only",
        copy_phone_twin(database, side, unique_only=True),
    )


def _indexes(database: str) -> str:
    return "+".join(str(index_count(database, table)) for table in TABLES) + " indexes, FKs"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--against", metavar="COMMIT", help="also run this commit, alternating")
    parser.add_argument("--database", default="bench_import", help="prefix of database names")
    parser.add_argument("--iie-rows", type=int, default=100_000, help="0: skip")
    parser.add_argument("--no-mixed", action="store_true", help="skip the 1%%-invalid run")
    args = parser.parse_args()
    valid, mixed = write_files(args.rows)
    print(f"rows: {args.rows:,}; cores: {os.cpu_count()}; load: {os.getloadavg()[0]:.1f}")
    print(f"  {'run':<58} {'seconds':>8} {'rows/s':>9} {'peak MB':>8} {'all PSS':>8}")
    results = Results(args.rows)
    database = f"{args.database}_run"
    new = Side(f"new {short('HEAD')}", ROOT, f"{args.database}_tpl_new")
    with contextlib.ExitStack() as stack:
        sides = [new]
        if args.against:
            old_root = stack.enter_context(checkout(args.against))
            sides.insert(
                0, Side(f"old {short(args.against)}", old_root, f"{args.database}_tpl_old")
            )
        for side in sides:
            migrated_template(side.root, side.template)
        for round_number in range(1, args.rounds + 1):
            print(f"round {round_number} (load {os.getloadavg()[0]:.1f})", flush=True)
            for side in sides:
                run_side(side, database, valid, results)

        if not args.no_mixed:
            url = fresh_database(database, new.template)
            errors = WORK / "errors.csv"
            seconds, peak, pss, _ = timed(
                [
                    PYTHON,
                    "manage.py",
                    "import_phone_numbers",
                    str(mixed),
                    "--errors",
                    str(errors),
                    "--no-progress",
                ],
                url,
            )
            invalid = max(sum(1 for _ in errors.open()) - 1, 0) if errors.exists() else 0
            results.add(
                f"{new.label}: our import, 1% invalid ({invalid} reported)",
                seconds,
                memory=(peak, pss),
            )
        if args.iie_rows:
            url = fresh_database(database, new.template)
            head = WORK / f"valid-{args.iie_rows}.csv"
            with valid.open() as source, head.open("w") as target:
                for index, line in enumerate(source):
                    if index > args.iie_rows:
                        break
                    target.write(line)
            seconds, peak, pss, _ = timed([PYTHON, "bench/import_export_run.py", str(head)], url)
            results.add(
                f"django-import-export, {args.iie_rows:,} rows (numbers only)",
                seconds,
                rows=args.iie_rows,
                memory=(peak, pss),
            )
        for name in (database, *(side.template for side in sides)):
            psql("postgres", f"DROP DATABASE IF EXISTS {name}")
        for side in sides:
            for path in side.dumps.values():
                path.unlink(missing_ok=True)

    results.summary()
    print()
    for side in sides:
        ours = results.median(f"{side.label}: our import")
        four = next(
            v
            for k, v in results.seconds.items()
            if k.startswith(f"{side.label}: COPY, four tables")
        )
        unique = results.median(f"{side.label}: COPY, phone numbers, primary key + unique only")
        print(
            f"{side.label}: import takes {ours / statistics.median(four):.2f}x the four-table "
            f"COPY's time (goal: at most 1.5x); {args.rows / ours:,.0f} rows/s median, "
            f"phone-number COPY PK+unique only {args.rows / unique:,.0f} rows/s"
        )
    if args.against:
        old, now = (results.median(f"{side.label}: our import") for side in sides)
        print(f"new import: {old / now:.2f}x the old one's rows/s, by medians (goal: at least 2x)")
    if args.iie_rows:
        iie = results.median(f"django-import-export, {args.iie_rows:,} rows (numbers only)")
        ours = results.median(f"{new.label}: our import")
        print(
            f"new import: {(args.rows / ours) / (args.iie_rows / iie):.1f}x "
            "django-import-export's rows/s (target: at least 10x)"
        )


if __name__ == "__main__":
    main()
