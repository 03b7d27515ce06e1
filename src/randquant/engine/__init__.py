"""The pretraining engine: ``pretrain(dataset, views, encoder, cfg) -> PretrainResult``.

Importing this package is light; ``pretrain`` imports Lightning (the ``train`` extra) when
it is first used. The engine's floors, from the ground up: records and their folder layout
(``records``, ``store``, ``provenance``); one run (``settings``, ``run``, ``references``,
the Lightning loop in ``training``); the analysis of records (``contrasts``, ``tables``);
the sweep (``executor``, ``index``, ``sweep``); ``compare`` on top (see docs/architecture.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from randquant.config import PretrainConfig, PretrainResult

if TYPE_CHECKING:
    from randquant.engine.training import pretrain

__all__ = ["PretrainConfig", "PretrainResult", "pretrain"]


def __getattr__(name: str) -> Any:
    if name == "pretrain":
        from randquant.engine.training import pretrain as fn

        globals()["pretrain"] = fn
        return fn
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
