"""Furniture point clouds from Sweet Home 3D's catalogues (Debian ``sweethome3d-furniture``).

Each ``.sh3f`` file is a zip of OBJ models and a ``PluginFurnitureCatalog.properties`` that
gives every model's category (Living room, Kitchen, Bedroom, ...). Each model is turned
upright with its ``modelRotation`` (y is up), 1,024 points are sampled uniformly on its
surface with trimesh (seeded per model), centred and scaled into the unit sphere. xyz are the
channels (``channel_dim=-1``). Categories with fewer than 20 models are left out.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from randquant.data.sources import Advance, Source, SourceIndex, index_by_key

FURNITURE_DIR = Path("/usr/share/sweethome3d/furniture")
NUM_POINTS = 1024


def parse_properties(text: str) -> dict[str, str]:
    """A minimal Java ``.properties`` parser: ``key=value`` lines, ``#`` comments, ``\\`` joins."""
    out: dict[str, str] = {}
    pending = ""
    for raw in text.splitlines():
        line = pending + raw.strip()
        pending = ""
        if line.endswith("\\") and not line.endswith("\\\\"):
            pending = line[:-1]
            continue
        if not line or line[0] in "#!":
            continue
        key, sep, value = line.partition("=")
        if sep:
            out[key.strip()] = (
                value.strip().encode("latin-1", "backslashreplace").decode("unicode_escape")
            )
    return out


def catalog_models(sh3f: Path) -> list[tuple[str, str, np.ndarray | None]]:
    """``(model path in the zip, category, rotation 3x3 or None)`` for each model of a catalogue."""
    try:
        with zipfile.ZipFile(sh3f) as zf:
            props = parse_properties(zf.read("PluginFurnitureCatalog.properties").decode("latin-1"))
    except (OSError, KeyError, zipfile.BadZipFile) as err:
        raise ValueError(f"cannot read furniture catalogue {sh3f}: {err}") from err
    out = []
    for key, model in props.items():
        if not key.startswith("model#"):
            continue
        n = key.split("#", 1)[1]
        category = props.get(f"category#{n}", "")
        rot = props.get(f"modelRotation#{n}")
        matrix = np.array([float(v) for v in rot.split()]).reshape(3, 3) if rot else None
        out.append((model.lstrip("/"), category, matrix))
    return out


def normalize_points(points: np.ndarray) -> np.ndarray:
    """Centre a ``(P, 3)`` cloud on its centroid and scale it into the unit sphere."""
    centred: np.ndarray = points - points.mean(axis=0, keepdims=True)
    radius = float(np.linalg.norm(centred, axis=1).max())
    return centred / radius if radius > 0 else centred


def sample_mesh_points(mesh: Any, count: int, *, seed: int, where: str) -> np.ndarray:
    """``count`` surface points of a trimesh mesh (seeded), normalised; errors name ``where``."""
    import trimesh

    if not isinstance(mesh, trimesh.Trimesh) or len(mesh.faces) == 0 or mesh.area <= 0:
        raise ValueError(f"{where}: mesh has no surface to sample")
    pts, _ = trimesh.sample.sample_surface(mesh, count, seed=seed)
    return normalize_points(np.asarray(pts, dtype=np.float64)).astype(np.float32)


def _load_obj(zf: zipfile.ZipFile, member: str, where: str) -> Any:
    import trimesh

    try:
        data = zf.read(member)
        return trimesh.load(
            io.BytesIO(data), file_type="obj", force="mesh", skip_materials=True, process=False
        )
    except Exception as err:
        raise ValueError(f"cannot load the mesh {where}: {err}") from err


class Furniture(Source):
    """Sweet Home 3D furniture sampled to ``(1024, 3)`` point clouds, labelled by category."""

    name = "furniture"
    modality = "points"
    layout = "points"
    description = "Sweet Home 3D furniture, 1,024 surface points (y up), 11 categories"
    apt = ("sweethome3d-furniture",)
    full_size = "656 train / 162 test, 1024 points x 3"
    min_per_class = 20

    def __init__(self, root: Path = FURNITURE_DIR) -> None:
        self.root = root

    def source_files(self) -> list[Path]:
        self.require_files(self.root)
        files = sorted(self.root.glob("*.sh3f"))
        if not files:
            raise self.missing(f".sh3f catalogues in {self.root}")
        return files

    def index(self) -> SourceIndex:
        entries = [(f, m, c, r) for f in self.source_files() for m, c, r in catalog_models(f)]
        items = [(f, m, r) for f, m, _, r in entries]
        return index_by_key(items, [c for _, _, c, _ in entries], min_count=self.min_per_class)

    def load(self, items: Sequence[Any], advance: Advance) -> torch.Tensor:
        out = np.zeros((len(items), NUM_POINTS, 3), dtype=np.float32)
        zips: dict[Path, zipfile.ZipFile] = {}
        try:
            for i, (sh3f, member, rot) in enumerate(items):
                zf = zips.get(sh3f) or zips.setdefault(sh3f, zipfile.ZipFile(sh3f))
                where = f"{sh3f}:{member}"
                mesh = _load_obj(zf, member, where)
                if rot is not None:
                    mesh.vertices = np.asarray(mesh.vertices) @ np.asarray(rot).T
                out[i] = sample_mesh_points(mesh, NUM_POINTS, seed=i, where=where)
                advance(1)
        finally:
            for zf in zips.values():
                zf.close()
        return torch.from_numpy(out)

    def meta(self) -> dict[str, Any]:
        return {**super().meta(), "up_axis": "y", "num_points": NUM_POINTS}


SOURCES = (Furniture,)
