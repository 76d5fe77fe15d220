"""Texture features from grey-level co-occurrence matrices (GLCM), patch by patch.

>>> from qbi import texture
>>> X, y = texture.texture_patches(image, labels, size=8, levels=32)
>>> texture.FEATURE_NAMES            # the columns of X: 8 GLCM features and the mean grey

Every feature is scikit-image's ``graycomatrix`` / ``graycoprops`` at distance 1 for the angles
0 (the right-hand neighbour) and pi/2 (the neighbour below), symmetric and normalised.
"""

from __future__ import annotations

import numpy as np

PROPS = ("contrast", "homogeneity", "energy", "correlation")
ANGLES = (0.0, np.pi / 2)
GLCM_NAMES = [f"{p} {a}" for p in PROPS for a in ("0", "90")]
FEATURE_NAMES = GLCM_NAMES + ["mean grey"]


def quantize(image, levels: int) -> np.ndarray:
    """The image in ``levels`` grey levels 0..levels-1 (uint8): ``img_as_ubyte(image) //
    (256 // levels)``.  ``levels`` must divide 256 (2, 4, 8, ..., 256)."""
    from skimage.util import img_as_ubyte

    if levels < 2 or 256 % levels:
        raise ValueError(f"levels must divide 256 (2, 4, 8, ..., 256), got {levels}")
    image = np.asarray(image)
    if image.dtype != np.uint8:
        image = img_as_ubyte(np.clip(image, 0, 1) if image.dtype.kind == "f" else image)
    return image // (256 // levels)


def glcm_features(patch, levels: int, angles=ANGLES, distance: int = 1) -> np.ndarray:
    """The GLCM features of a quantized patch: one value per property in :data:`PROPS` and per
    angle, in the order contrast 0, contrast 90, homogeneity 0, ..., correlation 90."""
    from skimage import feature

    g = feature.graycomatrix(np.asarray(patch), [distance], list(angles), levels=levels,
                             symmetric=True, normed=True)
    return np.array([feature.graycoprops(g, p)[0, k] for p in PROPS for k in range(len(angles))])


def texture_patches(image, labels, size: int = 8, levels: int = 32):
    """GLCM features and class of every non-overlapping ``size`` x ``size`` patch that lies
    inside one class of ``labels`` (patches on a class boundary are left out).

    Returns ``X`` (one row per patch; columns :data:`FEATURE_NAMES`: 8 GLCM features of the
    image quantized to ``levels`` grey levels, then the patch's mean grey value) and ``y`` (the
    class of every patch).
    """
    image, labels = np.asarray(image), np.asarray(labels)
    q = quantize(image, levels)
    X, y = [], []
    for r in range(0, image.shape[0] - size + 1, size):
        for c in range(0, image.shape[1] - size + 1, size):
            lab = labels[r:r + size, c:c + size]
            if (lab == lab[0, 0]).all():                  # pure patches only
                X.append(np.append(glcm_features(q[r:r + size, c:c + size], levels),
                                   image[r:r + size, c:c + size].mean()))
                y.append(lab[0, 0])
    return np.array(X).reshape(-1, len(FEATURE_NAMES)), np.array(y, dtype=int)


def chosen_features(X) -> np.ndarray:
    """The lecture's four features for k-means: the log of the two contrasts (they span 0.1
    to 50) next to the two homogeneities."""
    X = np.asarray(X, dtype=float)
    return np.column_stack([np.log(X[:, :2] + 1e-3), X[:, 2:4]])


def texture_scores(image, labels, size: int, levels: int, seed: int = 0):
    """Balanced accuracies of k-means (on :func:`chosen_features`) and of a logistic regression
    (all 8 GLCM features, trained on 70 % of the patches, tested on the rest) for one patch size
    and number of grey levels.  Returns ``(scores, confusion)``: a dict and k-means' confusion
    matrix (rows: true class, columns: matched cluster)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import balanced_accuracy_score
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from threadpoolctl import threadpool_limits

    from .matching import kmeans, match_clusters

    X, y = texture_patches(image, labels, size, levels)
    k = int(np.asarray(labels).max()) + 1
    z = StandardScaler().fit_transform(chosen_features(X))
    m = match_clusters(kmeans(z, k, seed=seed).labels_, y, n_classes=k)
    Xa, Xb, ya, yb = train_test_split(X[:, :8], y, test_size=0.3, stratify=y, random_state=seed)
    with threadpool_limits(limits=1):     # a few hundred patches: one thread is fastest
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(Xa, ya)
    return {"patches": len(y), "k-means accuracy": m.accuracy,
            "k-means balanced": m.balanced_accuracy,
            "classifier balanced": float(balanced_accuracy_score(yb, model.predict(Xb)))}, m.confusion
