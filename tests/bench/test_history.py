"""What the git history proves: tuning datasets, post hoc declarations, grown seeds
(a throwaway git repository with made-up records)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from randquant.bench.history import dataset_status, read_history, results_history


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


def commit(repo: Path, files: dict[str, str], message: str) -> str:
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", message)
    return git(repo, "rev-parse", "HEAD")


def record(dataset: str) -> str:
    return json.dumps({"dataset": dataset}, indent=2)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q")
    return tmp_path


def test_history_earns_held_out_and_finds_post_hoc_and_grown_seeds(repo: Path) -> None:
    r = "benchmarks/results"
    early = commit(
        repo,
        {
            # runs first, contrasts declared in a later commit: post hoc
            f"{r}/suite/quick/watch/main/runs/rq__simclr__e5__s0__ab12cd34.json": record("watch"),
            f"{r}/basicmotions/runs/crop__simclr__e100__s0__ab12cd34.json": record("basic_motions"),
        },
        "quick suite on watch",
    )
    commit(repo, {f"{r}/suite/quick/watch/main/contrasts.json": "{}"}, "declare after")
    fixed = commit(repo, {"src.txt": "defaults"}, "defaults fixed")
    # declared with the runs, then seeds added after looking
    commit(
        repo,
        {
            f"{r}/recipe_check/tux_defaults/contrasts.json": "{}",
            f"{r}/recipe_check/tux_defaults/runs/rq__simclr__e1__s0__ab12cd34.json": record("tux"),
        },
        "one seed",
    )
    commit(
        repo,
        {
            f"{r}/recipe_check/tux_defaults/runs/rq__simclr__e1__s1__ab12cd34.json": record("tux"),
            f"{r}/recipe_check/tux_defaults/runs/rq__simclr__e1__s2__ab12cd34.json": record("tux"),
        },
        "two more seeds",
    )
    history = results_history(repo, defaults_commit=fixed[:7])
    assert history["defaults_fixed"]["commit"] == fixed
    # watch and basic_motions had runs committed before the defaults: tuning, with the proof
    assert sorted(history["datasets"]) == ["basic_motions", "watch"]
    assert history["datasets"]["watch"]["committed_in"] == early
    assert dataset_status(history, "watch") == "tuning"
    assert dataset_status(history, "tux") == "held out"
    folders = history["folders"]
    assert folders["suite/quick/watch/main"]["post_hoc"] is True
    tux = folders["recipe_check/tux_defaults"]
    assert tux["post_hoc"] is False
    assert [n for _, n in tux["seed_counts"]] == [1, 3]
    assert tux["declared_seeds"] == 1 and tux["seeds_beyond_declaration"] is True
    # seeds fixed in code before the first run are the declaration
    plan = results_history(
        repo, defaults_commit=fixed, seed_plans={"recipe_check": (fixed, {"tux_defaults": 3})}
    )
    assert plan["folders"]["recipe_check/tux_defaults"]["declared_seeds"] == 3
    assert plan["folders"]["recipe_check/tux_defaults"]["seeds_beyond_declaration"] is False


def test_without_a_history_nothing_is_held_out(tmp_path: Path) -> None:
    history = read_history(tmp_path)
    assert dataset_status(history, "watch") == "unknown"
    with pytest.raises(ValueError, match="git rev-parse"):
        results_history(tmp_path, defaults_commit="nope")


def test_a_folder_moved_away_and_refilled_starts_a_new_history(repo: Path) -> None:
    r = "benchmarks/results"
    old = f"{r}/suite/power/letter/main"
    commit(repo, {f"{old}/runs/rq__simclr__e5__s0__ab12cd34.json": record("letter")}, "old runs")
    commit(repo, {f"{old}/contrasts.json": "{}"}, "declared after: post hoc")
    assert results_history(repo, defaults_commit="HEAD")["folders"]["suite/power/letter/main"][
        "post_hoc"
    ]
    git(repo, "mv", f"{r}/suite/power", f"{r}/suite/power_old")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "archive")
    declared = commit(repo, {f"{old}/contrasts.json": '{"seeds": [0]}'}, "a new declaration")
    runs = commit(repo, {f"{old}/runs/rq__moco_v3__e9__s0__ef56ab78.json": record("letter")}, "new")
    folders = results_history(repo, defaults_commit="HEAD")["folders"]
    new = folders["suite/power/letter/main"]
    assert new["post_hoc"] is False and new["contrasts_commit"] == declared
    assert new["first_runs_commit"] == runs and new["declared_seeds"] == 1


def test_a_contrasts_file_committed_before_the_runs_gives_the_seed_count(repo: Path) -> None:
    """A row changed to 10 seeds before its first run declares 10 in its contrasts.json: the
    code plan fixed earlier (5) does not make its 10 seeds look grown after a look."""
    r = "benchmarks/results"
    folder = f"{r}/suite/power/furniture/main"
    plan_commit = commit(repo, {"power.yaml": "furniture: 5"}, "plan: 5 seeds")
    declared = commit(repo, {f"{folder}/contrasts.json": '{"n_seeds": 10}'}, "declare 10")
    runs = {f"{folder}/runs/rq__simclr__e5__s{s}__ab12cd34.json": record("f") for s in range(10)}
    commit(repo, runs, "ten seeds")
    plans = {"suite/power": (plan_commit, {"furniture": 5})}
    entry = results_history(repo, defaults_commit="HEAD", seed_plans=plans)["folders"][
        "suite/power/furniture/main"
    ]
    assert entry["declared_seeds"] == 10 and entry["declared_in"] == declared
    assert entry["seeds_beyond_declaration"] is False and entry["declared_by"] == "contrasts.json"
