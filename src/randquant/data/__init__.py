"""Datasets: the in-memory :class:`Dataset` type, loaders and named sources."""

from randquant.data.base import LAYOUTS, Dataset, Layout, SplitData, validate_dataset

__all__ = ["LAYOUTS", "Dataset", "Layout", "SplitData", "validate_dataset"]
