"""The LightningModule every SSL method builds on.

:class:`SSLMethod` owns what the methods share: the encoder, the two-view augmentation made on
whole batches on the training device, e-Mix (mixup) and RQ-on-embedding plumbing, the optimiser
(LARS or AdamW) with a warm-up + cosine schedule, and an online linear classifier trained on
detached features beside the SSL loss (as in solo-learn), logged as ``train/online_acc``.
A method subclass adds only its networks and :meth:`SSLMethod.ssl_loss`.

Randomness: at the start of every epoch the augmentation generator (on the training device)
and torch's global RNG are re-seeded from ``(seed, rank, epoch)``. A run resumed from an
epoch checkpoint therefore draws exactly what an uninterrupted run draws.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import lightning.pytorch as pl
import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from randquant.config import check_optimizer
from randquant.methods.optim import build_optimizer, param_groups, warmup_cosine

if TYPE_CHECKING:
    from randquant.augment import ViewAugmentation

#: The global batch size the base learning rates refer to (lr = base_lr * batch / 256).
LR_REFERENCE_BATCH = 256
#: Learning rate of the online linear classifier, per optimiser.
CLASSIFIER_LR: dict[str, float] = {"lars": 0.1, "adamw": 1e-2}


class HParams(Protocol):
    """The training options a method reads (``randquant.engine.PretrainConfig`` has them)."""

    @property
    def epochs(self) -> int: ...
    @property
    def batch_size(self) -> int: ...
    @property
    def lr(self) -> float | None: ...
    @property
    def weight_decay(self) -> float | None: ...
    @property
    def optimizer(self) -> str | None: ...
    @property
    def warmup_epochs(self) -> int: ...
    @property
    def seed(self) -> int: ...
    @property
    def accumulate_grad_batches(self) -> int: ...


@dataclass(frozen=True)
class Views:
    """One training step's inputs: two views, the mixed first view (e-Mix) and its mixing."""

    x1: Tensor
    x2: Tensor
    x1_mixed: Tensor | None = None
    perm: Tensor | None = None
    lam: Tensor | None = None

    @property
    def query1(self) -> Tensor:
        """The first view the online network sees: mixed when e-Mix is on (float inputs)."""
        return self.x1 if self.x1_mixed is None else self.x1_mixed

    @property
    def mix_embedding(self) -> tuple[Tensor, Tensor] | None:
        """``(perm, lam)`` when e-Mix must mix the *embedded* tokens of ``x1`` (token ids
        cannot be mixed), else None."""
        if self.x1_mixed is not None or self.perm is None or self.lam is None:
            return None
        return self.perm, self.lam


def derive_seed(seed: int, *parts: int) -> int:
    """A 63-bit seed derived from ``seed`` and ``parts`` (e.g. rank, epoch), stable across runs."""
    state = np.random.SeedSequence([int(seed) & 0xFFFFFFFF, *[int(p) for p in parts]])
    return int(state.generate_state(2, dtype=np.uint64)[0] >> np.uint64(1))


def check_temperature(temperature: float) -> float:
    """Validate a softmax temperature option (> 0) and return it as a float."""
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature!r}")
    return float(temperature)


def seed_everything(seed: int) -> None:
    """Seed python's, numpy's and torch's global RNGs (CPU and CUDA) with ``seed``, through
    Lightning's :func:`~lightning.pytorch.seed_everything` (quietly: it is called every epoch)."""
    pl.seed_everything(seed % 2**32, workers=False, verbose=False)


#: The fields of :class:`HParams`, saved in a checkpoint's hyperparameters.
HPARAM_FIELDS: tuple[str, ...] = (
    "epochs",
    "batch_size",
    "lr",
    "weight_decay",
    "optimizer",
    "warmup_epochs",
    "seed",
    "accumulate_grad_batches",
)


