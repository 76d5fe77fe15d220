"""Other correct answers to the questions of exercise 11 (see tests/test_week_grading.py).

Each code string replaces all answer cells of its question in a completed copy of the
exercise; it must get full marks for that question.
"""

ALTERNATIVES = {
    # the serial fraction as the intercept of a straight-line fit of 1/S against 1/p, the
    # workers from the inverted formula (with a tolerance: 0.9 / 0.1 is 9.000000000000002)
    "q2": ['''
p = np.array(sorted(timings), dtype=float)
t = np.array([timings[k] for k in sorted(timings)])
speedups = {int(k): float(t[0] / tk) for k, tk in zip(p, t)}
slope, intercept = np.polyfit(1 / p, t / t[0], 1)          # 1/S = s + (1 - s) / p
serial_fraction = float(intercept)
max_speedup = float(1 / serial_fraction)
workers_for_5x = int(np.ceil((1 - serial_fraction) / (1 / 5 - serial_fraction) - 1e-9))
'''],
    # the depth from scipy's rule, the slice from dask_image (which picks that depth itself),
    # the per-chunk filter with the function form of map_blocks
    "q3": ['''
reference = ndi.gaussian_filter(in_memory, 1.5)
error_no_overlap = float(abs(da.map_blocks(ndi.gaussian_filter, vol, sigma=1.5).compute()
                             - reference).max())
depth_needed = int(4 * 1.5 + 0.5)                 # scipy's kernel radius for truncate=4.0
filtered_slice = np.asarray(ndfilters.gaussian_filter(vol, 1.5)[32].compute())
'''],
    # scikit-image's label in memory: chunk by chunk on the chunk slices, and on the whole
    # mask for the joined count; pores cut by a face from the chunk slices of that label image
    "q4": ['''
import collections
from skimage import measure
m = mask.compute()
parts = [m[:, :50, :50], m[:, :50, 50:], m[:, 50:, :50], m[:, 50:, 50:]]
n_per_chunk = sum(int(measure.label(part, connectivity=1).max()) for part in parts)
whole = measure.label(m, connectivity=1)
n_joined = int(whole.max())
quarters = [whole[:, :50, :50], whole[:, :50, 50:], whole[:, 50:, :50], whole[:, 50:, 50:]]
seen = collections.Counter(int(v) for q in quarters for v in np.unique(q[q > 0]))
n_cut = sum(1 for c in seen.values() if c > 1)
'''],
    # the porosity from the mask of the pipeline's own steps instead of the table
    "q5": ['''
pores = bigdata.segment(vol).compute()
n_pores = int(ndi.label(pores)[1])
porosity = float(pores.mean())
true_mask = bigdata.foam(SHAPE, chunks=(64, 50, 50), seed=SEED, kind="truth").compute()
porosity_ratio = porosity / float(true_mask.mean())
'''],
    # pandas instead of a bag (a correct reduction, whatever the engine)
    "q6": ['''
df = pd.DataFrame(records)
pores_per_sample = df.groupby("sample").size().to_dict()
largest_per_sample = df.groupby("sample")["voxels"].max().to_dict()
total_voxels = int(df["voxels"].sum())
'''],
    # the largest edge by counting up instead of a cube root
    "q7": ['''
gib_by_dtype = {"float64": 2048**3 * 8 / 2**30, "float32": 2048**3 * 4 / 2**30,
                "uint8": 2048**3 * 1 / 2**30}
edge = 1
while 3 * 4 * 4 * (edge + 1) ** 3 <= 0.6 * 6 * 2**30:
    edge += 1
max_chunk_edge = edge
'''],
    # zarr-python directly: create the array, write it chunk by chunk in a loop
    "q9": ['''
import zarr
z = zarr.create_array(store=str(store), shape=vol.shape, chunks=(64, 50, 50), dtype="float32")
for region in da.core.slices_from_chunks(vol.chunks):
    z[region] = vol[region].compute()
stored = da.from_zarr(str(store))
n_chunk_files = len([f for f in store.rglob("*") if f.is_file() and f.name != "zarr.json"])
stored_chunks = stored.chunksize
stored_slice = np.asarray(z[10])
'''],
}
