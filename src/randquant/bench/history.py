"""What the git history of the result folders proves: which datasets were looked at before
the defaults were fixed, which analyses were declared after their runs, which grew seeds.

A dataset is *held out* only if no run on it was committed before the commit that fixed
compare's defaults; any committed run makes it *tuning*, whatever the folder was called. A
folder's contrasts are *post hoc* when a commit held its run records but not its
``contrasts.json`` (the declaration came after the runs were there to be read). A folder
whose committed seeds grew after its first runs were committed was extended after looking;
its first committed seed count is the declared analysis. The facts are computed from
``git log`` once (:func:`results_history`) and kept as data beside the results
(``benchmarks/results/history.json``, each fact with the commit that proves it), so the
report reads them without a git checkout.

>>> history = results_history(Path("."), defaults_commit="60decf0")  # doctest: +SKIP
>>> history["datasets"]["watch"]["status"]  # doctest: +SKIP
'tuning'
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from randquant.io import write_json_atomic

HISTORY_FILE = "history.json"
_SEED = re.compile(r"__s(\d+)__")


def _git(repo: Path, *args: str) -> str:
    try:
        return subprocess.run(
            ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError) as err:
        raise ValueError(f"git {' '.join(args[:2])} failed in {repo}: {err}") from None


def results_history(
    repo: Path,
    *,
    defaults_commit: str,
    results: str = "benchmarks/results",
    seed_plans: Mapping[str, tuple[str, Mapping[str, int]]] | None = None,
) -> dict[str, Any]:
    """The facts above, from the history of ``repo`` up to ``HEAD``.

    ``defaults_commit`` is the commit that fixed the defaults the held-out checks test.
    ``seed_plans`` maps a folder prefix (``"suite/power"``) to ``(commit, {dataset: seeds})``:
    seed counts fixed in code at ``commit``; a folder under it whose first runs came after
    that commit has that many seeds declared, however many its first commit held, unless its
    own ``contrasts.json``, committed before its runs, gives the count (``n_seeds``).
    Returns ``{"defaults_fixed": {...}, "datasets": {name: {...}}, "folders": {path: {...}}}``.
    """
    full = _git(repo, "rev-parse", "--verify", f"{defaults_commit}^{{commit}}").strip()
    subject = _git(repo, "log", "-1", "--format=%cI %s", full).strip()
    datasets: dict[str, dict[str, Any]] = {}
    grep = subprocess.run(
        ["git", "-C", str(repo), "grep", '"dataset": "', full, "--",
         f":(glob){results}/**/runs/*.json"],
        capture_output=True, text=True, check=False,
    ).stdout  # fmt: skip
    for line in sorted(grep.splitlines()):
        # <commit>:<path>:  "dataset": "<name>",
        _, path, text = line.split(":", 2)
        name = text.split('"dataset": "', 1)[1].split('"', 1)[0]
        if name not in datasets:
            first = _git(repo, "log", "--diff-filter=A", "--format=%H", full, "--", path)
            datasets[name] = {
                "status": "tuning",
                "witness": path,
                "committed_in": first.split()[-1] if first.split() else full,
            }
    folders = _folders(repo, results)
    for prefix, (commit, plan) in (seed_plans or {}).items():
        at = _git(repo, "rev-parse", "--verify", f"{commit}^{{commit}}").strip()
        for key, entry in folders.items():
            dataset = key.removeprefix(prefix).strip("/").split("/", 1)[0]
            if not key.startswith(prefix + "/") or dataset not in plan:
                continue
            ok = subprocess.run(
                ["git", "-C", str(repo), "merge-base", "--is-ancestor", at,
                 entry["first_runs_commit"]], check=False,
            ).returncode == 0  # fmt: skip
            if ok and entry["declared_by"] != "contrasts.json":
                entry["declared_seeds"] = plan[dataset]
                entry["declared_in"] = at
                entry["declared_by"] = "seed plan in code"
    for entry in folders.values():
        grown = [n for _, n in entry["seed_counts"] if n > (entry["declared_seeds"] or 0)]
        entry["seeds_beyond_declaration"] = bool(grown)
    return {
        "defaults_fixed": {"commit": full, "subject": subject},
        "datasets": datasets,
        "folders": folders,
    }


def _folders(repo: Path, results: str) -> dict[str, dict[str, Any]]:
    """Per result folder with ``runs/``: the first commit with runs, the commit that added
    ``contrasts.json``, whether it is post hoc, and the seeds committed at each step."""
    log = _git(repo, "log", "--reverse", "--format=@%H", "--name-status", "--", results)
    present: dict[str, set[str]] = {}  # folder -> run files now committed
    declared: dict[str, str] = {}
    info: dict[str, dict[str, Any]] = {}

    def settle(commit: str) -> None:  # the state after ``commit``
        for folder, files in present.items():
            if not files:
                if folder not in declared:  # emptied and undeclared (moved away): a refill
                    info.pop(folder, None)  # starts a new history
                continue
            entry = info.setdefault(
                folder, {"first_runs_commit": commit, "post_hoc": False, "seed_counts": []}
            )
            if folder not in declared:
                entry["post_hoc"] = True  # a commit held runs but no declaration
            seeds = {int(m.group(1)) for f in files if (m := _SEED.search(f))}
            counts = entry["seed_counts"]
            if seeds and (not counts or counts[-1][1] != len(seeds)):
                counts.append([commit, len(seeds)])

    commit = ""
    for line in log.splitlines():
        if line.startswith("@"):
            if commit:
                settle(commit)
            commit = line[1:]
            continue
        parts = line.split("\t")
        if len(parts) < 2:
            continue
        for path, added in _changes(parts[0], parts[1:]):
            if path.endswith("/contrasts.json"):
                if added:
                    declared.setdefault(path.rsplit("/", 1)[0], commit)
                else:
                    declared.pop(path.rsplit("/", 1)[0], None)
            elif "/runs/" in path and path.endswith(".json"):
                files = present.setdefault(path.split("/runs/", 1)[0], set())
                (files.add if added else files.discard)(path)
    if commit:
        settle(commit)
    out = {}
    for folder, entry in sorted(info.items()):
        key = folder.removeprefix(results).strip("/")
        counts = entry["seed_counts"]
        out[key] = {
            "first_runs_commit": entry["first_runs_commit"],
            "contrasts_commit": declared.get(folder),
            "post_hoc": bool(entry["post_hoc"]),
            "declared_seeds": counts[0][1] if counts else None,
            "declared_in": entry["first_runs_commit"],
            "declared_by": "first runs",
            "seed_counts": counts,
        }
        own = None if entry["post_hoc"] else _declared_count(repo, declared.get(folder), folder)
        if own is not None:  # its contrasts.json, committed before its runs, says how many
            out[key].update(
                declared_seeds=own, declared_in=declared[folder], declared_by="contrasts.json"
            )
    return out


def _declared_count(repo: Path, commit: str | None, folder: str) -> int | None:
    """``n_seeds`` of ``folder/contrasts.json`` as committed in ``commit`` (None if absent)."""
    if commit is None:
        return None
    shown = subprocess.run(
        ["git", "-C", str(repo), "show", f"{commit}:{folder}/contrasts.json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    try:
        n = json.loads(shown.stdout).get("n_seeds") if shown.returncode == 0 else None
    except (ValueError, AttributeError):
        return None
    return n if isinstance(n, int) and n > 0 else None


def _changes(status: str, paths: list[str]) -> list[tuple[str, bool]]:
    """``(path, added)`` pairs of one ``--name-status`` line (a rename deletes and adds)."""
    if status.startswith("R") and len(paths) == 2:
        return [(paths[0], False), (paths[1], True)]
    if status.startswith("D"):
        return [(paths[0], False)]
    return [(paths[0], True)]


def write_history(
    repo: Path,
    *,
    defaults_commit: str,
    output: Path,
    seed_plans: Mapping[str, tuple[str, Mapping[str, int]]] | None = None,
) -> Path:
    """Compute :func:`results_history` and write it to ``output`` (JSON, atomically)."""
    history = results_history(repo, defaults_commit=defaults_commit, seed_plans=seed_plans)
    write_json_atomic(output, history)
    return output


def read_history(results: Path) -> dict[str, Any]:
    """``results/history.json``, or empty facts when it is missing (nothing is held out
    then: a dataset's status must be earned from the history, not assumed)."""
    try:
        data = json.loads((results / HISTORY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"defaults_fixed": None, "datasets": {}, "folders": {}}
    return data if isinstance(data, dict) else {"datasets": {}, "folders": {}}


def dataset_status(history: dict[str, Any], dataset: str) -> str:
    """``"tuning"`` when a run on ``dataset`` was committed before the defaults were fixed,
    ``"held out"`` when the history proves none was, ``"unknown"`` without a history."""
    if not history.get("defaults_fixed"):
        return "unknown"
    return "tuning" if dataset in history.get("datasets", {}) else "held out"
