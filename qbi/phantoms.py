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


def _disk(shape, cy, cx, r):
    y, x = np.ogrid[0 : shape[0], 0 : shape[1]]
    return (y - cy) ** 2 + (x - cx) ** 2 <= r**2


def shapes(seed: int = 5, n: int = 600, size: int = 32) -> dict:
    """A labelled classification dataset: small noisy images of circles, squares and triangles.

    Each image holds one filled shape of random size, position, rotation and
    brightness on a noisy background; classes are balanced (``n // 3`` each, in
    random order).  Ground truth: ``labels`` (0 circle, 1 square, 2 triangle),
    ``names`` and the binary ``masks`` of the shapes.
    """
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n) % 3)
    images = np.zeros((n, size, size), dtype=np.float32)
    masks = np.zeros((n, size, size), dtype=bool)
    yy, xx = np.mgrid[0:size, 0:size].astype(float)
    for i, lab in enumerate(labels):
        r = rng.uniform(0.18, 0.32) * size
        cy, cx = rng.uniform(r + 1, size - r - 1, size=2)
        theta = rng.uniform(0, 2 * np.pi)
        dy, dx = yy - cy, xx - cx
        u = dx * np.cos(theta) + dy * np.sin(theta)
        v = -dx * np.sin(theta) + dy * np.cos(theta)
        if lab == 0:
            m = u**2 + v**2 <= r**2
        elif lab == 1:
            half = r * 0.85
            m = (np.abs(u) <= half) & (np.abs(v) <= half)
        else:  # equilateral triangle: inside three half-planes
            m = np.ones_like(u, dtype=bool)
            for k in range(3):
                a = theta + k * 2 * np.pi / 3
                m &= (dx * np.cos(a) + dy * np.sin(a)) <= r * 0.6
        masks[i] = m
        fg, bg = rng.uniform(0.6, 1.0), rng.uniform(0.0, 0.3)
        img = np.where(m, fg, bg) + rng.normal(0, 0.08, (size, size))
        images[i] = ndi.gaussian_filter(img, 0.7)
    return {
        "images": images,
        "labels": labels,
        "masks": masks,
        "names": np.array(["circle", "square", "triangle"]),
    }


