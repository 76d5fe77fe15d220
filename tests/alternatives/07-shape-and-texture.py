"""Other correct answers to the questions of exercise 07 (see tests/test_week_grading.py).

Each code string replaces all answer cells of its question in a completed copy of the
exercise; it must get full marks for that question.
"""

ALTERNATIVES = {
    # scipy.ndimage.label with explicit structuring elements instead of measure.label
    "q1": ['''
cross, square = ndi.generate_binary_structure(2, 1), np.ones((3, 3))
n_tiny_4 = ndi.label(tiny, structure=cross)[1]
n_tiny_8 = ndi.label(tiny, structure=square)[1]
n_checker_4 = ndi.label(checker, structure=cross)[1]
n_checker_8 = ndi.label(checker, structure=square)[1]
n_true_lacunae = ndi.label(bone["lacunae"] > 0, structure=square)[1]
'''],
    # the course's match_centroids, and the biases as means of the differences
    "q4": ['''
from qbi.matching import match_centroids

i_found, i_true = match_centroids(table[["centroid-0", "centroid-1"]], truth[["row", "col"]])
area_measured = table["area"].to_numpy()[i_found]
area_true = np.pi * truth["a"].to_numpy()[i_true] * truth["b"].to_numpy()[i_true]
area_bias_percent = float(100 * np.mean(area_measured - area_true) / np.mean(area_true))
major_bias = float(np.mean(table["axis_major_length"].to_numpy()[i_found] - 2 * truth["a"].to_numpy()[i_true]))
minor_bias = float(np.mean(table["axis_minor_length"].to_numpy()[i_found] - 2 * truth["b"].to_numpy()[i_true]))
'''],
    # angles of axes wrapped with complex numbers (doubling the angle), to (-pi/2, pi/2]
    "q5": ['''
def wrap(angle):
    return np.angle(np.exp(2j * np.asarray(angle))) / 2

phi_true = wrap(np.pi / 2 - truth["theta"].to_numpy())
orient_err_deg = np.degrees(wrap(table["orientation"].to_numpy()[i_found] - phi_true[i_true]))
median_abs_err_deg = float(np.median(np.abs(orient_err_deg)))
'''],
    # chamfer distances from their definitions instead of distance_transform_cdt
    "q7": ['''
edt_disk = ndi.distance_transform_edt(disk)
centre_distance = float(edt_disk[40, 40])
max_error_px = float(np.max(np.abs(edt_disk - (R - radius_px))[disk]))
dr, dc = 60 - 40, 60 - 40
true_length = np.hypot(dr, dc)
cityblock_error_pct = 100 * ((abs(dr) + abs(dc)) / true_length - 1)
chessboard_error_pct = 100 * (max(abs(dr), abs(dc)) / true_length - 1)
'''],
    # neighbours counted with a correlation of the skeleton and ndi.label for the junctions
    "q8": ['''
ladder_skeleton = morphology.skeletonize(ladder)
sk = ladder_skeleton.astype(int)
neighbours = ndi.correlate(sk, np.ones((3, 3), dtype=int), mode="constant") - sk
n_end_points = int(np.sum(ladder_skeleton & (neighbours == 1)))
n_junctions = int(ndi.label(ladder_skeleton & (neighbours >= 3), structure=np.ones((3, 3)))[1])
'''],
    # the watershed of the grey image itself, with markers from the distance map
    "q11": ['''
n_by_threshold = int(len(np.unique(crowd_found[crowd_found > 0])))
mask_c = crowd_found > 0
dist_c = ndi.distance_transform_edt(mask_c)
peaks = feature.peak_local_max(dist_c, min_distance=5, labels=measure.label(mask_c), exclude_border=False)
markers = np.zeros(mask_c.shape, dtype=int)
markers[tuple(peaks.T)] = np.arange(1, len(peaks) + 1)
ws_labels = segmentation.watershed(-dist_c, markers, mask=mask_c)
n_by_watershed = int(ws_labels.max())
one_to_one = int((match_objects(ws_labels, crowd["lacunae"]) == "1:1").sum())
'''],
}
