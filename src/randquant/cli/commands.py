"""The config trees of ``randquant pretrain | compare | probe`` (flags and YAML come from here).

Each tree has nodes owned by the library (``source``: :class:`~randquant.data.options.DataOptions`,
``model``: :class:`~randquant.config.ModelOptions`, ``train``:
:class:`~randquant.config.PretrainConfig`, which validate their own fields) and the
command's own fields, validated below. ``SKIPS`` names the node fields a command sets itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from randquant.cli.config import Skips
from randquant.config import (
    ModelOptions,
    PretrainConfig,
    check_seed,
    check_threads,
    check_workers,
    parse_seeds,
)
from randquant.data.options import DataOptions

#: PretrainConfig fields no command exposes: ``--device`` picks the accelerator, ``--quiet``
#: turns the progress bar off.
_SET_BY_THE_COMMAND = frozenset({"accelerator", "progress"})


def _check_threads(threads: int | None) -> None:
    if threads is not None:
        check_threads(threads)


def _check_device(device: str) -> None:
    from randquant.device import resolve_device

    resolve_device(device)  # "device must be one of ..." / "device 'cuda' asked for a GPU ..."


def split_augments(augment: str | list[str]) -> list[str]:
    """The specs of ``--augment`` (comma-separated, ``k=v`` options kept attached) or a YAML
    list."""
    from randquant.augment.spec import split_specs

    return list(augment) if isinstance(augment, list) else split_specs(augment)


@dataclass(frozen=True)
class PretrainCommand:
    """Pretrain one encoder with one augmentation and save it.

    Example:

      randquant pretrain --data motions.npz --augment crop+rq --epochs 50 --output enc.pt
      randquant pretrain --config exp.yaml --epochs 5
    """

    SKIPS: ClassVar[Skips] = {"train": _SET_BY_THE_COMMAND | {"checkpoint_dir", "resume"}}

    source: DataOptions
    model: ModelOptions = field(default_factory=ModelOptions)
    train: PretrainConfig = field(default_factory=PretrainConfig)
    augment: str = "rq"
    """One spec, e.g. crop+rq:bins=16 (`randquant augment list`)."""
    output: Path = Path("encoder.pt")
    """Where to save the encoder (.pt)."""
    checkpoint_dir: Path | None = None
    """Epoch checkpoints and logs (default: OUTPUT + .ckpt/)."""
    resume: bool = False
    """Continue from the last epoch checkpoint."""
    device: str = "auto"
    """cpu, cuda or auto (cuda when torch sees a GPU, else cpu); gpu = cuda."""
    threads: int | None = None
    """CPU threads for torch and the RQ kernel (1 on a busy box)."""
    quiet: bool = False
    """No progress bars."""

    def __post_init__(self) -> None:
        if not self.augment.strip():
            raise ValueError("augment must name an augmentation (e.g. rq or crop+rq)")
        _check_threads(self.threads)
        _check_device(self.device)
        object.__setattr__(self, "output", Path(self.output))
        if self.checkpoint_dir is not None:
            object.__setattr__(self, "checkpoint_dir", Path(self.checkpoint_dir))

    @property
    def run_folder(self) -> Path:
        """Where the epoch checkpoints and logs go."""
        return self.checkpoint_dir or self.output.with_name(self.output.name + ".ckpt")


#: ``compare``'s arms when ``--augment`` is not given: RQ on top of a crop (the paper's image
#: recipe, the declared arm) against the crop alone, and RQ alone against noise (the contrasts
#: of ``default_contrasts``). Four arms, so that 3 seeds fit the default budget
#: (:mod:`randquant.engine.defaults`); ``none`` left the defaults with issue 18, the untrained
#: encoder's reference row stands for "no pretraining that learned".
DEFAULT_ARMS = "crop+rq,crop,rq,noise"
#: Flat vectors have no axis to crop.
DEFAULT_ARMS_VECTOR = "rq,noise,mask,none"


@dataclass(frozen=True)
class CompareCommand:
    """Pretrain and probe one model per (augmentation, seed); tabulate mean ± std.

    Writes OUTPUT/results.json, results.csv, results.md and one record per run in
    OUTPUT/runs/; run it again with the same options to resume after an interruption.
    With --workers N (N > 1) or --ray-address the runs are Ray tasks; a run that fails is
    named (OUTPUT/failed/) and the command exits 1 once the others finished.

    Example:

      randquant compare --data motions.npz --augment none,noise,rq,crop+rq \\
          --method simclr --epochs 100 --seeds 0,1,2 --output results/motions --threads 1
      randquant compare --config sweep.yaml
    """

    SKIPS: ClassVar[Skips] = {
        "train": _SET_BY_THE_COMMAND
        | {"checkpoint_dir", "resume", "seed", "log_dir", "batch_size", "epochs"},
        "model": frozenset({"encoder", "width"}),
    }

    source: DataOptions
    model: ModelOptions = field(default_factory=ModelOptions)
    train: PretrainConfig = field(default_factory=PretrainConfig)
    output: Path | None = None
    """Folder for results.* and runs/ (required)."""
    augment: str | list[str] | None = None
    """Comma-separated specs, e.g. none,noise,rq,crop+rq (a list in YAML). Default:
    crop+rq,crop,rq,noise; rq,noise,mask,none on flat vectors (nothing to crop)."""
    seeds: str | list[int] = "0,1,2"
    """Comma-separated seeds (a list in YAML)."""
    encoder: str | None = None
    """auto, resnet, convnet, cnn1d, spec_cnn, pointnet, mlp or transformer. Default: convnet
    (width 256) for images up to 64 px a side, else auto (width 64)."""
    width: int | None = None
    """Encoder feature size, a multiple of 8 (default: see --encoder)."""
    epochs: int | None = None
    """Pretraining epochs (default: as many as --budget's steps need)."""
    budget: str | None = None
    """What you can wait for: the whole sweep's time (10m, 90s, 1h; a step is timed here
    first) or optimizer steps per run (2000steps). Default: the steps that fit 15 minutes
    for 4 arms x 3 seeds on a 2-core CPU, estimated from the data's shape (the same on every
    machine). The choice is printed before the runs."""
    batch_size: int | None = None
    """Pretraining batch size (>= 2; default: the recipe's)."""
    recipe: str = "auto"
    """auto (by training-set size), paper (LARS, batch 256, 10 warm-up epochs) or small
    (AdamW 1e-3, batch ~train/8, warm-up 10 % of the run); see docs/benchmarks.md. Options
    set here (batch size, lr, weight decay, optimizer, warm-up) win over the recipe's."""
    contrast: list[str] = field(default_factory=list)
    """A contrast A:B to test (repeat the flag; default: rq against every other arm)."""
    keep_checkpoints: bool = False
    """Keep each run's last epoch checkpoint."""
    device: str = "auto"
    """cpu, cuda or auto (cuda when torch sees a GPU, else cpu); gpu = cuda."""
    threads: int | None = None
    """CPU threads for torch and the RQ kernel (1 on a busy box)."""
    workers: int | None = None
    """Runs at once: 1 = one after another in this process; more = Ray tasks of one CPU and
    one torch thread each (pip install 'randquant[ray]'). Default: every core when Ray is
    installed, else 1."""
    ray_address: str | None = None
    """Run on an existing Ray cluster: auto (the one this node joined) or ray://HOST:PORT.
    Default: a local Ray instance, started and stopped here."""
    quiet: bool = False
    """No progress bars."""

    def __post_init__(self) -> None:
        if self.output is None:
            raise ValueError("output must be given: the folder for results.* and runs/")
        object.__setattr__(self, "output", Path(self.output))
        specs = self.arms("image")
        if not specs:
            raise ValueError("augment must name at least one augmentation")
        if len(set(specs)) != len(specs):
            raise ValueError(f"augment specs repeat in {self.augment!r}")
        parse_seeds(self.seeds)
        if self.batch_size is not None:
            PretrainConfig(batch_size=self.batch_size)  # the rule's one home
        if self.epochs is not None:
            PretrainConfig(epochs=self.epochs)
        ModelOptions(encoder=self.encoder or "auto", width=self.width or 64)
        if self.budget is not None:
            from randquant.engine.defaults import parse_budget

            parse_budget(self.budget)  # "budget must be a time like 10m ..."
            if self.epochs is not None:
                raise ValueError("budget/epochs: give one of them, not both")
        from randquant.engine.recipe import check_recipe

        check_recipe(self.recipe)
        _check_threads(self.threads)
        _check_device(self.device)
        check_workers(self.workers)

    def arms(self, layout: str) -> list[str]:
        """The augmentation specs, in order: ``--augment``'s, or the default for ``layout``."""
        if self.augment is not None:
            return split_augments(self.augment)
        return split_augments(DEFAULT_ARMS_VECTOR if layout == "vector" else DEFAULT_ARMS)

    @property
    def seed_list(self) -> list[int]:
        """The seeds, in order."""
        return parse_seeds(self.seeds)


@dataclass(frozen=True)
class ProbeCommand:
    """Evaluate a saved encoder: linear probe and weighted kNN on frozen features.

    Example:

      randquant probe --checkpoint enc.pt --data motions.npz --output probe.json
    """

    SKIPS: ClassVar[Skips] = {}

    source: DataOptions
    checkpoint: Path | None = None
    """An encoder file from `randquant pretrain` (required)."""
    seed: int = 0
    """Seed of the validation hold-out."""
    k: int = 20
    """Neighbours of the kNN."""
    temperature: float = 0.07
    """kNN temperature."""
    device: str = "auto"
    """cpu, cuda or auto (cuda when torch sees a GPU, else cpu); gpu = cuda."""
    output: Path | None = None
    """Also write the results as JSON here."""
    threads: int | None = None
    """CPU threads for torch and the RQ kernel (1 on a busy box)."""

    def __post_init__(self) -> None:
        if self.checkpoint is None:
            raise ValueError("checkpoint must be given: an encoder file from randquant pretrain")
        object.__setattr__(self, "checkpoint", Path(self.checkpoint))
        if self.output is not None:
            object.__setattr__(self, "output", Path(self.output))
        if self.k < 1:
            raise ValueError(f"k must be >= 1, got {self.k}")
        if not self.temperature > 0:
            raise ValueError(f"temperature must be > 0, got {self.temperature}")
        check_seed(self.seed)  # [0, 2**63 - 1], the bound in the message
        _check_threads(self.threads)
        _check_device(self.device)
