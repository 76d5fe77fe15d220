"""qbi.learning: the dataset experiments of week 2 do what their docstrings say."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage as ndi
from sklearn.metrics import balanced_accuracy_score, confusion_matrix, recall_score
from sklearn.neighbors import KNeighborsClassifier

from qbi import learning


@pytest.fixture(scope="module")
def shapes():
    from qbi import data

    return data.load("shapes")


def test_standardise_gives_rows_of_zero_mean_and_unit_sd():
    stack = np.random.default_rng(0).normal(3, 2, size=(5, 8, 8))
    X = learning.standardise(stack)
    assert X.shape == (5, 64) and X.dtype == np.float32
    assert np.allclose(X.mean(axis=1), 0, atol=1e-5) and np.allclose(X.std(axis=1), 1, atol=1e-5)
    assert np.isfinite(learning.standardise(np.ones((2, 4, 4)))).all()  # flat images: no nan


def test_sample_per_class_draws_n_of_every_class_without_repeats():
    y = np.repeat([0, 1, 2], [5, 7, 9])
    picked = learning.sample_per_class(y, 4, np.random.default_rng(1))
    assert np.bincount(y[picked]).tolist() == [4, 4, 4] and len(set(picked)) == 12


def test_augment_set_keeps_the_originals_and_repeats_the_labels():
    stack, y = np.zeros((3, 4, 4)), np.array([0, 1, 2])
    X, labels = learning.augment_set(stack, y, 2, lambda img, rng: img + 1, np.random.default_rng(0))
    assert X.shape == (9, 4, 4) and labels.tolist() == [0, 1, 2, 0, 0, 1, 1, 2, 2]
    assert (X[:3] == 0).all() and (X[3:] == 1).all()


def test_bilinear_sampling_matches_scipy_with_mirrored_borders():
    rng = np.random.default_rng(2)
    img = rng.random((12, 10)).astype(np.float32)
    rows = rng.uniform(-8, 19, (1, 120)).astype(np.float32)   # one position per pixel
    cols = rng.uniform(-8, 17, (1, 120)).astype(np.float32)
    ours = learning._bilinear(img[None], rows, cols).ravel()
    theirs = ndi.map_coordinates(img, np.vstack([rows, cols]), order=1, mode="mirror")
    assert np.abs(ours - theirs).max() < 1e-5


def test_smoothing_matrix_is_a_mirrored_gaussian_filter():
    x = np.random.default_rng(3).normal(size=(16, 16))
    g = learning._smoothing_matrix(16, 2.0)
    assert np.allclose(g @ x @ g.T, ndi.gaussian_filter(x, 2.0, mode="mirror"))


def test_random_poses_without_changes_return_the_image(shapes):
    img = shapes["images"][0]
    same = learning.random_poses(img[None], np.random.default_rng(0), 3)
    assert same.shape == (1, 3, 32, 32) and np.allclose(same, img[None, None], atol=1e-6)
    assert np.allclose(learning.random_pose(img, np.random.default_rng(0)), img, atol=1e-6)


def test_random_poses_flip_gives_the_image_or_its_mirror(shapes):
    img = shapes["images"][1]
    out = learning.random_poses(img[None], np.random.default_rng(4), 20, flip=True)[0]
    mirrored = [np.allclose(o, img[:, ::-1], atol=1e-6) for o in out]
    unchanged = [np.allclose(o, img, atol=1e-6) for o in out]
    assert all(m or u for m, u in zip(mirrored, unchanged)) and any(mirrored) and any(unchanged)


def test_random_poses_move_pixels_but_keep_the_shape_roughly():
    yy, xx = np.mgrid[:32, :32]
    img = ((yy - 15.5) ** 2 + (xx - 15.5) ** 2 <= 36).astype(float)   # a disk in the middle
    area = img.sum()
    rigid = learning.random_poses(img[None], np.random.default_rng(5), 10, angle=180, shift=3)[0]
    assert not np.allclose(rigid, img)
    assert np.all(np.abs(rigid.sum(axis=(1, 2)) - area) < 0.05 * area)   # rotation keeps area
    bent = learning.random_poses(img[None], np.random.default_rng(5), 10,
                                 elastic=np.full(10, 1.0))[0]
    assert np.all(np.abs(bent.sum(axis=(1, 2)) - area) < 0.4 * area)     # local stretching


def test_nearest_neighbour_rule_equals_scikit_learn(shapes):
    X = learning.standardise(shapes["images"])
    y = shapes["labels"]
    ours = learning.one_nn_accuracy(X[:200], y[:200], X[200:], y[200:])
    theirs = KNeighborsClassifier(n_neighbors=1).fit(X[:200], y[:200]).score(X[200:], y[200:])
    assert abs(ours - theirs) <= 2 / 400


def test_augmentation_curves_are_nested_and_start_at_the_plain_1nn(shapes):
    from sklearn.model_selection import train_test_split

    images, labels = shapes["images"], shapes["labels"]
    pool, held = train_test_split(np.arange(600), test_size=0.5, stratify=labels, random_state=3)
    table = learning.augmentation_curves(images, labels, pool, held, seeds=[0], sizes=(5, 10),
                                         copies=(0, 4))
    assert len(table) == 4 and sorted(table["training images"].unique()) == [15, 30]
    tr = pool[learning.sample_per_class(labels[pool], 10, np.random.default_rng(0))]
    plain = learning.one_nn_accuracy(learning.standardise(images[tr]), labels[tr],
                                     learning.standardise(images[held]), labels[held])
    got = table.query("`training images` == 30 and copies == 0")["accuracy"].item()
    assert abs(got - plain) < 1e-12
    assert table["accuracy"].between(0, 1).all()


def test_ablation_and_digit_experiments_are_paired(shapes):
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    images, labels = shapes["images"], shapes["labels"]
    pool, held = train_test_split(np.arange(600), test_size=0.5, stratify=labels, random_state=3)
    table = learning.transform_ablation(images, labels, pool, held, seeds=[0, 1], n_copies=2,
                                        transforms={k: learning.ABLATION[k]
                                                    for k in ("none", "noise", "rotation")})
    by_seed = table.pivot(index="seed", columns="augmentation", values="accuracy")
    assert by_seed.shape == (2, 3)
    # standardised images: noise copies of an image stay its nearest neighbours' class
    assert np.allclose(by_seed["noise"], by_seed["none"], atol=0.05)
    digits = load_digits()
    d_pool, d_held = train_test_split(np.arange(len(digits.target)), test_size=0.5,
                                      stratify=digits.target, random_state=0)
    runs = learning.digit_augmentation(digits.images, digits.target, d_pool, d_held, seeds=[0],
                                       variants={"none": None, "wild": learning.digit_wild},
                                       n_copies=3)
    assert set(runs["augmentation"]) == {"none", "wild"} and runs["accuracy"].between(0, 1).all()


def test_leakage_experiment_reports_too_much_for_the_wrong_pipeline(shapes):
    table = learning.leakage_experiment(shapes["images"], shapes["labels"], seed=0)
    wrong, right = table.iloc[0], table.iloc[1]
    assert wrong["reported test accuracy"] > 0.95
    assert wrong["accuracy on 510 new images"] < 0.7 and right["reported test accuracy"] < 0.9


def test_imbalanced_sets_have_the_asked_share():
    labels = np.repeat([0, 1], 100)
    ids = np.arange(200)
    part = learning.imbalanced(ids, labels, 0.9, np.random.default_rng(0))
    counts = np.bincount(labels[part])
    assert counts[0] == 100 and counts[1] == 11 and abs(counts[0] / counts.sum() - 0.9) < 0.01


def test_scores_agree_with_scikit_learn():
    rng = np.random.default_rng(6)
    y_true, y_pred = rng.integers(0, 2, 50), rng.integers(0, 2, 50)
    assert np.array_equal(learning.confusion_2x2(y_true, y_pred), confusion_matrix(y_true, y_pred))
    s = learning.scores(y_true, y_pred)
    assert abs(s["balanced accuracy"] - balanced_accuracy_score(y_true, y_pred)) < 1e-12
    assert abs(s["recall (rare)"] - recall_score(y_true, y_pred)) < 1e-12


def test_balanced_subset_holds_every_rare_image_and_as_many_common_ones():
    labels = np.repeat([0, 1], [50, 5])
    tr = np.arange(55)
    sub = learning.balanced_subset(tr, labels, np.random.default_rng(0))
    assert np.bincount(labels[sub]).tolist() == [5, 5] and set(range(50, 55)) <= set(sub)


def test_imbalance_and_fix_experiments_run_on_features(shapes):
    rng = np.random.default_rng(7)
    labels = shapes["labels"]
    two = np.flatnonzero(labels < 2)
    X = np.column_stack([labels + rng.normal(0, 0.7, len(labels)), rng.normal(size=len(labels))])
    pool, held = two[::2], two[1::2]
    table, confusion = learning.imbalance_curves(X, labels, pool, held, [0.6, 0.9], seeds=[0, 1])
    assert set(table["model"]) == {"k-NN", "dummy"} and confusion[0.9, "dummy"][:, 1].sum() == 0
    fixes = learning.compare_fixes(X, labels, pool, held, [0.9], seeds=[0])
    assert len(fixes) == 4 and fixes["recall (rare)"].between(0, 1).all()
    bright = rng.random(len(labels)) < 0.5
    bias = learning.shortcut_experiment(X, labels, two, bright, seeds=[0], n_train=40)
    assert len(bias) == 3


def test_paired_gain_and_mean_sd():
    g = learning.paired_gain([0.6, 0.7, 0.8], [0.5, 0.6, 0.7])
    assert abs(g["gain"] - 0.1) < 1e-12 and g["sd"] < 1e-12 and isinstance(g["se"], float)
    assert learning.mean_sd([1.0, 2.0, 3.0]) == "2.000 ± 1.000"
