"""Week 9 (dynamic experiments): the particle-movie phantom's truth and the qbi.tracking helpers.

The phantom's truth is checked against its own images, independently of the helpers: the true
positions are where the blobs are, the counts per frame are the particles in view, and the
appear / vanish / leave bookkeeping agrees with the trajectories.
"""

from __future__ import annotations

from itertools import permutations

import numpy as np
import pytest
from scipy import ndimage as ndi
from scipy.spatial.distance import cdist

from qbi import data, phantoms, tracking


@pytest.fixture(scope="module")
def movie():
    return phantoms.particle_movie(seed=9)


# --------------------------------------------------------------------------------------------
# The phantom
# --------------------------------------------------------------------------------------------
def test_movie_is_deterministic_small_and_well_formed(movie):
    again = phantoms.particle_movie(seed=9)
    assert sorted(again) == sorted(movie)
    for key in movie:
        assert np.array_equal(np.asarray(again[key]), np.asarray(movie[key])), key
    assert movie["movie"].shape == movie["clean"].shape == (40, 128, 128)
    assert movie["movie"].dtype == np.float32
    n_tracks = len(movie["start"])
    assert movie["trajectories"].shape == (n_tracks, 40, 2)
    assert movie["present"].shape == (n_tracks, 40) and movie["present"].dtype == bool
    assert all(np.isfinite(np.asarray(v, float)).all() for k, v in movie.items()
               if k != "fates"), "no NaN: cached copies must compare equal"
    for key in ("end", "fate", "velocity", "amplitude"):
        assert len(movie[key]) == n_tracks, key
    # the cache file stays small (a few MB)
    assert len(data._npz_bytes(movie)) < 5e6
    other = phantoms.particle_movie(seed=10)
    assert not np.array_equal(other["movie"], movie["movie"])


def test_counts_per_frame_are_the_particles_in_view(movie):
    present = movie["present"]
    assert np.array_equal(present.sum(axis=0), movie["n_per_frame"])
    assert np.array_equal(present, tracking.in_view(movie["trajectories"]))
    assert movie["n_per_frame"][0] == 30
    assert 24 <= movie["n_per_frame"].min() and movie["n_per_frame"].max() <= 30
    pos = movie["trajectories"][present]
    assert (pos >= 0).all() and (pos <= 127).all(), "true positions lie inside the image"
    assert (movie["trajectories"][~present] == -1).all(), "-1 where not in view"


def test_clean_movie_is_the_sum_of_the_true_blobs(movie):
    """Rendering every true particle (position, brightness, sigma) over the whole image, with
    nothing else, gives the clean movie: no blob is missing, misplaced or extra."""
    yy, xx = np.mgrid[:128, :128]
    sigma = float(movie["sigma"])
    for t in (0, 17, 39):
        model = np.full((128, 128), 0.1)
        for k in np.nonzero(movie["present"][:, t])[0]:
            r, c = movie["trajectories"][k, t]
            model += movie["amplitude"][k] * np.exp(-((yy - r) ** 2 + (xx - c) ** 2)
                                                    / (2 * sigma**2))
        # the phantom draws each blob in a window of +-6 px: the cut tails are below 1e-3
        assert np.abs(model - movie["clean"][t]).max() < 1e-3, f"frame {t}"


def test_true_positions_are_where_the_blobs_are(movie):
    """For every isolated particle (no other within 16 px, 8 px from the border) the
    background-free centroid of the clean frame around its true position is the position."""
    clean, traj = movie["clean"].astype(float), movie["trajectories"]
    checked, worst = 0, 0.0
    for t in range(40):
        here = np.nonzero(movie["present"][:, t])[0]
        pts = traj[here, t]
        dist = cdist(pts, pts)
        np.fill_diagonal(dist, np.inf)
        for n, (r, c) in enumerate(pts):
            if dist[n].min() < 16 or min(r, c, 127 - r, 127 - c) < 8:
                continue
            r0, c0 = int(round(r)), int(round(c))
            window = clean[t, r0 - 7 : r0 + 8, c0 - 7 : c0 + 8] - 0.1
            cy, cx = ndi.center_of_mass(window)
            worst = max(worst, np.hypot(r0 - 7 + cy - r, c0 - 7 + cx - c))
            # the brightest pixel of the window is next to the true position
            peak = np.unravel_index(np.argmax(window), window.shape)
            assert abs(r0 - 7 + peak[0] - r) <= 0.5 and abs(c0 - 7 + peak[1] - c) <= 0.5
            checked += 1
    assert checked > 150
    # a 15 x 15 window holds the blob (sigma 1.5) to 4.7 sigma: centroids agree to 0.01 px
    assert worst < 0.01, f"a blob's centre is {worst:.3f} px from its true position"


