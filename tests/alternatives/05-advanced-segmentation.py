"""Other correct answers to the questions of exercise 05 (see tests/test_week_grading.py).

Each code string replaces all answer cells of its question in a completed copy of the
exercise; it must get full marks for that question.
"""

ALTERNATIVES = {
    # Otsu by an explicit loop over the bins: w0, w1, mu0, mu1 from their definitions
    "q1": ['''
between = np.full(len(p), np.nan)
for k in range(len(p)):
    w0, w1 = p[:k + 1].sum(), p[k + 1:].sum()
    if w0 > 0 and w1 > 0:
        mu0 = (p[:k + 1] * centres[:k + 1]).sum() / w0
        mu1 = (p[k + 1:] * centres[k + 1:]).sum() / w1
        between[k] = w0 * w1 * (mu0 - mu1) ** 2
t_hand = float(centres[np.nanargmax(between)])
'''],
    # Dice as the F1 score of scikit-learn, and a vectorised sweep over the candidates
    "q3": ['''
from sklearn.metrics import f1_score

masks = steep[None] > candidates[:, None, None]                  # one mask per candidate
inter = (masks & truth_mask).sum(axis=(1, 2))
scores = 2 * inter / (masks.sum(axis=(1, 2)) + truth_mask.sum())
oracle_threshold = float(candidates[np.argmax(scores)])
oracle_dice = float(scores.max())
otsu_steep = steep > filters.threshold_otsu(steep)
dice_left = float(f1_score(truth_mask[:, :128].ravel(), otsu_steep[:, :128].ravel()))
dice_right = float(f1_score(truth_mask[:, 128:].ravel(), otsu_steep[:, 128:].ravel()))
'''],
    # the opening with scipy and a full disk (no decomposition), Otsu of the corrected image
    "q5": ['''
smooth = ndi.gaussian_filter(steep, 2)
background = ndi.grey_opening(smooth, footprint=morphology.disk(25))
light = ndi.gaussian_filter(background, 10)
corrected = steep / light
corrected_mask = corrected > filters.threshold_otsu(corrected)
dice_corrected = dice(corrected_mask, truth_mask)
'''],
    # hysteresis by hand: label the low mask, keep the objects that hold a pixel above high
    "q6": ['''
scores = [dice(noisy > t, truth_mask) for t in candidates]
best_single_dice = float(max(scores))
n_objects_single = int(ndi.label(noisy > candidates[int(np.argmax(scores))],
                                 structure=np.ones((3, 3)))[1])
low_labels = measure.label(noisy > 0.4, connectivity=1)   # as apply_hysteresis_threshold
strong = np.unique(low_labels[(noisy > 0.9) & (low_labels > 0)])
hyst_mask = np.isin(low_labels, strong) & (low_labels > 0)
hyst_dice = dice(hyst_mask, truth_mask)
n_objects_hyst = int(measure.label(hyst_mask).max())
'''],
    # scikit-learn's KMeans directly, and qbi.matching.match_clusters for the pairing
    "q9": ['''
from qbi.matching import match_clusters

def clusters_of(names):
    X = StandardScaler().fit_transform(np.stack([feats[n].ravel() for n in names], axis=1))
    return KMeans(n_clusters=4, n_init=5, random_state=0).fit_predict(X).reshape(tex_img.shape)

clusters = clusters_of(["local std", "x-gradient energy", "y-gradient energy"])
m = match_clusters(clusters, tex_labels)
cluster_to_class, accuracy_texture = m.mapping, m.accuracy
accuracy_intensity = match_clusters(clusters_of(["intensity"]), tex_labels).accuracy
majority_accuracy = float(np.bincount(tex_labels.ravel()).max() / tex_labels.size)
'''],
}
