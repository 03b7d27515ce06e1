"""``DataOptions``: where the data of a run comes from (a node of the command-line config tree).

Exactly one of ``data`` (a user file or folder, :func:`randquant.data.load_user_data`) and
``dataset`` (a named dataset, :func:`randquant.data.registry.load_dataset`). Every rule about
these options lives here; the CLI flags and the YAML keys are made from the fields.

>>> DataOptions(dataset="digits").profile
'quick'
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from randquant.data.base import Dataset

PROFILES: tuple[str, ...] = ("quick", "full")
#: The fields passed on to :func:`randquant.data.load_user_data` as they are.
_USER_DATA_OPTIONS = (
    "layout",
    "test_fraction",
    "image_size",
    "label_column",
    "num_points",
    "duration",
    "skip_bad",
)


@dataclass(frozen=True)
class DataOptions:
    """Data: give --data (a file or folder) or --dataset (a name)."""

    data: Path | None = None
    """A .npz file (x_train, y_train, x_test, y_test), a .csv table, a .ts file, or a folder of
    class folders of images, wav/ogg/flac clips or OFF/PLY meshes."""
    dataset: str | None = None
    """A named dataset (`randquant data list`)."""
    profile: str | None = None
    """quick (CPU-sized subset, the default) or full; --dataset only."""
    layout: str | None = None
    """Override the layout of a .npz: points for (N, P, 3), tokens for int ids."""
    test_fraction: float = 0.2
    """Test share when the data has no test split."""
    image_size: int | None = None
    """Resize images of --data to this square size."""
    label_column: str | None = None
    """The class column of a .csv table (default: label, class, target or y)."""
    num_points: int = 1024
    """Points sampled from each mesh."""
    duration: float = 1.0
    """Seconds of each audio clip (cut or padded)."""
    skip_bad: bool = False
    """Skip unreadable files or rows (counted in a warning) instead of stopping."""

    def __post_init__(self) -> None:
        from randquant.data.base import LAYOUTS

        if self.data is not None and not isinstance(self.data, Path):
            object.__setattr__(self, "data", Path(self.data))
        if (self.data is None) == (self.dataset is None):
            raise ValueError(
                "data / dataset: give exactly one of --data FILE_OR_DIR or --dataset NAME"
            )
        if not 0.0 < self.test_fraction < 1.0:
            raise ValueError(f"test_fraction must lie in (0, 1), got {self.test_fraction}")
        if self.image_size is not None and self.image_size < 1:
            raise ValueError(f"image_size must be >= 1, got {self.image_size}")
        if self.layout not in (None, *LAYOUTS):
            raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}, got {self.layout!r}")
        if self.num_points < 1:
            raise ValueError(f"num_points must be >= 1, got {self.num_points}")
        if not self.duration > 0:
            raise ValueError(f"duration must be > 0 seconds, got {self.duration}")
        if self.dataset is not None and self.layout is not None:
            raise ValueError("layout applies to --data only")
        if self.profile not in (None, *PROFILES):
            raise ValueError(f"profile must be quick or full, got {self.profile!r}")
        if self.data is not None and self.profile is not None:
            raise ValueError("profile applies to --dataset only")

    def load(self) -> Dataset:
        """The dataset, standardised per channel with train statistics.

        Raises ``ValueError`` (``FileNotFoundError`` for a missing path) naming the file or
        the dataset.
        """
        from randquant.data import load_user_data, standardize

        if self.dataset is not None:
            from randquant.data.registry import load_dataset

            return standardize(load_dataset(self.dataset, profile=self.profile or "quick"))
        assert self.data is not None
        options = {name: getattr(self, name) for name in _USER_DATA_OPTIONS}
        return standardize(load_user_data(self.data, **options))
