"""Other correct answers to the questions of exercise 09 (see tests/test_week_grading.py).

Each code string replaces all answer cells of its question in a completed copy of the
exercise; it must get full marks for that question.
"""

ALTERNATIVES = {
    # a plainer detector: threshold the smoothed frame, label, weighted centroids
    # (touching spots merge, so it finds fewer particles, but enough)
    "q2": ['''
def detect_labels(frame):
    smooth = ndi.gaussian_filter(frame, 1.0)
    spots = measure.label(smooth > 0.35)
    return np.array([p.centroid_weighted for p in measure.regionprops(spots, smooth)]).reshape(-1, 2)

points = [detect_labels(f) for f in frames]
'''],
    # both linkers written out with scipy, another gate (8 px), scores by hand-counted links
    "q3": ['''
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist

def nearest(p0, p1):
    return np.column_stack([np.arange(len(p0)), cdist(p0, p1).argmin(axis=1)])

def hungarian(p0, p1, gate=8.0):
    cost = cdist(p0, p1)
    rows, cols = linear_sum_assignment(np.where(cost > gate, 1e9, cost))
    keep = cost[rows, cols] <= gate
    return np.column_stack([rows[keep], cols[keep]])

links_nn = [nearest(points[t], points[t + 1]) for t in range(39)]
links_global = [hungarian(points[t], points[t + 1]) for t in range(39)]
ids = tracking.truth_ids(points, truth)

def fractions(links):
    right = sum(int(np.sum((ids[t][l[:, 0]] == ids[t + 1][l[:, 1]]) & (ids[t][l[:, 0]] >= 0)))
                for t, l in enumerate(links))
    true = sum(len(np.intersect1d(ids[t][ids[t] >= 0], ids[t + 1][ids[t + 1] >= 0])) for t in range(39))
    return right / true, 1 - right / sum(len(l) for l in links)

found_nn, wrong_nn = fractions(links_nn)
found_global, wrong_global = fractions(links_global)
'''],
    # SIFT key points instead of ORB, and a similarity model checked afterwards
    "q5": ['''
sift = feature.SIFT()
sift.detect_and_extract(reference)
k0, d0 = sift.keypoints, sift.descriptors
sift.detect_and_extract(moving)
k1, d1 = sift.keypoints, sift.descriptors
pairs = feature.match_descriptors(d0, d1, cross_check=True, max_ratio=0.8)
model, inliers = measure.ransac((k0[pairs[:, 0], ::-1], k1[pairs[:, 1], ::-1]),
                                transform.EuclideanTransform, min_samples=2,
                                residual_threshold=1.5, max_trials=300, rng=1)
matrix = model.params
n_inliers = int(inliers.sum())
'''],
    # plain (not phase-normalised) cross-correlation, upsampled by 50
    "q6": ['''
found, _, _ = registration.phase_cross_correlation(reference_c, moving_c, upsample_factor=50,
                                                   normalization=None)
shift = -found
'''],
    # the correlation metric (squared normalised correlation in ITK) instead of mutual information
    "q7": ['''
def register(fixed, moving, set_metric):
    R = sitk.ImageRegistrationMethod()
    set_metric(R)
    R.SetMetricSamplingStrategy(R.RANDOM)
    R.SetMetricSamplingPercentage(0.25, seed=1)
    R.SetOptimizerAsRegularStepGradientDescent(
        learningRate=1.0, minStep=1e-4, numberOfIterations=200,
        gradientMagnitudeTolerance=1e-8)
    R.SetOptimizerScalesFromPhysicalShift()
    R.SetShrinkFactorsPerLevel([4, 2, 1])
    R.SetSmoothingSigmasPerLevel([2, 1, 0])
    R.SetInterpolator(sitk.sitkLinear)
    T = sitk.Euler2DTransform(sitk.CenteredTransformInitializer(
        fixed, moving, sitk.Euler2DTransform(),
        sitk.CenteredTransformInitializerFilter.GEOMETRY))
    R.SetInitialTransform(T, inPlace=True)
    R.Execute(fixed, moving)
    return T

matrix_mse = tracking.euler_matrix(register(fixed, moving, lambda R: R.SetMetricAsMeanSquares()))
matrix_good = tracking.euler_matrix(register(fixed, moving, lambda R: R.SetMetricAsCorrelation()))
'''],
    # iterative Lucas-Kanade instead of TV-L1; the error with tracking.end_point_error
    "q8": ['''
flow = registration.optical_flow_ilk(reference_f, moving_f, radius=7)
epe = tracking.end_point_error(flow, true_flow, margin=10)
'''],
    # iLK flow, then a least-squares fit u = E x + b instead of finite differences
    "q9": ['''
u = registration.optical_flow_ilk(speckle, deformed)
rows, cols = np.mgrid[16:176, 16:176]
design = np.column_stack([rows.ravel(), cols.ravel(), np.ones(rows.size)])
gradient = np.array([np.linalg.lstsq(design, u[i][16:176, 16:176].ravel(), rcond=None)[0][:2]
                     for i in range(2)])
strain = (gradient + gradient.T) / 2
'''],
}
