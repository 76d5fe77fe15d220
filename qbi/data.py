"""The course's data catalogue: every dataset a notebook uses, by name.

>>> from qbi import data
>>> wood = data.load("wood_radiograph")      # dict of numpy arrays
>>> sorted(wood)                              # image, open_beam, dark_current, ground truth...
>>> data.info("wood_radiograph")["ground_truth"]

Two kinds of dataset exist:

* ``bundled``: shipped inside an installed package (scikit-image, scikit-learn,
  pydicom); nothing is downloaded.
* ``generated``: made by a function in :mod:`qbi.phantoms` with a fixed seed and
  cached as ``data/<name>.npz`` next to a ``data/<name>.npz.sha256`` checksum.
  The checksum is verified on every load: a missing file is generated, a file
  whose bytes do not match its checksum is reported and regenerated, so a
  damaged file never reaches a notebook.
"""

from __future__ import annotations

import hashlib
import io
import os
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from . import phantoms


class DataError(RuntimeError):
    """A dataset could not be loaded; the message names the file and the fix."""


@dataclass(frozen=True)
class Dataset:
    name: str
    kind: str  # "bundled" or "generated"
    description: str
    source: str
    ground_truth: str
    loader: Callable[[], dict] = field(repr=False)
    seed: int | None = None


def _skimage(name: str) -> Callable[[], dict]:
    def load() -> dict:
        from skimage import data as skdata

        return {"image": getattr(skdata, name)()}

    return load


def _digits() -> dict:
    from sklearn.datasets import load_digits

    d = load_digits()
    return {"images": d.images, "target": d.target}


def _pydicom(filename: str) -> Callable[[], dict]:
    def load() -> dict:
        import pydicom
        from pydicom.data import get_testdata_file

        path = get_testdata_file(filename)
        if path is None:  # pragma: no cover - depends on the pydicom wheel
            raise DataError(f"pydicom does not ship {filename}; reinstall pydicom from requirements.txt")
        ds = pydicom.dcmread(path)
        return {"image": ds.pixel_array, "pixel_spacing": np.array(ds.PixelSpacing, dtype=float)}

    return load


def _generated(func: Callable[..., dict], seed: int) -> Callable[[], dict]:
    return lambda: func(seed=seed)


