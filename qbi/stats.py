"""Statistics and simulation helpers of week 8 (the plumbing; the lecture shows the ideas).

>>> from qbi import stats
>>> rng = np.random.default_rng(0)
>>> profiles = stats.calibration_profiles(rng, 1000)     # noisy line profiles across a bar
>>> length_px = stats.bar_length(profiles)                # sub-pixel half-maximum edges
>>> stats.ttest_power(0.5, 64)                            # 0.80: Cohen's classic table
>>> stats.error_rates(reject, is_effect)                  # FWER, FDR, power of a procedure

Every function is vectorised: one row per simulated experiment, no Python loop over them.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import platform
import sys

import numpy as np
from scipy import special, stats

# ---------------------------------------------------------------------------------------------
# Measurement chain: a calibration bar of known length, measured in pixels
# ---------------------------------------------------------------------------------------------


def calibration_profiles(rng, n: int, length_px: float = 400.0, start: float = 50.3,
                         size: int = 500, blur: float = 1.5, background: float = 0.1,
                         bar: float = 0.9, noise: float = 0.05) -> np.ndarray:
    """``n`` noisy grey-value profiles across a calibration bar, one per row (``n`` x ``size``).

    The bar covers ``[start, start + length_px]`` (pixel centres at 0, 1, ...), is blurred by a
    Gaussian point-spread function of ``blur`` px (so each edge is an error function) and gets
    Gaussian noise of standard deviation ``noise``.  The true length is ``length_px``.
    """
    x = np.arange(size, dtype=float)
    s = np.sqrt(2.0) * blur
    clean = 0.5 * (special.erf((x - start) / s) - special.erf((x - start - length_px) / s))
    clean = background + (bar - background) * clean
    return clean[None, :] + rng.normal(0.0, noise, (n, size))


def edge_positions(profiles, margin: int = 20, window: int = 6) -> tuple[np.ndarray, np.ndarray]:
    """Sub-pixel positions of the rising (left) and falling (right) edge of every profile.

    Each edge is first located roughly, at the steepest rise and fall of the profile smoothed
    a little (Gaussian, 2 px).  The level is half-way between the background (mean of the first
    and last ``margin`` pixels) and the bar (median between the two rough edges); each edge is
    where the profile crosses that level nearest to its rough position (within ``window`` px),
    by linear interpolation between the two pixels around the crossing.  A noise spike far
    from an edge therefore cannot be mistaken for it.  NaN where no crossing is found.
    """
    from scipy.ndimage import gaussian_filter1d

    p = np.atleast_2d(np.asarray(profiles, dtype=float))
    rows, size = p.shape
    r = np.arange(rows)[:, None]
    slope = np.diff(gaussian_filter1d(p, 2.0, axis=1), axis=1)
    rise, fall = slope.argmax(axis=1), slope.argmin(axis=1)     # crossing between k and k + 1
    background = np.concatenate([p[:, :margin], p[:, -margin:]], axis=1).mean(axis=1)
    idx = np.arange(size)[None, :]
    inner = (idx >= rise[:, None] + margin) & (idx <= fall[:, None] - margin)
    plateau = np.nanmedian(np.where(inner, p, np.nan), axis=1)
    level = (0.5 * (background + plateau))[:, None]

    def crossing(rough, sign):
        k = np.clip(rough[:, None] + np.arange(-window, window + 1)[None, :], 0, size - 2)
        a, b = sign * (p[r, k] - level), sign * (p[r, k + 1] - level)
        hit = (a < 0) & (b >= 0)                                   # crosses between k and k+1
        dist = np.where(hit, np.abs(k - rough[:, None]), np.inf)
        j = dist.argmin(axis=1)
        kk = k[np.arange(rows), j]
        a0, b0 = p[np.arange(rows), kk], p[np.arange(rows), kk + 1]
        pos = kk + (level[:, 0] - a0) / (b0 - a0)
        return np.where(np.isfinite(dist.min(axis=1)), pos, np.nan)

    return crossing(rise, 1.0), crossing(fall, -1.0)


def bar_length(profiles, margin: int = 20) -> np.ndarray:
    """The length (px) of the bar in every profile: falling minus rising edge position."""
    left, right = edge_positions(profiles, margin)
    return right - left


# ---------------------------------------------------------------------------------------------
# Tests, power and error rates
# ---------------------------------------------------------------------------------------------


def ttest_power(effect_size, n_per_group, alpha: float = 0.05):
    """Analytic power of the two-sided two-sample t-test (equal groups, equal variances).

    Under the alternative the t statistic follows a noncentral t distribution with
    ``2n - 2`` degrees of freedom and noncentrality ``d * sqrt(n / 2)``; the power is the
    probability that it falls beyond the critical values ``+-t_(1 - alpha/2)``.  For equal
    group sizes and variances Welch's test has the same power to within simulation noise.
    Works on arrays (broadcast).
    """
    d = np.asarray(effect_size, dtype=float)
    n = np.asarray(n_per_group, dtype=float)
    df = 2 * n - 2
    nc = d * np.sqrt(n / 2)
    crit = stats.t.ppf(1 - alpha / 2, df)
    return stats.nct.sf(crit, df, nc) + stats.nct.cdf(-crit, df, nc)


def error_rates(reject, is_effect) -> dict:
    """Family-wise error rate, false discovery rate and power of a testing procedure.

    ``reject`` is boolean, one row per simulated family of tests (families x tests);
    ``is_effect`` says which tests have a true effect (tests, or families x tests).
    FWER: fraction of families with at least one false positive.  FDR: mean over families of
    false positives / rejections (0 when nothing is rejected).  Power: fraction of the true
    effects that are rejected (NaN without true effects).  Also the mean numbers of false
    and true positives per family.
    """
    reject = np.atleast_2d(np.asarray(reject, dtype=bool))
    effect = np.broadcast_to(np.asarray(is_effect, dtype=bool), reject.shape)
    false_pos = (reject & ~effect).sum(axis=1)
    true_pos = (reject & effect).sum(axis=1)
    n_reject = reject.sum(axis=1)
    n_effects = effect.sum()
    return {
        "FWER": float(np.mean(false_pos > 0)),
        "FDR": float(np.mean(false_pos / np.maximum(n_reject, 1))),
        "power": float(true_pos.sum() / n_effects) if n_effects else float("nan"),
        "false positives per family": float(false_pos.mean()),
        "true positives per family": float(true_pos.mean()),
    }


def binomial_bound(p: float, n: int, k: float = 3.0) -> float:
    """Half-width of the band ``p +- k * sqrt(p (1 - p) / n)`` in which an observed rate of
    ``n`` independent trials with true rate ``p`` falls (k = 3: about 99.7 % of the time)."""
    return float(k * np.sqrt(p * (1 - p) / n))


def ranges_within(x, ok) -> list[tuple[float, float]]:
    """The contiguous runs of ``x`` where ``ok`` is True, as (first, last) pairs of x values."""
    x = np.asarray(x)
    ok = np.asarray(ok, dtype=bool)
    runs, start = [], None
    for i, flag in enumerate(ok):
        if flag and start is None:
            start = i
        if start is not None and (not flag or i == len(ok) - 1):
            end = i if flag else i - 1
            runs.append((float(x[start]), float(x[end])))
            start = None
    return runs


# ---------------------------------------------------------------------------------------------
# Graphs: how a colormap maps data to perceived lightness
# ---------------------------------------------------------------------------------------------


def colormap_lightness(name: str, n: int = 256) -> np.ndarray:
    """Perceived lightness L* (CIELAB, 0 black to 100 white) along a matplotlib colormap."""
    import matplotlib
    from skimage.color import rgb2lab

    rgb = matplotlib.colormaps[name](np.linspace(0, 1, n))[:, :3]
    return rgb2lab(rgb[None, :, :])[0, :, 0]


def direction_changes(values, tolerance: float = 0.5) -> int:
    """How often a sequence turns from rising to falling or back (steps below ``tolerance``
    are ignored).  A perceptually ordered colormap has none: its lightness only rises."""
    steps = np.diff(np.asarray(values, dtype=float))
    signs = np.sign(steps[np.abs(steps) > tolerance / len(steps)])
    return int(np.sum(signs[1:] != signs[:-1]))


# ---------------------------------------------------------------------------------------------
# Reproducibility: fingerprints of results and of the environment
# ---------------------------------------------------------------------------------------------


def digest(*arrays) -> str:
    """SHA-256 of the bytes (and dtypes and shapes) of arrays: equal only if bit-identical."""
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(f"{a.dtype.str}{a.shape}".encode())
        h.update(a.tobytes())
    return h.hexdigest()


DEFAULT_PACKAGES = ("numpy", "scipy", "scikit-image", "scikit-learn", "pandas", "matplotlib")


def versions(packages=DEFAULT_PACKAGES) -> dict:
    """Python, the platform and the installed version of each package, by name."""
    # system, release and machine only: platform.platform() would start `uname -p`
    out = {"python": sys.version.split()[0],
           "platform": f"{platform.system()} {platform.release()} {platform.machine()}"}
    for name in packages:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out
