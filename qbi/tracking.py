"""Helpers for week 9 (dynamic experiments): linking, scoring against the truth, known motions.

>>> from qbi import data, tracking
>>> movie = data.load("particle_movie")
>>> points, ids = tracking.truth_points(movie["trajectories"])   # perfect detections
>>> links = tracking.link_movie(points, tracking.link_global, max_distance=6)
>>> tracking.score_links(links, ids)["accuracy"]

Conventions used throughout:

* positions are ``(row, column)`` in pixels, one ``(n, 2)`` array per frame;
* a *link* from frame ``t`` to ``t + 1`` is a pair ``(i, j)``: detection ``i`` of frame ``t``
  continues as detection ``j`` of frame ``t + 1``; the links of one frame pair are an
  ``(k, 2)`` integer array, those of a movie a list of ``n_frames - 1`` such arrays;
* a flow field ``flow`` has shape ``(2, rows, cols)`` (row and column displacement) and means
  ``reference(x) = moving(x + flow(x))``, the convention of
  ``skimage.registration.optical_flow_tvl1``.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from scipy import ndimage as ndi
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist

__all__ = [
    "link_nearest", "link_global", "link_movie", "in_view", "truth_points", "match_to_truth",
    "truth_ids", "score_links", "tracks_from_links", "mean_nn_distance",
    "nn_accuracy_theory", "warp_by_flow", "end_point_error", "transform_error",
    "rigid_transform", "rigid_pair", "shifted_pair", "strain_pair", "euler_matrix",
    "draw_links", "find_link_events",
]


# --------------------------------------------------------------------------------------------
# Linking
# --------------------------------------------------------------------------------------------
def _empty_links() -> np.ndarray:
    return np.zeros((0, 2), dtype=int)


def link_nearest(p0, p1, max_distance: float = np.inf) -> np.ndarray:
    """Each point of frame t takes its nearest point of frame t+1 (within ``max_distance``).

    Greedy and local: two points may claim the same successor, and a point whose particle
    vanished still takes a neighbour unless ``max_distance`` forbids it.
    """
    p0, p1 = np.asarray(p0, float).reshape(-1, 2), np.asarray(p1, float).reshape(-1, 2)
    if len(p0) == 0 or len(p1) == 0:
        return _empty_links()
    dist = cdist(p0, p1)
    nearest = dist.argmin(axis=1)
    keep = dist[np.arange(len(p0)), nearest] <= max_distance
    return np.column_stack([np.nonzero(keep)[0], nearest[keep]]).astype(int)


def link_global(p0, p1, max_distance: float = np.inf) -> np.ndarray:
    """One-to-one links that minimise the summed squared displacement (Hungarian algorithm).

    Pairs farther apart than ``max_distance`` (the *gate*) cost more than any allowed pair, so
    the solver only uses them when nothing else is left, and they are dropped afterwards: a
    particle without a partner inside the gate stays unlinked (it vanished, or a new one
    appeared).
    """
    p0, p1 = np.asarray(p0, float).reshape(-1, 2), np.asarray(p1, float).reshape(-1, 2)
    if len(p0) == 0 or len(p1) == 0:
        return _empty_links()
    cost = cdist(p0, p1, "sqeuclidean")
    outside = cost > max_distance**2
    if np.isfinite(max_distance):
        cost[outside] = 1e6 * (1.0 + max_distance**2)  # dearer than any allowed pair
    rows, cols = linear_sum_assignment(cost)
    keep = ~outside[rows, cols]
    return np.column_stack([rows[keep], cols[keep]]).astype(int)


def link_movie(points: list, linker: Callable = link_global, **kwargs) -> list[np.ndarray]:
    """Apply a frame-to-frame linker to every pair of consecutive frames."""
    return [linker(points[t], points[t + 1], **kwargs) for t in range(len(points) - 1)]


def tracks_from_links(links: list, counts) -> list[np.ndarray]:
    """Chain frame-to-frame links into tracks: a track label for every detection of every frame.

    A detection that no link reaches starts a new track; when two links reach the same
    detection (nearest neighbour can do that) the first one wins.
    """
    counts = [int(c) for c in counts]
    labels = [np.full(n, -1, dtype=int) for n in counts]
    labels[0][:] = np.arange(counts[0])
    next_label = counts[0]
    for t, pairs in enumerate(links):
        for i, j in np.asarray(pairs, dtype=int).reshape(-1, 2):
            if labels[t + 1][j] < 0:
                labels[t + 1][j] = labels[t][i]
        new = labels[t + 1] < 0
        labels[t + 1][new] = np.arange(next_label, next_label + new.sum())
        next_label += int(new.sum())
    return labels


# --------------------------------------------------------------------------------------------
# Truth and scores
# --------------------------------------------------------------------------------------------
def in_view(trajectories) -> np.ndarray:
    """Which particle is in view in which frame: positions that are NaN or negative (the
    phantom's -1) mean "not in view"."""
    traj = np.asarray(trajectories, float)
    return np.isfinite(traj[..., 0]) & (traj[..., 0] >= 0) & (traj[..., 1] >= 0)


def truth_points(trajectories) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Perfect detections from the true trajectories (tracks x frames x 2, NaN or -1 where a
    particle is not in view): per frame the positions and the track ids."""
    traj = np.asarray(trajectories, float)
    seen = in_view(traj)
    points, ids = [], []
    for t in range(traj.shape[1]):
        present = np.nonzero(seen[:, t])[0]
        points.append(traj[present, t])
        ids.append(present)
    return points, ids


def match_to_truth(points, true_points, max_distance: float = 2.0):
    """Pair detections with true positions one to one (closest first, within ``max_distance``).

    Returns, for every detection, the index of its true position, or -1 (a false detection).
    """
    points = np.asarray(points, float).reshape(-1, 2)
    true_points = np.asarray(true_points, float).reshape(-1, 2)
    match = np.full(len(points), -1, dtype=int)
    pairs = link_global(points, true_points, max_distance=max_distance)
    match[pairs[:, 0]] = pairs[:, 1]
    return match


def truth_ids(points: list, trajectories, max_distance: float = 2.0) -> list[np.ndarray]:
    """The true track id of every detection of every frame (-1 when it matches no particle)."""
    true_pts, true_ids = truth_points(trajectories)
    out = []
    for found, pts, idx in zip(points, true_pts, true_ids):
        match = match_to_truth(found, pts, max_distance)
        out.append(np.array([idx[m] if m >= 0 else -1 for m in match], dtype=int))
    return out


def score_links(links: list, ids: list) -> dict:
    """Score frame-to-frame links against the true track ids of the detections.

    * ``correct``: proposed links that join two detections of the same true particle;
    * ``true``: links that exist in the truth (the same particle detected in both frames);
    * ``accuracy`` = correct / true: the fraction of true links that were found;
    * ``precision`` = correct / proposed: the fraction of proposed links that are right;
    * ``completeness``: per true particle, the largest share of its detections that ended in one
      reconstructed track, averaged over the particles seen in at least two frames;
    * ``complete_tracks``: the fraction of those particles followed from start to end by one track.
    """
    ids = [np.asarray(i, dtype=int) for i in ids]
    correct = proposed = true = 0
    for t, pairs in enumerate(links):
        pairs = np.asarray(pairs, dtype=int).reshape(-1, 2)
        a, b = ids[t][pairs[:, 0]], ids[t + 1][pairs[:, 1]]
        correct += int(np.sum((a == b) & (a >= 0)))
        proposed += len(pairs)
        true += len(np.intersect1d(ids[t][ids[t] >= 0], ids[t + 1][ids[t + 1] >= 0]))
    labels = tracks_from_links(links, [len(i) for i in ids])
    flat_id, flat_label = np.concatenate(ids), np.concatenate(labels)
    shares = []
    for particle in np.unique(flat_id[flat_id >= 0]):
        mine = flat_label[flat_id == particle]
        if len(mine) >= 2:
            shares.append(np.bincount(np.unique(mine, return_inverse=True)[1]).max() / len(mine))
    shares = np.array(shares)
    return {
        "correct": correct, "proposed": proposed, "true": true,
        "accuracy": correct / true if true else float("nan"),
        "precision": correct / proposed if proposed else float("nan"),
        "completeness": float(shares.mean()) if len(shares) else float("nan"),
        "complete_tracks": float(np.mean(shares == 1.0)) if len(shares) else float("nan"),
    }


def mean_nn_distance(points) -> float:
    """Mean distance from every point to its nearest neighbour in the same frame."""
    points = np.asarray(points, float).reshape(-1, 2)
    dist = cdist(points, points)
    np.fill_diagonal(dist, np.inf)
    return float(dist.min(axis=1).mean())


def nn_accuracy_theory(ratio):
    """Expected fraction of correct nearest-neighbour links for Brownian steps.

    ``ratio`` = rms displacement per frame / spacing, with the spacing ``s = 1 / (2 sqrt(rho))``
    (the mean nearest-neighbour distance of randomly placed points of density ``rho``). A link is
    right when no other particle is closer than the true successor: for a random (Poisson)
    arrangement that has probability ``exp(-pi rho d^2)``; averaged over the Rayleigh-distributed
    displacement ``d`` of a Brownian step this is ``1 / (1 + (pi / 4) ratio^2)``.
    """
    ratio = np.asarray(ratio, float)
    return 1.0 / (1.0 + np.pi / 4 * ratio**2)


# --------------------------------------------------------------------------------------------
# Known motions: flow fields and rigid transforms
# --------------------------------------------------------------------------------------------
def warp_by_flow(image, flow, iterations: int = 20, order: int = 3) -> np.ndarray:
    """The image ``moving`` with ``image(x) = moving(x + flow(x))`` for every pixel x.

    Every pixel of the reference is carried along its flow vector. The moving image is sampled
    on its own grid, so each of its pixels y needs the reference point x with x + flow(x) = y:
    found by the fixed-point iteration x <- y - flow(x) (converges for smooth, small flows).
    """
    image = np.asarray(image, float)
    flow = np.asarray(flow, float)
    grid = np.mgrid[0 : image.shape[0], 0 : image.shape[1]].astype(float)
    x = grid.copy()
    for _ in range(iterations):
        f = np.stack([ndi.map_coordinates(flow[k], x, order=1, mode="nearest") for k in range(2)])
        x = grid - f
    return ndi.map_coordinates(image, x, order=order, mode="reflect")


def end_point_error(flow, true_flow, margin: int = 0) -> float:
    """Mean end-point error: the mean length of (flow - true_flow), inside a border of ``margin``."""
    diff = np.asarray(flow, float) - np.asarray(true_flow, float)
    epe = np.hypot(diff[0], diff[1])
    if margin:
        epe = epe[margin:-margin, margin:-margin]
    return float(np.nanmean(epe))


def transform_error(estimate, truth, shape) -> tuple[float, float]:
    """How far an estimated 2D transform is from the true one.

    ``estimate`` and ``truth`` are 3 x 3 homogeneous matrices in (x, y) = (column, row)
    coordinates (``skimage.transform`` convention). Returns the rotation error in degrees and
    the root-mean-square distance (px) between where the two map the pixels of an image of
    ``shape``.
    """
    est, tru = np.asarray(estimate, float), np.asarray(truth, float)
    angle = np.degrees(np.arctan2(est[1, 0], est[0, 0]) - np.arctan2(tru[1, 0], tru[0, 0]))
    angle = (angle + 180.0) % 360.0 - 180.0
    rows, cols = np.mgrid[0 : shape[0] : 8, 0 : shape[1] : 8]
    pts = np.stack([cols.ravel(), rows.ravel(), np.ones(rows.size)])
    rms = float(np.sqrt(np.mean(np.sum(((est - tru) @ pts)[:2] ** 2, axis=0))))
    return float(abs(angle)), rms


def rigid_transform(angle_deg: float, shift_xy, shape):
    """A rotation by ``angle_deg`` about the centre of an image of ``shape``, then a shift.

    Returns a ``skimage.transform.EuclideanTransform`` in (x, y) = (column, row) coordinates
    that maps a point of the reference image to where it lies in the moving image; ``shift_xy``
    is the (x, y) shift of the centre, in px.
    """
    from skimage import transform

    centre = np.array(shape[::-1], float) / 2 - 0.5
    to_centre = transform.EuclideanTransform(translation=-centre)
    turn = transform.EuclideanTransform(rotation=np.radians(angle_deg),
                                        translation=centre + np.asarray(shift_xy, float))
    return transform.EuclideanTransform(matrix=turn.params @ to_centre.params)


def rigid_pair(image, seed: int, max_angle: float = 15.0, max_shift: float = 12.0,
               return_truth: bool = False):
    """A reference image and a rotated, shifted copy, the transform drawn from ``seed``.

    The angle (degrees) and the shift (px) are each between 40 % and 100 % of their maximum,
    with random signs. The true transform (see :func:`rigid_transform`) maps every point of the
    reference to where it lies in the moving image. Returns ``(reference, moving)``, plus the
    transform when ``return_truth`` is set.
    """
    from skimage import transform

    image = np.asarray(image, float)
    rng = np.random.default_rng(seed)
    angle = rng.uniform(0.4, 1.0) * max_angle * rng.choice([-1, 1])
    shift = rng.uniform(0.4, 1.0, 2) * max_shift * rng.choice([-1, 1], 2)
    truth = rigid_transform(angle, shift, image.shape)
    moving = transform.warp(image, truth.inverse, order=3, mode="reflect")
    return (image, moving, truth) if return_truth else (image, moving)


def shifted_pair(image, seed: int, max_shift: float = 8.0, noise: float = 0.02, size: int = 192,
                 return_truth: bool = False):
    """Two noisy crops of ``image``, the second with its content moved by a sub-pixel shift.

    ``moving(x) = reference(x - shift)``: a feature at (row, col) in the reference sits at
    (row, col) + shift in the moving crop. The shift (drawn from ``seed``, each component
    between 30 % and 100 % of ``max_shift`` with a random sign) is applied with cubic
    interpolation before cropping, so no content wraps around. Returns ``(reference, moving)``
    plus the shift (row, col) when ``return_truth`` is set.
    """
    image = np.asarray(image, float)
    rng = np.random.default_rng(seed)
    shift = rng.uniform(0.3, 1.0, 2) * max_shift * rng.choice([-1, 1], 2)
    y0, x0 = (np.array(image.shape) - size) // 2
    crop = np.s_[y0 : y0 + size, x0 : x0 + size]
    reference = image[crop] + rng.normal(0, noise, (size, size))
    moving = ndi.shift(image, shift, order=3, mode="reflect")[crop] + rng.normal(0, noise, (size, size))
    return (reference, moving, shift) if return_truth else (reference, moving)


def strain_pair(seed: int, size: int = 192, max_strain: float = 0.03,
                return_truth: bool = False):
    """A speckle pattern and the same pattern after a uniform deformation drawn from ``seed``.

    The small-strain tensor (2 x 2, symmetric, (row, column) order) has normal components of
    magnitude 0.3 to 1 x ``max_strain`` with random signs and a shear of up to a third of it.
    The displacement is ``u(x) = strain @ (x - centre)`` and ``deformed`` carries every pixel
    of ``speckle`` along it (:func:`warp_by_flow`). Returns ``(speckle, deformed)``, plus the
    tensor when ``return_truth`` is set.
    """
    rng = np.random.default_rng(seed)
    normal = rng.uniform(0.3, 1.0, 2) * max_strain * rng.choice([-1, 1], 2)
    shear = rng.uniform(-1, 1) * max_strain / 3
    strain = np.array([[normal[0], shear], [shear, normal[1]]])
    speckle = ndi.gaussian_filter(rng.random((size, size)), 1.5)
    speckle = (speckle - speckle.min()) / np.ptp(speckle)
    rows, cols = np.mgrid[0:size, 0:size] - (size - 1) / 2
    u = np.stack([strain[0, 0] * rows + strain[0, 1] * cols,
                  strain[1, 0] * rows + strain[1, 1] * cols])
    deformed = warp_by_flow(speckle, u)
    return (speckle, deformed, strain) if return_truth else (speckle, deformed)


def euler_matrix(euler) -> np.ndarray:
    """The 3 x 3 matrix, in (x, y) = (column, row) coordinates, of a SimpleITK 2D rigid transform
    (``sitk.Euler2DTransform``) between images with unit spacing and origin 0."""
    a = np.array(euler.GetMatrix(), float).reshape(2, 2)
    centre = np.array(euler.GetCenter(), float)
    matrix = np.eye(3)
    matrix[:2, :2] = a
    matrix[:2, 2] = np.array(euler.GetTranslation(), float) + centre - a @ centre
    return matrix


def find_link_events(points: list, ids: list, trajectories, links_a: list, links_b: list,
                     near: float = 10.0) -> dict:
    """Where linker ``a`` errs and linker ``b`` does not, one example per kind of event.

    ``points`` are the detections per frame, ``ids`` their true particle ids (``truth_ids``,
    -1 for a false detection), ``trajectories`` the truth (NaN or -1 where a particle is not
    in view), ``links_a`` and ``links_b`` the links of two linkers (``link_movie``). A wrong
    link ``(i, j)`` of ``a`` from frame ``t`` is a

    * ``"crossing"`` when ``b`` links spot ``i`` to its own particle's successor;
    * ``"appearing"`` when spot ``j`` is a particle not in view at ``t`` (and the link is
      shorter than ``near`` px);
    * ``"disappearing"`` when spot ``i``'s particle is gone at ``t + 1``, ``b`` leaves it
      unlinked (and the link is shorter than ``near`` px).

    Returns ``{kind: (t, centre)}`` for the first such link of each kind, ``centre`` the
    mid-point ``(row, col)`` of the wrong link.
    """
    seen = in_view(trajectories)
    events = {}
    for t in range(len(points) - 1):
        a, b = np.asarray(ids[t]), np.asarray(ids[t + 1])
        b_of = dict(np.asarray(links_b[t], dtype=int).reshape(-1, 2).tolist())
        for i, j in np.asarray(links_a[t], dtype=int).reshape(-1, 2).tolist():
            if a[i] >= 0 and a[i] == b[j]:
                continue                                  # a right link
            g = b_of.get(i)
            gone = a[i] >= 0 and not seen[a[i], t + 1]
            new = b[j] >= 0 and not seen[b[j], t]
            close = np.linalg.norm(points[t][i] - points[t + 1][j]) < near
            if a[i] >= 0 and a[i] in b and g is not None and b[g] == a[i]:
                kind = "crossing"
            elif new and close:
                kind = "appearing"
            elif gone and close and g is None:
                kind = "disappearing"
            else:
                continue
            events.setdefault(kind, (t, (points[t][i] + points[t + 1][j]) / 2))
    return events


# --------------------------------------------------------------------------------------------
# Drawing
# --------------------------------------------------------------------------------------------
def draw_links(ax, p0, p1, links, ids0=None, ids1=None, right="#009E73", wrong="#D55E00",
               lw: float = 2.0, box=None):
    """Draw links as arrows from frame t to frame t+1 (x = column, y = row); with the true ids,
    correct links in ``right`` colour and wrong ones in ``wrong``.

    ``box = (col_min, col_max, row_min, row_max)`` draws only the links that start and end
    inside it. Returns the number of wrong links drawn.
    """
    p0, p1 = np.asarray(p0, float).reshape(-1, 2), np.asarray(p1, float).reshape(-1, 2)
    n_wrong = 0
    for i, j in np.asarray(links, dtype=int).reshape(-1, 2):
        if box is not None and not all(box[0] <= p[1] <= box[1] and box[2] <= p[0] <= box[3]
                                       for p in (p0[i], p1[j])):
            continue
        ok = ids0 is None or (ids0[i] == ids1[j] and ids0[i] >= 0)
        n_wrong += not ok
        ax.annotate("", xy=(p1[j, 1], p1[j, 0]), xytext=(p0[i, 1], p0[i, 0]),
                    arrowprops={"arrowstyle": "->", "color": right if ok else wrong, "lw": lw})
    return n_wrong
