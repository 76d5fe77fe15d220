"""Other correct answers to the questions of exercise 04 (see tests/test_week_grading.py).

Each code string replaces all answer cells of its question in a completed copy of the
exercise; it must get full marks for that question.
"""

ALTERNATIVES = {
    # the transmission clipped with np.maximum, mu by np.divide with a where mask
    "q1": ['''
T = (I - D) / (O - D)
attenuation = -np.log(np.maximum(T, 1e-3))
mae_attenuation = float(np.abs(attenuation - wood["mu"] * thickness).mean())
mu_estimate = np.divide(attenuation, thickness, out=np.zeros_like(attenuation), where=thickness > 0)
'''],
    # the confusion matrix from scikit-learn
    "q2": ['''
y_pred = grey <= t_manual
(true_neg, false_pos), (false_neg, true_pos) = metrics.confusion_matrix(y_true, y_pred).tolist()
precision = float(metrics.precision_score(y_true, y_pred))
recall = float(metrics.recall_score(y_true, y_pred))
accuracy_nothing = float(metrics.accuracy_score(y_true, np.zeros_like(y_true)))
'''],
    # the rates from cumulative histograms of the two classes (no loop), the AUC the same way
    "q4": ['''
g = grey.astype(int)
below_lacuna = np.concatenate([[0], np.cumsum(np.bincount(g[y_true], minlength=256))])
below_bone = np.concatenate([[0], np.cumsum(np.bincount(g[~y_true], minlength=256))])
tpr = below_lacuna / y_true.sum()
fpr = below_bone / (~y_true).sum()
auc = float(np.trapezoid(tpr, fpr))
'''],
    # Dice as scikit-learn's F1 score (zero_division for the empty prediction at t = -1)
    "q5": ['''
thresholds = np.arange(-1, 256)
dice_sweep = np.array([metrics.f1_score(y_true, grey <= t, zero_division=0.0) for t in thresholds])
best_t_dice = int(thresholds[np.argmax(dice_sweep)])
best_dice = float(np.max(dice_sweep))
best_t_youden = int(thresholds[np.argmax(tpr - fpr)])
'''],
    # scipy's label with explicit structuring elements instead of scikit-image
    "q6": ['''
n_candidates_4 = int(ndi.label(candidate)[1])                                # default: 4 neighbours
n_candidates_8 = int(ndi.label(candidate, structure=np.ones((3, 3)))[1])
n_pores_6 = int(ndi.label(pores)[1])                                         # default: 6 neighbours
n_pores_26 = int(ndi.label(pores, structure=np.ones((3, 3, 3)))[1])
'''],
    # scipy's binary morphology with the same footprint
    "q7": ['''
n_noisy = int(ndi.label(noisy, structure=np.ones((3, 3)))[1])
fp = morphology.disk(1)
cleaned = ndi.binary_closing(ndi.binary_opening(noisy, structure=fp), structure=fp)
n_cleaned = int(ndi.label(cleaned, structure=np.ones((3, 3)))[1])
dice_cleaned = dice(cleaned, lacunae)
'''],
    # a Gaussian filter instead of the median, and another threshold and closing footprint
    "q8": ['''
smooth = ndi.gaussian_filter(img2.astype(float), sigma=1)
bright = smooth > 120
bone_seg = morphology.closing(bright, morphology.disk(5))
lacunae_seg = morphology.opening(bone_seg & ~bright, morphology.disk(1))
'''],
}