def test_pattern(seed: int = 6, shape=(256, 256)) -> dict:
    """A clean test pattern for judging filters, and a copy with a stripe artefact.

    The clean image (float in [0, 1]) has flat regions, sharp edges, disks of
    decreasing size, a smooth ramp and line gratings of increasing frequency, so a
    filter can be judged on noise removal *and* on what detail it keeps.  The
    ``striped`` image adds a fixed-pattern artefact (vertical stripes of one
    spatial frequency, like a detector with uneven columns) that a Fourier filter
    removes.  Ground truth: ``clean``; ``stripes`` (the artefact alone).
    No noise is added: the lecture adds Gaussian, Poisson and salt-and-pepper noise
    with its own seeded generator.
    """
    rng = np.random.default_rng(seed)
    ny, nx = shape
    y, x = np.mgrid[0:ny, 0:nx].astype(float)
    img = np.full(shape, 0.2)
    img[: ny // 2, : nx // 2] = 0.2 + 0.6 * x[: ny // 2, : nx // 2] / (nx / 2)  # ramp
    img[20:108, 150:236] = 0.8  # bright square with sharp edges
    img[40:88, 170:216] = 0.45  # inner square
    for k, r in enumerate([14, 10, 7, 5, 3, 2]):  # disks getting smaller
        img[_disk(shape, 160, 24 + k * 38, r)] = 0.9
    # gratings: bars of width 8, 4, 2 pixels
    for k, w in enumerate([8, 4, 2]):
        x0 = 20 + k * 80
        band = (y >= 200) & (y < 244) & (x >= x0) & (x < x0 + 64)
        img[band] = np.where(((x[band] - x0) // w) % 2 == 0, 0.85, 0.15)
    # a few random small dots (point-like detail)
    for cy, cx in rng.uniform([130, 150], [185, 240], size=(8, 2)):
        img[_disk(shape, cy, cx, 1.5)] = 1.0
    clean = np.clip(img, 0, 1)
    stripes = 0.08 * np.sin(2 * np.pi * x / 6.0) * (1 + 0.3 * rng.standard_normal(nx))[None, :]
    return {
        "clean": clean.astype(np.float32),
        "striped": np.clip(clean + stripes, 0, 1).astype(np.float32),
        "stripes": stripes.astype(np.float32),
    }


def grains(seed: int = 7, shape=(256, 256), n_grains: int = 40) -> dict:
    """Touching round grains (e.g. sand in a tomography slice) for watershed separation.

    Disks of random radius (8 to 16 px) are placed so that many touch or overlap a
    little but their centres stay apart (overlap at most 30 % of the smaller
    radius).  The image is bright grains on a dark background, lit unevenly (a
    linear ramp, factor 0.6 to 1.2 across the image), blurred and noisy.
    Ground truth: ``labels`` (each grain its own label; where two overlap, the
    nearer centre wins), ``n_grains``, ``centres``, ``radii``, ``mask``,
    ``illumination`` (the multiplicative light field) and the evenly lit ``even`` image.
    """
    rng = np.random.default_rng(seed)
    ny, nx = shape
    centres, radii = [], []
    tries = 0
    while len(centres) < n_grains and tries < 50000:
        tries += 1
        r = rng.uniform(8, 16)
        if centres and rng.uniform() < 0.85:
            # grow a cluster: touch a random grain, overlapping it by 0-25 % of the smaller radius
            j = rng.integers(len(centres))
            angle = rng.uniform(0, 2 * np.pi)
            dist = radii[j] + r - rng.uniform(0.0, 0.25) * min(r, radii[j])
            c = centres[j] + dist * np.array([np.sin(angle), np.cos(angle)])
        else:
            c = rng.uniform(r, [ny - r, nx - r])
        if not (r <= c[0] <= ny - r and r <= c[1] <= nx - r):
            continue
        ok = all(np.hypot(*(c - c2)) > (r + r2) - 0.3 * min(r, r2) for c2, r2 in zip(centres, radii))
        if ok:
            centres.append(c)
            radii.append(r)
    centres, radii = np.array(centres), np.array(radii)
    y, x = np.mgrid[0:ny, 0:nx].astype(float)
    # distance to each grain's edge, relative to its radius; nearest grain owns the pixel
    d = np.stack([np.hypot(y - cy, x - cx) / r for (cy, cx), r in zip(centres, radii)])
    owner = d.argmin(axis=0)
    mask = d.min(axis=0) <= 1.0
    labels = np.where(mask, owner + 1, 0).astype(np.int32)
    illumination = 0.6 + 0.6 * x / nx
    base = ndi.gaussian_filter(np.where(mask, 0.8, 0.15), 1.0)
    noise = rng.normal(0, 0.05, shape)
    return {
        "image": np.clip(base * illumination + noise, 0, 1).astype(np.float32),
        "even": np.clip(base + noise, 0, 1).astype(np.float32),
        "illumination": illumination.astype(np.float32),
        "mask": mask,
        "labels": labels,
        "n_grains": np.array(len(centres)),
        "centres": centres,
        "radii": radii,
    }


def textures(seed: int = 8, shape=(192, 192)) -> dict:
    """Regions of four textures with the SAME mean grey value, and their label map.

    A threshold on grey value cannot separate them; texture features (local
    variance, orientation, co-occurrence statistics) or a pixel classifier on a
    filter bank can.  Classes: 0 smooth, 1 fine grain (white noise), 2 horizontal
    stripes, 3 vertical stripes.  The regions are a random Voronoi partition.
    Ground truth: ``labels`` (per pixel class), ``names``.
    """
    rng = np.random.default_rng(seed)
    ny, nx = shape
    y, x = np.mgrid[0:ny, 0:nx].astype(float)
    seeds = rng.uniform(0, [ny, nx], size=(12, 2))
    region = np.argmin([(y - sy) ** 2 + (x - sx) ** 2 for sy, sx in seeds], axis=0)
    region_class = np.concatenate([np.arange(4), rng.integers(0, 4, size=len(seeds) - 4)])
    labels = region_class[region]
    smooth = ndi.gaussian_filter(rng.normal(0, 1, shape), 6)
    smooth *= 0.05 / smooth.std()
    grain = rng.normal(0, 0.15, shape)
    horiz = 0.15 * np.sin(2 * np.pi * y / 8.0) + rng.normal(0, 0.03, shape)
    vert = 0.15 * np.sin(2 * np.pi * x / 8.0) + rng.normal(0, 0.03, shape)
    layers = np.stack([smooth, grain, horiz, vert])
    image = 0.5 + np.take_along_axis(layers, labels[None], axis=0)[0]
    return {
        "image": np.clip(image, 0, 1).astype(np.float32),
        "labels": labels.astype(np.uint8),
        "names": np.array(["smooth", "grain", "horizontal stripes", "vertical stripes"]),
    }
