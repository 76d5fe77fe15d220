"""Datasets and what a model learns from them: the experiments of week 2.

The lecture calls these in a line or two; each function is short enough to read next to it.

>>> from qbi.learning import standardise, random_pose, augmentation_curves
>>> X = standardise(images)                       # one row per image, zero mean, unit sd
>>> copy = random_pose(images[0], rng, flip=True, angle=180, shift=5, elastic=1.0)

* :func:`standardise`, :func:`sample_per_class`, :func:`augment_set`: the small tools;
* :func:`random_pose`, :func:`light_copy`: augmentations that resample an image once
  (flip, rotation, shift, zoom and elastic deformation combined in one interpolation);
* :func:`augmentation_curves`, :func:`transform_ablation`, :func:`digit_augmentation`:
  what augmentation does to a 1-NN trained on few images, repeated on many draws;
* :func:`leakage_experiment`: augmenting before the split against splitting first;
* :func:`imbalanced`, :func:`scores`, :func:`imbalance_curves`, :func:`compare_fixes`,
  :func:`shortcut_experiment`: class imbalance and a dataset bias;
* :func:`mean_sd`, :func:`paired_gain`: how the tables report repeats.

Every random draw comes from a ``numpy.random.Generator`` seeded by the caller, so each
result is repeatable.  The experiments run BLAS with one thread (small matrices: more
threads only compete for the cores).
"""

from __future__ import annotations

from typing import Callable, Iterable

import numpy as np
import pandas as pd
from scipy import ndimage as ndi

Transform = Callable[..., np.ndarray]


# ---------------------------------------------------------------------------------------
# Small tools
# ---------------------------------------------------------------------------------------
def standardise(stack) -> np.ndarray:
    """One row per image, each image scaled to zero mean and unit standard deviation
    (float32: the k-NN distances are faster and just as good)."""
    flat = np.asarray(stack).reshape(len(stack), -1).astype(np.float32)
    sd = flat.std(axis=1, keepdims=True)
    return (flat - flat.mean(axis=1, keepdims=True)) / np.where(sd > 0, sd, 1)


def sample_per_class(y, n_per_class: int, rng: np.random.Generator) -> np.ndarray:
    """Positions (into ``y``) of ``n_per_class`` random examples of every class."""
    y = np.asarray(y)
    return np.concatenate([rng.choice(np.flatnonzero(y == c), n_per_class, replace=False)
                           for c in np.unique(y)])


def augment_set(stack, y, n_copies: int, transform: Transform, rng: np.random.Generator):
    """The originals plus ``n_copies`` transformed versions of each; the labels follow."""
    stack, y = np.asarray(stack), np.asarray(y)
    if n_copies == 0:
        return stack, y
    extra = np.array([transform(img, rng) for img in stack for _ in range(n_copies)])
    return np.concatenate([stack, extra]), np.concatenate([y, np.repeat(y, n_copies)])


def mean_sd(values) -> str:
    """'mean ± sd' of repeated results, three decimals (sd with ddof=1)."""
    values = np.asarray(values, dtype=float)
    sd = values.std(ddof=1) if len(values) > 1 else 0.0
    return f"{values.mean():.3f} ± {sd:.3f}"


def paired_gain(after, before) -> dict:
    """Mean gain of paired repeats (same training images), its sd, and the standard error
    of the mean gain; ``clear`` when the mean gain is more than 3 standard errors from 0."""
    diff = np.asarray(after, dtype=float) - np.asarray(before, dtype=float)
    sd = float(diff.std(ddof=1)) if len(diff) > 1 else 0.0
    se = float(sd / np.sqrt(len(diff)))
    mean = float(diff.mean())
    return {"gain": mean, "sd": sd, "se": se, "clear": bool(abs(mean) > 3 * se)}


def _one_blas_thread(function):
    """Run ``function`` with one BLAS thread (small matrices: more threads only compete
    for the cores).  Set once per experiment: asking threadpoolctl costs milliseconds."""
    import functools

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1):
            return function(*args, **kwargs)

    return wrapper


