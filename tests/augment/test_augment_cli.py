"""`randquant augment list`."""

from __future__ import annotations

from typer.testing import CliRunner

from randquant.cli import app


def test_augment_list_shows_every_augmentation() -> None:
    result = CliRunner().invoke(app, ["augment", "list"], env={"COLUMNS": "220"})
    assert result.exit_code == 0, result.output
    for name in ("rq", "noise", "channel_mask", "crop", "specific", "img_blur", "ts_permute"):
        assert name in result.output
    assert "bins=8" in result.output
    assert "U[sigma_min, sigma_max]" in result.output  # rich markup is escaped


def test_augment_explain_shows_the_pipeline() -> None:
    runner = CliRunner()
    args = [
        "augment",
        "explain",
        "crop+rq:bins=16+mixup",
        "--layout",
        "tokens",
        "--rq-on",
        "embedding",
    ]
    result = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "RandomCrop" in result.output and "embedding_transform" in result.output
    assert "bins=16" in result.output and "Beta(1.0, 1.0)" in result.output
    bad = runner.invoke(app, ["augment", "explain", "rq:bin=3"])
    assert bad.exit_code != 0 and "no option 'bin'" in bad.output
