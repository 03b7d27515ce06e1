"""Modality-specific augmentation sets, each also available piece by piece.

``specific`` resolves by modality:

==========  ========  ====================================================================
modality    layout    set
==========  ========  ====================================================================
image       image     ``img_rrc+img_flip+img_color+img_gray+img_blur`` (SimCLR)
audio       sequence  ``spec_mixup+spec_rrc+spec_mask`` (BYOL-A + SpecAugment)
points      points    ``pc_rotate+pc_scale+pc_jitter+pc_dropout`` (PointNet++)
sensor      sequence  ``ts_jitter+ts_scale+ts_warp:p=0.5+ts_permute:p=0.5`` (Um et al.)
tabular     vector    ``scarf`` (SCARF; fallback, no field-wide standard set)
text        tokens    ``crop+mask:ratio=0.15`` (fallback, no field-wide standard set)
==========  ========  ====================================================================
"""

from __future__ import annotations

from collections.abc import Callable

from randquant.augment.base import BatchAugmentation, Compose
from randquant.augment.specific.audio import (
    BackgroundMixup,
    SpecAugmentMask,
    SpectrogramResizedCrop,
    audio_specific,
)
from randquant.augment.specific.image import (
    ColorJitter,
    GaussianBlur,
    HorizontalFlip,
    ImageResizedCrop,
    RandomGrayscale,
    image_specific,
)
from randquant.augment.specific.points import (
    AnisotropicScale,
    PointDropout,
    PointJitter,
    UpAxisRotation,
    points_specific,
)
from randquant.augment.specific.sensor import (
    SegmentPermutation,
    SensorJitter,
    SensorScale,
    TimeWarp,
    sensor_specific,
)
from randquant.augment.specific.tabular import tabular_specific, text_specific

#: modality -> (the layout it needs, the factory of its set)
SPECIFIC_SETS: dict[str, tuple[str, Callable[..., Compose]]] = {
    "image": ("image", image_specific),
    "audio": ("sequence", audio_specific),
    "points": ("points", points_specific),
    "sensor": ("sequence", sensor_specific),
    "tabular": ("vector", tabular_specific),
    "text": ("tokens", text_specific),
}

#: every piece, by spec name
SPECIFIC_PIECES: tuple[type[BatchAugmentation], ...] = (
    ImageResizedCrop,
    HorizontalFlip,
    ColorJitter,
    RandomGrayscale,
    GaussianBlur,
    BackgroundMixup,
    SpectrogramResizedCrop,
    SpecAugmentMask,
    UpAxisRotation,
    AnisotropicScale,
    PointJitter,
    PointDropout,
    SensorJitter,
    SensorScale,
    TimeWarp,
    SegmentPermutation,
)


class Specific(Compose):
    """``specific``: the strong modality-specific set of the data's modality.

    image: SimCLR's set; audio: BYOL-A's plus SpecAugment; points: PointNet++'s; sensor:
    Um et al.'s; tabular: SCARF; text: crop+mask (see the module table).
    """

    name = "specific"

    def __init__(self, *, layout: str, modality: str) -> None:
        if modality not in SPECIFIC_SETS:
            raise ValueError(
                f"specific: unknown modality {modality!r}; known: {', '.join(SPECIFIC_SETS)}"
            )
        needs, factory = SPECIFIC_SETS[modality]
        if layout != needs:
            raise ValueError(
                f"specific: modality {modality!r} needs layout {needs!r}, got layout {layout!r}"
            )
        super().__init__(list(factory(layout=layout)))
        self.layout = layout
        self.modality = modality

    def to_spec(self) -> str:
        return "specific"

    def extra_repr(self) -> str:
        return f"modality={self.modality!r}, layout={self.layout!r}"


__all__ = [
    "SPECIFIC_PIECES",
    "SPECIFIC_SETS",
    "AnisotropicScale",
    "BackgroundMixup",
    "ColorJitter",
    "GaussianBlur",
    "HorizontalFlip",
    "ImageResizedCrop",
    "PointDropout",
    "PointJitter",
    "RandomGrayscale",
    "SegmentPermutation",
    "SensorJitter",
    "SensorScale",
    "SpecAugmentMask",
    "Specific",
    "SpectrogramResizedCrop",
    "TimeWarp",
    "UpAxisRotation",
]
