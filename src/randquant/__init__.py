"""randquant: Randomized Quantization for self-supervised learning on any data."""

from randquant.ops import (
    QuantizationParams,
    RandomizedQuantization,
    RQOptions,
    randomized_quantization,
)

__all__ = [
    "QuantizationParams",
    "RQOptions",
    "RandomizedQuantization",
    "__version__",
    "randomized_quantization",
]
__version__ = "0.1.0"
