"""Synthetic phantoms with known ground truth.

Every generator takes a ``seed`` and returns a plain ``dict`` of numpy arrays:
the image(s) a student analyses and the ground truth the course checks against.
The same seed always gives the same bytes (numpy's ``default_rng`` / PCG64).
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi


def wood_radiograph(seed: int = 1, shape=(256, 320)) -> dict:
    """Neutron radiograph of a wooden block, with open-beam and dark-current frames.

    The block's thickness varies across the image and its attenuation follows
    annual growth rings (early wood light, late wood dense).  The beam is brighter
    in the centre than at the edges and the camera adds a dark-current offset and
    Poisson counting noise.  Ground truth: the true transmission
    ``exp(-mu * thickness)`` of every pixel, so that the flat-field correction
    ``(image - dark_current) / (open_beam - dark_current)`` can be checked.
    """
    rng = np.random.default_rng(seed)
    ny, nx = shape
    y, x = np.mgrid[0:ny, 0:nx].astype(float)
    # beam profile: smooth bright centre, about 55 % at the corners
    cy, cx = ny / 2, nx / 2
    beam = 4000.0 * np.exp(-(((y - cy) / (0.9 * ny)) ** 2 + ((x - cx) / (0.8 * nx)) ** 2))
    # dark current: offset plus a slight gradient (camera electronics)
    dark = 300.0 + 20.0 * x / nx
    # wooden block between rows/columns 15 % and 85 %, rounded thickness profile (cm)
    inside = (np.abs(y - cy) < 0.36 * ny) & (np.abs(x - cx) < 0.40 * nx)
    thickness = np.where(inside, 1.0 + 0.5 * np.cos((x - cx) / nx * np.pi), 0.0)
    # growth rings: distance to a pith outside the image, ring spacing ~ 18 px
    r = np.hypot(y + 0.6 * ny, x - 0.35 * nx)
    rings = 0.5 + 0.5 * np.cos(2 * np.pi * r / 18.0) ** 8
    mu = np.where(inside, 0.45 + 0.55 * rings, 0.0)  # 1/cm
    transmission = np.exp(-mu * thickness)
    open_beam = rng.poisson(beam + dark).astype(np.uint16)
    dark_current = rng.poisson(dark).astype(np.uint16)
    image = rng.poisson(beam * transmission + dark).astype(np.uint16)
    return {
        "image": image,
        "open_beam": open_beam,
        "dark_current": dark_current,
        "transmission": transmission.astype(np.float32),
        "mu": mu.astype(np.float32),
        "thickness": thickness.astype(np.float32),
    }


def bone_slice(seed: int = 2, shape=(384, 384), n_lacunae: int = 60) -> dict:
    """A cortical bone cross-section with lacunae (the cavities that hold osteocytes).

    The bone is a thick ring (cortex around a marrow cavity).  Lacunae are small
    dark ellipses placed inside the cortex without touching each other.  The
    image is a noisy, slightly blurred X-ray-like grey image (uint8).
    Ground truth: ``bone_mask``, ``lacunae`` (label image, 1..n), ``n_lacunae`` and
    each lacuna's centre, axes (pixels) and orientation (radians).
    """
    rng = np.random.default_rng(seed)
    ny, nx = shape
    y, x = np.mgrid[0:ny, 0:nx].astype(float)
    cy, cx = ny / 2, nx / 2
    r = np.hypot((y - cy) / 1.0, (x - cx) / 1.15)
    outer, inner = 0.45 * ny, 0.22 * ny
    bone = (r < outer) & (r > inner)
    labels = np.zeros(shape, dtype=np.uint16)
    centres, axes, angles = [], [], []
    tries = 0
    while len(centres) < n_lacunae and tries < 20000:
        tries += 1
        py, px = rng.uniform(0, ny), rng.uniform(0, nx)
        a, b = rng.uniform(4.0, 7.0), rng.uniform(2.0, 3.5)
        theta = rng.uniform(-np.pi / 2, np.pi / 2)
        rr = np.hypot((py - cy), (px - cx) / 1.15)
        if not (inner + 10 < rr < outer - 10):
            continue
        dy, dx = y - py, x - px
        u = dx * np.cos(theta) + dy * np.sin(theta)
        v = -dx * np.sin(theta) + dy * np.cos(theta)
        ell = (u / a) ** 2 + (v / b) ** 2 <= 1.0
        # keep a gap of 3 pixels to every other lacuna
        if (ndi.binary_dilation(ell, iterations=3) & (labels > 0)).any():
            continue
        labels[ell] = len(centres) + 1
        centres.append((py, px))
        axes.append((a, b))
        angles.append(theta)
    grey = np.where(bone, 170.0, 40.0)
    grey[labels > 0] = 70.0
    grey = ndi.gaussian_filter(grey, 1.0) + rng.normal(0, 12.0, shape)
    image = np.clip(grey, 0, 255).astype(np.uint8)
    return {
        "image": image,
        "bone_mask": bone,
        "lacunae": labels,
        "n_lacunae": np.array(len(centres)),
        "centres": np.array(centres),
        "axes": np.array(axes),
        "orientation": np.array(angles),
    }


def hyperspectral_cube(seed: int = 3, shape=(64, 64), n_bands: int = 100) -> dict:
    """A hyperspectral image (rows, columns, bands) mixed from three known materials.

    Each pixel's spectrum is a mixture of three endmember spectra with abundances
    that sum to one, plus Gaussian noise.  Ground truth: ``wavelengths`` (nm),
    ``endmembers`` (3 x bands), ``abundances`` (rows x cols x 3) and the names.
    """
    rng = np.random.default_rng(seed)
    wl = np.linspace(400.0, 1000.0, n_bands)
    # smooth, distinct spectra: vegetation-like red edge, mineral absorption dip, flat grey
    veg = 0.05 + 0.45 / (1 + np.exp(-(wl - 710.0) / 15.0)) + 0.06 * np.exp(-((wl - 550) / 30) ** 2)
    mineral = 0.55 - 0.30 * np.exp(-((wl - 870.0) / 60.0) ** 2) - 0.1 * (wl < 500)
    concrete = np.full_like(wl, 0.30) + 0.05 * (wl - 400) / 600
    endmembers = np.stack([veg, mineral, concrete])
    ny, nx = shape
    y, x = np.mgrid[0:ny, 0:nx].astype(float)
    a_veg = np.exp(-(((y - 20) / 14) ** 2 + ((x - 22) / 14) ** 2))
    a_min = np.clip((x - 25) / 40.0, 0, 1) * (y > 30)
    a_con = np.full(shape, 0.15)
    ab = np.stack([a_veg, a_min, a_con], axis=-1)
    ab /= ab.sum(axis=-1, keepdims=True)
    cube = ab @ endmembers + rng.normal(0, 0.01, (ny, nx, n_bands))
    return {
        "cube": cube.astype(np.float32),
        "wavelengths": wl,
        "endmembers": endmembers,
        "abundances": ab,
        "names": np.array(["vegetation", "mineral", "concrete"]),
    }


def foam_volume(seed: int = 4, shape=(64, 96, 96), n_pores: int = 40) -> dict:
    """A 3D closed-cell foam: a solid matrix with spherical pores.

    Pores have random radii (3 to 9 voxels) and may overlap.  The grey volume is
    blurred and noisy (float32, roughly 0 = pore, 1 = solid).
    Ground truth: ``solid`` (boolean), ``porosity`` (pore volume fraction) and the
    pore ``centres`` and ``radii``.
    """
    rng = np.random.default_rng(seed)
    nz, ny, nx = shape
    z, y, x = np.mgrid[0:nz, 0:ny, 0:nx].astype(np.float32)
    pores = np.zeros(shape, dtype=bool)
    centres = rng.uniform([4, 4, 4], [nz - 4, ny - 4, nx - 4], size=(n_pores, 3))
    radii = rng.uniform(3.0, 9.0, size=n_pores)
    for (pz, py, px), rad in zip(centres, radii):
        pores |= (z - pz) ** 2 + (y - py) ** 2 + (x - px) ** 2 <= rad**2
    solid = ~pores
    grey = ndi.gaussian_filter(solid.astype(np.float32), 1.0)
    grey += rng.normal(0, 0.15, shape).astype(np.float32)
    return {
        "volume": grey.astype(np.float32),
        "solid": solid,
        "porosity": np.array(pores.mean()),
        "centres": centres,
        "radii": radii,
    }
