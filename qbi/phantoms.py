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

def bone_slice_crowded(seed: int = 27, shape=(384, 384), n_lacunae: int = 70,
                       n_pairs: int = 15, noise: float = 30.0) -> dict:
    """The bone slice of :func:`bone_slice` made hard to count: touching lacunae, lower SNR.

    The same cortex and the same lacuna sizes (semi-axes a in [4, 7], b in [2, 3.5] px), but
    ``n_pairs`` of the ``n_lacunae`` lacunae touch a partner tip to tip (their pixels are
    4-neighbours), so a threshold merges each pair into one dark blob, and the noise is
    ``noise`` grey values (bone_slice: 12) for the same contrast (bone 170, lacunae 70).  First
    ``n_lacunae - n_pairs`` lacunae are placed at least 3 px apart, then every partner touches
    one of them and keeps 3 px from all others.  Ground truth as in :func:`bone_slice`, plus
    ``touching`` (the label pairs that touch, one row per pair) and ``noise``.
    """
    rng = np.random.default_rng(seed)
    ny, nx = shape
    y, x = np.mgrid[0:ny, 0:nx].astype(float)
    cy, cx = ny / 2, nx / 2
    r = np.hypot(y - cy, (x - cx) / 1.15)
    outer, inner = 0.45 * ny, 0.22 * ny
    bone = (r < outer) & (r > inner)
    half = 12                                    # local window: 25 x 25 px around a centre
    padded = np.zeros((ny + 2 * half, nx + 2 * half), dtype=np.uint16)
    dv, du = np.mgrid[-half:half + 1, -half:half + 1].astype(float)
    cross = ndi.generate_binary_structure(2, 1)
    centres, axes, angles, partner, pairs = [], [], [], [], []
    tries = 0
    while len(centres) < n_lacunae and tries < 50000:
        tries += 1
        a, b = rng.uniform(4.0, 7.0), rng.uniform(2.0, 3.5)
        theta = rng.uniform(-np.pi / 2, np.pi / 2)
        touch = len(centres) >= n_lacunae - n_pairs    # singles first, then the partners
        if touch:      # tip to tip: along lacuna j's major axis, on one side or the other
            single = [i for i in range(len(centres)) if partner[i] < 0]
            j = single[rng.integers(len(single))]
            side = rng.choice([-1.0, 1.0])
            steps = np.arange(2.0, 16.0, 0.25)         # move out until it no longer overlaps
        else:
            py0, px0 = rng.uniform(0, ny), rng.uniform(0, nx)
            steps = [0.0]
        for d in steps:
            if touch:
                py = centres[j][0] + d * side * np.sin(angles[j])
                px = centres[j][1] + d * side * np.cos(angles[j])
            else:
                py, px = py0, px0
            ry, rx = int(round(py)), int(round(px))
            if not (0 <= ry < ny and 0 <= rx < nx):
                break
            win = np.s_[ry:ry + 2 * half + 1, rx:rx + 2 * half + 1]   # centred on (ry, rx)
            yy, xx = dv + ry - py, du + rx - px
            u = xx * np.cos(theta) + yy * np.sin(theta)
            v = -xx * np.sin(theta) + yy * np.cos(theta)
            ell = (u / a) ** 2 + (v / b) ** 2 <= 1.0
            if not (ell & (padded[win] > 0)).any():
                break
        else:
            continue
        rr = np.hypot(py - cy, (px - cx) / 1.15)
        if not (0 <= ry < ny and 0 <= rx < nx) or not (inner + 10 < rr < outer - 10):
            continue
        around = padded[win]
        near3 = ndi.binary_dilation(ell, iterations=3) & (around > 0)
        if touch:
            if not (ndi.binary_dilation(ell, cross) & (around == j + 1)).any():
                continue                                   # it must touch lacuna j
            if (near3 & (around != j + 1)).any():
                continue                                   # and keep 3 px from the others
            partner[j] = len(centres)
            partner.append(j)
            pairs.append((j + 1, len(centres) + 1))
        else:
            if near3.any():
                continue
            partner.append(-1)
        around[ell] = len(centres) + 1
        centres.append((py, px))
        axes.append((a, b))
        angles.append(theta)
    labels = padded[half:half + ny, half:half + nx].copy()
    grey = np.where(bone, 170.0, 40.0)
    grey[labels > 0] = 70.0
    grey = ndi.gaussian_filter(grey, 1.0) + rng.normal(0, noise, shape)
    image = np.clip(grey, 0, 255).astype(np.uint8)
    return {
        "image": image,
        "bone_mask": bone,
        "lacunae": labels,
        "n_lacunae": np.array(len(centres)),
        "centres": np.array(centres),
        "axes": np.array(axes),
        "orientation": np.array(angles),
        "touching": np.array(pairs, dtype=int).reshape(-1, 2),
        "noise": np.array(float(noise)),
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


# --- week 8: statistics (phantoms added below this line by week 8) ---------------------------
def round_objects(seed: int = 80, shape=(160, 160), n_objects: int = 20, mean_radius: float = 7.0,
                  sd_radius: float = 1.0, gap: float = 3.0, blur: float = 1.0,
                  noise: float = 0.08) -> dict:
    """Round objects (cells, pores, grains) whose radii are drawn from a known distribution.

    ``n_objects`` disks with radii from a normal distribution (``mean_radius``, ``sd_radius``,
    clipped to at least 2.5 px) are placed at random, at least ``gap`` px apart and off the
    border.  Each disk is drawn with anti-aliased edges (the grey value of an edge pixel is the
    fraction of it that the disk covers), bright (0.8) on a dark background (0.2), then blurred
    (Gaussian, ``blur`` px) and noisy (Gaussian, ``noise``).  Thresholding half-way (0.5)
    gives back the disks.  Ground truth: ``labels`` (1..n, the pixels whose centre lies inside
    a disk), ``radii`` (px), ``centres`` (row, column), ``n_objects``.
    """
    rng = np.random.default_rng(seed)
    ny, nx = shape
    radii = np.clip(rng.normal(mean_radius, sd_radius, n_objects), 2.5, None)
    centres: list[np.ndarray] = []
    placed: list[float] = []
    for r in radii:
        for _ in range(10000):
            c = rng.uniform([r + gap, r + gap], [ny - r - gap, nx - r - gap])
            if all(np.hypot(*(c - c2)) > r + r2 + gap for c2, r2 in zip(centres, placed)):
                centres.append(c)
                placed.append(float(r))
                break
        else:
            raise ValueError(f"cannot place {n_objects} objects of radius ~{mean_radius} in {shape}")
    centres_arr, radii_arr = np.array(centres), np.array(placed)
    y, x = np.mgrid[0:ny, 0:nx].astype(float)
    cover = np.zeros(shape)
    labels = np.zeros(shape, dtype=np.int32)
    for k, ((cy, cx), r) in enumerate(zip(centres_arr, radii_arr), start=1):
        dist = np.hypot(y - cy, x - cx)
        cover = np.maximum(cover, np.clip(r - dist + 0.5, 0.0, 1.0))  # area fraction, to first order
        labels[dist <= r] = k
    grey = ndi.gaussian_filter(0.2 + 0.6 * cover, blur) + rng.normal(0, noise, shape)
    return {
        "image": grey.astype(np.float32),
        "labels": labels,
        "radii": radii_arr,
        "centres": centres_arr,
        "n_objects": np.array(len(radii_arr)),
    }


def treatment_groups(seed: int = 80, n_images: int = 4, n_objects: int = 20,
                     mean_radius=(7.0, 7.5), sd_radius: float = 1.0, shape=(160, 160)) -> dict:
    """Two groups (control, treated) of images of round objects with a known effect on size.

    ``n_images`` images per group, each made by :func:`round_objects` with its own seed drawn
    from ``seed``; the objects of group g have radii ~ Normal(``mean_radius[g]``, ``sd_radius``),
    so the true effect is ``mean_radius[1] - mean_radius[0]`` px, or Cohen's
    d = that / ``sd_radius``.  Ground truth: ``labels`` (one label image per image), ``group``
    (0 control, 1 treated, per image), and per object ``radii``, ``object_image`` (its image)
    and ``object_group``; ``mean_radius``, ``sd_radius`` and ``effect_size`` (Cohen's d).
    """
    seeds = np.random.SeedSequence(seed).spawn(2 * n_images)
    images, labels, radii, obj_image, group = [], [], [], [], []
    for i, ss in enumerate(seeds):
        g = i // n_images
        one = round_objects(int(ss.generate_state(1)[0]), shape=shape, n_objects=n_objects,
                            mean_radius=mean_radius[g], sd_radius=sd_radius)
        images.append(one["image"])
        labels.append(one["labels"])
        radii.append(one["radii"])
        obj_image.append(np.full(len(one["radii"]), i))
        group.append(g)
    obj_image_arr = np.concatenate(obj_image)
    group_arr = np.array(group)
    mean = np.asarray(mean_radius, dtype=float)
    return {
        "images": np.stack(images),
        "labels": np.stack(labels),
        "group": group_arr,
        "radii": np.concatenate(radii),
        "object_image": obj_image_arr,
        "object_group": group_arr[obj_image_arr],
        "mean_radius": mean,
        "sd_radius": np.array(float(sd_radius)),
        "effect_size": np.array((mean[1] - mean[0]) / sd_radius),
    }



# --- week 9: dynamic experiments (phantoms added below this line by week 9) ------------------


def particle_movie(seed: int = 9, shape=(128, 128), n_frames: int = 40, n_particles: int = 30,
                   drift=(0.4, 0.8), speed_spread: float = 1.0, step: float = 0.5,
                   p_vanish: float = 0.01, sigma: float = 1.5, noise: float = 0.08) -> dict:
    """A 2D+t movie of moving, appearing, disappearing and crossing particles, for tracking.

    Every particle moves with its own constant velocity (a common ``drift`` in px/frame plus a
    random part of standard deviation ``speed_spread``) plus Brownian steps (standard deviation
    ``step`` px per frame and axis), so that trajectories cross. Particles vanish at random
    (probability ``p_vanish`` per frame) or when their centre leaves the field of view; new
    ones appear at random positions to keep about ``n_particles`` in view. Each particle is a
    Gaussian blob (``sigma`` px, brightness 0.6 to 1.0) on a background of 0.1, with Gaussian
    noise (``noise``) on every frame.
    Ground truth: ``trajectories`` (tracks x frames x 2: row, column in px; -1 where the
    particle is not in view), ``present`` (tracks x frames: in view or not; ``np.where(
    present[..., None], trajectories, np.nan)`` gives NaN gaps for plotting), ``start`` and
    ``end`` (first and last frame in view), ``fate``
    (0 in view until the last frame, 1 vanished, 2 left the field of view; ``fates`` names
    them), ``velocity`` (the constant part, px/frame), ``amplitude``, ``n_per_frame``, the
    noise-free movie ``clean`` and the parameters ``drift``, ``step`` and ``sigma``.
    """
    rng = np.random.default_rng(seed)
    ny, nx = shape
    drift = np.asarray(drift, dtype=float)
    positions, velocities, amplitudes, starts, fates = [], [], [], [], []
    alive: list[int] = []
    traj: list[list] = []  # one list of (frame, row, col) per particle
    for t in range(n_frames):
        # move the particles in view; those that vanish or leave end their track
        still = []
        for k in alive:
            pos = positions[k] + velocities[k] + rng.normal(0.0, step, 2)
            if rng.random() < p_vanish:
                fates[k] = 1
            elif not (0 <= pos[0] <= ny - 1 and 0 <= pos[1] <= nx - 1):
                fates[k] = 2
            else:
                positions[k] = pos
                traj[k].append((t, *pos))
                still.append(k)
        alive = still
        # new particles appear (all of them in the first frame)
        n_new = n_particles if t == 0 else rng.binomial(max(n_particles - len(alive), 0), 0.4)
        for _ in range(n_new):
            k = len(positions)
            positions.append(rng.uniform([2.0, 2.0], [ny - 3.0, nx - 3.0]))
            velocities.append(drift + rng.normal(0.0, speed_spread, 2))
            amplitudes.append(rng.uniform(0.6, 1.0))
            starts.append(t)
            fates.append(0)
            traj.append([(t, *positions[k])])
            alive.append(k)
    n_tracks = len(positions)
    trajectories = np.full((n_tracks, n_frames, 2), -1.0)  # no NaN: cached arrays compare equal
    present = np.zeros((n_tracks, n_frames), dtype=bool)
    for k, rows in enumerate(traj):
        rows = np.array(rows)
        trajectories[k, rows[:, 0].astype(int)] = rows[:, 1:]
        present[k, rows[:, 0].astype(int)] = True
    end = n_frames - 1 - np.argmax(present[:, ::-1], axis=1)
    # render: a Gaussian blob per particle, summed over a window around its centre
    clean = np.full((n_frames, ny, nx), 0.1, dtype=np.float64)
    half = int(np.ceil(4 * sigma))
    for k, t in zip(*np.nonzero(present)):
        cy, cx = trajectories[k, t]
        y0, y1 = max(int(cy) - half, 0), min(int(cy) + half + 2, ny)
        x0, x1 = max(int(cx) - half, 0), min(int(cx) + half + 2, nx)
        yy, xx = np.mgrid[y0:y1, x0:x1]
        clean[t, y0:y1, x0:x1] += amplitudes[k] * np.exp(
            -((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * sigma**2))
    movie = clean + rng.normal(0.0, noise, clean.shape)
    return {
        "movie": movie.astype(np.float32),
        "clean": clean.astype(np.float32),
        "trajectories": trajectories,
        "present": present,
        "start": np.array(starts),
        "end": end,
        "fate": np.array(fates),
        "fates": np.array(["in view to the end", "vanished", "left the field of view"]),
        "velocity": np.array(velocities),
        "amplitude": np.array(amplitudes),
        "n_per_frame": present.sum(axis=0),
        "drift": drift,
        "step": np.array(step),
        "sigma": np.array(sigma),
    }


# --- week 10: multiple modalities (phantoms added below this line by week 10) ----------------
def neutron_xray(seed: int = 10, shape=(160, 160), grain_size: float = 20.0) -> dict:
    """One slice of a four-material sample seen by neutrons and by X-rays, misaligned.

    Like a simultaneous neutron and X-ray tomography (e.g. NeXT at PSI): grains of four
    materials in equal shares fill the field of view.  Their (stylised) attenuation
    coefficients ``mu`` (1/cm; columns neutron, X-ray) form a 2 x 2 design: neutrons see
    the hydrogen-rich polymer and iron bright and aluminium and lead dark, X-rays see the two
    heavy metals bright and the two light materials dark.  Each modality alone shows two
    groups of two; only the pair tells all four apart.  Pixels average their area (partial
    volume, 4 x 4 subsamples), the polymer's density varies a lot (both modalities,
    correlated), the neutron slice is blurrier and twice as noisy.  The X-ray slice is displaced by a
    sub-pixel ``shift`` = (dy, dx) pixels: ``xray(y, x) = X(y - dy, x - dx)``, so
    ``scipy.ndimage.shift(xray, -shift)`` lines it up with the neutron slice.

    Ground truth: ``labels`` (material per neutron pixel, majority of its area), the same in
    the X-ray frame (``labels_xray``), ``shift``, ``mu``, ``names``, ``noise`` and ``blur``
    (pixels).  A second part, two crossed wedges of polymer (thickening along x) and lead
    (along y) in a neutron and an X-ray radiograph (transmission, 1 % noise), is a
    two-material Beer-Lambert system: ``wedge_mu`` (rows neutron, X-ray; columns polymer,
    lead) and the true ``wedge_thickness`` (cm).
    """
    from scipy.spatial import cKDTree

    rng = np.random.default_rng(seed)
    names = np.array(["aluminium", "polymer", "lead", "iron"])
    mu = np.array([[0.40, 0.45], [1.20, 0.45], [0.45, 1.25], [1.15, 1.25]])
    blur, noise = np.array([0.6, 0.4]), np.array([0.10, 0.05])
    texture_amp = np.array([0.25, 0.08])
    ny, nx = shape
    shift = rng.uniform(3.0, 8.0, 2) * rng.choice([-1.0, 1.0], 2)
    pad = 16  # rendered margin: blur without edge effects, no empty border after the shift
    # Voronoi grains whose seeds cover both frames
    lo, hi = -pad - 10, max(ny, nx) + pad + 10
    n_seeds = int((hi - lo) ** 2 / grain_size**2)
    tree = cKDTree(rng.uniform(lo, hi, size=(n_seeds, 2)))
    # equal shares: the largest grains first, each to the material with the least area so far
    grid = np.stack(np.mgrid[0:ny, 0:nx], axis=-1).reshape(-1, 2).astype(float)
    areas = np.bincount(tree.query(grid)[1], minlength=n_seeds)
    material_of_seed = rng.integers(0, 4, n_seeds)
    total = np.zeros(4)
    for s in np.argsort(-areas, kind="stable"):
        if areas[s] > 0:
            material_of_seed[s] = int(np.argmin(total))
            total[material_of_seed[s]] += areas[s]
    # polymer density: a sum of 12 random plane waves (wavelengths 10-40 px), unit variance
    n_waves = 12
    k = rng.uniform(2 * np.pi / 40, 2 * np.pi / 10, n_waves)
    theta = rng.uniform(0, np.pi, n_waves)
    phase = rng.uniform(0, 2 * np.pi, n_waves)
    ky, kx = k * np.sin(theta), k * np.cos(theta)
    o = 4
    sub = (np.arange(o) + 0.5) / o - 0.5
    hy, hx = ny + 2 * pad, nx + 2 * pad

    def render(offset):
        """Material fractions and noise-free slices of a frame whose pixel (0, 0) lies at
        scene position ``offset`` (y, x), with ``pad`` extra pixels on each side."""
        ys = ((np.arange(hy) - pad + offset[0])[:, None] + sub).ravel()
        xs = ((np.arange(hx) - pad + offset[1])[:, None] + sub).ravel()
        points = np.stack(np.meshgrid(ys, xs, indexing="ij"), axis=-1).reshape(-1, 2)
        material = material_of_seed[tree.query(points)[1]].reshape(hy * o, hx * o)
        waves = np.einsum("yw,xw->yx", np.exp(1j * (ys[:, None] * ky + phase)),
                          np.exp(1j * xs[:, None] * kx)).real / np.sqrt(n_waves / 2)
        fractions = np.stack([(material == m).reshape(hy, o, hx, o).mean(axis=(1, 3))
                              for m in range(4)])
        clean = [(mu[material, j] + (material == 1) * texture_amp[j] * waves)
                 .reshape(hy, o, hx, o).mean(axis=(1, 3)) for j in range(2)]
        return fractions, clean

    inner = (slice(pad, pad + ny), slice(pad, pad + nx))
    frac_n, clean_n = render((0.0, 0.0))
    frac_x, clean_x = render((-shift[0], -shift[1]))
    neutron = ndi.gaussian_filter(clean_n[0], blur[0])[inner] + noise[0] * rng.standard_normal(shape)
    xray = ndi.gaussian_filter(clean_x[1], blur[1])[inner] + noise[1] * rng.standard_normal(shape)
    labels = np.argmax(frac_n[(slice(None),) + inner], axis=0).astype(np.uint8)
    labels_xray = np.argmax(frac_x[(slice(None),) + inner], axis=0).astype(np.uint8)

    # two crossed wedges: polymer 0-2 cm along x, lead 0-1.5 cm along y
    wy, wx = 64, 96
    thickness = np.stack([np.broadcast_to(np.linspace(0.0, 2.0, wx)[None, :], (wy, wx)),
                          np.broadcast_to(np.linspace(0.0, 1.5, wy)[:, None], (wy, wx))])
    wedge_mu = mu[[1, 2]].T
    transmission = np.exp(-np.einsum("mk,kyx->myx", wedge_mu, thickness))
    transmission *= 1 + 0.01 * rng.standard_normal(transmission.shape)
    return {
        "neutron": neutron.astype(np.float32),
        "xray": xray.astype(np.float32),
        "labels": labels,
        "labels_xray": labels_xray,
        "shift": shift,
        "mu": mu,
        "names": names,
        "noise": noise,
        "blur": blur,
        "wedge_thickness": thickness.astype(np.float64),
        "wedge_mu": wedge_mu,
        "wedge_names": names[[1, 2]],
        "wedge_neutron": transmission[0].astype(np.float32),
        "wedge_xray": transmission[1].astype(np.float32),
    }


# --- week 11: big data (phantoms added below this line by week 11) ---------------------------
