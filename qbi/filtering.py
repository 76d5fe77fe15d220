"""Helpers of weeks 3 and 4 (image enhancement, basic segmentation): noise models, scores,
Fourier filtering, timing, small tables, and the partial-volume phantoms.

>>> from qbi.filtering import add_gaussian, score
>>> noisy = add_gaussian(clean, 0.1, seed=1)
>>> mse, ssim = score(noisy, clean)

Every random draw takes a ``seed`` and uses its own ``np.random.default_rng(seed)``, so a
notebook gives the same numbers on every run.  The lectures show the few lines that teach;
the plumbing (figures in a row, timing, table formatting, glue) lives here.
"""

from __future__ import annotations

from .notebook import glue_numbers  # noqa: F401  (the lecture imports it from here)

import time
from collections.abc import Callable

import numpy as np

from .plotting import significant as _significant

# ------------------------------------------------------------------------------------------
# Noise models (week 3)
# ------------------------------------------------------------------------------------------


def add_gaussian(img, sigma: float, seed: int = 0) -> np.ndarray:
    """``img`` plus white Gaussian noise of standard deviation ``sigma`` (not clipped)."""
    rng = np.random.default_rng(seed)
    return np.asarray(img, dtype=np.float64) + rng.normal(0.0, sigma, np.shape(img))


def add_poisson(img, photons: float, seed: int = 0) -> np.ndarray:
    """Photon counting: intensity 1 means ``photons`` expected counts; returns counts / photons."""
    rng = np.random.default_rng(seed)
    return rng.poisson(np.asarray(img, dtype=np.float64) * photons) / photons


def add_salt_pepper(img, amount: float, seed: int = 0) -> np.ndarray:
    """A fraction ``amount`` of the pixels set to 0 or 1 (half each), by scikit-image."""
    from skimage import util

    return util.random_noise(np.asarray(img, dtype=np.float64), mode="s&p", amount=amount,
                             rng=seed)


