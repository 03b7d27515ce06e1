"""``--device``: the one definition every command shares, and its check before any work."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    import torch

DeviceOpt = Annotated[
    str,
    typer.Option(
        "--device", help="cpu, cuda or auto (cuda when torch sees a GPU, else cpu); gpu = cuda."
    ),
]


def check_device(device: str) -> torch.device:
    """The torch device of ``--device``; a one-line ``BadParameter`` (exit 2) when unusable."""
    from randquant.device import torch_device

    try:
        return torch_device(device)
    except ValueError as err:
        raise typer.BadParameter(str(err), param_hint="--device") from None
