"""Galleries of originals and augmented views: every modality renders, the CLI writes PNGs."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from PIL import Image
from typer.testing import CliRunner

from randquant.cli import app
from randquant.data.base import Dataset, Layout, SplitData
from randquant.viz.gallery import save_gallery
from randquant.viz.gallery_data import GalleryViews, gallery_views, pick_samples

torch.set_num_threads(1)
runner = CliRunner(env={"COLUMNS": "250", "NO_COLOR": "1"})


def make(layout: Layout, x: torch.Tensor, **meta: object) -> Dataset:
    n = x.shape[0]
    y = torch.arange(n) % 3
    return Dataset(
        "toy", layout, SplitData(x, y), SplitData(x[:3], y[:3]), 3, ("a", "b", "c"), meta=dict(meta)
    )


def text_tokens(n: int = 6, length: int = 24) -> torch.Tensor:
    rows = []
    for i in range(n):
        ids = [b + 2 for b in f"gloss number {i} of a toy".encode()] + [1]
        rows.append(ids[:length] + [0] * (length - len(ids[:length])))
    return torch.tensor(rows)


g = torch.Generator().manual_seed(0)
CASES: dict[str, tuple[Dataset, str, str | None, str]] = {
    "grey image": (make("image", torch.rand(6, 1, 8, 8, generator=g)), "rq", None, "images"),
    "rgb image": (make("image", torch.rand(6, 3, 10, 12, generator=g)), "crop+rq", None, "images"),
    "audio": (
        make("sequence", torch.randn(6, 16, 20, generator=g) - 5, modality="audio"),
        "rq",
        None,
        "spectrograms",
    ),
    "points": (
        make("points", torch.randn(6, 64, 3, generator=g), up_axis="y"),
        "rq",
        None,
        "points",
    ),
    "sensor": (
        make("sequence", torch.randn(6, 3, 30, generator=g), modality="sensor"),
        "specific",
        None,
        "curves",
    ),
    "text": (
        make("tokens", text_tokens(), vocab_size=258, eos_id=1),
        "crop+rq",
        None,
        "embeddings",
    ),
    "tabular": (make("vector", torch.randn(6, 5, generator=g) * 10), "rq", None, "table"),
    "tabular on embedding": (
        make("vector", torch.randn(6, 5, generator=g)),
        "rq",
        "embedding",
        "embeddings",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_every_modality_renders_a_png(case: str, tmp_path: Path) -> None:
    ds, spec, rq_on, kind = CASES[case]
    views = gallery_views(ds, spec, n=3, seed=1, rq_on=rq_on)  # type: ignore[arg-type]
    assert views.kind == kind
    assert len(views.labels) == 3
    assert views.views[0].shape == views.originals.shape == views.views[1].shape
    assert not torch.equal(views.views[0], views.originals)  # the spec changed something
    out = save_gallery(views, tmp_path / f"{kind}.png")
    with Image.open(out) as im:
        assert im.format == "PNG"
        assert im.width > 300 and im.height > 150


def test_images_are_shown_in_the_data_units_not_standardised() -> None:
    ds = CASES["rgb image"][0]
    views = gallery_views(ds, "none", n=2, seed=0)
    idx = pick_samples(ds.train.y, 2, seed=0)
    torch.testing.assert_close(views.originals, ds.train.x[idx], atol=1e-5, rtol=0)
    torch.testing.assert_close(views.views[0], ds.train.x[idx], atol=1e-5, rtol=0)


def test_text_embeddings_are_labelled_and_decoded() -> None:
    ds = CASES["text"][0]
    views = gallery_views(ds, "rq", n=2, seed=0)
    assert views.originals.shape == (2, 24, 64)
    assert "embedding module at init" in views.note and "RQ on the embedded tokens" in views.note
    assert views.texts[0][0].startswith("gloss number")
    # RQ on embeddings: same tokens, so the same decoded text
    assert views.texts[0][1] == views.texts[0][0]


def test_same_seed_same_gallery() -> None:
    ds = CASES["sensor"][0]
    a, b = (gallery_views(ds, "crop+rq", n=3, seed=4) for _ in range(2))
    assert torch.equal(a.views[0], b.views[0]) and a.labels == b.labels


def test_pick_samples_covers_classes_first() -> None:
    y = torch.tensor([0, 0, 0, 0, 1, 2, 2])
    for s in range(5):
        assert sorted(y[pick_samples(y, 3, seed=s)].tolist()) == [0, 1, 2]
    assert len(pick_samples(y, 100)) == len(y)


def test_bad_spec_and_crop_on_tabular_name_the_spec() -> None:
    with pytest.raises(ValueError, match="'rqq'"):
        gallery_views(CASES["sensor"][0], "rqq")
    with pytest.raises(ValueError, match=r"crop.*vector|vector.*crop"):
        gallery_views(CASES["tabular"][0], "crop+rq")


def test_gallery_views_is_a_dataclass_of_tensors() -> None:
    views = gallery_views(CASES["points"][0], "rq", n=2)
    assert isinstance(views, GalleryViews) and views.up_axis == "y"


# --- the command line ---------------------------------------------------------------------------


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RANDQUANT_CACHE", str(tmp_path / "cache"))
    return tmp_path


def test_show_dataset_writes_a_gallery(cache: Path) -> None:
    out = cache / "digits.png"
    result = runner.invoke(
        app,
        ["show", "--dataset", "digits", "--augment", "crop+rq", "--n", "2", "--output", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.output
    with Image.open(out) as im:
        assert im.format == "PNG"


def test_show_bad_augment_names_it(cache: Path) -> None:
    result = runner.invoke(
        app,
        [
            "show",
            "--dataset",
            "digits",
            "--augment",
            "rq+bogus_aug",
            "--output",
            str(cache / "x.png"),
        ],
    )
    assert result.exit_code != 0
    assert "--augment" in result.output and "bogus_aug" in result.output
    assert not (cache / "x.png").exists()


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--dataset", "digits", "--bins", "2,4"], "--bins"),
        (["--n", "3"], "--n"),
        (["--rq-on", "embedding"], "--rq-on"),
        (["--dataset", "digits", "--rq-on", "tokens"], "--rq-on"),
        (["--dataset", "digits", "--n", "0"], "--n"),
        (["--dataset", "no_such_set"], "--dataset"),
    ],
)
def test_show_bad_options_name_the_option(cache: Path, args: list[str], option: str) -> None:
    result = runner.invoke(app, ["show", *args, "--output", str(cache / "x.png")])
    assert result.exit_code != 0
    assert option in result.output


def test_show_photo_mode_is_unchanged(cache: Path) -> None:
    out = cache / "bins.png"
    result = runner.invoke(app, ["show", "--bins", "2,8", "--output", str(out)])
    assert result.exit_code == 0, result.output
    with Image.open(out) as im:
        assert im.format == "PNG"
