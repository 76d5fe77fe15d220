"""qbi.matching: clusters to classes, objects to objects, centres to centres."""

from __future__ import annotations

import numpy as np
import pytest

from qbi.matching import (CATEGORIES, kmeans, match_centroids, match_clusters, match_objects,
                          match_summary)


# --------------------------------------------------------------------------------------------
# match_clusters
# --------------------------------------------------------------------------------------------
def test_permuted_clusters_are_matched_perfectly():
    truth = np.repeat(np.arange(4), [10, 20, 30, 40])
    clusters = np.array([2, 0, 3, 1])[truth]           # cluster numbers are arbitrary
    m = match_clusters(clusters, truth)
    assert m.accuracy == 1.0 and m.balanced_accuracy == 1.0
    assert m.mapping.tolist() == [1, 3, 0, 2]           # cluster -> class
    assert np.array_equal(m.predicted, truth)
    assert np.array_equal(m.confusion, np.diag([10, 20, 30, 40]))


def test_accuracy_and_balanced_accuracy_by_hand():
    # class 0: 8 samples, class 1: 2 samples; everything in one cluster
    truth = np.array([0] * 8 + [1] * 2)
    clusters = np.zeros(10, dtype=int)
    m = match_clusters(clusters, truth)
    assert m.accuracy == pytest.approx(0.8)             # the cluster becomes class 0
    assert m.balanced_accuracy == pytest.approx(0.5)    # recall 1 for class 0, 0 for class 1
    assert m.confusion.tolist() == [[8, 0], [2, 0]]


def test_more_clusters_than_classes_leaves_one_unmatched_and_wrong():
    truth = np.array([0, 0, 0, 1, 1, 1])
    clusters = np.array([0, 0, 2, 1, 1, 1])
    m = match_clusters(clusters, truth)
    assert sorted(m.mapping.tolist()) == [-1, 0, 1]
    assert m.mapping[2] == -1                           # the smallest cluster gets no class
    assert m.accuracy == pytest.approx(5 / 6)
    assert m.confusion.sum() == 5


def test_images_keep_their_shape_and_the_pairing_maximises_agreement():
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 3, size=(20, 30))
    noisy = np.where(rng.random(truth.shape) < 0.2, rng.integers(0, 3, truth.shape), truth)
    clusters = np.array([1, 2, 0])[noisy]
    m = match_clusters(clusters, truth)
    assert m.predicted.shape == truth.shape
    best = max(np.mean(np.array(p)[clusters] == truth)
               for p in ([0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]))
    assert m.accuracy == pytest.approx(best)


def test_match_clusters_rejects_mismatched_shapes():
    with pytest.raises(ValueError):
        match_clusters(np.zeros(3, int), np.zeros(4, int))


def test_kmeans_is_repeatable_and_finds_well_separated_blobs():
    rng = np.random.default_rng(1)
    centres = np.array([[0, 0], [10, 0], [0, 10]])
    truth = np.repeat(np.arange(3), 50)
    points = centres[truth] + rng.normal(0, 0.5, (150, 2))
    first = kmeans(points, 3, seed=0).labels_
    assert np.array_equal(first, kmeans(points, 3, seed=0).labels_)
    assert match_clusters(first, truth).accuracy == 1.0
    assert kmeans(np.r_[0.0, 0.1, 5.0, 5.1], 2).labels_.shape == (4,)   # 1D: one feature


# --------------------------------------------------------------------------------------------
# match_objects / match_summary
# --------------------------------------------------------------------------------------------
def _truth():
    truth = np.zeros((10, 30), dtype=int)
    truth[2:8, 1:5] = 1
    truth[2:8, 7:11] = 2
    truth[2:8, 12:16] = 3
    truth[2:8, 19:23] = 4
    truth[2:8, 25:29] = 5
    return truth


def test_every_category_on_a_hand_made_case():
    truth = _truth()
    found = np.zeros_like(truth)
    found[2:8, 1:5] = 1           # object 1 found exactly: 1:1
    found[2:8, 7:16] = 2          # objects 2 and 3 in one region: merged
    found[2:5, 19:23] = 3         # object 4 cut in two: split
    found[5:8, 19:23] = 4
    # object 5 not found: missed
    cat = match_objects(found, truth)
    assert cat.tolist() == ["1:1", "merged", "merged", "split", "missed"]
    s = match_summary(found, truth)
    assert s == {"regions": 4, "1:1": 1, "merged": 2, "split": 1, "missed": 1}
    assert set(CATEGORIES) <= set(s)


def test_label_numbers_do_not_matter_and_empty_results_are_missed():
    truth = _truth()
    shuffled = np.where(truth > 0, np.array([0, 7, 3, 9, 1, 4])[truth], 0)
    assert (match_objects(shuffled, truth) == "1:1").all()
    assert (match_objects(np.zeros_like(truth), truth) == "missed").all()
    assert match_objects(truth, np.zeros_like(truth)).size == 0


def test_a_false_region_in_the_background_changes_nothing():
    truth = _truth()
    found = truth.copy()
    found[0, 0] = 6               # a speck with no true object under it
    assert (match_objects(found, truth) == "1:1").all()
    assert match_summary(found, truth)["regions"] == 6


# --------------------------------------------------------------------------------------------
# match_centroids
# --------------------------------------------------------------------------------------------
def test_centroids_pair_one_to_one_within_the_radius():
    true = np.array([[10.0, 10.0], [20.0, 20.0], [30.0, 5.0]])
    found = np.array([[20.5, 19.5], [10.2, 9.9], [50.0, 50.0]])   # two close, one false
    i_found, i_true = match_centroids(found, true, max_dist=3)
    assert sorted(zip(i_found.tolist(), i_true.tolist())) == [(0, 1), (1, 0)]
    i_found, i_true = match_centroids(found, true, max_dist=100)
    assert len(i_found) == 3                                      # a wide radius takes all
    assert match_centroids(np.zeros((0, 2)), true)[0].size == 0
