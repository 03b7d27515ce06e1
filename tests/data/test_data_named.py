"""One real slice of every named dataset whose source package is installed here.

CI installs the packages (see ``randquant data list``), so none of these should skip there.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from randquant.data.emoji import parse_emoji_test
from randquant.data.idx import FashionMNIST
from randquant.data.registry import get_source, list_datasets, load_dataset
from randquant.data.sources import MissingSourceError

NAMES = [d.name for d in list_datasets()]
EXPECTED = {  # name: (layout, sample shape, number of classes)
    "fashion_mnist": ("image", (1, 28, 28), 10),
    "tuxpaint_stamps": ("image", (3, 32, 32), 10),
    "emoji": ("image", (3, 32, 32), 9),
    "digits": ("image", (1, 8, 8), 10),
    "tuxpaint_speech": ("sequence", (64, 126), 9),
    "gm_instruments": ("sequence", (64, 63), 16),
    "espeak_digits": ("sequence", (64, 63), 10),
    "furniture": ("points", (1024, 3), 11),
    "basic_motions": ("sequence", (6, 100), 4),
    "watch": ("sequence", (6, 100), 7),
    "mnist1d": ("sequence", (1, 40), 10),
    "wordnet_glosses": ("tokens", (128,), 16),
    "letter": ("vector", (16,), 26),
    "wine": ("vector", (13,), 3),
}


def test_every_required_dataset_is_registered() -> None:
    assert set(EXPECTED) <= set(NAMES)
    for info in list_datasets():
        assert info.description and info.full_size and info.install.startswith(("apt-get", "pip"))


@pytest.mark.parametrize("name", NAMES)
def test_real_slice(name: str, tmp_path: Path) -> None:
    src = get_source(name)
    if not src.available():
        pytest.skip(f"{name}: source not installed ({src.missing('').install})")
    limit = 8 if name == "furniture" else 24  # mesh sampling is the slow one
    ds = load_dataset(name, cache_dir=tmp_path, limit=limit, progress=False)
    layout, shape, classes = EXPECTED[name]
    assert (ds.layout, ds.sample_shape, ds.num_classes) == (layout, shape, classes)
    assert ds.meta["modality"] == src.modality
    assert 0 < len(ds.train) <= limit and 0 < len(ds.test) <= limit
    x = torch.cat([ds.train.x, ds.test.x])
    if layout == "tokens":
        assert ds.meta["vocab_size"] == 258 and int(x.min()) >= 0 and int(x.max()) < 258
    else:
        assert torch.isfinite(x).all() and x.std() > 0
    assert len(torch.unique(ds.train.y)) > 1
    if layout == "points":  # centred on the mean, radius 1
        radius = x.norm(dim=-1).amax(dim=1)
        assert torch.allclose(radius, torch.ones_like(radius), atol=1e-5)
        assert x.mean(dim=1).abs().max() < 1e-4
    per_sample = x.reshape(len(x), -1)
    # letter's integer rows repeat now and then; anything more means a decoding bug
    assert len(torch.unique(per_sample, dim=0)) >= 0.9 * len(x), "duplicated samples"
    again = load_dataset(name, cache_dir=tmp_path, limit=limit, progress=False)
    assert torch.equal(again.test.x, ds.test.x)


def test_emoji_groups_parse(tmp_path: Path) -> None:
    table = tmp_path / "emoji-test.txt"
    table.write_text(
        "# group: Smileys & Emotion\n"
        "1F600 ; fully-qualified # 😀 E1.0 grinning face\n"
        "263A ; unqualified # ☺ E0.6 smiling face\n"
        "# group: People & Body\n"
        "1F44B 1F3FB ; fully-qualified # 👋🏻 E1.0 waving hand: light skin tone\n"
        "1F44B ; fully-qualified # 👋 E0.6 waving hand\n",
        encoding="utf-8",
    )
    assert parse_emoji_test(table) == [("😀", "Smileys & Emotion"), ("👋", "People & Body")]
    assert len(parse_emoji_test(table, skin_tones=True)) == 3


def test_missing_debian_package_says_which(tmp_path: Path) -> None:
    src = FashionMNIST(root=tmp_path / "not-installed")
    assert not src.available()
    with pytest.raises(MissingSourceError, match="apt-get install -y dataset-fashion-mnist"):
        src.source_files()
