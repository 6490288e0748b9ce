"""Mutation testing: `make mutation` (or `python -m tests.mutation [SET ...]`). A report, not CI.

mutmut puts deliberate bugs (mutants) into a copy of the code and runs, for each mutant, only
the selected tests that call the mutated function; a mutant no test notices "survived". Each set
pairs modules with the tests that defend them, so the pure rules run against their fast unit
tests and the kit against its own integration tests (real servers, embedded per test session):

- `domain`: services/*/domain.py and services/participation/*/domain.py with tests/unit;
- `kit`: shared/outbox.py, shared/inbox.py and shared/auth.py (the guards `requires` and
  `authenticated` live there) with tests/integration/kit's outbox, inbox and auth tests and
  auth's unit tests (tests/unit/kit/test_auth_rules.py, test_oidc_tokens.py). With
  embedded servers every mutant starts its own (hours); with TEST_DATABASE_URL, TEST_NATS_URL
  and TEST_REDIS_URL set, every mutant uses those servers, one mutant at a time, without the
  test session's lock (TEST_SERVERS_SHARED=0: the servers must be this run's alone). Every
  `eventually` waits at most TEST_EVENTUALLY_TIMEOUT (5 s here). mutmut forks every mutant's
  run from one import: the guards made at import (`guards=[requires("ngo")]`) look their check
  (`admit`) up at each request, and the unit tests make guards of their own.

mutmut reads its settings from `pyproject.toml` in the folder it runs in, so each set runs in
`.mutation/SET/`: the project's pyproject.toml with that set's `[tool.mutmut]` table, and links
to services/, shared/ and tests/. Results are kept there, so a second run retries only what
changed. Survivors: `cd .mutation/SET && ../../.venv/bin/mutmut show NAME`. docs/mutation.md
lists the survivors of the last full run and why each is left.

`--modules PATH ...` narrows a set to some of its modules (same tests, so the same figures for
them, in a fraction of the time), e.g. `python -m tests.mutation domain --modules
services/ambassadors/domain.py services/participation/bench/domain.py`. A narrowed set runs in a
folder of its own (`.mutation/SET-<hash of the modules>/`): mutmut's results for the whole set
are not mixed with it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code  # the outcome of each exit code of a mutant's run

ROOT = Path(__file__).resolve().parents[1]

SETS: dict[str, dict[str, list[str]]] = {  # modules, tests, extra [tool.mutmut] settings
    "domain": {
        "modules": [
            "services/ambassadors/domain.py",
            "services/grants/domain.py",
            "services/indicators/domain.py",
            "services/participation/bench/domain.py",
            "services/participation/council/domain.py",
        ],
        "tests": ["tests/unit"],
    },
    "kit": {
        "modules": ["shared/outbox.py", "shared/inbox.py", "shared/auth.py"],
        "tests": [
            "tests/integration/kit/test_outbox_relay.py",
            "tests/integration/kit/test_inbox.py",
            "tests/integration/kit/test_auth.py",
            # `describe` (the inbox's words for an error in the log and on /health)
            "tests/unit/kit/test_versions_and_subjects.py",
            # shared/auth.py's rules one by one, and which OIDC tokens the API takes
            "tests/unit/kit/test_auth_rules.py",
            "tests/unit/kit/test_oidc_tokens.py",
        ],
        # A fresh database costs CPU seconds that the stats run did not measure: without a
        # larger constant mutmut's CPU limit stops runs that would pass. mutmut's wall-clock
        # limit is half its CPU limit, (estimate + constant) x multiplier x 2: with its default
        # multiplier (15) a mutant whose test hangs held the run for half an hour; with 2 it is
        # stopped (a timeout, which counts as killed) after 2 x (estimate + 120 s), still far
        # above any passing run.
        "settings": ["timeout_constant = 120.0", "timeout_multiplier = 2.0"],
    },
}
SYSTEM_SERVERS = ("TEST_DATABASE_URL", "TEST_NATS_URL", "TEST_REDIS_URL")
EVENTUALLY_TIMEOUT = "5"  # seconds; a kit mutant that stops events fails in 5 s, not 10-30


def settings(spec: dict[str, list[str]]) -> list[str]:
    """The set's extra [tool.mutmut] lines."""
    return spec.get("settings", [])


def system_servers() -> bool:
    """TEST_DATABASE_URL, TEST_NATS_URL and TEST_REDIS_URL are all given."""
    return all(os.environ.get(n) for n in SYSTEM_SERVERS)


def toml_list(values: list[str]) -> str:
    return "[" + ", ".join(json.dumps(v) for v in values) + "]"


def narrowed(name: str, modules: list[str] | None) -> tuple[str, dict[str, list[str]]]:
    """The set NAME, or only `modules` of it, and the name of its folder under .mutation/."""
    spec = SETS[name]
    if not modules:
        return name, spec
    unknown = sorted(set(modules) - set(spec["modules"]))
    if unknown:
        raise SystemExit(f"not modules of the set {name}: {', '.join(unknown)}")
    chosen = [m for m in spec["modules"] if m in modules]
    digest = hashlib.sha256("\n".join(chosen).encode()).hexdigest()[:8]
    return f"{name}-{digest}", {**spec, "modules": chosen}


