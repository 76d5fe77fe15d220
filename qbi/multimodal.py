"""Week 10 helpers: comparing, registering and combining two modalities of the same object.

>>> from qbi import multimodal as mm
>>> mm.mutual_information(a, b)                     # nats, from the joint histogram
>>> curves = mm.metric_vs_shift(fixed, moving, np.arange(-12, 13), axis=1)
>>> shift, registered = mm.register_mutual_information(fixed, moving)
>>> mm.matched_accuracy(predicted_labels, true_labels)   # best label permutation

Conventions: images are 2D numpy arrays indexed (row, column) = (y, x).  A *shift* (dy, dx) is
the displacement of the moving image's content relative to the fixed image:
``moving(y, x) = fixed(y - dy, x - dx)``; ``scipy.ndimage.shift(moving, -shift)`` lines it up.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi
from scipy.optimize import linear_sum_assignment


# --------------------------------------------------------------------------------------
# Joint histogram and information
# --------------------------------------------------------------------------------------
def joint_histogram(a, b, bins: int = 64, value_range=None) -> np.ndarray:
    """Counts of (a, b) value pairs over the pixels of two images of the same shape."""
    a, b = np.asarray(a, float).ravel(), np.asarray(b, float).ravel()
    if a.shape != b.shape:
        raise ValueError(f"the images differ in size: {a.size} and {b.size} pixels")
    counts, _, _ = np.histogram2d(a, b, bins=bins, range=value_range)
    return counts


def entropy(p) -> float:
    """Shannon entropy (nats) of a histogram or probability table (normalised here)."""
    p = np.asarray(p, float).ravel()
    p = p[p > 0] / p.sum()
    return float(-np.sum(p * np.log(p)))


def mutual_information(a, b, bins: int = 64, normalized: bool = False) -> float:
    """Mutual information (nats) of two images from their joint histogram:
    ``I = H(A) + H(B) - H(A, B)``.  ``normalized=True`` gives Studholme's
    ``(H(A) + H(B)) / H(A, B)`` (1 for independent images, 2 for identical ones), the
    definition of ``skimage.metrics.normalized_mutual_information``."""
    joint = joint_histogram(a, b, bins)
    h_a, h_b, h_ab = entropy(joint.sum(axis=1)), entropy(joint.sum(axis=0)), entropy(joint)
    return (h_a + h_b) / h_ab if normalized else h_a + h_b - h_ab


# --------------------------------------------------------------------------------------
# Similarity metrics against a shift
# --------------------------------------------------------------------------------------
def shift_back(moving, shift, order: int = 1) -> np.ndarray:
    """The moving image moved by ``-shift``: lined up with the fixed image when ``shift``
    is the true displacement (edges filled with the nearest pixel)."""
    return ndi.shift(np.asarray(moving, float), -np.asarray(shift, float), order=order,
                     mode="nearest")


def mse(a, b) -> float:
    """Mean squared difference of two images."""
    return float(np.mean((np.asarray(a, float) - np.asarray(b, float)) ** 2))


def correlation(a, b) -> float:
    """Pearson correlation coefficient of the pixel values of two images."""
    return float(np.corrcoef(np.asarray(a, float).ravel(), np.asarray(b, float).ravel())[0, 1])


def metric_vs_shift(fixed, moving, shifts, axis: int = 1, base=(0.0, 0.0), margin: int = 16,
                    bins: int = 64) -> dict:
    """MSE, correlation and normalised mutual information between ``fixed`` and ``moving``
    moved back by each candidate shift along one ``axis`` (0: y, 1: x; the other component
    is ``base``), computed inside a ``margin`` so that no edge pixels count.

    Returns a dict of arrays: ``shift`` and one curve per metric (``mse``, ``correlation``,
    ``nmi``)."""
    inner = (slice(margin, -margin),) * 2
    out = {"shift": np.asarray(shifts, float), "mse": [], "correlation": [], "nmi": []}
    for s in out["shift"]:
        candidate = np.array(base, float)
        candidate[axis] = s
        a, b = np.asarray(fixed, float)[inner], shift_back(moving, candidate)[inner]
        out["mse"].append(mse(a, b))
        out["correlation"].append(correlation(a, b))
        out["nmi"].append(mutual_information(a, b, bins, normalized=True))
    return {k: np.asarray(v) for k, v in out.items()}


def metric_map(fixed, moving, max_shift: int = 10, bins: int = 64) -> dict:
    """MSE, correlation and normalised mutual information for every whole-pixel shift
    (dy, dx) with |dy|, |dx| <= ``max_shift``: the overlap of ``fixed`` with ``moving`` moved
    back by (dy, dx), cut by array slicing (no interpolation), the same pixels for every
    shift.  Returns ``shifts`` (the 1D range) and one (n, n) map per metric, indexed [dy, dx]."""
    fixed, moving = np.asarray(fixed, float), np.asarray(moving, float)
    m = int(max_shift)
    ny, nx = fixed.shape
    a = fixed[m:ny - m, m:nx - m]
    shifts = np.arange(-m, m + 1)
    maps = {k: np.zeros((len(shifts), len(shifts))) for k in ("mse", "correlation", "nmi")}
    for i, dy in enumerate(shifts):
        for j, dx in enumerate(shifts):
            b = moving[m + dy:ny - m + dy, m + dx:nx - m + dx]
            maps["mse"][i, j] = mse(a, b)
            maps["correlation"][i, j] = correlation(a, b)
            maps["nmi"][i, j] = mutual_information(a, b, bins, normalized=True)
    return {"shifts": shifts, **maps}


# --------------------------------------------------------------------------------------
# Registration by mutual information (SimpleITK)
# --------------------------------------------------------------------------------------
def register_mutual_information(fixed, moving, seed: int = 1, bins: int = 32,
                                sampling: float = 0.25, threads: int = 2,
                                initial=(0.0, 0.0)):
    """Rigid translation that maximises Mattes mutual information (SimpleITK).

    Returns ``(shift, registered)``: the estimated displacement (dy, dx) of ``moving``
    relative to ``fixed`` (the convention of this module) and ``moving`` resampled onto the
    fixed grid.  The metric samples a random ``sampling`` fraction of the pixels with a fixed
    ``seed`` (same answer every run; SimpleITK reads a seed of 0 as "use the clock", so 0 is
    refused); SimpleITK uses ``threads`` threads."""
    import SimpleITK as sitk

    if int(seed) == 0:
        raise ValueError("seed 0 means 'seed from the wall clock' in SimpleITK: use 1 or more")

    sitk.ProcessObject_SetGlobalDefaultNumberOfThreads(threads)
    f_img = sitk.GetImageFromArray(np.asarray(fixed, np.float32))
    m_img = sitk.GetImageFromArray(np.asarray(moving, np.float32))
    reg = sitk.ImageRegistrationMethod()
    reg.SetMetricAsMattesMutualInformation(numberOfHistogramBins=bins)
    reg.SetMetricSamplingStrategy(reg.RANDOM)
    reg.SetMetricSamplingPercentage(sampling, int(seed))
    reg.SetInterpolator(sitk.sitkLinear)
    reg.SetOptimizerAsRegularStepGradientDescent(learningRate=2.0, minStep=1e-3,
                                                 numberOfIterations=300,
                                                 gradientMagnitudeTolerance=1e-8)
    reg.SetOptimizerScalesFromPhysicalShift()
    # SimpleITK's transform maps fixed-image points (x, y) into the moving image
    reg.SetInitialTransform(sitk.TranslationTransform(2, [float(initial[1]), float(initial[0])]),
                            inPlace=False)
    transform = reg.Execute(f_img, m_img)
    tx, ty = transform.GetParameters() if transform.GetParameters() else \
        transform.GetNthTransform(0).GetParameters()
    registered = sitk.Resample(m_img, f_img, transform, sitk.sitkLinear, 0.0)
    return np.array([ty, tx]), sitk.GetArrayFromImage(registered).astype(float)


# --------------------------------------------------------------------------------------
# Looking at two modalities together
# --------------------------------------------------------------------------------------
def normalise(image, low: float = 1.0, high: float = 99.0) -> np.ndarray:
    """Grey values scaled so that the ``low`` and ``high`` percentiles become 0 and 1
    (clipped): two modalities in different units on one scale for display."""
    image = np.asarray(image, float)
    lo, hi = np.percentile(image, [low, high])
    return np.clip((image - lo) / (hi - lo), 0, 1)


def rgb_overlay(a, b) -> np.ndarray:
    """Colour overlay of two registered images: ``a`` in magenta, ``b`` in green.  Where
    both are bright the pixel is white, where they disagree it is magenta or green (a pair
    that colour-blind viewers can tell apart)."""
    a, b = normalise(a), normalise(b)
    return np.stack([a, b, a], axis=-1)


def flat_pixels(images, sigma: float = 1.5, keep: float = 0.5) -> np.ndarray:
    """Pixels away from edges in every image: the ``keep`` fraction with the smallest
    summed gradient magnitude (Sobel of the Gaussian-smoothed images, each divided by its
    median).  Mixed (partial-volume) pixels at boundaries are left out."""
    from skimage import filters

    edges = 0
    for image in images:
        grad = filters.sobel(ndi.gaussian_filter(np.asarray(image, float), sigma))
        scale = np.median(grad) or np.mean(grad) or 1.0   # noise-free images: median 0
        edges = edges + grad / scale
    return edges < np.quantile(edges, keep)


# --------------------------------------------------------------------------------------
# Classification scores that do not depend on how clusters are numbered
# --------------------------------------------------------------------------------------
def best_label_map(predicted, truth) -> dict:
    """The one-to-one mapping from predicted cluster numbers to true labels that makes the
    most pixels agree (Hungarian algorithm on the confusion matrix)."""
    predicted, truth = np.asarray(predicted).ravel(), np.asarray(truth).ravel()
    p_ids, t_ids = np.unique(predicted), np.unique(truth)
    confusion = np.array([[np.sum((predicted == p) & (truth == t)) for t in t_ids] for p in p_ids])
    rows, cols = linear_sum_assignment(-confusion)
    return {int(p_ids[r]): int(t_ids[c]) for r, c in zip(rows, cols)}


def matched_accuracy(predicted, truth) -> float:
    """Accuracy of a clustering against true labels under the best one-to-one renaming of
    the clusters (cluster numbers are arbitrary: 0 may well be 'iron')."""
    predicted, truth = np.asarray(predicted).ravel(), np.asarray(truth).ravel()
    mapping = best_label_map(predicted, truth)
    renamed = np.array([mapping.get(int(p), -1) for p in predicted])
    return float(np.mean(renamed == truth))


def majority_labels(groups, truth) -> np.ndarray:
    """Give each group (e.g. a grey-value class) the true label most of its pixels carry:
    the best any rule that only sees the group can do."""
    groups, truth = np.asarray(groups), np.asarray(truth)
    out = np.empty(truth.shape, dtype=truth.dtype)
    for g in np.unique(groups):
        where = groups == g
        out[where] = np.bincount(truth[where].ravel()).argmax()
    return out


def single_channel_ceiling(values, truth, bins: int = 128) -> float:
    """Upper bound of the accuracy of ANY rule that sees one value per pixel: bin the values
    and give every bin its most frequent true label (an oracle that knows the truth)."""
    values, truth = np.asarray(values, float).ravel(), np.asarray(truth).ravel()
    edges = np.linspace(values.min(), values.max(), bins + 1)
    which = np.clip(np.digitize(values, edges) - 1, 0, bins - 1)
    table = np.zeros((bins, int(truth.max()) + 1))
    np.add.at(table, (which, truth), 1)
    return float(table.max(axis=1).sum() / truth.size)


# --------------------------------------------------------------------------------------
# Distances between a point and a class, and between two classes
# --------------------------------------------------------------------------------------
def mahalanobis(x, mean, cov) -> np.ndarray:
    """Mahalanobis distance sqrt((x - m)^T S^-1 (x - m)) of point(s) ``x`` (..., d) to a
    class with ``mean`` (d,) and covariance ``cov`` (d, d): the INVERSE covariance."""
    diff = np.asarray(x, float) - np.asarray(mean, float)
    inv = np.linalg.inv(np.asarray(cov, float))
    return np.sqrt(np.einsum("...i,ij,...j->...", diff, inv, diff))


def bhattacharyya(mean1, cov1, mean2, cov2) -> float:
    """Bhattacharyya distance between two Gaussian classes (0: identical; the larger, the
    less they overlap): 1/8 dm^T S^-1 dm + 1/2 ln(det S / sqrt(det S1 det S2)), S = (S1+S2)/2."""
    m1, m2 = np.atleast_1d(np.asarray(mean1, float)), np.atleast_1d(np.asarray(mean2, float))
    s1, s2 = np.atleast_2d(np.asarray(cov1, float)), np.atleast_2d(np.asarray(cov2, float))
    s = (s1 + s2) / 2
    dm = m1 - m2
    term1 = dm @ np.linalg.solve(s, dm) / 8
    _, logdet = np.linalg.slogdet(s)
    _, logdet1 = np.linalg.slogdet(s1)
    _, logdet2 = np.linalg.slogdet(s2)
    return float(term1 + 0.5 * (logdet - 0.5 * (logdet1 + logdet2)))


def ellipse_parameters(cov, n_std: float = 2.0):
    """Width, height and angle (degrees) of the ellipse of Mahalanobis radius ``n_std`` of a
    2 x 2 covariance, for ``matplotlib.patches.Ellipse(mean, width, height, angle=...)``."""
    values, vectors = np.linalg.eigh(np.asarray(cov, float))
    angle = np.degrees(np.arctan2(vectors[1, -1], vectors[0, -1]))
    width, height = 2 * n_std * np.sqrt(values[::-1])
    return float(width), float(height), float(angle)


# --------------------------------------------------------------------------------------
# Real data shipped with the environment
# --------------------------------------------------------------------------------------
def load_nifti(filename: str) -> dict:
    """A NIfTI test volume that ships with nibabel (``nibabel.testing.data_path``), as
    ``image`` (float32 voxels), ``affine`` (4 x 4: voxel indices (i, j, k, 1) to world
    millimetres) and ``zooms`` (voxel size in mm; a 4th entry is the time step of a series)."""
    import os

    import nibabel as nib
    from nibabel.testing import data_path

    img = nib.load(os.path.join(data_path, filename))
    return {"image": np.asarray(img.dataobj, dtype=np.float32),
            "affine": np.asarray(img.affine, dtype=float),
            "zooms": np.asarray(img.header.get_zooms(), dtype=float)}