# ---------------------------------------------------------------------------------------
# Augmentations that resample the image once
# ---------------------------------------------------------------------------------------
def _bilinear(stack, rows, cols):
    """Sample every image of ``stack`` (n, H, W) at its own (rows, cols) (n, H*W) positions,
    bilinear, borders mirrored (numpy's ``reflect`` padding, exact up to one image size
    outside the image)."""
    n, h, w = stack.shape

    def mirror(x, size):
        x = np.clip((size - 1) - np.abs((size - 1) - np.abs(x)), 0, size - 1)
        low = np.floor(x)
        return low.astype(np.intp), np.minimum(low + 1, size - 1).astype(np.intp), x - low

    ra, rb, fr = mirror(rows, h)
    ca, cb, fc = mirror(cols, w)
    ra, rb = ra * w, rb * w
    flat = stack.reshape(n, -1)

    def at(r, c):
        return np.take_along_axis(flat, r + c, axis=1)

    top = at(ra, ca) * (1 - fc) + at(ra, cb) * fc
    bottom = at(rb, ca) * (1 - fc) + at(rb, cb) * fc
    return (top * (1 - fr) + bottom * fr).reshape(n, h, w)


def _smoothing_matrix(n: int, sigma: float) -> np.ndarray:
    """The n x n matrix of a Gaussian filter of width sigma with mirrored borders
    (``ndi.gaussian_filter1d(x, sigma, mode="mirror")`` is ``matrix @ x``)."""
    return ndi.gaussian_filter1d(np.eye(n), sigma, axis=0, mode="mirror")


def _smooth_fields(shape, rng, sigma):
    """Random displacement fields (m, 2, H, W): white noise smoothed with a Gaussian of width
    sigma (two small matrix products per field instead of a convolution)."""
    m, _, h, w = shape
    noise = rng.normal(size=shape).astype(np.float32)
    gh = _smoothing_matrix(h, sigma).astype(np.float32)
    gw = _smoothing_matrix(w, sigma).astype(np.float32)
    return gh @ noise @ gw.T


def random_poses(stack, rng: np.random.Generator, n_copies: int = 1, flip: bool = False,
                 angle: float = 0.0, shift: float = 0.0, zoom: float = 0.0,
                 elastic: float | np.ndarray = 0.0, sigma: float = 4.0) -> np.ndarray:
    """``n_copies`` random poses of every image of ``stack`` (n, H, W), in ONE interpolation
    each: returns (n, n_copies, H, W).

    ``flip``: mirror left-right half of the time; ``angle``: rotation drawn from
    [-angle, angle] degrees; ``shift``: translation drawn from [-shift, shift] pixels per axis;
    ``zoom``: magnification drawn from [1, 1 + zoom] (a crop scaled back up);
    ``elastic``: root-mean-square displacement (pixels) of a random field smoothed with a
    Gaussian of width ``sigma`` (a number, or one number per copy).  Borders are filled with
    a mirror image (no black corners).  Composing the steps and interpolating once (bilinear)
    blurs less than one interpolation per step, and the whole batch is a few numpy calls."""
    stack = np.asarray(stack, dtype=np.float32)
    n, h, w = stack.shape
    m = n * n_copies
    centre = np.array([(h - 1) / 2, (w - 1) / 2], dtype=np.float32)
    grid = np.indices((h, w), dtype=np.float32).reshape(2, -1) - centre[:, None]  # (2, H*W)
    theta = np.deg2rad(rng.uniform(-angle, angle, m)) if angle else np.zeros(m)
    scale = 1 / rng.uniform(1, 1 + zoom, m) if zoom else np.ones(m)
    c = (np.cos(theta) * scale).astype(np.float32)
    s = (np.sin(theta) * scale).astype(np.float32)
    rows = c[:, None] * grid[0] - s[:, None] * grid[1] + centre[0]
    cols = s[:, None] * grid[0] + c[:, None] * grid[1] + centre[1]
    if shift:
        rows += rng.uniform(-shift, shift, (m, 1)).astype(np.float32)
        cols += rng.uniform(-shift, shift, (m, 1)).astype(np.float32)
    if flip:
        mirrored = rng.random(m) < 0.5
        cols[mirrored] = (w - 1) - cols[mirrored]
    strength = np.broadcast_to(np.asarray(elastic, dtype=float), (m,))
    bent = np.flatnonzero(strength)
    if len(bent):
        field = _smooth_fields((len(bent), 2, h, w), rng, sigma)
        rms = field.reshape(len(bent), -1).std(axis=1)
        field *= (strength[bent] / np.where(rms > 0, rms, 1)).astype(np.float32)[:, None, None, None]
        rows[bent] += field[:, 0].reshape(len(bent), -1)
        cols[bent] += field[:, 1].reshape(len(bent), -1)
    source = np.repeat(stack, n_copies, axis=0)
    return _bilinear(source, rows, cols).reshape(n, n_copies, h, w)


