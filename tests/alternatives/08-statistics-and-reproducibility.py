"""Other correct answers to the questions of exercise 08 (see tests/test_week_grading.py).

Each code string replaces all answer cells of its question in a completed copy of the
exercise; it must get full marks for that question.
"""

ALTERNATIVES = {
    # numerical (central difference) derivatives; Monte Carlo with one (3, N) array of draws
    "q1": ['''
def size(m, L, n):
    return m * L / n

x0 = np.array([m_px, L_mm, n_px])
s_mm = size(*x0)
steps = 1e-6 * x0
partials = np.array([(size(*(x0 + h)) - size(*(x0 - h))) / (2 * h[k])
                     for k, h in enumerate(np.diag(steps))])
sigma_s_analytic = float(np.linalg.norm(partials * [sigma_m, sigma_L, sigma_n]))
n_draws = 50_000
draws = rng.normal(x0[:, None], np.array([sigma_m, sigma_L, sigma_n])[:, None], (3, n_draws))
sigma_s_mc = float(size(*draws).std())
'''],
    # scikit-image's Gaussian filter and the equivalent diameter instead of sqrt(area / pi)
    "q4": ['''
from skimage import filters


def radii_of(image):
    labels = measure.label(filters.gaussian(image, sigma=1.0) > 0.5)
    return measure.regionprops_table(labels, properties=("equivalent_diameter_area",))[
        "equivalent_diameter_area"] / 2


radii_control = np.concatenate([radii_of(im) for im in groups["images"][groups["group"] == 0]])
radii_treated = np.concatenate([radii_of(im) for im in groups["images"][groups["group"] == 1]])
p_welch = float(stats.ttest_ind(radii_control, radii_treated, equal_var=False).pvalue)
p_ks = float(stats.ks_2samp(radii_control, radii_treated, method="exact").pvalue)
effect_detected = p_welch < 0.05
'''],
    # a rank-sum test by another name (the normal approximation of scipy.stats.ranksums)
    "q5": ['''
p_welch_clump = float(stats.ttest_ind(control_c, treated_c, equal_var=False).pvalue)
p_rank_clump = float(stats.ranksums(treated_c, control_c).pvalue)
chosen_test = "Wilcoxon rank-sum (Mann-Whitney)"
significant_clump = p_rank_clump < 0.05
'''],
    # the normal approximation of the power; Student's t-test (equal variances) in the simulation
    "q6": ['''
from scipy.stats import norm
z = norm.ppf(1 - alpha / 2)
power_n30 = float(norm.sf(z - d_effect * np.sqrt(30 / 2)) + norm.cdf(-z - d_effect * np.sqrt(30 / 2)))
n_sim = 3000
x = power_rng.normal(0.0, 1.0, (n_sim, 2, 30))
x[:, 1] += d_effect
power_n30_sim = float(np.mean(stats.ttest_ind(x[:, 1], x[:, 0], axis=1).pvalue < alpha))
n_for_80 = int(np.ceil(2 * ((z + norm.ppf(0.8)) / d_effect) ** 2))
'''],
    # Student's t-test, Bonferroni as adjusted p-values, Benjamini-Hochberg by hand
    "q7": ['''
n_comparisons = 1500
data_ = null_rng.normal(0.0, 1.0, (n_comparisons, 30))
p_values = stats.ttest_ind(data_[:, :15], data_[:, 15:], axis=1).pvalue
fp_uncorrected = int((p_values < 0.05).sum())
fp_rate = float(np.mean(p_values < 0.05))
fp_bonferroni = int((np.minimum(p_values * n_comparisons, 1) < 0.05).sum())
order = np.sort(p_values)
below = order <= 0.05 * np.arange(1, n_comparisons + 1) / n_comparisons
fp_bh = int(np.nonzero(below)[0].max() + 1) if below.any() else 0
'''],
    # the rates by hand; Benjamini-Hochberg by hand
    "q8": ['''
n_families = 1200
a = family_rng.normal(0.0, 1.0, (n_families, 10, 15))
b = family_rng.normal(0.0, 1.0, (n_families, 10, 15)) + 1.2 * is_effect[None, :, None]
p = stats.ttest_ind(b, a, axis=2, equal_var=False).pvalue


def bh(pv, q=0.05):
    order = np.argsort(pv, axis=1)
    ranked = np.take_along_axis(pv, order, axis=1)
    ok = ranked <= q * np.arange(1, pv.shape[1] + 1) / pv.shape[1]
    k = np.where(ok.any(axis=1), pv.shape[1] - np.argmax(ok[:, ::-1], axis=1), 0)
    reject = np.zeros_like(pv, dtype=bool)
    np.put_along_axis(reject, order, np.arange(pv.shape[1])[None, :] < k[:, None], axis=1)
    return reject


fwer, fdr, power_found = [], [], []
for reject in (p < 0.05, p < 0.005, bh(p)):
    false_pos = (reject & ~is_effect).sum(axis=1)
    fwer.append(np.mean(false_pos > 0))
    fdr.append(np.mean(np.where(reject.sum(axis=1) > 0, false_pos / np.maximum(reject.sum(axis=1), 1), 0)))
    power_found.append(reject[:, is_effect].mean())
fwer, fdr, power_found = np.array(fwer), np.array(fdr), np.array(power_found)
'''],
    # the textbook formula of the partial correlation; Spearman as Pearson on ranks
    "q9": ['''
r_xy = np.corrcoef(swelling, stain)[0, 1]
r_xz = np.corrcoef(swelling, temperature)[0, 1]
r_yz = np.corrcoef(stain, temperature)[0, 1]
r_swelling_stain = float(r_xy)
r_partial = float((r_xy - r_xz * r_yz) / np.sqrt((1 - r_xz**2) * (1 - r_yz**2)))
pearson_dose = float(np.corrcoef(dose, signal)[0, 1])
spearman_dose = float(np.corrcoef(stats.rankdata(dose), stats.rankdata(signal))[0, 1])
'''],
    # np.polyfit and a hand-written loop over the folds
    "q10": ['''
train_mse, cv_mse = [], []
for d in degrees:
    coef = np.polyfit(x_cv, y_cv, d)
    train_mse.append(np.mean((np.polyval(coef, x_cv) - y_cv) ** 2))
    fold_errors = []
    for train, test in folds.split(x_cv):
        c = np.polyfit(x_cv[train], y_cv[train], d)
        fold_errors.append(np.mean((np.polyval(c, x_cv[test]) - y_cv[test]) ** 2))
    cv_mse.append(np.mean(fold_errors))
train_mse, cv_mse = np.array(train_mse), np.array(cv_mse)
best_degree = int(np.argmin(cv_mse))
true_mse_best = float(np.mean((np.polyval(np.polyfit(x_cv, y_cv, best_degree), x_grid)
                               - true_curve(x_grid)) ** 2))
'''],
}
