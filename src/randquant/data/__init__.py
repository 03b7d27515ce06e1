"""Datasets: the in-memory :class:`Dataset` type, loaders and named sources."""

from randquant.data.base import LAYOUTS, Dataset, Layout, SplitData, validate_dataset
from randquant.data.standardize import standardize
from randquant.data.user import load_user_data

__all__ = ["LAYOUTS", "Dataset", "Layout", "SplitData", "validate_dataset"]
__all__ += ["load_user_data", "standardize"]