def random_pose(img, rng: np.random.Generator, **pose) -> np.ndarray:
    """One random pose of one image: :func:`random_poses` with the same keywords."""
    return random_poses(np.asarray(img)[None], rng, 1, **pose)[0, 0]


def combined_augmentation(stack, rng: np.random.Generator, n_copies: int = 1) -> np.ndarray:
    """The mix of the lecture's augmentation experiment, ``n_copies`` per image: a random
    flip, any rotation, a shift of up to 5 pixels and, for half of the copies, an elastic
    deformation of 1 pixel rms.  Returns (n, n_copies, H, W)."""
    m = len(stack) * n_copies
    return random_poses(stack, rng, n_copies, flip=True, angle=180, shift=5,
                        elastic=np.where(rng.random(m) < 0.5, 1.0, 0.0))


def light_copy(img, rng: np.random.Generator) -> np.ndarray:
    """A near-copy: a random left-right flip, a brightness change of up to 10 % and fresh
    noise (sd 0.05): what a careless pipeline produces before it splits."""
    img = np.asarray(img, dtype=float)
    if rng.random() < 0.5:
        img = img[:, ::-1]
    return img * rng.uniform(0.9, 1.1) + rng.normal(0, 0.05, img.shape)


def _pointwise(change):
    def batch(stack, rng, n_copies=1):
        stack = np.repeat(np.asarray(stack, float)[:, None], n_copies, axis=1)
        return change(stack, rng)
    return batch


ABLATION = {
    "none": _pointwise(lambda x, rng: x),
    "flip": lambda x, rng, n=1: random_poses(x, rng, n, flip=True),
    "rotation": lambda x, rng, n=1: random_poses(x, rng, n, angle=180),
    "shift": lambda x, rng, n=1: random_poses(x, rng, n, shift=5),
    "crop + zoom": lambda x, rng, n=1: random_poses(x, rng, n, zoom=1 / 3),
    "elastic": lambda x, rng, n=1: random_poses(x, rng, n, elastic=1.0),
    "intensity": _pointwise(lambda x, rng: x * rng.uniform(0.7, 1.3, x.shape[:2] + (1, 1))
                            + rng.uniform(-0.2, 0.2, x.shape[:2] + (1, 1))),
    "noise": _pointwise(lambda x, rng: x + rng.normal(0, 0.1, x.shape)),
    "combined": combined_augmentation,
}
"""One augmentation at a time, as in the lecture's ablation.  Each entry is a batch
transform ``f(stack, rng, n_copies) -> (n, n_copies, H, W)``: contrast 0.7-1.3 and
brightness -0.2-0.2 ("intensity"), noise of sd 0.1, a flip half of the time, any rotation,
a shift of up to 5 pixels, a zoom of up to 4/3 (a 75 % crop scaled back up), an elastic
deformation of 1 pixel rms (sigma 4 pixels), and all the geometric ones combined."""


