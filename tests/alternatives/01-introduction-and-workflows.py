"""Other correct answers to the questions of exercise 01 (see tests/test_week_grading.py).

Each code string replaces all answer cells of its question in a completed copy of the
exercise; it must get full marks for that question.
"""

ALTERNATIVES = {
    # slices written with explicit bounds computed from the shape
    "q1": ['''
rows, cols = camera.shape
top_left = camera[0:rows // 2, 0:cols // 2]
every_second = camera[0:rows:2, 0:cols:2]
profile = camera[200, 0:cols].copy()
'''],
    # plain division by 255 and rounding back; value_200 through img_as_float itself
    "q3": ['''
camera_float = camera / 255.0
camera_back = np.round(camera_float * 255).astype(np.uint8)
value_200 = img_as_float(np.array([200], dtype=np.uint8))[0]
'''],
    # np.histogram with one bin per grey value (edges 0, 1, ..., 256)
    "q4": ['''
hist, _ = np.histogram(camera, bins=np.arange(257))
most_common = int(hist.argmax())
dark_fraction = np.count_nonzero(camera < 50) / camera.size
'''],
    # a numpy integer, a whole-number float (12.0) and a bit shift: all correct
    "q5": ['''
max_count = radiograph.max()
bits_needed = float(int(max_count).bit_length())
camera_3bit = camera >> 5
'''],
    # the weights read off rgb2gray itself, and the sum over the channel axis with einsum
    "q6": ['''
weights = rgb2gray(np.eye(3)[np.newaxis])[0]
grey = np.einsum("ijc,c->ij", img_as_float(astronaut), weights)
'''],
    # float32 arithmetic instead of float64
    "q7": ['''
i, o, d = (frame.astype(np.float32) for frame in (image, open_beam, dark))
corrected = (i - d) / (o - d)
'''],
    # the same arithmetic in other units and another order
    "q8": ['''
seconds_to_fill_tb = 1000 / 8
hours_to_view_tb = 1e12 / (2 * 2048**2) / 60 / 60
'''],
    # the longest chain by recursion with a cache instead of a topological order
    "q9": ['''
from functools import lru_cache

can_start_now = sorted(step for step in recipe if len(recipe[step]) == 0)


@lru_cache(maxsize=None)
def depth(step):
    return 1 + max((depth(need) for need in recipe[step]), default=0)


longest_chain = depth("serve")
'''],
    # the chunk count from the chunk grid, the mean as a numpy scalar turned into a number
    "q10": ['''
n_chunks = int(np.prod(chunked.numblocks))
dask_mean = chunked.mean().compute().item()
'''],
}