def test_blob_brightness_and_background(movie):
    clean, traj = movie["clean"].astype(float), movie["trajectories"]
    far = np.ones((40, 128, 128), bool)
    yy, xx = np.mgrid[:128, :128]
    for t in range(40):
        for r, c in traj[movie["present"][:, t], t]:
            far[t] &= (yy - r) ** 2 + (xx - c) ** 2 > 8.0**2
    assert np.allclose(clean[far], 0.1, atol=1e-4), "away from every particle only background"
    noise = (movie["movie"] - movie["clean"]).std()
    assert abs(noise - 0.08) < 0.002
    assert movie["amplitude"].min() >= 0.6 and movie["amplitude"].max() <= 1.0


def test_appear_vanish_leave_bookkeeping(movie):
    traj, start, end, fate = (movie[k] for k in ("trajectories", "start", "end", "fate"))
    present = movie["present"]
    for k in range(len(start)):
        frames = np.nonzero(present[k])[0]
        assert frames[0] == start[k] and frames[-1] == end[k]
        assert np.array_equal(frames, np.arange(start[k], end[k] + 1)), "one contiguous track"
        if fate[k] == 0:
            assert end[k] == 39, "a particle in view to the end is in the last frame"
        else:
            assert end[k] < 39, "a particle that vanished or left is gone before the end"
        if fate[k] == 2:  # left the field: its next step (velocity + 5 sigma) reaches the edge
            r, c = traj[k, end[k]]
            reach = np.abs(movie["velocity"][k]) + 5 * float(movie["step"])
            assert min(r, 127 - r) < reach[0] or min(c, 127 - c) < reach[1]
    assert set(np.unique(fate)) == {0, 1, 2}
    assert (start > 0).sum() >= 10, "particles appear during the movie"
    assert np.array_equal(movie["fates"], ["in view to the end", "vanished",
                                            "left the field of view"])


def test_motion_is_drift_plus_brownian_and_trajectories_cross(movie):
    traj, vel, present = movie["trajectories"], movie["velocity"], movie["present"]
    both = present[:, 1:] & present[:, :-1]
    residual = (np.diff(traj, axis=1) - vel[:, None, :])[both]
    assert np.allclose(residual.std(axis=0), float(movie["step"]), rtol=0.1)
    assert np.allclose(residual.mean(axis=0), 0, atol=0.06)
    assert np.allclose(vel.mean(axis=0), movie["drift"], atol=0.4)
    close = 0
    for t in range(40):
        pts = traj[present[:, t], t]
        d = cdist(pts, pts)
        close += int(np.sum(np.triu(d < 3, k=1)))
    assert close >= 10, "some particles cross (come closer than 3 px)"


def test_dataset_is_registered_and_loads(tmp_path, monkeypatch):
    monkeypatch.setenv("QBI_DATA_DIR", str(tmp_path))
    info = data.info("particle_movie")
    assert info["kind"] == "generated" and info["seed"] == 9
    loaded = data.load("particle_movie")
    assert np.array_equal(loaded["movie"], phantoms.particle_movie(seed=9)["movie"])
    assert data.path("particle_movie").stat().st_size < 5e6


# --------------------------------------------------------------------------------------------
# Linking
# --------------------------------------------------------------------------------------------
def test_link_nearest_allows_shared_successors_and_gates():
    p0 = np.array([[0.0, 0.0], [0.0, 3.0], [50.0, 50.0]])
    p1 = np.array([[0.0, 1.0], [40.0, 40.0]])
    links = tracking.link_nearest(p0, p1)
    assert links.tolist() == [[0, 0], [1, 0], [2, 1]]
    assert tracking.link_nearest(p0, p1, max_distance=5).tolist() == [[0, 0], [1, 0]]
    assert tracking.link_nearest(np.zeros((0, 2)), p1).shape == (0, 2)


def test_link_global_is_one_to_one_optimal_and_gated():
    rng = np.random.default_rng(0)
    for _ in range(20):
        p0, p1 = rng.uniform(0, 10, (5, 2)), rng.uniform(0, 10, (5, 2))
        links = tracking.link_global(p0, p1)
        assert len(set(links[:, 0])) == len(set(links[:, 1])) == 5
        cost = cdist(p0, p1, "sqeuclidean")
        best = min(sum(cost[i, j] for i, j in enumerate(perm)) for perm in permutations(range(5)))
        assert np.isclose(cost[links[:, 0], links[:, 1]].sum(), best)
    # the gate: a far spot stays unlinked instead of stealing
    p0 = np.array([[0.0, 0.0], [0.0, 4.0]])
    p1 = np.array([[0.0, 2.5], [30.0, 30.0]])
    assert tracking.link_global(p0, p1).shape == (2, 2)
    gated = tracking.link_global(p0, p1, max_distance=5.0)
    assert gated.tolist() == [[1, 0]]
    assert tracking.link_global(p0, np.zeros((0, 2))).shape == (0, 2)