def digit_mild(stack, rng: np.random.Generator, n_copies: int = 1) -> np.ndarray:
    """A small turn (up to 15 degrees) and a sub-pixel shift: still the same digit."""
    return random_poses(stack, rng, n_copies, angle=15, shift=0.7)


def digit_wild(stack, rng: np.random.Generator, n_copies: int = 1) -> np.ndarray:
    """A mirror image half of the time and a quarter turn: a 6 may become a 9."""
    stack = np.asarray(stack, float)
    out = np.empty((len(stack), n_copies) + stack.shape[1:])
    for i, img in enumerate(stack):
        for j in range(n_copies):
            out[i, j] = np.rot90(img[:, ::-1] if rng.random() < 0.5 else img, rng.integers(4))
    return out


# ---------------------------------------------------------------------------------------
# Augmentation experiments (1-NN on pixels, held-out test images)
# ---------------------------------------------------------------------------------------
def nearest_scores(X_train, X_test) -> np.ndarray:
    """Scores whose largest entry per test row is its nearest training row (Euclidean):
    2 a.b - |b|^2 (the |a|^2 of the test row is the same for every training row)."""
    X_train = np.asarray(X_train, dtype=np.float32)
    X_test = np.asarray(X_test, dtype=np.float32)
    return 2 * X_test @ X_train.T - (X_train ** 2).sum(axis=1)


def one_nn_accuracy(X_train, y_train, X_test, y_test, columns=None) -> float:
    """Accuracy of the 1-nearest-neighbour rule (what ``KNeighborsClassifier(n_neighbors=1)``
    predicts, up to exact ties); ``columns`` may restrict the training rows."""
    scores_ = nearest_scores(X_train, X_test)
    y_train = np.asarray(y_train)
    if columns is not None:
        scores_, y_train = scores_[:, columns], y_train[columns]
    return float(np.mean(y_train[scores_.argmax(axis=1)] == np.asarray(y_test)))


