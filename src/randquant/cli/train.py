"""``randquant pretrain | probe | compare``: the SSL engine from the command line.

Every option is checked before any work starts; a bad value stops with a message that names
the option. Heavy imports (torch, Lightning) happen inside the commands.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from randquant.data.base import Dataset

# --- shared options --------------------------------------------------------------------------
Data = Annotated[
    Path | None,
    typer.Option(
        "--data", help="A .npz file (x_train, y_train, x_test, y_test) or an image folder."
    ),
]
DatasetName = Annotated[
    str | None, typer.Option("--dataset", help="A named dataset of randquant.data.registry.")
]
Profile = Annotated[
    str | None,
    typer.Option("--profile", help="quick (CPU-sized subset, default) or full; --dataset only."),
]
LayoutOpt = Annotated[
    str | None,
    typer.Option("--layout", help="Override the layout of --data: points for (N, P, 3), tokens."),
]
TestFraction = Annotated[
    float,
    typer.Option("--test-fraction", help="Test share when an image folder has no test/ split."),
]
ImageSize = Annotated[
    int | None, typer.Option("--image-size", help="Resize images of --data to this square size.")
]
Method = Annotated[str, typer.Option("--method", help="simclr, moco_v3 or byol.")]
Epochs = Annotated[int, typer.Option("--epochs", help="Pretraining epochs per run.")]
BatchSize = Annotated[int, typer.Option("--batch-size", help="Pretraining batch size (>= 2).")]
Lr = Annotated[float | None, typer.Option("--lr", help="Learning rate (default: the method's).")]
WeightDecay = Annotated[
    float | None, typer.Option("--weight-decay", help="Weight decay (default: the method's).")
]
EncoderOpt = Annotated[
    str, typer.Option("--encoder", help="auto, resnet, cnn1d, spec_cnn, pointnet or transformer.")
]
Width = Annotated[int, typer.Option("--width", help="Encoder feature size (multiple of 8).")]
RqOn = Annotated[
    str, typer.Option("--rq-on", help="input (views) or embedding (transformer tokens, DABS).")
]
Device = Annotated[str, typer.Option("--device", help="auto, cpu, cuda/gpu or mps.")]
Quiet = Annotated[bool, typer.Option("--quiet", help="No progress bars.")]
Threads = Annotated[
    int | None,
    typer.Option("--threads", help="CPU threads for torch and the RQ kernel (1 on a busy box)."),
]


def _bad(option: str, message: str) -> typer.BadParameter:
    return typer.BadParameter(message, param_hint=option)


def _check(ok: bool, option: str, message: str) -> None:
    if not ok:
        raise _bad(option, message)


def _set_threads(threads: int | None) -> None:
    """Apply ``--threads`` (the numba RQ kernel follows torch's thread count)."""
    if threads is not None:
        _check(threads >= 1, "--threads", f"must be >= 1, got {threads}")
        import torch

        torch.set_num_threads(threads)


def _load(
    data: Path | None,
    dataset: str | None,
    profile: str | None,
    layout: str | None,
    test_fraction: float,
    image_size: int | None,
) -> Dataset:
    """Load ``--data`` or ``--dataset`` (exactly one), standardised per channel from train."""
    from randquant.data import load_user_data, standardize
    from randquant.data.base import LAYOUTS

    if (data is None) == (dataset is None):
        raise _bad("--data / --dataset", "give exactly one of --data FILE_OR_DIR or --dataset NAME")
    _check(0.0 < test_fraction < 1.0, "--test-fraction", f"must lie in (0, 1), got {test_fraction}")
    _check(image_size is None or image_size >= 1, "--image-size", f"must be >= 1, got {image_size}")
    _check(layout in (None, *LAYOUTS), "--layout", f"one of {', '.join(LAYOUTS)}, got {layout!r}")
    if dataset is not None:
        _check(layout is None, "--layout", "applies to --data only")
        _check(profile in (None, "quick", "full"), "--profile", f"quick or full, got {profile!r}")
        from randquant.data.registry import load_dataset

        try:
            loaded = load_dataset(dataset, profile=profile or "quick")
        except (KeyError, ValueError) as err:
            raise _bad("--dataset", str(err).strip("'\"")) from err
    else:
        assert data is not None
        _check(profile is None, "--profile", "applies to --dataset only")
        try:
            loaded = load_user_data(
                data, layout=layout, test_fraction=test_fraction, image_size=image_size
            )
        except (FileNotFoundError, ValueError) as err:
            raise _bad("--data", str(err)) from err
    return standardize(loaded)


def _settings(**kwargs: Any) -> Any:
    """Build :class:`CompareSettings`; its ``ValueError`` becomes a message naming the option."""
    from randquant.engine.compare import CompareSettings
    from randquant.engine.config import PretrainConfig

    try:  # lr and weight decay follow the engine's rules (finite, in range)
        PretrainConfig(lr=kwargs.get("lr"), weight_decay=kwargs.get("weight_decay"))
        return CompareSettings(**kwargs)
    except ValueError as err:
        option = "--" + str(err).split(" ", 1)[0].replace("_", "-")
        raise _bad(option, str(err)) from err


def _check_common(method: str, encoder: str, width: int, batch_size: int) -> None:
    from randquant.engine.config import METHOD_NAMES
    from randquant.models.registry import available_encoders

    _check(method in METHOD_NAMES, "--method", f"one of {', '.join(METHOD_NAMES)}, got {method!r}")
    names = available_encoders()
    _check(encoder in names, "--encoder", f"one of {', '.join(names)}, got {encoder!r}")
    _check(width >= 8 and width % 8 == 0, "--width", f"a multiple of 8 >= 8, got {width}")
    _check(batch_size >= 2, "--batch-size", f"must be >= 2, got {batch_size}")


def _check_augments(specs: list[str], ds: Dataset, rq_on: str, encoder: str) -> None:
    """Parse every spec now, so a typo fails before hours of training."""
    from randquant.augment import build_views

    for spec in specs:
        try:
            views = build_views(spec, ds.layout, modality=ds.meta.get("modality"), rq_on=rq_on)  # type: ignore[arg-type]
        except (KeyError, ValueError) as err:
            raise _bad("--augment", f"{spec!r}: {str(err).strip(chr(39))}") from err
        if views.embedding_transform is not None and encoder not in ("transformer", "auto"):
            raise _bad("--rq-on", f"embedding needs --encoder transformer, got {encoder!r}")


def _check_classes(ds: Dataset, data: Path | None) -> None:
    """Data whose train or test split has one class cannot be probed: say so before work."""
    from randquant.data.base import require_classes

    try:
        require_classes(ds)
    except ValueError as err:
        raise _bad("--data" if data is not None else "--dataset", str(err)) from err


def _checkpoint_ok(path: Path) -> None:
    """Check a checkpoint before any work (read with ``weights_only=True``, never run)."""
    from randquant.engine.checkpoint import check_checkpoint

    with _checkpoint_errors("--checkpoint-dir"):
        check_checkpoint(path)


@contextmanager
def _checkpoint_errors(option: str) -> Iterator[None]:
    """A checkpoint that cannot be used becomes a one-line error naming ``option``."""
    from randquant.engine.checkpoint import CheckpointError

    try:
        yield
    except CheckpointError as err:
        raise _bad(option, str(err)) from err


def _seeds(text: str) -> list[int]:
    try:
        seeds = [int(s) for s in text.split(",") if s.strip()]
    except ValueError as err:
        raise _bad("--seeds", f"comma-separated integers like 0,1,2, got {text!r}") from err
    _check(bool(seeds), "--seeds", "give at least one seed")
    _check(all(s >= 0 for s in seeds), "--seeds", f"seeds must be >= 0, got {text!r}")
    from randquant.engine.config import MAX_SEED

    _check(all(s <= MAX_SEED for s in seeds), "--seeds", f"must be <= 2**63 - 1, got {text!r}")
    _check(len(set(seeds)) == len(seeds), "--seeds", f"seeds repeat in {text!r}")
    return seeds


def _report(title: str, results: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for col in ("probe", "top-1 %", "macro-F1 %", "detail"):
        table.add_column(col)
    for name, res in results.items():
        detail = ", ".join(f"{k}={v:g}" for k, v in res.detail.items())
        table.add_row(name, f"{100 * res.accuracy:.2f}", f"{100 * res.macro_f1:.2f}", detail)
    Console().print(table)


def pretrain_cmd(
    output: Annotated[
        Path, typer.Option("--output", help="Where to save the encoder (.pt).")
    ] = Path("encoder.pt"),
    data: Data = None,
    dataset: DatasetName = None,
    profile: Profile = None,
    layout: LayoutOpt = None,
    test_fraction: TestFraction = 0.2,
    image_size: ImageSize = None,
    augment: Annotated[
        str, typer.Option("--augment", help="One spec, e.g. crop+rq:bins=16 (`randquant augment`).")
    ] = "rq",
    method: Method = "simclr",
    epochs: Epochs = 100,
    batch_size: BatchSize = 256,
    lr: Lr = None,
    weight_decay: WeightDecay = None,
    encoder: EncoderOpt = "auto",
    width: Width = 64,
    rq_on: RqOn = "input",
    seed: Annotated[int, typer.Option("--seed", help="Seed of weights, views and order.")] = 0,
    device: Device = "auto",
    checkpoint_dir: Annotated[
        Path | None,
        typer.Option("--checkpoint-dir", help="Epoch checkpoints (default: OUTPUT + .ckpt/)."),
    ] = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue from the last epoch checkpoint.")
    ] = False,
    threads: Threads = None,
    quiet: Quiet = False,
) -> None:
    r"""Pretrain one encoder with one augmentation and save it.

    Example:

      randquant pretrain --data motions.npz --augment crop+rq --epochs 50 \
          --output enc.pt
    """
    from randquant.cli.paths import check_output_dir, check_output_file
    from randquant.engine.compare import pretrain_one
    from randquant.engine.encoder_file import save_encoder
    from randquant.models.registry import resolve_encoder_name

    _check_common(method, encoder, width, batch_size)
    _check(0 <= seed < 2**63, "--seed", f"must lie in [0, 2**63 - 1], got {seed}")
    _set_threads(threads)
    settings = _settings(method=method, epochs=epochs, encoder=encoder, width=width,
                         batch_size=batch_size, rq_on=rq_on, lr=lr, weight_decay=weight_decay,
                         device=device)  # fmt: skip
    ckpt = checkpoint_dir or output.with_name(output.name + ".ckpt")
    check_output_file(output, "--output")
    check_output_dir(ckpt, "--checkpoint-dir")
    _check(not resume or (ckpt / "last.ckpt").is_file(), "--resume", f"no last.ckpt in {ckpt}")
    if resume:
        _checkpoint_ok(ckpt / "last.ckpt")
    ds = _load(data, dataset, profile, layout, test_fraction, image_size)
    _check_augments([augment], ds, rq_on, encoder)
    with _checkpoint_errors("--checkpoint-dir"):
        run = pretrain_one(
            ds, augment, seed, settings, checkpoint_dir=ckpt, resume=resume, progress=not quiet
        )
    name = resolve_encoder_name(encoder, ds.layout, ds.meta)
    info = {
        "dataset": ds.name,
        "augment": augment,
        "method": method,
        "epochs": epochs,
        "seed": seed,
        "final_loss": run.final_loss,
        "train_seconds": run.train_seconds,
    }
    save_encoder(
        output,
        run.encoder,
        name=name,
        layout=ds.layout,
        sample_shape=ds.sample_shape,
        width=width,
        meta=ds.meta,
        info=info,
    )
    typer.echo(f"saved {output} (final loss {run.final_loss:.4f}, {run.train_seconds:.1f} s)")


def probe_cmd(
    checkpoint: Annotated[
        Path, typer.Option("--checkpoint", help="An encoder file from `randquant pretrain`.")
    ],
    data: Data = None,
    dataset: DatasetName = None,
    profile: Profile = None,
    layout: LayoutOpt = None,
    test_fraction: TestFraction = 0.2,
    image_size: ImageSize = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the validation hold-out.")] = 0,
    k: Annotated[int, typer.Option("--k", help="Neighbours of the kNN.")] = 20,
    temperature: Annotated[float, typer.Option("--temperature", help="kNN temperature.")] = 0.07,
    device: Device = "auto",
    output: Annotated[
        Path | None, typer.Option("--output", help="Also write the results as JSON here.")
    ] = None,
    threads: Threads = None,
) -> None:
    """Evaluate a saved encoder: linear probe and weighted kNN on frozen features.

    Example:

      randquant probe --checkpoint enc.pt --data motions.npz --output probe.json
    """
    from randquant.cli.paths import check_output_file
    from randquant.engine.compare import resolve_device
    from randquant.engine.encoder_file import load_encoder
    from randquant.evaluate import evaluate_encoder
    from randquant.io import write_text_atomic as write_atomic

    _check(checkpoint.is_file(), "--checkpoint", f"no such file: {checkpoint}")
    _check(k >= 1, "--k", f"must be >= 1, got {k}")
    _check(temperature > 0, "--temperature", f"must be > 0, got {temperature}")
    _set_threads(threads)
    _check(0 <= seed < 2**63, "--seed", f"must lie in [0, 2**63 - 1], got {seed}")
    if output is not None:
        check_output_file(output, "--output")
    try:
        _, torch_device = resolve_device(device)
    except ValueError as err:
        raise _bad("--device", str(err)) from err
    try:
        enc, saved = load_encoder(checkpoint)
    except ValueError as err:
        raise _bad("--checkpoint", str(err)) from err
    ds = _load(data, dataset, profile, layout, test_fraction, image_size)
    _check_classes(ds, data)
    want = tuple(saved["build"]["sample_shape"])
    _check(
        ds.sample_shape == want,
        "--checkpoint",
        f"encoder was built for samples of shape {want}, the data has {ds.sample_shape}",
    )
    res = evaluate_encoder(enc, ds, device=torch_device, seed=seed, k=k, temperature=temperature)
    _report(f"{checkpoint.name} on {ds.name}", res)
    if output is not None:
        payload = {
            name: {"accuracy": r.accuracy, "macro_f1": r.macro_f1, "detail": r.detail}
            for name, r in res.items()
        }
        payload["info"] = saved.get("info", {})
        write_atomic(output, json.dumps(payload, indent=2) + "\n")


def compare_cmd(
    output: Annotated[Path, typer.Option("--output", help="Folder for results.* and runs/.")],
    data: Data = None,
    dataset: DatasetName = None,
    profile: Profile = None,
    layout: LayoutOpt = None,
    test_fraction: TestFraction = 0.2,
    image_size: ImageSize = None,
    augment: Annotated[
        str, typer.Option("--augment", help="Comma-separated specs, e.g. none,noise,rq,crop+rq.")
    ] = "rq,noise,mask,none",
    method: Method = "simclr",
    epochs: Epochs = 100,
    seeds: Annotated[str, typer.Option("--seeds", help="Comma-separated seeds.")] = "0,1,2",
    batch_size: BatchSize = 256,
    lr: Lr = None,
    weight_decay: WeightDecay = None,
    encoder: EncoderOpt = "auto",
    width: Width = 64,
    rq_on: RqOn = "input",
    device: Device = "auto",
    keep_checkpoints: Annotated[
        bool, typer.Option("--keep-checkpoints", help="Keep each run's last epoch checkpoint.")
    ] = False,
    threads: Threads = None,
    quiet: Quiet = False,
) -> None:
    r"""Pretrain and probe one model per (augmentation, seed); tabulate mean ± std.

    Writes OUTPUT/results.json, results.csv, results.md and one record per run in
    OUTPUT/runs/; run it again with the same options to resume after an interruption.

    Example:

      randquant compare --data motions.npz --augment none,noise,rq,crop+rq \
          --method simclr --epochs 100 --seeds 0,1,2 --output results/motions --threads 1
    """
    from randquant.cli.paths import check_output_dir
    from randquant.engine.compare import run_compare, split_specs

    _check_common(method, encoder, width, batch_size)
    specs = split_specs(augment)
    _check(bool(specs), "--augment", "give at least one augmentation")
    _check(len(set(specs)) == len(specs), "--augment", f"specs repeat in {augment!r}")
    seed_list = _seeds(seeds)
    _set_threads(threads)
    check_output_dir(output, "--output")
    opts = dict(encoder=encoder, width=width, batch_size=batch_size, rq_on=rq_on, lr=lr,
                weight_decay=weight_decay, device=device)  # fmt: skip
    _settings(method=method, epochs=epochs, **opts)
    ds = _load(data, dataset, profile, layout, test_fraction, image_size)
    _check_classes(ds, data)
    _check_augments(specs, ds, rq_on, encoder)
    with _checkpoint_errors("--output"):
        run_compare(ds, specs, method, epochs, seed_list, output, **opts,  # type: ignore[arg-type]
                    keep_checkpoints=keep_checkpoints, progress=not quiet)  # fmt: skip
    typer.echo((output / "results.md").read_text())
    typer.echo(f"results written to {output}/results.json, results.csv, results.md")


def register(app: typer.Typer) -> None:
    """Add ``pretrain``, ``probe`` and ``compare`` to ``app``."""
    app.command("pretrain")(pretrain_cmd)
    app.command("probe")(probe_cmd)
    app.command("compare")(compare_cmd)


from randquant.cli import app as _app  # noqa: E402  (registered when cli/__init__ imports us)

register(_app)
