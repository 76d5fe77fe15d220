"""Match what a method found to the truth: clusters to classes, objects to objects.

Three questions come back every week once a phantom's truth is known:

* k-means numbers its clusters arbitrarily: which cluster is which class?
  :func:`match_clusters` pairs clusters and classes so that the most samples agree (the
  assignment problem, ``scipy.optimize.linear_sum_assignment``) and scores the result.
* Which found region is which true object, and which objects were merged, split or missed?
  :func:`match_objects` classifies every true object; :func:`match_summary` counts them.
* Which found centre is which true centre? :func:`match_centroids` pairs them one to one.

>>> from qbi.matching import kmeans, match_clusters
>>> clusters = kmeans(features, 4).labels_          # features: one row per sample
>>> m = match_clusters(clusters, truth)
>>> m.accuracy, m.balanced_accuracy, m.confusion    # rows: true class, columns: found class
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CATEGORIES = ("1:1", "merged", "split", "missed")


# --------------------------------------------------------------------------------------------
# Clusters and classes
# --------------------------------------------------------------------------------------------
def kmeans(features, k: int, seed: int = 0, n_init: int = 10):
    """``sklearn.cluster.KMeans(n_clusters=k, n_init=n_init, random_state=seed)`` fitted to
    ``features`` (one row per sample; a 1D array is one feature) and returned.

    It runs on one thread: on a shared machine k-means' threads wait for each other and a fit
    of a few thousand points becomes ten times slower; one thread is fast enough here.
    """
    from sklearn.cluster import KMeans
    from threadpoolctl import threadpool_limits

    X = np.asarray(features, dtype=float)
    if X.ndim == 1:
        X = X[:, None]
    with threadpool_limits(limits=1):
        return KMeans(n_clusters=k, n_init=n_init, random_state=seed).fit(X)


@dataclass
class ClusterMatch:
    """The result of :func:`match_clusters`.

    ``mapping[c]`` is the class of cluster ``c`` (-1 when the cluster got no class: more
    clusters than classes); ``predicted`` are the clusters renamed to their classes (same shape
    as the input); ``confusion[i, j]`` counts the samples of true class ``i`` predicted as class
    ``j`` (samples of unmatched clusters are not in it, and count as wrong).
    """

    accuracy: float
    balanced_accuracy: float
    mapping: np.ndarray
    predicted: np.ndarray
    confusion: np.ndarray


def match_clusters(clusters, truth, n_classes: int | None = None) -> ClusterMatch:
    """Pair clusters with classes one to one so that the most samples agree, and score it.

    ``clusters`` and ``truth`` are integer arrays of the same shape (cluster numbers 0..k-1 and
    true classes 0..n-1; images or 1D).  The pairing maximises the number of samples whose
    cluster's class is their true class (Hungarian method on the confusion matrix).  Returns a
    :class:`ClusterMatch` with the (plain) accuracy, the balanced accuracy (mean recall over the
    classes present in ``truth``), the mapping, the renamed clusters and the confusion matrix.
    """
    from scipy.optimize import linear_sum_assignment

    clusters = np.asarray(clusters)
    truth = np.asarray(truth)
    if clusters.shape != truth.shape:
        raise ValueError(f"clusters {clusters.shape} and truth {truth.shape} differ in shape")
    c, t = clusters.ravel().astype(int), truth.ravel().astype(int)
    if c.size == 0:
        raise ValueError("nothing to match: the arrays are empty")
    if c.min() < 0 or t.min() < 0:
        raise ValueError("cluster numbers and classes must be 0, 1, 2, ...")
    n_classes = int(t.max()) + 1 if n_classes is None else int(n_classes)
    k = int(c.max()) + 1
    counts = np.zeros((n_classes, k), dtype=int)  # rows: true class, columns: cluster
    np.add.at(counts, (t, c), 1)
    classes, chosen = linear_sum_assignment(counts, maximize=True)
    mapping = np.full(k, -1, dtype=int)
    mapping[chosen] = classes
    predicted = mapping[c]
    confusion = np.zeros((n_classes, n_classes), dtype=int)
    ok = predicted >= 0
    np.add.at(confusion, (t[ok], predicted[ok]), 1)
    per_class = np.bincount(t, minlength=n_classes)
    present = per_class > 0
    recall = np.diag(confusion)[present] / per_class[present]
    return ClusterMatch(accuracy=float(np.trace(confusion) / t.size),
                        balanced_accuracy=float(recall.mean()),
                        mapping=mapping, predicted=predicted.reshape(clusters.shape),
                        confusion=confusion)


# --------------------------------------------------------------------------------------------
# Objects: found regions against true objects
# --------------------------------------------------------------------------------------------
def match_objects(found, truth) -> np.ndarray:
    """The category of every true object (labels 1..truth.max()), as an array of strings.

    Each true object chooses the found region it overlaps most, and each found region the true
    object it overlaps most:

    * ``"1:1"``: the object and its region choose each other and nothing else chooses either;
    * ``"merged"``: the object's region is also the best region of another object;
    * ``"split"``: two or more regions choose the object;
    * ``"missed"``: no found region overlaps the object.

    Entry ``i`` belongs to true label ``i + 1``.  ``found`` and ``truth`` are label images of the
    same shape (0 = background).
    """
    found, truth = np.asarray(found), np.asarray(truth)
    if found.shape != truth.shape:
        raise ValueError(f"found {found.shape} and truth {truth.shape} differ in shape")
    n_true = int(truth.max())
    if n_true == 0:
        return np.array([], dtype="<U6")
    if int(found.max()) == 0:
        return np.full(n_true, "missed", dtype="<U6")
    ov = np.zeros((int(found.max()) + 1, n_true + 1), dtype=int)
    np.add.at(ov, (found.ravel().astype(int), truth.ravel().astype(int)), 1)
    ov = ov[1:, 1:]                              # drop the background row and column
    real = ov.max(axis=1) > 0                    # regions that touch some object
    hit = ov.max(axis=0) > 0                     # objects that some region touches
    best_region = ov.argmax(axis=0)              # for every true object
    best_object = ov.argmax(axis=1)              # for every found region
    owners = np.bincount(best_region[hit], minlength=len(ov))
    pieces = np.bincount(best_object[real], minlength=n_true)
    cat = np.where(pieces > 1, "split", "1:1").astype("<U6")
    cat[owners[best_region] > 1] = "merged"
    cat[~hit] = "missed"
    return cat


def match_summary(found, truth) -> dict:
    """How many regions were found and how many true objects fall in each category of
    :func:`match_objects` (all four keys are always present): a dict of ints."""
    cat = match_objects(found, truth)
    out = {"regions": int(len(np.unique(np.asarray(found)[np.asarray(found) > 0])))}
    out.update({name: int(np.sum(cat == name)) for name in CATEGORIES})
    return out


def match_centroids(found, true, max_dist: float = 3.0) -> tuple[np.ndarray, np.ndarray]:
    """Pair found and true centres one to one (the pairing with the smallest total distance),
    keeping the pairs closer than ``max_dist``.

    ``found`` and ``true`` are (n, d) arrays of coordinates (or tables with d columns).  Returns
    two integer arrays ``(i_found, i_true)`` of row numbers: ``found[i_found[k]]`` is paired
    with ``true[i_true[k]]``.
    """
    from scipy.optimize import linear_sum_assignment
    from scipy.spatial.distance import cdist

    found = np.asarray(found, dtype=float)
    true = np.asarray(true, dtype=float)
    if len(found) == 0 or len(true) == 0:
        return np.array([], dtype=int), np.array([], dtype=int)
    dist = cdist(found, true)
    i_found, i_true = linear_sum_assignment(dist)
    ok = dist[i_found, i_true] < max_dist
    return i_found[ok], i_true[ok]