def prepare(folder: str, spec: dict[str, list[str]]) -> Path:
    """`.mutation/FOLDER/` with the project's pyproject.toml carrying this set's mutmut table."""
    work = ROOT / ".mutation" / folder
    work.mkdir(parents=True, exist_ok=True)
    for part in ("services", "shared", "tests"):
        link = work / part
        if not link.is_symlink():
            link.symlink_to(ROOT / part)
    base = (ROOT / "pyproject.toml").read_text()
    base = re.split(r"^\[tool\.mutmut\]", base, flags=re.M)[0]
    table = (
        "\n[tool.mutmut]\n"
        'source_paths = ["services", "shared"]\n'
        f"only_mutate = {toml_list(spec['modules'])}\n"
        'also_copy = ["tests", "pyproject.toml"]\n'
        f"pytest_add_cli_args_test_selection = {toml_list(spec['tests'])}\n"
        'pytest_add_cli_args = ["-p", "no:cacheprovider"]\n'
        + "".join(line + "\n" for line in settings(spec))
    )
    (work / "pyproject.toml").write_text(base.rstrip() + "\n" + table)
    return work


def tally(work: Path, modules: list[str]) -> list[tuple[str, Counter[str], list[str]]]:
    """Per module: outcomes counted, and the names of the mutants that survived."""
    rows = []
    for module in modules:
        meta = work / "mutants" / (module + ".meta")
        counts: Counter[str] = Counter()
        survivors: list[str] = []
        if meta.exists():
            for key, code in json.loads(meta.read_text())["exit_code_by_key"].items():
                outcome = status_by_exit_code[code]
                counts[outcome] += 1
                if outcome in ("survived", "no tests"):
                    survivors.append(f"{key} ({outcome})")
        rows.append((module, counts, survivors))
    return rows


def report(name: str, rows: list[tuple[str, Counter[str], list[str]]]) -> None:
    print(f"\n{name}: killed share per module (no tests and survived count as not killed)")
    print(
        f"{'module':48} {'mutants':>8} {'killed':>7} {'survived':>9} {'no tests':>9} {'share':>7}"
    )
    for module, counts, _ in rows:
        total = sum(counts.values())
        killed = counts["killed"] + counts["timeout"]
        share = f"{100 * killed / total:.1f} %" if total else "-"
        print(
            f"{module:48} {total:>8} {killed:>7} {counts['survived']:>9} "
            f"{counts['no tests']:>9} {share:>7}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="*", help=f"of {', '.join(SETS)} (default: domain)")
    parser.add_argument("--max-children", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--survivors", action="store_true", help="list every surviving mutant")
    parser.add_argument(
        "--modules", nargs="+", metavar="PATH", help="only these modules of the set (one set)"
    )
    args = parser.parse_args()
    unknown = set(args.sets) - set(SETS)
    if unknown:
        parser.error(f"unknown sets {', '.join(sorted(unknown))}; known: {', '.join(SETS)}")
    if args.modules and len(args.sets) > 1:
        parser.error("--modules narrows one set")
    mutmut = Path(sys.executable).with_name("mutmut")
    status = 0
    for name in args.sets or ["domain"]:
        folder, spec = narrowed(name, args.modules)
        work = prepare(folder, spec)
        log = work / "mutmut.log"
        print(f"{name}: mutmut run (progress in {log.relative_to(ROOT)}) ...", flush=True)
        # mutmut keeps earlier verdicts: a mutant that survived is not retried against tests
        # added since, so the second pass retries exactly those.
        previous = [s.split()[0] for _, _, ss in tally(work, spec["modules"]) for s in ss]
        env = dict(os.environ)
        children = args.max_children
        if name == "kit":
            env.setdefault("TEST_EVENTUALLY_TIMEOUT", EVENTUALLY_TIMEOUT)
            if system_servers():
                # The servers given are this run's alone (no per-session lock), and one mutant
                # runs at a time: two sessions would share the stream's subjects and Redis.
                env.setdefault("TEST_SERVERS_SHARED", "0")
                children = 1
        with log.open("w") as out:
            for names in ([], previous):
                if names is previous and not names:
                    continue
                done = subprocess.run(
                    [str(mutmut), "run", "--max-children", str(children), *names],
                    cwd=work,
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    check=False,
                )
                if done.returncode != 0:
                    print(f"{name}: mutmut exited with {done.returncode}; see {log}")
                    status = 1
        rows = tally(work, spec["modules"])
        report(name, rows)
        if args.survivors:
            for _, _, survivors in rows:
                for s in survivors:
                    print("  ", s)
    return status


if __name__ == "__main__":
    sys.exit(main())