def test_tracks_and_scores_on_a_hand_made_example():
    ids = [np.array([0, 1, 2]), np.array([1, 0, -1]), np.array([0, 1])]
    perfect = [np.array([[0, 1], [1, 0]]), np.array([[1, 0], [0, 1]])]
    score = tracking.score_links(perfect, ids)
    assert score["correct"] == score["true"] == score["proposed"] == 4
    assert score["accuracy"] == score["precision"] == 1.0
    assert score["complete_tracks"] == 1.0 and score["completeness"] == 1.0
    swapped = [np.array([[0, 0], [1, 1], [2, 2]]), np.array([[1, 0], [0, 1]])]
    score = tracking.score_links(swapped, ids)
    assert (score["correct"], score["proposed"], score["true"]) == (2, 5, 4)
    assert score["accuracy"] == 0.5 and score["precision"] == 0.4
    labels = tracking.tracks_from_links(perfect, [3, 3, 2])
    assert labels[1].tolist() == [1, 0, 3] and labels[2].tolist() == [0, 1]


def test_match_to_truth_and_truth_ids():
    truth = np.array([[10.0, 10.0], [20.0, 20.0], [30.0, 30.0]])
    found = np.array([[20.5, 19.6], [50.0, 50.0], [10.2, 10.1]])
    assert tracking.match_to_truth(found, truth).tolist() == [1, -1, 0]
    traj = np.full((3, 2, 2), np.nan)              # NaN or -1: not in view
    traj[:, 0] = truth
    traj[0, 1] = -1.0
    traj[1:, 1] = truth[1:] + 1.0
    ids = tracking.truth_ids([found, truth[1:] + 1.2], traj)
    assert ids[0].tolist() == [1, -1, 0] and ids[1].tolist() == [1, 2]
    empty = tracking.truth_ids([found, truth[1:]], np.full((3, 2, 2), np.nan))
    assert empty[0].tolist() == [-1, -1, -1]


def test_truth_points_and_linking_on_the_phantom(movie):
    points, ids = tracking.truth_points(movie["trajectories"])
    assert [len(p) for p in points] == movie["n_per_frame"].tolist()
    gated = tracking.score_links(tracking.link_movie(points, tracking.link_global,
                                                     max_distance=6.0), ids)
    nearest = tracking.score_links(tracking.link_movie(points, tracking.link_nearest), ids)
    assert gated["accuracy"] > 0.97 and gated["precision"] > nearest["precision"]


def test_nearest_neighbour_theory_matches_a_simulation():
    rng = np.random.default_rng(1)
    n, size = 40, 100.0
    for ratio in (0.2, 0.5, 1.0):
        spacing = 0.5 * size / np.sqrt(n)
        sigma = ratio * spacing / np.sqrt(2)
        right = []
        for _ in range(300):
            p0 = rng.uniform(0, size, (n, 2))
            p1 = p0 + rng.normal(0, sigma, (n, 2))
            d = np.abs(p0[:, None] - p1[None])
            d = np.minimum(d, size - d)                   # periodic: no edges
            right.append(np.mean(np.hypot(d[..., 0], d[..., 1]).argmin(axis=1) == np.arange(n)))
        assert abs(np.mean(right) - tracking.nn_accuracy_theory(ratio)) < 0.02


def test_mean_nn_distance():
    pts = np.array([[0.0, 0.0], [0.0, 3.0], [4.0, 0.0]])
    assert np.isclose(tracking.mean_nn_distance(pts), (3 + 3 + 4) / 3)


# --------------------------------------------------------------------------------------------
# Known motions
# --------------------------------------------------------------------------------------------
def test_warp_by_flow_carries_pixels_along_the_flow():
    rng = np.random.default_rng(2)
    image = ndi.gaussian_filter(rng.random((64, 64)), 2.0)
    constant = np.stack([np.full((64, 64), 1.5), np.full((64, 64), -2.25)])
    moving = tracking.warp_by_flow(image, constant)
    shifted = ndi.shift(image, (1.5, -2.25), order=3, mode="reflect")
    assert np.abs(moving - shifted)[8:-8, 8:-8].max() < 1e-6
    yy, xx = np.mgrid[:64, :64] - 31.5
    swirl = np.stack([0.04 * xx, -0.04 * yy])
    moving = tracking.warp_by_flow(image, swirl)
    back = ndi.map_coordinates(moving, np.mgrid[:64, :64] + swirl, order=3)
    assert np.abs(back - image)[8:-8, 8:-8].max() < 0.01 * np.ptp(image)