def as_encoder(encoder: nn.Module | Mapping[str, Any] | None) -> nn.Module:
    """``encoder`` itself, or the encoder its build spec (``encoder.build_spec`` of an encoder
    made by :func:`randquant.models.build_encoder`) describes."""
    if isinstance(encoder, nn.Module):
        return encoder
    if encoder is None:
        raise ValueError(
            "no encoder: the checkpoint holds no build spec (its encoder was not made by "
            "randquant.models.build_encoder); pass encoder=... to load_from_checkpoint"
        )
    from randquant.models.registry import encoder_from_spec

    return encoder_from_spec(encoder)


def as_views(views: ViewAugmentation | Mapping[str, Any]) -> ViewAugmentation:
    if not isinstance(views, Mapping):
        return views
    from randquant.augment import build_views

    return build_views(**views)


def _as_hparams(hparams: HParams | Mapping[str, Any], method: str) -> HParams:
    if not isinstance(hparams, Mapping):
        return hparams
    from randquant.config import PretrainConfig  # the one home of the rules

    return PretrainConfig(method=method, **hparams)


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite: training stopped at that step, before the epoch's
    checkpoint, so no diverged weights are saved or resumed."""


class SSLMethod(pl.LightningModule):
    """Shared base of the SSL methods; subclasses set the class constants and ``ssl_loss``.

    Args:
        encoder: the backbone; must have an integer ``out_dim``.
        views: the view pipeline (``randquant.augment.build_views``).
        num_classes: classes of the online linear classifier.
        hparams: training options (epochs, batch size, lr, optimiser, seed, ...).
    """

    name: ClassVar[str] = "ssl"
    #: The optimiser used when ``hparams.optimizer`` is None.
    default_optimizer: ClassVar[str] = "lars"
    #: Learning rate per 256 samples of global batch, used when ``hparams.lr`` is None.
    base_lr: ClassVar[float] = 0.3
    #: Weight decay used when ``hparams.weight_decay`` is None.
    default_weight_decay: ClassVar[float] = 1e-6

    def __init__(
        self,
        encoder: nn.Module | Mapping[str, Any],
        views: ViewAugmentation | Mapping[str, Any],
        num_classes: int,
        hparams: HParams | Mapping[str, Any],
        **options: Any,
    ) -> None:
        super().__init__()
        encoder, views = as_encoder(encoder), as_views(views)
        hparams = _as_hparams(hparams, self.name)
        out_dim = getattr(encoder, "out_dim", None)
        if not isinstance(out_dim, int) or out_dim < 1:
            raise ValueError(f"encoder must have a positive int out_dim, got {out_dim!r}")
        if num_classes < 1:
            raise ValueError(f"num_classes must be >= 1, got {num_classes!r}")
        optimizer = hparams.optimizer or self.default_optimizer
        check_optimizer(optimizer)
        self.encoder = encoder
        self.feature_dim = out_dim
        self.view_aug = views
        self.hp = hparams
        self.optimizer_name = optimizer
        self.classifier = nn.Linear(out_dim, num_classes)
        #: Set False by the engine when views are made per sample in DataLoader workers.
        self.augment_on_device = True
        #: Mean SSL loss of every finished epoch (restored from checkpoints).
        self.epoch_losses: list[float] = []
        #: Training seconds of the earlier attempts of this run (restored from checkpoints).
        self.train_seconds_before = 0.0
        self._fit_started = time.perf_counter()
        self._generator: torch.Generator | None = None
        self._loss_sum = torch.zeros(())
        self._loss_count = 0
        # Plain types only, so that ``load_from_checkpoint(path)`` alone rebuilds the method
        # and the checkpoint loads with ``torch.load(weights_only=True)``.
        plain = {
            "encoder": getattr(encoder, "build_spec", None),
            "views": views.options(),
            "num_classes": num_classes,
            "hparams": {name: getattr(hparams, name) for name in HPARAM_FIELDS},
            **self._build(options),
        }
        self.save_hyperparameters(plain)

    # --- what a method provides ------------------------------------------------------------

    def build(self) -> None:
        """Add the method's networks; a subclass's keyword-only arguments are its options
        (``SimCLR(..., temperature=0.2)``), saved with the checkpoint's hyperparameters."""

    def _build(self, options: Mapping[str, Any]) -> dict[str, Any]:
        try:
            bound = inspect.signature(self.build).bind(**options)
        except TypeError as err:
            raise ValueError(f"method {self.name!r}: {err}") from None
        bound.apply_defaults()
        self.build(**bound.arguments)
        return dict(bound.arguments)

    def ssl_loss(self, views: Views) -> tuple[Tensor, Tensor]:
        """Return ``(loss, features)``: the SSL loss and the encoder features of ``views.x2``."""
        raise NotImplementedError

    # --- shared helpers for the methods ----------------------------------------------------

    @property
    def generator(self) -> torch.Generator:
        """The augmentation generator of the current epoch (on the training device)."""
        if self._generator is None:
            self._reseed(epoch=0)
        assert self._generator is not None
        return self._generator

    def encode(
        self, encoder: nn.Module, x: Tensor, *, mix: tuple[Tensor, Tensor] | None = None
    ) -> Tensor:
        """Run ``encoder`` on ``x``, with RQ on the embedded tokens when the views ask for it.

        ``mix = (perm, lam)`` then mixes the embedded tokens (after RQ):
        ``t[i] = lam[i] * t[i] + (1 - lam[i]) * t[perm[i]]``.
        """
        transform = self.view_aug.embedding_transform
        if transform is None and mix is None:
            out: Tensor = encoder(x)
            return out
        gen = self.generator

        def on_tokens(t: Tensor) -> Tensor:
            if transform is not None:
                t = transform(t, generator=gen)
            if mix is not None:
                perm, lam = mix
                w = lam.to(device=t.device, dtype=t.dtype).reshape(-1, *([1] * (t.ndim - 1)))
                t = w * t + (1.0 - w) * t[perm.to(t.device)]
            return t

        out = encoder(x, embedding_transform=on_tokens)
        return out

    def encode_query(self, encoder: nn.Module, views: Views) -> Tensor:
        """Encode the first view as the online network sees it (e-Mix applied, on the input
        or on the embedded tokens)."""
        return self.encode(encoder, views.query1, mix=views.mix_embedding)

    def make_views(self, batch: Any) -> tuple[Views, Tensor]:
        """Two views (and e-Mix) from ``(x, y, idx)`` or a pre-augmented ``(x1, x2, y, idx)``."""
        gen = self.generator
        if self.augment_on_device:
            x, y = batch[0], batch[1]
            x1 = self.view_aug.input_transform(x, generator=gen)
            x2 = self.view_aug.input_transform(x, generator=gen)
        else:
            x1, x2, y = batch[0], batch[1], batch[2]
        if self.view_aug.mixup is None:
            return Views(x1, x2), y
        from randquant.augment import mix_batch

        if x1.dtype.is_floating_point:
            mixed, perm, lam = mix_batch(x1, self.view_aug.mixup, gen)
            return Views(x1, x2, mixed, perm, lam), y
        # token ids cannot be mixed: draw as mix_batch does, mix the embeddings in encode_query
        from randquant.augment.draws import beta, randperm

        like = x1.new_empty(0, dtype=torch.float32)
        alpha = self.view_aug.mixup.alpha
        lam = beta(alpha, alpha, (x1.shape[0],), gen, like).float()
        perm = randperm(x1.shape[0], gen, like)
        return Views(x1, x2, None, perm, lam), y

    # --- Lightning hooks -------------------------------------------------------------------

    def training_step(self, batch: Any, batch_idx: int) -> Tensor:
        views, y = self.make_views(batch)
        loss, feats = self.ssl_loss(views)
        logits = self.classifier(feats.detach().float())
        cls_loss = F.cross_entropy(logits, y)
        if not bool(torch.isfinite(loss.detach())):
            raise TrainingDiverged(
                f"{self.name} training diverged: the loss is {float(loss.detach()):g} at epoch "
                f"{self.current_epoch + 1}, batch {batch_idx + 1}; stopped there, no checkpoint "
                "of this epoch was written (try a lower learning rate or weight decay)"
            )
        acc = (logits.argmax(dim=1) == y).float().mean()
        n = int(y.shape[0])
        self.log("train/loss", loss, prog_bar=True, batch_size=n)
        self.log("train/online_acc", acc, prog_bar=True, batch_size=n)
        self.log("train/online_loss", cls_loss, batch_size=n)
        self._loss_sum = self._loss_sum.to(loss.device) + loss.detach().float()
        self._loss_count += 1
        return loss + cls_loss

    def on_train_epoch_start(self) -> None:
        self._reseed(epoch=self.current_epoch)
        self._loss_sum = torch.zeros((), device=self.device)
        self._loss_count = 0

    def on_train_epoch_end(self) -> None:
        mean = self._loss_sum / max(1, self._loss_count)
        mean = self.trainer.strategy.reduce(mean, reduce_op="mean")
        self.epoch_losses.append(float(mean))
        # already reduced; sync_dist only tells Lightning so (the mean of equal values is exact)
        self.log("train/epoch_loss", float(mean), sync_dist=True)
        self.log("train/epochs_done", float(self.current_epoch + 1), sync_dist=True)

    def on_fit_start(self) -> None:
        self._fit_started = time.perf_counter()

    def train_seconds(self) -> float:
        """Training wall time of the whole run so far: the earlier attempts (up to their last
        checkpoint) plus this one."""
        return self.train_seconds_before + (time.perf_counter() - self._fit_started)

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        checkpoint["randquant_epoch_losses"] = list(self.epoch_losses)
        checkpoint["randquant_run"] = {"method": self.name, "seed": self.hp.seed}
        checkpoint["randquant_train_seconds"] = self.train_seconds()

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        self.epoch_losses = [float(v) for v in checkpoint.get("randquant_epoch_losses", [])]
        self.train_seconds_before = float(checkpoint.get("randquant_train_seconds", 0.0))

    def configure_optimizers(self) -> Any:
        hp = self.hp
        world = self.trainer.world_size if self._trainer is not None else 1
        global_batch = hp.batch_size * world * hp.accumulate_grad_batches
        lr = hp.lr if hp.lr is not None else self.base_lr * global_batch / LR_REFERENCE_BATCH
        wd = hp.weight_decay if hp.weight_decay is not None else self.default_weight_decay
        groups = param_groups(
            self, classifier=self.classifier, classifier_lr=CLASSIFIER_LR[self.optimizer_name]
        )
        optimizer = build_optimizer(self.optimizer_name, groups, lr=lr, weight_decay=wd)
        total = self.total_steps()
        warmup = round(min(hp.warmup_epochs, hp.epochs) / max(1, hp.epochs) * total)
        schedule = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda step: warmup_cosine(step, total_steps=total, warmup_steps=warmup)
        )
        return {
            "optimizer": optimizer,
            "lr_scheduler": {"scheduler": schedule, "interval": "step", "frequency": 1},
        }

    def total_steps(self) -> int:
        """Optimizer steps of the whole run (known once the trainer is attached)."""
        if self._trainer is None:
            return 1
        return max(1, int(self.trainer.estimated_stepping_batches))

    def _reseed(self, *, epoch: int) -> None:
        rank = self.global_rank if self._trainer is not None else 0
        seed_everything(derive_seed(self.hp.seed, 1, rank, epoch))
        gen = torch.Generator(device=self.device)
        gen.manual_seed(derive_seed(self.hp.seed, 2, rank, epoch))
        self._generator = gen