def block_mean_variance(frame, size: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """Mean and noise variance of ``size`` x ``size`` blocks of a counting frame.

    The noise variance of a block is the variance of the differences of horizontal neighbours
    divided by 2: a smooth variation of the beam cancels in the differences, the noise does not.
    """
    f = np.asarray(frame, dtype=np.float64)
    means, variances = [], []
    for r in range(0, f.shape[0] - size, size):
        for c in range(0, f.shape[1] - size, size):
            block = f[r:r + size, c:c + size + 1]
            means.append(block.mean())
            variances.append(np.diff(block, axis=1).var() / 2)
    return np.array(means), np.array(variances)


# ------------------------------------------------------------------------------------------
# Scores and figures
# ------------------------------------------------------------------------------------------


def score(img, truth, data_range: float = 1.0) -> tuple[float, float]:
    """MSE and SSIM of ``img`` against ``truth`` (``data_range`` 1 for float images in [0, 1])."""
    from skimage import metrics

    img, truth = np.asarray(img, dtype=np.float64), np.asarray(truth, dtype=np.float64)
    mse = float(metrics.mean_squared_error(truth, img))
    ssim = float(metrics.structural_similarity(truth, img, data_range=data_range))
    return mse, ssim


def scored(img, truth, prefix: str = "") -> str:
    """A two-line figure title: ``prefix`` and the MSE and SSIM of ``img`` against ``truth``."""
    mse, ssim = score(img, truth)
    return f"{prefix}\nMSE {mse:.4f}  SSIM {ssim:.2f}"


def show_row(images, titles, suptitle: str = "", figsize=(10, 3.2), vmin=0.0, vmax=1.0) -> None:
    """Images side by side on the same grey scale (``vmin``..``vmax``), titled; shows the figure
    (and returns nothing, so that a notebook does not draw it twice)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(images), figsize=figsize, layout="constrained")
    for ax, img, title in zip(np.atleast_1d(axes), images, titles):
        ax.imshow(img, cmap="gray", vmin=vmin, vmax=vmax)
        ax.set_title(title, fontsize=12)
        ax.axis("off")
    if suptitle:
        fig.suptitle(suptitle, fontsize=13)
    plt.show()


def table(df, digits: int = 3, index: bool = False):
    """A table for page and slides (:func:`qbi.plotting.show_table`): no index (``index=True``
    makes it a first column), numbers to ``digits`` significant figures, text left-aligned."""
    from .plotting import show_table

    return show_table(df.reset_index() if index else df, digits=digits)


significant = _significant             # x to 3 significant figures: qbi.plotting.significant


# ------------------------------------------------------------------------------------------
# Convolution, timing, Fourier space
# ------------------------------------------------------------------------------------------


def separable(img, k1, **kwargs) -> np.ndarray:
    """``img`` filtered by the 1D kernel ``k1`` along axis 0, then along axis 1."""
    from scipy import ndimage as ndi

    return ndi.convolve1d(ndi.convolve1d(img, k1, axis=0, **kwargs), k1, axis=1, **kwargs)


def best_time(func: Callable, *args, repeats: int = 3, budget: float = 0.5, **kwargs) -> float:
    """The shortest of up to ``repeats`` runs of ``func(*args, **kwargs)`` in seconds (the run
    least disturbed by other programs); stops early once the runs took ``budget`` seconds."""
    times: list[float] = []
    while len(times) < repeats and (not times or sum(times) < budget):
        t0 = time.perf_counter()
        func(*args, **kwargs)
        times.append(time.perf_counter() - t0)
    return min(times)


def frequency_grid(shape) -> tuple[np.ndarray, np.ndarray]:
    """Centred frequency coordinates ``ky, kx`` (cycles/pixel) of an image of this shape."""
    ky = np.fft.fftshift(np.fft.fftfreq(shape[0]))
    kx = np.fft.fftshift(np.fft.fftfreq(shape[1]))
    return np.meshgrid(ky, kx, indexing="ij")


def power_spectrum(img) -> np.ndarray:
    """Centred log10 power spectrum (frequency 0 in the middle)."""
    spectrum = np.fft.fftshift(np.fft.fft2(img))
    return np.log10(np.abs(spectrum) ** 2 + 1e-3)


def fourier_filter(img, transfer) -> np.ndarray:
    """Multiply the centred spectrum of ``img`` by ``transfer`` and transform back (real part)."""
    spectrum = np.fft.fftshift(np.fft.fft2(img)) * transfer
    return np.real(np.fft.ifft2(np.fft.ifftshift(spectrum)))


# ------------------------------------------------------------------------------------------
# Partial volume phantoms (week 4)
# ------------------------------------------------------------------------------------------


def disk_coverage(radius: float, n: int = 24, centre=(11.6, 12.3), oversample: int = 16):
    """Fraction of each pixel of an ``n`` x ``n`` grid covered by a disk (computed on a grid
    ``oversample`` times finer); returns the coverage and the fine binary disk."""
    fine = (np.arange(n * oversample) + 0.5) / oversample
    y, x = np.meshgrid(fine, fine, indexing="ij")
    inside = (y - centre[0]) ** 2 + (x - centre[1]) ** 2 <= radius**2
    return inside.reshape(n, oversample, n, oversample).mean(axis=(1, 3)), inside


def ball_volumes(r: float, oversample: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """A binary ball of radius ``r`` voxels (voxel centres inside) and the partial-volume ball
    (the fraction of each voxel inside, from ``oversample``**3 samples per voxel)."""
    n = int(2 * r + 8)
    c = n / 2 - 0.3
    fine = (np.arange(n * oversample) + 0.5) / oversample - 0.5
    z, y, x = np.meshgrid(fine, fine, fine, indexing="ij", sparse=True)
    inside = (z - c) ** 2 + (y - c) ** 2 + (x - c) ** 2 <= r**2
    cover = inside.reshape(n, oversample, n, oversample, n, oversample).mean(axis=(1, 3, 5))
    zi, yi, xi = np.ogrid[:n, :n, :n]
    binary = (zi - c) ** 2 + (yi - c) ** 2 + (xi - c) ** 2 <= r**2
    return binary, cover


def voxel_face_area(mask) -> int:
    """Number of voxel faces between foreground and background (the mask padded with
    background): the surface area of a binary volume counted as a staircase of faces."""
    m = np.pad(np.asarray(mask, dtype=bool), 1).astype(np.int8)
    return int(sum(np.abs(np.diff(m, axis=a)).sum() for a in range(m.ndim)))
