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
