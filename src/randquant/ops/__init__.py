"""The Randomized Quantization op: sampler, functional kernel and module."""

from randquant.ops.functional import apply_quantization, randomized_quantization
from randquant.ops.module import RandomizedQuantization
from randquant.ops.options import RQOptions
from randquant.ops.params import QuantizationParams
from randquant.ops.sampler import sample_quantization_params

__all__ = [
    "QuantizationParams",
    "RQOptions",
    "RandomizedQuantization",
    "apply_quantization",
    "randomized_quantization",
    "sample_quantization_params",
]