@_one_blas_thread
def augmentation_curves(images, labels, pool, held, seeds: Iterable[int],
                        sizes=(10, 20), copies=(0, 5, 10, 20),
                        transform=combined_augmentation) -> pd.DataFrame:
    """Held-out accuracy of a 1-NN on standardised pixels for small training sets with
    0 .. max(copies) augmented copies per image.

    Per seed: ``max(sizes)`` images per class are drawn from ``pool`` and each gets
    ``max(copies)`` copies (``transform`` is a batch transform); the smaller sets are the
    first images of each class and the first copies (nested), so within a seed only the size
    and the number of copies change.  The test set is ``held``, never augmented.
    One row per (seed, size, copies)."""
    images, labels = np.asarray(images), np.asarray(labels)
    pool, held = np.asarray(pool), np.asarray(held)
    X_held, y_held = standardise(images[held]), labels[held]
    n_max, c_max = max(sizes), max(copies)
    rows = []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        tr = pool[sample_per_class(labels[pool], n_max, rng)]        # grouped by class
        stack = np.concatenate([images[tr][:, None], transform(images[tr], rng, c_max)], axis=1)
        X = standardise(stack.reshape(-1, *images.shape[1:]))          # image-major order
        y = np.repeat(labels[tr], c_max + 1)
        rank = np.repeat(np.tile(np.arange(n_max), len(tr) // n_max), c_max + 1)
        version = np.tile(np.arange(c_max + 1), len(tr))               # 0: the original
        scores_ = nearest_scores(X, X_held)
        for n in sizes:
            for c in copies:
                cols = np.flatnonzero((rank < n) & (version <= c))
                acc = np.mean(y[cols][scores_[:, cols].argmax(axis=1)] == y_held)
                rows.append({"seed": seed, "training images": n * len(tr) // n_max,
                             "copies": c, "accuracy": float(acc)})
    return pd.DataFrame(rows)


@_one_blas_thread
def feature_reference(X_feat, labels, pool, held, seeds: Iterable[int], n_per_class: int,
                      n_max: int = 20) -> pd.DataFrame:
    """Held-out accuracy of the dummy and of a 1-NN on standardised shape features, trained
    on the same images as :func:`augmentation_curves` (the first ``n_per_class`` of each
    class of the draw of ``n_max`` per class)."""
    from sklearn.dummy import DummyClassifier

    labels, pool, held = np.asarray(labels), np.asarray(pool), np.asarray(held)
    rows = []
    for seed in seeds:
        tr = pool[sample_per_class(labels[pool], n_max, np.random.default_rng(seed))]
        tr = tr[np.tile(np.arange(n_max), len(tr) // n_max) < n_per_class]
        dummy = DummyClassifier(strategy="most_frequent").fit(X_feat[tr], labels[tr])
        rows.append({"seed": seed, "training images": len(tr),
                     "dummy (most frequent)": dummy.score(X_feat[held], labels[held]),
                     "1-NN on shape features": knn(1).fit(X_feat[tr], labels[tr])
                     .score(X_feat[held], labels[held])})
    return pd.DataFrame(rows)


@_one_blas_thread
def transform_ablation(images, labels, pool, held, seeds: Iterable[int],
                       transforms: dict | None = None, n_per_class: int = 10,
                       n_copies: int = 10) -> pd.DataFrame:
    """Held-out accuracy of a 1-NN on standardised pixels with one augmentation at a time:
    the same training images per seed for every transform (paired), ``n_copies`` copies
    of each (batch transforms, see :data:`ABLATION`).  One row per (seed, augmentation)."""
    transforms = ABLATION if transforms is None else transforms
    images, labels = np.asarray(images), np.asarray(labels)
    pool, held = np.asarray(pool), np.asarray(held)
    X_held, y_held = standardise(images[held]), labels[held]
    rows = []
    for seed in seeds:
        tr = pool[sample_per_class(labels[pool], n_per_class, np.random.default_rng(seed))]
        for k, (name, transform) in enumerate(transforms.items()):
            rng = np.random.default_rng([seed, k])
            stack = np.concatenate([images[tr][:, None], transform(images[tr], rng, n_copies)], 1)
            X = standardise(stack.reshape(-1, *images.shape[1:]))
            acc = one_nn_accuracy(X, np.repeat(labels[tr], n_copies + 1), X_held, y_held)
            rows.append({"seed": seed, "augmentation": name, "accuracy": acc})
    return pd.DataFrame(rows)


@_one_blas_thread
def digit_augmentation(digit_images, targets, pool, held, seeds: Iterable[int],
                       variants: dict, n_per_class: int = 5, n_copies: int = 10) -> pd.DataFrame:
    """Held-out accuracy of a 1-NN on the raw digit pixels, with each augmentation of
    ``variants`` (name: batch transform, or None for none) applied to the same training
    digits per seed.  One row per (seed, augmentation)."""
    digit_images, targets = np.asarray(digit_images, float), np.asarray(targets)
    pool, held = np.asarray(pool), np.asarray(held)
    X_held = digit_images[held].reshape(len(held), -1)
    rows = []
    for seed in seeds:
        tr = pool[sample_per_class(targets[pool], n_per_class, np.random.default_rng(seed))]
        for k, (name, transform) in enumerate(variants.items()):
            stack = digit_images[tr][:, None]
            if transform is not None:
                extra = transform(digit_images[tr], np.random.default_rng([seed, k]), n_copies)
                stack = np.concatenate([stack, extra], axis=1)
            X = stack.reshape(-1, stack.shape[-2] * stack.shape[-1])
            y = np.repeat(targets[tr], stack.shape[1])
            rows.append({"seed": seed, "augmentation": name,
                         "accuracy": one_nn_accuracy(X, y, X_held, targets[held])})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------
# Leakage: augmenting before the split
# ---------------------------------------------------------------------------------------
@_one_blas_thread
def leakage_experiment(images, labels, seed: int, n_orig: int = 90,
                       n_copies: int = 10) -> pd.DataFrame:
    """Two pipelines on the same ``n_orig`` originals with ``n_copies`` light copies each.

    Wrong: copy all originals, then split the copies 70/30 at random.  Right: split the
    originals 70/30, copy only the training part, test on the untouched test originals.
    Both are also scored on every image never used (the truth).  1-NN on pixels."""
    from sklearn.model_selection import train_test_split

    images, labels = np.asarray(images), np.asarray(labels)
    rng = np.random.default_rng(seed)
    orig = rng.choice(len(images), n_orig, replace=False)
    unseen = np.setdiff1d(np.arange(len(images)), orig)
    X_new, y_new = standardise(images[unseen]), labels[unseen]

    def copies_of(ids):
        stack = np.array([light_copy(images[i], rng) for i in ids for _ in range(n_copies)])
        return standardise(stack), np.repeat(labels[ids], n_copies)

    X_c, y_c = copies_of(orig)
    X_tr, X_te, y_tr, y_te = train_test_split(X_c, y_c, test_size=0.3, stratify=y_c,
                                              random_state=seed)
    o_tr, o_te = train_test_split(orig, test_size=0.3, stratify=labels[orig], random_state=seed)
    X_right, y_right = copies_of(o_tr)
    out = [("augment, then split (wrong)", one_nn_accuracy(X_tr, y_tr, X_te, y_te),
            one_nn_accuracy(X_tr, y_tr, X_new, y_new)),
           ("split, then augment (right)",
            one_nn_accuracy(X_right, y_right, standardise(images[o_te]), labels[o_te]),
            one_nn_accuracy(X_right, y_right, X_new, y_new))]
    return pd.DataFrame(out, columns=["pipeline", "reported test accuracy",
                                      f"accuracy on {len(unseen)} new images"]).assign(seed=seed)


# ---------------------------------------------------------------------------------------
# Class imbalance and bias
# ---------------------------------------------------------------------------------------
def imbalanced(ids, labels, common_share: float, rng: np.random.Generator) -> np.ndarray:
    """All images of class 0 (common) in ``ids`` plus enough random class-1 images (rare)
    that class 0 makes up ``common_share`` of the result (at least one rare image)."""
    ids, labels = np.asarray(ids), np.asarray(labels)
    common, rare = ids[labels[ids] == 0], ids[labels[ids] == 1]
    n_rare = max(1, round(len(common) * (1 - common_share) / common_share))
    return np.concatenate([common, rng.choice(rare, n_rare, replace=False)])


def confusion_2x2(y_true, y_pred) -> np.ndarray:
    """The 2 x 2 confusion matrix (rows: truth, columns: prediction), counted by hand."""
    cm = np.zeros((2, 2), dtype=int)
    np.add.at(cm, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return cm


def scores(y_true, y_pred) -> dict:
    """Accuracy, balanced accuracy (mean recall of the two classes) and the recall of the
    rare class 1, from the 2 x 2 confusion matrix."""
    cm = confusion_2x2(y_true, y_pred)
    recall = np.diag(cm) / np.maximum(cm.sum(axis=1), 1)
    return {"accuracy": np.trace(cm) / cm.sum(), "balanced accuracy": recall.mean(),
            "recall (rare)": recall[1]}


def knn(k: int):
    """k-NN on standardised features (a scikit-learn pipeline)."""
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=k))


@_one_blas_thread
def imbalance_curves(X, labels, pool, held, shares, seeds: Iterable[int], k: int = 3):
    """k-NN and the dummy on train and test sets with the same share of the common class.

    Returns (table, confusion): one row per (share, seed, model) with :func:`scores`, and
    the confusion matrices summed over the seeds, keyed by (share, model)."""
    from sklearn.dummy import DummyClassifier

    X, labels = np.asarray(X), np.asarray(labels)
    rows, confusion = [], {}
    seeds = list(seeds)
    for share in shares:
        for seed in seeds:
            rng = np.random.default_rng(seed)
            tr, te = imbalanced(pool, labels, share, rng), imbalanced(held, labels, share, rng)
            for name, model in [("k-NN", knn(k)), ("dummy", DummyClassifier())]:
                pred = model.fit(X[tr], labels[tr]).predict(X[te])
                rows.append({"common share": share, "seed": seed, "model": name,
                             **scores(labels[te], pred)})
                confusion[share, name] = (confusion.get((share, name), 0)
                                          + confusion_2x2(labels[te], pred))
    return pd.DataFrame(rows), confusion


def balanced_subset(tr, labels, rng: np.random.Generator) -> np.ndarray:
    """All rare (class 1) images of ``tr`` and as many common ones, drawn at random."""
    tr, labels = np.asarray(tr), np.asarray(labels)
    rare = tr[labels[tr] == 1]
    return np.concatenate([rng.choice(tr[labels[tr] == 0], len(rare), replace=False), rare])


@_one_blas_thread
def compare_fixes(X, labels, pool, held, shares, seeds: Iterable[int], k: int = 3):
    """k-NN (the same k) on the whole imbalanced training set and on a balanced subset;
    logistic regression without and with class weights.  One row per (share, seed, method)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    def logistic(weight=None):
        return make_pipeline(StandardScaler(), LogisticRegression(class_weight=weight,
                                                                  solver="newton-cholesky"))

    X, labels = np.asarray(X), np.asarray(labels)
    rows = []
    seeds = list(seeds)
    for share in shares:
        for seed in seeds:
            rng = np.random.default_rng(seed)
            tr, te = imbalanced(pool, labels, share, rng), imbalanced(held, labels, share, rng)
            sub = balanced_subset(tr, labels, np.random.default_rng(seed))
            fits = {f"k-NN (k={k})": (knn(k), tr),
                    f"k-NN (k={k}), balanced subset": (knn(k), sub),
                    "logistic regression": (logistic(), tr),
                    "logistic regression, class weights": (logistic("balanced"), tr)}
            for name, (model, part) in fits.items():
                pred = model.fit(X[part], labels[part]).predict(X[te])
                rows.append({"common share": share, "seed": seed, "method": name,
                             **scores(labels[te], pred)})
    return pd.DataFrame(rows)


@_one_blas_thread
def shortcut_experiment(X, labels, two, bright, seeds: Iterable[int], n_train: int = 100,
                        k: int = 5) -> pd.DataFrame:
    """A dataset bias: in the biased part, class 0 is always bright and class 1 dim.

    A k-NN trained on ``n_train`` biased images is tested on the rest of the biased part and
    on the images where the bias is reversed; a k-NN trained on ``n_train`` images of all
    of ``two`` is tested on the rest.  One row per (seed, setting)."""
    X, labels, two, bright = (np.asarray(a) for a in (X, labels, two, bright))
    biased = two[np.where(labels[two] == 0, bright[two], ~bright[two])]
    flipped = np.setdiff1d(two, biased)
    rows = []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        tr_b = rng.choice(biased, n_train, replace=False)
        tr_u = rng.choice(two, n_train, replace=False)
        m_b = knn(k).fit(X[tr_b], labels[tr_b])
        m_u = knn(k).fit(X[tr_u], labels[tr_u])
        te_b, te_u = np.setdiff1d(biased, tr_b), np.setdiff1d(two, tr_u)
        rows += [{"seed": seed, "setting": "biased training, test with the same bias",
                  "accuracy": m_b.score(X[te_b], labels[te_b])},
                 {"seed": seed, "setting": "biased training, test with the bias reversed",
                  "accuracy": m_b.score(X[flipped], labels[flipped])},
                 {"seed": seed, "setting": "unbiased training, unbiased test",
                  "accuracy": m_u.score(X[te_u], labels[te_u])}]
    return pd.DataFrame(rows)