def test_end_point_error():
    a = np.zeros((2, 10, 10))
    b = a.copy()
    b[0] += 3.0
    b[1] += 4.0
    assert tracking.end_point_error(b, a) == 5.0
    b[:, 0, 0] = 100.0
    assert tracking.end_point_error(b, a, margin=1) == 5.0


def test_rigid_transform_pair_and_errors():
    from skimage import transform

    t = tracking.rigid_transform(10.0, (3.0, -2.0), (64, 80))
    centre = np.array([[79 / 2, 63 / 2]])
    assert np.allclose(t(centre), centre + [3.0, -2.0])
    assert np.isclose(np.degrees(t.rotation), 10.0)
    assert tracking.transform_error(t.params, t.params, (64, 80)) == (0.0, 0.0)
    other = tracking.rigid_transform(11.0, (3.0, -2.0), (64, 80))
    angle, rms = tracking.transform_error(other.params, t.params, (64, 80))
    assert np.isclose(angle, 1.0) and 0.1 < rms < 1.0
    rng = np.random.default_rng(3)
    image = ndi.gaussian_filter(rng.random((96, 96)), 2.0)
    ref, moving, truth = tracking.rigid_pair(image, seed=5, return_truth=True)
    ref2, moving2 = tracking.rigid_pair(image, seed=5)
    assert np.array_equal(moving, moving2)
    angle = abs(np.degrees(truth.rotation))
    assert 6.0 <= angle <= 15.0
    back = transform.warp(moving, truth, order=3)
    assert np.abs(back - ref)[24:-24, 24:-24].max() < 0.02 * np.ptp(image)


def test_shifted_pair_truth_is_recovered():
    from skimage import data as skdata
    from skimage import registration
    from skimage.util import img_as_float

    camera = img_as_float(skdata.camera())
    ref, moving, shift = tracking.shifted_pair(camera, seed=2, return_truth=True)
    assert ref.shape == moving.shape == (192, 192)
    assert (np.abs(shift) >= 0.3 * 8 - 1e-9).all() and (np.abs(shift) <= 8).all()
    found, _, _ = registration.phase_cross_correlation(ref, moving, upsample_factor=50)
    assert np.abs(-found - shift).max() < 0.15, "moving(x) = reference(x - shift)"


def test_euler_matrix_agrees_with_simpleitk():
    import SimpleITK as sitk

    euler = sitk.Euler2DTransform()
    euler.SetCenter((40.0, 30.0))
    euler.SetAngle(0.3)
    euler.SetTranslation((2.0, -5.0))
    matrix = tracking.euler_matrix(euler)
    for point in [(0.0, 0.0), (12.5, 7.0), (80.0, 60.0)]:
        expected = euler.TransformPoint(point)
        assert np.allclose(matrix @ [*point, 1.0], [*expected, 1.0])


def test_find_link_events_on_a_hand_made_example():
    # particles 0, 1 in both frames, 2 appears at t + 1, 3 vanishes after t
    traj = np.full((4, 2, 2), np.nan)
    traj[0] = [[0, 0], [0, 3]]
    traj[1] = [[0, 10], [0, 12]]
    traj[2, 1] = [20, 4]
    traj[3, 0] = [5, 12]
    points = [np.array([[0.0, 0], [0, 10], [5, 12]]), np.array([[0.0, 3], [0, 12], [20, 4]])]
    ids = [np.array([0, 1, 3]), np.array([0, 1, 2])]
    right = [np.array([[0, 0], [1, 1]])]                       # particle 3 left unlinked
    wrong = [np.array([[0, 1], [1, 1], [2, 1]])]                # crossing + disappearing
    events = tracking.find_link_events(points, ids, traj, wrong, right)
    assert set(events) == {"crossing", "disappearing"}
    assert events["crossing"][0] == 0 and np.allclose(events["crossing"][1], [0, 6])
    assert np.allclose(events["disappearing"][1], [2.5, 12])
    wrong = [np.array([[0, 0], [1, 1], [2, 2]])]                # 3 takes the newcomer
    traj[2, 1] = points[1][2] = [8, 14]
    assert set(tracking.find_link_events(points, ids, traj, wrong, right)) == {"appearing"}
    assert tracking.find_link_events(points, ids, traj, right, right) == {}