_CATALOGUE: list[Dataset] = [
    # --- generated phantoms -------------------------------------------------
    Dataset(
        "wood_radiograph", "generated",
        "Neutron radiograph of a wooden block with growth rings (256 x 320, uint16 counts), "
        "with an open-beam and a dark-current frame for flat-field correction.",
        "qbi.phantoms.wood_radiograph", 
        "transmission (true exp(-mu*thickness) per pixel), mu (1/cm), thickness (cm)",
        _generated(phantoms.wood_radiograph, 1), seed=1,
    ),
    Dataset(
        "bone_slice", "generated",
        "Cortical bone cross-section with about 60 lacunae (384 x 384, uint8).",
        "qbi.phantoms.bone_slice",
        "bone_mask, lacunae (label image), n_lacunae, centres, axes, orientation of every lacuna",
        _generated(phantoms.bone_slice, 2), seed=2,
    ),
    Dataset(
        "bone_slice_crowded", "generated",
        "Bone slice that is hard to count: 70 lacunae, 15 pairs touching tip to tip, noise 30 "
        "grey values (384 x 384, uint8).",
        "qbi.phantoms.bone_slice_crowded",
        "bone_mask, lacunae (label image), n_lacunae, centres, axes, orientation of every "
        "lacuna, touching (the label pairs that touch), noise",
        _generated(phantoms.bone_slice_crowded, 27), seed=27,
    ),
    Dataset(
        "hyperspectral_cube", "generated",
        "Hyperspectral image, 64 x 64 pixels x 100 bands (400-1000 nm), mixed from three materials.",
        "qbi.phantoms.hyperspectral_cube",
        "endmembers (3 spectra), abundances (per pixel, sum to one), wavelengths, names",
        _generated(phantoms.hyperspectral_cube, 3), seed=3,
    ),
    Dataset(
        "foam_volume", "generated",
        "3D closed-cell foam, 64 x 96 x 96 voxels (float32), solid matrix with 40 spherical pores.",
        "qbi.phantoms.foam_volume",
        "solid (boolean mask), porosity, pore centres and radii",
        _generated(phantoms.foam_volume, 4), seed=4,
    ),
    Dataset(
        "shapes", "generated",
        "600 small noisy images (32 x 32, float32) of circles, squares and triangles, 200 of each.",
        "qbi.phantoms.shapes",
        "labels (0 circle, 1 square, 2 triangle), names, masks (the shape of every image)",
        _generated(phantoms.shapes, 5), seed=5,
    ),
    Dataset(
        "test_pattern", "generated",
        "Filter test pattern (256 x 256, float32 in [0, 1]): ramp, edges, shrinking disks, "
        "line gratings, dots; and a copy with a vertical stripe artefact.",
        "qbi.phantoms.test_pattern",
        "clean (the noise-free image), stripes (the artefact alone)",
        _generated(phantoms.test_pattern, 6), seed=6,
    ),
    Dataset(
        "grains", "generated",
        "40 touching round grains (256 x 256, float32), unevenly lit, blurred and noisy.",
        "qbi.phantoms.grains",
        "labels (one per grain), n_grains, centres, radii, mask, illumination field, "
        "the evenly lit image",
        _generated(phantoms.grains, 7), seed=7,
    ),
    Dataset(
        "textures", "generated",
        "Four textures with the same mean grey value in random regions (192 x 192, float32).",
        "qbi.phantoms.textures",
        "labels (per-pixel class: smooth, grain, horizontal stripes, vertical stripes), names",
        _generated(phantoms.textures, 8), seed=8,
    ),
    # --- week 8 datasets (added below this line by week 8) --------------------
    Dataset(
        "treatment_groups", "generated",
        "Two groups (control, treated) of 4 images each (160 x 160, float32), 20 round objects "
        "per image whose radii differ by a known effect (7.0 vs 7.5 px, sd 1.0 px).",
        "qbi.phantoms.treatment_groups",
        "labels (per image), group (per image), radii, object_image, object_group (per object), "
        "mean_radius, sd_radius, effect_size (Cohen's d = 0.5)",
        _generated(phantoms.treatment_groups, 80), seed=80,
    ),
    # --- week 9 datasets (added below this line by week 9) --------------------
    Dataset(
        "particle_movie", "generated",
        "2D+t movie of about 30 particles (40 frames of 128 x 128, float32): drift plus "
        "Brownian motion, particles appearing, vanishing, leaving the field and crossing.",
        "qbi.phantoms.particle_movie",
        "trajectories (track x frame x row/col, -1 when not in view), present, start, end, "
        "fate (in view to the end, vanished, left), velocity, amplitude, n_per_frame, the "
        "clean movie, drift, step, sigma",
        _generated(phantoms.particle_movie, 9), seed=9,
    ),
    # --- week 10 datasets (added below this line by week 10) ------------------
    Dataset(
        "neutron_xray", "generated",
        "One slice of a sample of four materials (aluminium, polymer, lead, iron) in neutron "
        "and X-ray contrast (160 x 160 each, float32, 1/cm); each modality alone sees two "
        "groups of two, and the X-ray slice is shifted by a few pixels. Also two crossed "
        "wedges (polymer, lead) in a neutron and an X-ray radiograph (64 x 96).",
        "qbi.phantoms.neutron_xray",
        "labels (material per pixel, neutron frame), labels_xray, shift (dy, dx) of the X-ray "
        "slice, mu (4 materials x 2 modalities), names, noise, blur; wedge_thickness (cm) and "
        "wedge_mu of the two-material radiographs",
        _generated(phantoms.neutron_xray, 10), seed=10,
    ),
    Dataset(
        "neutron_xray_exercise", "generated",
        "The neutron_xray sample with another grain layout, noise and shift (the exercise's "
        "copy): 160 x 160 neutron and X-ray slices and the two-wedge radiographs.",
        "qbi.phantoms.neutron_xray",
        "as neutron_xray: labels, labels_xray, shift, mu, names; wedge_thickness, wedge_mu",
        _generated(phantoms.neutron_xray, 11), seed=11,
    ),
    Dataset("mr_small", "bundled", "Small MR slice, 64 x 64 int16 (DICOM).",
            "pydicom: pydicom.data.get_testdata_file('MR_small.dcm')",
            "none; pixel_spacing in mm", _pydicom("MR_small.dcm")),
    Dataset("brain_t1", "bundled",
            "Anatomical (T1-weighted) MRI of a brain, 33 x 41 x 25 voxels of 2 mm (NIfTI).",
            "nibabel: nibabel.testing.data_path / anatomical.nii",
            "none; affine (voxel to world mm), zooms (voxel size mm)",
            lambda: __import__("qbi.multimodal").multimodal.load_nifti("anatomical.nii")),
    Dataset("brain_fmri", "bundled",
            "Functional (EPI) MRI series of the same brain space, 17 x 21 x 3 voxels of "
            "4 x 4 x 8 mm, 20 time points (NIfTI).",
            "nibabel: nibabel.testing.data_path / functional.nii",
            "none; affine (voxel to world mm), zooms (voxel size mm, time step s)",
            lambda: __import__("qbi.multimodal").multimodal.load_nifti("functional.nii")),
    # --- week 11 datasets (added below this line by week 11) ------------------
    # --- bundled with a dependency ------------------------------------------
    Dataset("camera", "bundled", "Cameraman, 512 x 512 grey (uint8).",
            "scikit-image: skimage.data.camera", "none", _skimage("camera")),
    Dataset("astronaut", "bundled", "Astronaut Eileen Collins, 512 x 512 RGB (uint8).",
            "scikit-image: skimage.data.astronaut", "none", _skimage("astronaut")),
    Dataset("coins", "bundled", "Greek coins on a dark background, 303 x 384 grey (uint8).",
            "scikit-image: skimage.data.coins", "none", _skimage("coins")),
    Dataset("cells", "bundled", "Cell, fluorescence microscopy, 660 x 550 grey (uint8).",
            "scikit-image: skimage.data.cell", "none", _skimage("cell")),
    Dataset("immunohistochemistry", "bundled",
            "Immunohistochemistry (IHC) staining, 512 x 512 RGB (uint8).",
            "scikit-image: skimage.data.immunohistochemistry", "none",
            _skimage("immunohistochemistry")),
    Dataset("shepp_logan", "bundled", "Shepp-Logan CT phantom, 400 x 400 float64 in [0, 1].",
            "scikit-image: skimage.data.shepp_logan_phantom",
            "the phantom itself is the ground truth of a tomography", _skimage("shepp_logan_phantom")),
    Dataset("digits", "bundled", "1797 hand-written digits, 8 x 8 pixels, values 0-16.",
            "scikit-learn: sklearn.datasets.load_digits", "target (the digit 0-9 of each image)",
            _digits),
    Dataset("ct_small", "bundled", "Small CT slice, 128 x 128 int16 (DICOM).",
            "pydicom: pydicom.data.get_testdata_file('CT_small.dcm')",
            "none; pixel_spacing in mm", _pydicom("CT_small.dcm")),
]

