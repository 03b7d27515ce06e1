"""ModelNet-style OFF (or PLY) meshes, sampled to point clouds.

Folder ``root/<class>/train/*.off`` + ``root/<class>/test/*.off`` (ModelNet10/40), or the other
arrangements of :func:`~randquant.data.files.class_folder_files`. Each mesh is sampled to
``num_points`` surface points with trimesh (seeded per file), centred, scaled into the unit
sphere and turned from ModelNet's z-up to y-up (``(x, y, z) -> (x, z, -y)``), the axis the
point-cloud augmentations rotate about.

>>> ds = load_modelnet("ModelNet10/", num_points=1024)  # doctest: +SKIP
"""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any

import numpy as np

from randquant.data.base import Dataset
from randquant.data.files import class_folder_files, dataset_from_files
from randquant.data.furniture import sample_mesh_points


def read_off(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """``(vertices (V, 3) float64, triangles (F, 3) int64)`` of an OFF file (polygons fanned).

    Accepts ModelNet's glued first line (``OFF490 518 0``). A bad or truncated file raises
    ``ValueError`` naming it.
    """
    try:
        tokens = path.read_text(encoding="ascii", errors="strict").split()
    except (OSError, UnicodeDecodeError) as err:
        raise ValueError(f"cannot read OFF file {path}: {err}") from err
    if not tokens or not tokens[0].startswith("OFF"):
        raise ValueError(f"{path} is not an OFF file (no 'OFF' header)")
    rest = ([tokens[0][3:]] if len(tokens[0]) > 3 else []) + tokens[1:]
    try:
        nv, nf = int(rest[0]), int(rest[1])
        pos = 3
        verts = np.array(rest[pos : pos + 3 * nv], dtype=np.float64)
        if len(verts) != 3 * nv:
            raise ValueError(f"{len(verts) // 3} vertices of {nv}")
        pos += 3 * nv
        tris: list[tuple[int, int, int]] = []
        for _ in range(nf):
            k = int(rest[pos])
            poly = [int(v) for v in rest[pos + 1 : pos + 1 + k]]
            if len(poly) != k:
                raise ValueError("a face is cut short")
            tris += [(poly[0], poly[j], poly[j + 1]) for j in range(1, k - 1)]
            pos += 1 + k
    except (IndexError, ValueError) as err:
        raise ValueError(f"OFF file {path} is truncated or malformed: {err}") from err
    _check_vertices(verts.reshape(nv, 3), path)
    faces = np.array(tris, dtype=np.int64).reshape(-1, 3)
    if faces.size and (faces.min() < 0 or faces.max() >= nv):
        raise ValueError(f"OFF file {path}: a face refers to a vertex outside [0, {nv})")
    return verts.reshape(nv, 3), faces


def _check_vertices(verts: np.ndarray, path: Path) -> None:
    bad = ~(np.abs(verts) <= np.finfo(np.float32).max).all(axis=1)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"mesh file {path}: vertex {k} ({int(bad.sum())} in all) has a NaN, inf or "
            "beyond-float32 coordinate"
        )


#: Mesh files a class folder may hold.
MESH_EXTENSIONS = frozenset({".off", ".ply"})


def read_mesh(path: Path) -> Any:
    """A trimesh mesh from an OFF (read here, ModelNet quirks included) or PLY file (read by
    trimesh); a bad file raises ``ValueError`` naming it."""
    import trimesh

    if path.suffix.lower() == ".off":
        verts, faces = read_off(path)
        return trimesh.Trimesh(vertices=verts, faces=faces, process=False)
    try:
        mesh: Any = trimesh.load(
            path, file_type=path.suffix.lower()[1:], force="mesh", process=False
        )
    except Exception as err:
        raise ValueError(f"cannot read mesh file {path}: {str(err)[:200]}") from err
    _check_vertices(np.asarray(mesh.vertices, dtype=np.float64), path)
    return mesh


def off_to_points(path: Path, num_points: int) -> np.ndarray:
    """``(num_points, 3)`` float32 surface samples of an OFF or PLY mesh, unit sphere, y up."""
    mesh = read_mesh(path)
    seed = zlib.crc32(path.name.encode())
    pts = sample_mesh_points(mesh, num_points, seed=seed, where=str(path))
    return np.stack([pts[:, 0], pts[:, 2], -pts[:, 1]], axis=1)


def load_modelnet(
    root: Path | str,
    *,
    num_points: int = 1024,
    test_fraction: float = 0.2,
    seed: int = 0,
    skip_bad: bool = False,
) -> Dataset:
    """A ``points`` :class:`Dataset` ``(N, num_points, 3)`` from class folders of OFF or PLY
    meshes."""
    if num_points < 1:
        raise ValueError(f"num_points must be >= 1, got {num_points}")
    root = Path(root)
    splits = class_folder_files(root, MESH_EXTENSIONS, test_fraction=test_fraction, seed=seed)
    meta = {"modality": "points", "source": str(root), "up_axis": "y", "num_points": num_points}
    return dataset_from_files(
        root.resolve().name,
        "points",
        splits,
        lambda p: off_to_points(p, num_points),
        skip_bad=skip_bad,
        what="meshes",
        meta=meta,
    )
