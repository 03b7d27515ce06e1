"""An output folder received from someone else or edited by hand (issue 20): records with
wrong types, copied records, two datasets, links out of runs/ and references/, a Ray address
that answers nothing. Each is skipped and named, or refused before any work."""

from __future__ import annotations

import json
import shutil
import socket
import warnings
from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from randquant.cli import app
from randquant.engine.record_check import SkippedRecordWarning, check_output_folder
from randquant.engine.records import RunRecord
from randquant.engine.store import load_runs, save_run
from randquant.engine.tables import summarize


def _record(run_id: str, seed: int = 0, dataset: str = "toy") -> RunRecord:
    return RunRecord(
        augment="rq", method="simclr", seed=seed, epochs=1, linear_acc=0.5, knn_acc=0.5,
        linear_f1=0.5, knn_f1=0.5, train_seconds=1.0, final_loss=1.0, dataset=dataset,
        encoder="mlp", batch_size=8, rq_on="input", linear_weight_decay=0.0, run_id=run_id,
    )  # fmt: skip


def _edit(path: Path, **fields: object) -> None:
    data = json.loads(path.read_text())
    data.update(fields)
    path.write_text(json.dumps(data))


@pytest.mark.parametrize("value", ["0.9", None, True, 1.5, [0.9]])
def test_a_hand_edited_record_is_skipped_and_named(tmp_path: Path, value: object) -> None:
    runs = tmp_path / "runs"
    save_run(runs, _record("a", 0))
    bad = save_run(runs, _record("b", 1))
    _edit(bad, linear_acc=value)
    with pytest.warns(SkippedRecordWarning, match=r"runs/b.json: field 'linear_acc' must be"):
        records = load_runs(runs)
    assert [r.run_id for r in records] == ["a"]
    assert summarize(records)[0]["n"] == 1


def test_a_copied_record_counts_once(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    path = save_run(runs, _record("a", 0))
    shutil.copy(path, runs / "a (1).json")
    shutil.copy(path, runs / "c.json")  # renamed: holds run a
    with pytest.warns(SkippedRecordWarning) as caught:
        records = load_runs(runs)
    assert [r.run_id for r in records] == ["a"]
    shown = " ".join(str(w.message) for w in caught)
    assert "a (1).json" in shown and "c.json" in shown


def test_one_output_folder_holds_one_dataset(tmp_path: Path) -> None:
    save_run(tmp_path / "runs", _record("a", 0, dataset="digits"))
    check_output_folder(tmp_path, "digits")
    with pytest.raises(ValueError, match=r"holds runs of dataset 'digits'.*on 'letter'"):
        check_output_folder(tmp_path, "letter")


@pytest.mark.parametrize("owned", ["runs", "references"])
def test_owned_folders_that_link_elsewhere_are_refused(tmp_path: Path, owned: str) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / owned).symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(ValueError, match=rf"out/{owned} is a link to .*elsewhere"):
        check_output_folder(out, "toy")
    data = tmp_path / "toy.npz"
    x = np.random.default_rng(0).normal(size=(20, 4)).astype(np.float32)
    y = np.arange(20) % 2
    np.savez(data, x_train=x, y_train=y, x_test=x, y_test=y)
    result = CliRunner().invoke(
        app, ["compare", "--data", str(data), "--output", str(out), "--epochs", "1", "--quiet"]
    )
    assert result.exit_code == 2, result.output
    assert "is a link" in _flat(result.output)
    assert list(elsewhere.iterdir()) == []  # nothing written through the link


def test_a_linked_record_file_is_not_read(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    save_run(runs, _record("a", 0))
    secret = tmp_path / "secret.json"
    secret.write_text(json.dumps(_record("s", 5).to_dict()))
    (runs / "s.json").symlink_to(secret)
    with pytest.warns(SkippedRecordWarning, match=r"s.json: it is a link"):
        assert [r.run_id for r in load_runs(runs)] == ["a"]


def _flat(output: str) -> str:
    """The CLI's boxed message as one line of words."""
    return " ".join(output.replace("│", " ").split())


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed when the with block ends


@pytest.mark.parametrize("address", ["garbage", "ray://host:notaport", "10.0.0.1:99999"])
def test_a_malformed_ray_address_is_refused_first(address: str) -> None:
    from randquant.cli.sweep import check_executor

    with pytest.raises(typer.BadParameter, match=r"is not a Ray cluster address"):
        check_executor(None, address, ray_timeout_s=0.5)


def test_a_ray_address_where_nothing_answers_is_refused_before_references(tmp_path: Path) -> None:
    pytest.importorskip("ray")
    data = tmp_path / "toy.npz"
    x = np.random.default_rng(0).normal(size=(20, 4)).astype(np.float32)
    y = np.arange(20) % 2
    np.savez(data, x_train=x, y_train=y, x_test=x, y_test=y)
    out = tmp_path / "out"
    address = f"127.0.0.1:{_closed_port()}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = CliRunner().invoke(
            app,
            ["compare", "--data", str(data), "--output", str(out), "--epochs", "1", "--quiet",
             "--ray-address", address],
        )  # fmt: skip
    text = _flat(result.output)
    assert result.exit_code == 2 and f"cannot reach a Ray cluster at {address}" in text, text
    assert not (out / "references").exists()


def test_a_copied_reference_counts_once(tmp_path: Path) -> None:
    from randquant.engine.records import ReferenceRecord
    from randquant.engine.store import load_references, save_reference

    probes = {"linear_acc": 0.5, "knn_acc": 0.5, "linear_f1": 0.5, "knn_f1": 0.5}
    ref = ReferenceRecord(
        dataset="toy", seed=0, encoder="mlp", width=8, raw_input=probes, untrained=probes,
        ref_id="r0",
    )  # fmt: skip
    path = save_reference(tmp_path, ref)
    shutil.copy(path, path.with_name("copy.json"))
    with pytest.warns(SkippedRecordWarning, match=r"copy.json: it holds reference 'r0'"):
        assert [r.ref_id for r in load_references(tmp_path)] == ["r0"]
