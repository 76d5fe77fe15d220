"""Other correct answers to the questions of exercise 10 (see tests/test_week_grading.py).

Each code string replaces all answer cells of its question in a completed copy of the
exercise; it must get full marks for that question.
"""

ALTERNATIVES = {
    # the truth-frame means with a loop and np.average, shares from np.unique
    "q1": ['''
material_means = np.zeros((4, 2))
for k in range(4):
    material_means[k, 0] = np.average(neutron, weights=(truth == k))
    material_means[k, 1] = np.average(xray, weights=(truth_x == k))
_, counts = np.unique(truth, return_counts=True)
shares = counts / counts.sum()
'''],
    # a one-dimensional Gaussian mixture per modality instead of multi-Otsu; and two groups
    # from a single Otsu threshold, named by their majority material
    "q2": ['''
g_n = GaussianMixture(4, random_state=0).fit_predict(N1.reshape(-1, 1)).reshape(N1.shape)
g_x = GaussianMixture(4, random_state=0).fit_predict(X1.reshape(-1, 1)).reshape(X1.shape)
acc_neutron = float(np.mean(mm.majority_labels(g_n, T1) == T1))
acc_xray = float(np.mean(mm.majority_labels(g_x, TX1) == TX1))
''', '''
two_n = N1 > filters.threshold_otsu(N1)
two_x = X1 > filters.threshold_otsu(X1)
acc_neutron = float(np.mean(mm.majority_labels(two_n, T1) == T1))
acc_xray = float(np.mean(mm.majority_labels(two_x, TX1) == TX1))
'''],
    # a whole-pixel grid search of scikit-image's normalised mutual information
    "q3": ['''
core = (slice(16, -16), slice(16, -16))
def nmi_at(shift):
    return normalized_mutual_information(neutron[core], mm.shift_back(xray, shift)[core])
grid = [(dy, dx) for dy in range(-9, 10) for dx in range(-9, 10)]
shift_estimate = np.array(max(grid, key=nmi_at), dtype=float)
registered = mm.shift_back(xray, shift_estimate)
'''],
    # scipy's Pearson correlation
    "q4": ['''
from scipy import stats
nmi_before = float(normalized_mutual_information(a, xray[inner]))
nmi_after = float(normalized_mutual_information(a, aligned[inner]))
r_before = float(stats.pearsonr(a.ravel(), xray[inner].ravel())[0])
r_after = float(stats.pearsonr(a.ravel(), aligned[inner].ravel())[0])
'''],
    # k-means on the registered pairs; and a mixture fitted on all pixels with tied covariance
    "q5": ['''
from sklearn.cluster import KMeans
pairs5 = np.column_stack([N.ravel(), X.ravel()])
joint_labels = KMeans(4, n_init=4, random_state=0).fit_predict(pairs5).reshape(N.shape)
acc_joint = mm.matched_accuracy(joint_labels, T)
gain = acc_joint - max(acc_neutron, acc_xray)
''', '''
pairs5 = np.column_stack([N.ravel(), X.ravel()])
model = GaussianMixture(4, covariance_type="tied", random_state=0).fit(pairs5)
joint_labels = model.predict(pairs5).reshape(N.shape)
acc_joint = mm.matched_accuracy(joint_labels, T)
gain = acc_joint - max(acc_neutron, acc_xray)
'''],
    # scipy's distances (VI = the inverse covariance) and biased covariances (ddof 0)
    "q6": ['''
from scipy.spatial import distance
class_means = np.array([pairs[labels_1d == k].mean(axis=0) for k in range(4)])
class_covs = np.array([np.cov(pairs[labels_1d == k], rowvar=False, bias=True) for k in range(4)])
d_euclid = np.array([distance.euclidean(q, m) for m in class_means])
d_mahal = np.array([distance.mahalanobis(q, m, np.linalg.inv(c))
                    for m, c in zip(class_means, class_covs)])
nearest_euclid = names[int(d_euclid.argmin())]
nearest_mahal = names[int(d_mahal.argmin())]
'''],
    # multi-Otsu on the mean image, Otsu decisions combined with np.select, Li for the heavy task
    "q7": ['''
mean7 = (N + X) / 2
data_classes = np.digitize(mean7, filters.threshold_multiotsu(mean7, classes=4))
acc_data = mm.matched_accuracy(data_classes, T)
bn, bx = N > filters.threshold_otsu(N), X > filters.threshold_otsu(X)
table = np.select([~bn & ~bx, bn & ~bx, ~bn & bx], [0, 1, 2], default=3)
acc_decision = float(np.mean(table == T))
x7 = xray[inner]
heavy_xray = float(np.mean((x7 > filters.threshold_li(x7)) == (truth_x[inner] >= 2)))
mapping = mm.best_label_map(data_classes, T)
heavy_data = float(np.mean((np.vectorize(mapping.get)(data_classes) >= 2) == (T >= 2)))
'''],
    # the inverse matrix applied to every pixel, and the exact 2 x 2 solve
    "q8": ['''
thickness_est = np.einsum("ij,jyx->iyx", np.linalg.inv(A), b)
rms_error = np.sqrt(((thickness_est - sample["wedge_thickness"]) ** 2).mean(axis=(1, 2)))
''', '''
thickness_est = np.linalg.solve(A, b.reshape(2, -1)).reshape(2, 64, 96)
rms_error = np.array([np.sqrt(np.mean((thickness_est[k] - sample["wedge_thickness"][k]) ** 2))
                      for k in range(2)])
'''],
    # nibabel directly: the header's zooms and apply_affine
    "q9": ['''
import os
import nibabel as nib
from nibabel.affines import apply_affine
from nibabel.testing import data_path
t1_img = nib.load(os.path.join(data_path, "anatomical.nii"))
fmri_img = nib.load(os.path.join(data_path, "functional.nii"))
t1_extent_mm = np.array(t1_img.shape) * np.array(t1_img.header.get_zooms())
world_of_voxel = apply_affine(t1_img.affine, [10, 30, 5])
fmri_voxel = apply_affine(np.linalg.inv(fmri_img.affine), world_of_voxel)
zooms = fmri_img.header.get_zooms()
fmri_aspect = float(zooms[2]) / float(zooms[1])
'''],
}
