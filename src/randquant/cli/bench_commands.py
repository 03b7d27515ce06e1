"""The config trees of ``randquant bench ...`` and ``randquant demo`` (flags, ``--config``).

The same system as ``pretrain``, ``compare`` and ``probe`` (:mod:`randquant.cli.config`):
one frozen dataclass per command, a field per option with its default and its help (the
field's docstring), each rule checked in ``__post_init__`` by the function that owns it
(:mod:`randquant.config` for seeds, threads, workers and methods).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from randquant.cli.config import Skips
from randquant.config import check_method, check_threads, check_workers, parse_seeds


def _check_device(device: str) -> None:
    from randquant.device import resolve_device

    resolve_device(device)


def int_list(value: str | list[int] | None, name: str) -> tuple[int, ...] | None:
    """``"64,3,8"`` (or a YAML list) as positive integers; ``ValueError`` naming ``name``."""
    if value is None:
        return None
    try:
        found = (
            tuple(int(v) for v in value.split(",") if v.strip())
            if isinstance(value, str)
            else tuple(value)
        )
    except ValueError:
        raise ValueError(f"{name} must be comma-separated integers, got {value!r}") from None
    if not found or min(found) < 1:
        raise ValueError(f"{name} must be positive integers, got {value!r}")
    return found


def name_list(value: str | list[str] | None) -> list[str] | None:
    """``"a, b,c"`` (or a YAML list) as ``["a", "b", "c"]``; ``None`` for nothing."""
    if value is None:
        return None
    names = value.split(",") if isinstance(value, str) else value
    return [v.strip() for v in names if v.strip()] or None


def _check_profile(profile: str) -> None:
    from randquant.bench.profiles import SUITE_PROFILES

    if profile not in SUITE_PROFILES:
        raise ValueError(f"profile must be one of {', '.join(SUITE_PROFILES)}, got {profile!r}")


@dataclass(frozen=True)
class OpCommand:
    """Time RQ against x.clone(), a naive mask-per-bin baseline and the official algorithm.

    On a GPU (CUDA events), the torch path and the fused Triton kernels (when triton is
    installed), each as the whole op and as the apply alone; GB/s against the copy's.

    Example:

      randquant bench op --shape 64,3,224,224 --bins 8,64 --threads 2 --device cpu
    """

    PROG: ClassVar[str] = "randquant bench op"
    SKIPS: ClassVar[Skips] = {}

    shape: str | list[int] | None = None
    """Input shape (batch, channels, ...); default 64,3,224,224 (cuda: 256,...)."""
    bins: str | list[int] | None = None
    """Bin counts, comma-separated; default 8,64 (cuda: 8,16,64)."""
    dtypes: str | list[str] | None = None
    """float32, bfloat16, float16, comma-separated; default float32 (cuda: +bf16)."""
    threads: int = 2
    """CPU threads for torch and numba."""
    repeats: int = 7
    """Interleaved rounds; medians are reported."""
    baseline: bool = True
    """Also time the naive mask-per-bin baseline."""
    peer: bool = True
    """Also time the official mask-per-bin algorithm."""
    device: str = "auto"
    """cpu, cuda or auto (cuda when torch sees a GPU, else cpu); gpu = cuda."""
    output: Path | None = None
    """Also write the results as JSON here."""

    def __post_init__(self) -> None:
        from randquant.bench.op import DTYPES

        dims = int_list(self.shape, "shape")
        if dims is not None and len(dims) < 2:
            raise ValueError(f"shape must have at least (batch, channels), got {self.shape!r}")
        int_list(self.bins, "bins")
        kinds = name_list(self.dtypes)
        if self.dtypes is not None and (not kinds or any(k not in DTYPES for k in kinds)):
            raise ValueError(f"dtypes must be some of {', '.join(DTYPES)}, got {self.dtypes!r}")
        check_threads(self.threads)
        if self.repeats < 1:
            raise ValueError(f"repeats must be >= 1, got {self.repeats}")
        _check_device(self.device)


@dataclass(frozen=True)
class TrainStepCommand:
    """Share of a real training step (image and audio settings) spent in RQ; target <= 5 %.

    Example:

      randquant bench train-step --batch-size 128 --threads 2 --device cpu
    """

    PROG: ClassVar[str] = "randquant bench train-step"
    SKIPS: ClassVar[Skips] = {}

    batch_size: int = 128
    """Batch size of the timed steps (>= 2)."""
    width: int = 64
    """Encoder width."""
    repeats: int = 5
    """Interleaved rounds; medians are reported."""
    threads: int = 2
    """CPU threads for torch and numba."""
    device: str = "auto"
    """cpu, cuda or auto (cuda when torch sees a GPU, else cpu); gpu = cuda."""
    data: Path | None = None
    """Time this .npz instead of the image and audio settings."""
    method: str = "simclr"
    """SSL method for --data: simclr, moco_v3, byol or shed."""
    output: Path | None = Path("benchmarks/results/train_step.json")
    """Where to write the JSON."""

    def __post_init__(self) -> None:
        from randquant.config import PretrainConfig

        PretrainConfig(batch_size=self.batch_size)  # the rule's one home (>= 2)
        if self.width < 1:
            raise ValueError(f"width must be >= 1, got {self.width}")
        if self.repeats < 1:
            raise ValueError(f"repeats must be >= 1, got {self.repeats}")
        check_threads(self.threads)
        _check_device(self.device)
        if self.data is not None and not Path(self.data).is_file():
            raise ValueError(f"data must be an existing .npz file, got {str(self.data)!r}")
        check_method(self.method)


@dataclass(frozen=True)
class ReportCommand:
    """Generate docs/benchmarks.md (and docs/img/*.png) from the result files.

    Example:

      randquant bench report --profile quick
    """

    PROG: ClassVar[str] = "randquant bench report"
    SKIPS: ClassVar[Skips] = {}

    results: Path = Path("benchmarks/results")
    """Result folder root."""
    profile: str = "quick"
    """Which suite/ablation profile to report."""
    docs: Path = Path("docs")
    """Docs folder (report + img/)."""
    plots: bool = True
    """Also write the PNG plots."""


@dataclass(frozen=True)
class RunsCommand:
    """The options of the bench commands that train many models (suite, ablation)."""

    PROG: ClassVar[str] = "randquant bench"
    SKIPS: ClassVar[Skips] = {}
    KIND: ClassVar[str] = "suite"

    profile: str = "quick"
    """quick | full | power (the profile table, randquant.bench.profiles)."""
    seeds: str | list[int] = "0,1,2"
    """Seeds, comma-separated (a list in YAML)."""
    output: Path | None = None
    """Default: benchmarks/results/<suite|ablation>/PROFILE."""
    threads: int = 1
    """CPU threads for torch and numba (1 is fastest on a busy box; each Ray task uses 1)."""
    progress: bool = True
    """Show the progress bar (--no-progress: none)."""
    device: str = "auto"
    """cpu, cuda or auto (cuda when torch sees a GPU, else cpu); gpu = cuda."""
    workers: int | None = None
    """Runs at once: 1 = one after another in this process; more = Ray tasks of one CPU and
    one torch thread each (pip install 'randquant[ray]'). Default: every core when Ray is
    installed, else 1."""
    ray_address: str | None = None
    """Run on an existing Ray cluster: auto (the one this node joined) or ray://HOST:PORT."""
    references_only: bool = False
    """Only record the reference probes (raw input, untrained encoder) of every folder and
    rebuild the indexes; train nothing."""

    def __post_init__(self) -> None:
        _check_profile(self.profile)
        parse_seeds(self.seeds)
        check_threads(self.threads)
        _check_device(self.device)
        check_workers(self.workers)

    @property
    def seed_list(self) -> list[int]:
        """The seeds, in order."""
        return parse_seeds(self.seeds)

    @property
    def folder(self) -> Path:
        """Where the results go."""
        return Path(self.output or Path("benchmarks/results") / self.KIND / self.profile)


@dataclass(frozen=True)
class SuiteCommand(RunsCommand):
    """Every dataset x augmentation x seed, resumable; one result file per run.

    With --workers N (N > 1) or --ray-address the runs are Ray tasks. Exits 1 naming the
    runs that failed, once the others finished.

    Example:

      randquant bench suite --profile quick --datasets digits,watch --seeds 0
    """

    PROG: ClassVar[str] = "randquant bench suite"
    KIND: ClassVar[str] = "suite"

    datasets: str | list[str] | None = None
    """Comma-separated names (a list in YAML); default: all installed."""
    groups: str | list[str] | None = None
    """Only these job groups: main, dabs, shed."""
    allow_dirty: bool = False
    """Let the power profile run from a tree with uncommitted changes to src/randquant (its
    records and manifest are then marked allow_dirty)."""


@dataclass(frozen=True)
class AblationCommand(RunsCommand):
    """RQ ablations: bins, edge spacing, proxy, p, input vs embedding; resumable.

    --workers / --ray-address as for `randquant bench suite`.

    Example:

      randquant bench ablation --datasets digits --seeds 0,1,2
    """

    PROG: ClassVar[str] = "randquant bench ablation"
    KIND: ClassVar[str] = "ablation"

    datasets: str | list[str] = "digits,espeak_digits,mnist1d"
    """One dataset per modality, comma-separated (a list in YAML)."""


@dataclass(frozen=True)
class SweepSpeedCommand:
    """Time one sweep in this process, then on a local Ray instance; compare the records.

    Example:

      randquant bench sweep-speed --dataset digits --seeds 0,1 --workers 2
    """

    PROG: ClassVar[str] = "randquant bench sweep-speed"
    SKIPS: ClassVar[Skips] = {}

    dataset: str = "digits"
    """A named dataset; its suite settings are run."""
    seeds: str | list[int] = "0,1"
    """Seeds, comma-separated (2 x 12 settings = 24 runs)."""
    workers: int = 2
    """Ray workers of the second sweep (>= 2)."""
    profile: str = "power"
    """The suite profile giving the budget (power: the sweep Ray is for)."""
    output: Path | None = Path("benchmarks/results/sweep_speed.json")
    """Where to write the JSON."""
    progress: bool = False
    """Show the progress bars."""

    def __post_init__(self) -> None:
        parse_seeds(self.seeds)
        if self.workers < 2:
            raise ValueError(f"workers must be >= 2, got {self.workers}")
        _check_profile(self.profile)


@dataclass(frozen=True)
class DemoCommand:
    """Compare RQ with other augmentations on 2-3 small real datasets; table, plots, gallery.

    Resumable: finished runs under OUTPUT are kept.

    Example:

      randquant demo --output demo/
    """

    PROG: ClassVar[str] = "randquant demo"
    SKIPS: ClassVar[Skips] = {}

    output: Path = Path("randquant-demo")
    """Folder for results and pictures."""
    datasets: int = 3
    """How many datasets (modalities), 1 to 3."""
    threads: int = 2
    """CPU threads for torch and numba."""
    progress: bool = True
    """Show progress bars (--no-progress: none)."""
    device: str = "auto"
    """cpu, cuda or auto (cuda when torch sees a GPU, else cpu); gpu = cuda."""

    def __post_init__(self) -> None:
        if not 1 <= self.datasets <= 3:
            raise ValueError(f"datasets must be 1, 2 or 3, got {self.datasets}")
        check_threads(self.threads)
        _check_device(self.device)