CATALOGUE: dict[str, Dataset] = {d.name: d for d in _CATALOGUE}


def names() -> list[str]:
    """Names of all datasets, in catalogue order."""
    return list(CATALOGUE)


def info(name: str) -> dict:
    """What a dataset is, where it comes from and what ground truth it carries."""
    d = _get(name)
    return {
        "name": d.name, "kind": d.kind, "description": d.description,
        "source": d.source, "seed": d.seed, "ground_truth": d.ground_truth,
    }


def data_dir() -> Path:
    """Where generated datasets are cached: ``$QBI_DATA_DIR`` or ``data/`` at the repository root."""
    env = os.environ.get("QBI_DATA_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "data"


def path(name: str) -> Path:
    """The cache file of a generated dataset."""
    return data_dir() / f"{name}.npz"


def _get(name: str) -> Dataset:
    try:
        return CATALOGUE[name]
    except KeyError:
        raise KeyError(f"unknown dataset {name!r}; known: {', '.join(CATALOGUE)} "
                       "(or run: python -m qbi data list)") from None


def _npz_bytes(arrays: dict) -> bytes:
    """An .npz archive whose bytes depend only on the arrays (fixed timestamps, sorted names)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for key in sorted(arrays):
            arr = np.asarray(arrays[key])
            if arr.dtype == object:
                raise TypeError(f"{key}: object arrays cannot be cached")
            member = io.BytesIO()
            np.lib.format.write_array(member, arr, allow_pickle=False)
            zinfo = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            zinfo.compress_type = zipfile.ZIP_DEFLATED
            zinfo.external_attr = 0o644 << 16
            zf.writestr(zinfo, member.getvalue())
    return buf.getvalue()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def generate(name: str) -> Path:
    """(Re)generate a dataset into the cache and write its checksum; returns the file."""
    d = _get(name)
    if d.kind != "generated":
        raise ValueError(f"{name} is bundled with {d.source.split(':')[0]}, nothing to generate")
    blob = _npz_bytes(d.loader())
    target = path(name)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".npz.tmp")
    tmp.write_bytes(blob)
    tmp.replace(target)
    Path(f"{target}.sha256").write_text(f"{_sha256(blob)}  {target.name}\n")
    return target


def _recorded_checksum(target: Path) -> str | None:
    check = Path(f"{target}.sha256")
    if not check.exists():
        return None
    words = check.read_text().split()
    return words[0] if words else None


def verify(name: str) -> bool:
    """True when the cached file exists and its bytes match the recorded checksum."""
    target = path(name)
    return target.exists() and _sha256(target.read_bytes()) == _recorded_checksum(target)


def load(name: str) -> dict:
    """Load a dataset as a ``dict`` of numpy arrays.

    Generated datasets come from the cache, verified against their checksum;
    a missing or damaged cache file is (re)generated first.
    """
    d = _get(name)
    if d.kind == "bundled":
        return d.loader()
    target = path(name)
    blob = target.read_bytes() if target.exists() else None
    if blob is not None and _sha256(blob) != _recorded_checksum(target):
        print(f"qbi.data: {target} does not match its checksum {target.name}.sha256 "
              "(damaged or edited); regenerating it.", file=sys.stderr)
        blob = None
    if blob is None:
        try:
            generate(name)
        except OSError as err:
            raise DataError(f"cannot write {target}: {err}. Fix: make {target.parent} writable "
                            f"or set QBI_DATA_DIR to a writable folder.") from err
        blob = target.read_bytes()
        if _sha256(blob) != _recorded_checksum(target):
            raise DataError(f"{target} changed while it was being written; delete it and run "
                            f"`python -m qbi data generate {name}`.")
    with np.load(io.BytesIO(blob), allow_pickle=False) as npz:
        return {key: npz[key] for key in npz.files}


def main(argv: list[str]) -> int:
    """``python -m qbi data list|info NAME|generate [NAME...]``."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m qbi data", description="The course datasets.")
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("list", help="list every dataset")
    p_info = sub.add_parser("info", help="describe one dataset")
    p_info.add_argument("name")
    p_gen = sub.add_parser("generate", help="generate (all or the named) datasets into the cache")
    p_gen.add_argument("names", nargs="*")
    args = parser.parse_args(argv)
    if args.action == "list":
        width = max(map(len, CATALOGUE))
        for d in CATALOGUE.values():
            where = f"{d.source} (seed {d.seed})" if d.kind == "generated" else d.source
            print(f"{d.name:<{width}}  {d.kind:<9}  {where}")
            print(f"{'':<{width}}  {'':<9}  {d.description}")
        return 0
    if args.action == "info":
        for key, value in info(args.name).items():
            print(f"{key:>13}: {value}")
        return 0
    todo = args.names or [d.name for d in CATALOGUE.values() if d.kind == "generated"]
    for name in todo:
        target = generate(name)
        print(f"generated {target} ({target.stat().st_size / 1e6:.1f} MB)")
    return 0
