"""Week 11, scaling up: the lecture's big-data pipeline as functions.

A foam-like volume of any size, generated chunk by chunk (never whole in memory), and the
pipeline *generate -> filter -> threshold -> label -> measure* that turns it into a table of
pores, on whatever dask scheduler is active: the local threads, a ``LocalCluster`` started
here, or an existing cluster (``DASK_SCHEDULER_ADDRESS``).

>>> from qbi import bigdata
>>> vol = bigdata.foam((128, 128, 128), chunks=64)          # lazy dask array, float32
>>> table = bigdata.pore_table(vol).compute()                # pandas DataFrame, one row per pore
>>> truth = bigdata.true_pores(vol.shape)                    # the ground truth
>>> with bigdata.client(n_workers=2, memory_limit="1GiB") as c:   # or the cluster you point at
...     result = bigdata.run(c, (256, 256, 256), chunks=64)

The volume
    Space is cut into cubic *cells* of ``CELL`` voxels.  Each cell that lies entirely inside the
    volume holds one spherical pore with probability ``P_PORE`` (radius ``R_MIN`` to ``R_MAX``
    voxels, centre jittered so the sphere stays at least 1.5 voxels inside its cell).  Pores
    therefore never touch each other or the volume's faces, and a threshold that separates pore
    from solid finds each pore as one object: ``true_pores`` is the exact answer.  Grey value:
    1 in the solid, 0 in a pore, a linear partial-volume ramp one voxel wide across the surface,
    plus Gaussian noise.  The noise is drawn on a fixed grid of ``TILE``-voxel tiles, each from
    its own seeded generator, so a voxel's value depends only on its position and the seed,
    never on how the volume is chunked.

Two graphs give the same table, bit for bit
    ``pore_table(foam(...))``: ``dask_image``'s Gaussian (``map_overlap``: every chunk waits for
    slices of its neighbours), a threshold, then :func:`measure` (MapReduce: label and measure
    each chunk, join the pieces across faces, merge).  ``foam_pore_table(...)``: one task per
    chunk that generates its chunk with the filter's margin itself, then the same MapReduce; no
    chunk waits for a neighbour, so a worker holds about one chunk per thread.  :func:`run`
    uses the second (the lecture's distributed run and ``tools/bigdata_full.py``).
"""

from __future__ import annotations

import contextlib
import os
import resource
import time
from functools import lru_cache

import dask
import dask.array as da
import numpy as np
import pandas as pd

CELL = 20            # voxels per cell edge: one pore (or none) per cell
R_MIN, R_MAX = 3.0, 7.5
P_PORE = 0.85        # probability that a cell holds a pore
TILE = 32            # voxels per noise-tile edge
SEED = 11
NOISE = 0.3          # standard deviation of the grey-value noise (pore 0, solid 1)
SIGMA = 1.0          # Gaussian filter of the pipeline (voxels)
THRESHOLD = 0.5      # grey value below which a filtered voxel is pore

# Sizes for the distributed run (QBI_BIGDATA_SIZE): the book's default and the full run.
SIZES = {
    "small": dict(shape=(128, 256, 256), chunks=(64, 128, 128), memory_limit="512MiB"),
    "full": dict(shape=(1152, 1024, 1024), chunks=(128, 256, 256), memory_limit="1GiB"),
}
SIZE_ENV = "QBI_BIGDATA_SIZE"
ADDRESS_ENV = "DASK_SCHEDULER_ADDRESS"


# ============================================================================================
# The foam volume, chunk by chunk
# ============================================================================================
@lru_cache(maxsize=8)
def _pore_grid(shape: tuple, seed: int) -> tuple:
    """Centre (z, y, x) and radius of the pore of every cell fully inside ``shape`` (radius 0:
    no pore).  A small table for the whole volume (one row per cell), cached."""
    n = tuple(s // CELL for s in shape)
    rng = np.random.default_rng([seed, 7])
    present = rng.random(n) < P_PORE
    radius = np.where(present, rng.uniform(R_MIN, R_MAX, n), 0.0)
    room = CELL / 2 - radius - 1.5                      # how far the centre may move
    centres = []
    for axis in range(3):
        index = np.arange(n[axis]).reshape([-1 if a == axis else 1 for a in range(3)])
        jitter = rng.uniform(-1, 1, n) * np.maximum(room, 0)
        centres.append((index * CELL + CELL / 2 - 0.5 + jitter))
    return centres[0], centres[1], centres[2], radius


def true_pores(shape, seed: int = SEED) -> pd.DataFrame:
    """The ground truth: one row per pore (centre ``z, y, x``, ``radius`` and ``voxels``, the
    exact number of voxel centres inside the sphere), sorted by position."""
    cz, cy, cx, radius = _pore_grid(tuple(int(s) for s in shape), seed)
    keep = radius > 0
    rows = pd.DataFrame({"z": cz[keep], "y": cy[keep], "x": cx[keep], "radius": radius[keep]})
    reach = int(np.ceil(R_MAX)) + 1                     # the sphere fits this box
    offsets = np.arange(-reach, reach + 1)
    dz, dy, dx = np.meshgrid(offsets, offsets, offsets, indexing="ij", sparse=True)
    voxels = []
    for z, y, x, r in rows.itertuples(index=False):
        fz, fy, fx = np.floor([z, y, x])
        d2 = (fz + dz - z) ** 2 + (fy + dy - y) ** 2 + (fx + dx - x) ** 2
        voxels.append(int(np.count_nonzero(d2 <= r * r)))
    rows["voxels"] = voxels
    return rows


def _distance_field(location, shape, seed):
    """Signed distance to the nearest pore surface (negative inside a pore; +inf where no pore
    is near) for the block at ``location`` = [(z0, z1), (y0, y1), (x0, x1)]."""
    cz, cy, cx, radius = _pore_grid(tuple(shape), seed)
    (z0, z1), (y0, y1), (x0, x1) = location
    out = np.full((z1 - z0, y1 - y0, x1 - x0), np.inf, dtype=np.float32)
    ranges = [range(lo // CELL, min(-(-hi // CELL), n))
              for (lo, hi), n in zip(location, radius.shape)]
    for i in ranges[0]:
        for j in ranges[1]:
            for k in ranges[2]:
                r = radius[i, j, k]
                if r == 0:
                    continue
                # the cell's box, clipped to the block
                box = [(max(c * CELL, lo), min((c + 1) * CELL, hi))
                       for c, (lo, hi) in zip((i, j, k), location)]
                if any(a >= b for a, b in box):
                    continue
                z = np.arange(*box[0], dtype=np.float32)[:, None, None] - cz[i, j, k]
                y = np.arange(*box[1], dtype=np.float32)[None, :, None] - cy[i, j, k]
                x = np.arange(*box[2], dtype=np.float32)[None, None, :] - cx[i, j, k]
                local = tuple(slice(a - lo, b - lo) for (a, b), (lo, _) in zip(box, location))
                out[local] = np.sqrt(z * z + y * y + x * x) - np.float32(r)
    return out


def _noise(location, seed):
    """Standard normal noise for the block, drawn tile by tile on the global TILE grid."""
    (z0, z1), (y0, y1), (x0, x1) = location
    out = np.empty((z1 - z0, y1 - y0, x1 - x0), dtype=np.float32)
    tiles = [range(lo // TILE, -(-hi // TILE)) for lo, hi in location]
    for i in tiles[0]:
        for j in tiles[1]:
            for k in tiles[2]:
                rng = np.random.default_rng([seed, 13, i, j, k])
                tile = rng.standard_normal((TILE, TILE, TILE), dtype=np.float32)
                box = [(max(t * TILE, lo), min((t + 1) * TILE, hi))
                       for t, (lo, hi) in zip((i, j, k), location)]
                src = tuple(slice(a - t * TILE, b - t * TILE) for (a, b), t in zip(box, (i, j, k)))
                dst = tuple(slice(a - lo, b - lo) for (a, b), (lo, _) in zip(box, location))
                out[dst] = tile[src]
    return out


def foam_block(location, shape, seed: int = SEED, noise: float = NOISE,
               kind: str = "grey") -> np.ndarray:
    """One block of the foam: ``kind="grey"`` (float32, noisy) or ``"truth"`` (bool, True in
    a pore).  ``location`` = [(z0, z1), (y0, y1), (x0, x1)] in the volume of size ``shape``."""
    location = [(int(a), int(b)) for a, b in location]
    shape = tuple(int(s) for s in shape)
    dist = _distance_field(location, shape, seed)
    if kind == "truth":
        return dist <= 0
    grey = np.clip(dist + np.float32(0.5), 0, 1)
    if noise:
        grey += np.float32(noise) * _noise(location, seed)
    return grey


def _foam_chunk(block_info=None, seed=SEED, noise=NOISE, kind="grey"):
    info = block_info[None]
    return foam_block(info["array-location"], info["shape"], seed, noise, kind)


def foam(shape, chunks=64, seed: int = SEED, noise: float = NOISE,
         kind: str = "grey") -> da.Array:
    """The foam volume as a lazy dask array: every chunk is generated when a task needs it.
    ``kind="truth"`` gives the true pore mask (bool) instead of the grey values (float32)."""
    shape = tuple(int(s) for s in shape)
    dtype = np.dtype(bool if kind == "truth" else np.float32)
    chunks = da.core.normalize_chunks(chunks, shape, dtype=dtype)
    return da.map_blocks(_foam_chunk, chunks=chunks, dtype=dtype,
                         meta=np.empty((0, 0, 0), dtype), seed=seed, noise=noise, kind=kind,
                         name=f"foam-{kind}-" + dask.base.tokenize(shape, chunks, seed, noise))


# ============================================================================================
# The pipeline: filter -> threshold -> label -> measure
# ============================================================================================
def segment(volume, sigma: float = SIGMA, threshold: float = THRESHOLD) -> da.Array:
    """Lazy pore mask of ``volume`` (a dask array): ``dask_image`` Gaussian filter (each chunk
    with the overlap the filter needs), then a threshold."""
    from dask_image import ndfilters

    return ndfilters.gaussian_filter(volume, sigma) < threshold


def _label_and_measure_block(mask: np.ndarray, first: int, offset) -> tuple:
    """Map step for one chunk: label it on its own (provisional labels ``first + 1, ...``, unique
    in the whole volume), add up each label's voxels and coordinates; keep the six faces.
    Returns (table, faces)."""
    from scipy import ndimage as ndi

    local, n = ndi.label(mask)
    fg = np.nonzero(local)
    inverse = local[fg] - 1                      # 0 .. n-1
    table = {"label": first + 1 + np.arange(n, dtype=np.int64),
             "voxels": np.bincount(inverse, minlength=n)}
    for axis, name in enumerate("zyx"):
        coord = fg[axis].astype(np.float64) + offset[axis]
        table[f"sum_{name}"] = np.bincount(inverse, weights=coord, minlength=n)
    faces = {}
    for axis in range(3):
        for side in (0, 1):
            face = np.take(local, [0, -1][side], axis=axis).astype(np.int64)
            faces[(axis, side)] = np.where(face > 0, face + first, 0)
    return pd.DataFrame(table), faces


def _face_pairs(lower: dict, upper: dict, axis: int) -> np.ndarray:
    """Provisional labels that touch across the face between two neighbouring chunks."""
    a, b = lower[(axis, 1)], upper[(axis, 0)]
    touch = (a > 0) & (b > 0)
    return np.unique(np.stack([a[touch], b[touch]]), axis=1)


def _merge(tables: list, pairs: list) -> pd.DataFrame:
    """Reduce step: join provisional labels that touch across faces (connected components of a
    small graph), then add up their partial sums; centroid = coordinate sum / voxels."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    table = pd.concat(tables, ignore_index=True)
    ids = table["label"].to_numpy()
    edges = np.concatenate([np.empty((2, 0), np.int64)] + list(pairs), axis=1)
    i, j = np.searchsorted(ids, edges[0]), np.searchsorted(ids, edges[1])
    graph = coo_matrix((np.ones(len(i)), (i, j)), shape=(len(ids), len(ids)))
    _, component = connected_components(graph, directed=False)
    table = table.drop(columns="label").groupby(component).sum()
    for name in "zyx":
        table[name] = table.pop(f"sum_{name}") / table["voxels"]
    table = table.sort_values(["z", "y", "x"], ignore_index=True)
    table.insert(0, "label", np.arange(1, len(table) + 1))
    return table


def _map_reduce(chunks, block_task):
    """The graph of the measurement: ``block_task(idx, location, first)`` (a delayed pair
    table, faces) for every chunk, one small task per face between neighbours, one merge."""
    grid = tuple(len(c) for c in chunks)
    step = int(np.prod([max(c) for c in chunks]))        # more than any chunk's label count
    starts = [np.cumsum((0,) + tuple(c[:-1])) for c in chunks]
    tables, faces = [], np.empty(grid, dtype=object)
    for idx in np.ndindex(grid):
        location = [(int(starts[a][i]), int(starts[a][i] + chunks[a][i]))
                    for a, i in enumerate(idx)]
        first = int(np.ravel_multi_index(idx, grid)) * step
        table, faces[idx] = block_task(idx, location, first)
        tables.append(table)
    pairs = []
    for idx in np.ndindex(grid):
        for axis in range(3):
            if idx[axis] + 1 < grid[axis]:
                nxt = tuple(i + (a == axis) for a, i in enumerate(idx))
                pairs.append(dask.delayed(_face_pairs, pure=True)(faces[idx], faces[nxt], axis))
    return dask.delayed(_merge, pure=True)(tables, pairs)


def measure(mask: da.Array):
    """Label the objects of a chunked mask and measure them, as one lazy (``dask.delayed``)
    table: ``label``, ``voxels`` and the centroid ``z, y, x``.

    MapReduce: every chunk is labelled and measured on its own (map); objects cut by a chunk
    face are joined, and their partial sums added, in one small final step (reduce).  Every
    chunk is labelled exactly once and no label image is ever held."""
    blocks = mask.to_delayed(optimize_graph=True)
    label_block = dask.delayed(_label_and_measure_block, pure=True, nout=2)
    return _map_reduce(mask.chunks, lambda idx, location, first:
                       label_block(blocks[idx], first, tuple(a for a, _ in location)))


def segment_block(location, shape, seed: int = SEED, noise: float = NOISE,
                  sigma: float = SIGMA, threshold: float = THRESHOLD) -> np.ndarray:
    """The pore mask of one chunk, made in one go: generate the chunk with the Gaussian's
    reach around it (``int(4 sigma + 0.5)`` voxels, clipped at the volume's faces), filter,
    cut the margin off, threshold.  Equal to filtering the whole volume (scipy), because the
    margin is the filter's reach; no neighbouring chunk is needed."""
    from scipy import ndimage as ndi

    reach = int(4 * sigma + 0.5)
    lo = [max(a - reach, 0) for a, _ in location]
    hi = [min(b + reach, int(n)) for (_, b), n in zip(location, shape)]
    grey = foam_block(list(zip(lo, hi)), shape, seed, noise)
    smooth = ndi.gaussian_filter(grey, sigma)
    inner = tuple(slice(a - low, b - low) for (a, b), low in zip(location, lo))
    return smooth[inner] < threshold


def _chunk_pipeline(location, shape, seed, noise, sigma, threshold, first):
    mask = segment_block(location, shape, seed, noise, sigma, threshold)
    return _label_and_measure_block(mask, first, tuple(a for a, _ in location))


def foam_pore_table(shape, chunks=64, seed: int = SEED, noise: float = NOISE,
                    sigma: float = SIGMA, threshold: float = THRESHOLD):
    """The pipeline for a big run, lazily: one task per chunk generates the chunk with the
    filter's margin, filters, thresholds, labels and measures it; small tasks join the pieces
    across faces and merge the table.  Nothing waits in memory for a neighbour, so a worker
    holds about one chunk per thread, whatever the size of the volume.  Same table as
    ``pore_table(foam(shape, chunks, seed, noise))``."""
    shape = tuple(int(n) for n in shape)
    chunks = da.core.normalize_chunks(chunks, shape, dtype=np.float32)
    task = dask.delayed(_chunk_pipeline, pure=True, nout=2)
    return _map_reduce(chunks, lambda idx, location, first:
                       task(location, shape, seed, noise, sigma, threshold, first))


def pore_table(volume: da.Array, sigma: float = SIGMA, threshold: float = THRESHOLD):
    """The whole pipeline after generation, lazily: filter, threshold, label, measure."""
    return measure(segment(volume, sigma, threshold))


def compare_with_truth(table: pd.DataFrame, shape, seed: int = SEED) -> dict:
    """Match measured pores to the true ones (through the cell that holds the centroid) and
    score: counts, how many true pores were found exactly once, relative volume error."""
    truth = true_pores(shape, seed)
    cell_of = lambda df: [tuple(c) for c in (np.floor(df[["z", "y", "x"]].to_numpy() / CELL)
                                              .astype(int))]
    t = truth.assign(cell=cell_of(truth)).set_index("cell")
    m = table.assign(cell=cell_of(table))
    found = m.groupby("cell").size()
    matched = m[m["cell"].isin(t.index)].drop_duplicates("cell").set_index("cell")
    rel = matched["voxels"] / t.loc[matched.index, "voxels"] - 1
    return {"n_true": len(truth), "n_found": len(table),
            "found_once": int(sum(found.get(c, 0) == 1 for c in t.index)),
            "volume_error_mean": float(rel.mean()) if len(rel) else float("nan"),
            "volume_error_abs_max": float(rel.abs().max()) if len(rel) else float("nan")}


# ============================================================================================
# Helpers for the chunked-array part of the lecture
# ============================================================================================
def same_up_to_renumbering(a: np.ndarray, b: np.ndarray) -> bool:
    """True when two label images describe the same objects (only the numbers may differ):
    the same background, and a one-to-one map between the labels of a and of b."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or not np.array_equal(a == 0, b == 0):
        return False
    pairs = np.unique(np.stack([a[a > 0], b[b > 0]]), axis=1)
    return len(np.unique(pairs[0])) == len(np.unique(pairs[1])) == pairs.shape[1]


def _label_block(block, step, block_info=None):
    from scipy import ndimage as ndi

    info = block_info[0]
    first = np.ravel_multi_index(info["chunk-location"], info["num-chunks"]) * step
    labels = ndi.label(block)[0].astype(np.int64)
    labels[labels > 0] += first
    return labels


def naive_block_labels(mask: da.Array) -> da.Array:
    """Each chunk labelled on its own (``scipy.ndimage.label`` per block; labels made unique by
    a per-block offset) but NOT merged across chunk faces: what goes wrong without that step."""
    step = int(np.prod([max(c) for c in mask.chunks]))   # more than any block's label count
    return mask.map_blocks(_label_block, step, dtype=np.int64)


# ============================================================================================
# dask.distributed: start a LocalCluster, or connect to the one you were given
# ============================================================================================
def size_settings(size: str | None = None) -> dict:
    """Shape, chunks and memory limit of the distributed run: ``QBI_BIGDATA_SIZE`` (``small``,
    the book's default, or ``full``) unless ``size`` is given."""
    name = (size or os.environ.get(SIZE_ENV) or "small").strip().lower()
    if name not in SIZES:
        raise ValueError(f"{SIZE_ENV}={name!r}: use one of {sorted(SIZES)}")
    return {"size": name, **SIZES[name]}


@contextlib.contextmanager
def client(n_workers: int = 2, memory_limit="1GiB", address: str | None = None, **kwargs):
    """A ``dask.distributed.Client``, closed (with its cluster) when the block ends.

    If ``address`` is given or ``DASK_SCHEDULER_ADDRESS`` is set, connect to that scheduler
    (an existing cluster: its workers and limits are whatever it was started with).  Otherwise
    start a ``LocalCluster`` on 127.0.0.1: ``n_workers`` processes, one thread each, each
    limited to ``memory_limit`` (spilling to disk at 60 %, restarted at 95 %), the dashboard
    on a free port.  Everything started here is closed here, also when the block fails.
    """
    from distributed import Client, LocalCluster

    address = address or os.environ.get(ADDRESS_ENV)
    if address:
        c = Client(address, timeout="20s")
        try:
            yield c
        finally:
            c.close()
        return
    import logging

    options = dict(n_workers=n_workers, threads_per_worker=1, processes=True,
                   memory_limit=memory_limit, host="127.0.0.1",
                   dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR)
    options.update(kwargs)
    cluster = LocalCluster(**options)
    try:
        c = Client(cluster)
        try:
            yield c
        finally:
            c.close()
    finally:
        cluster.close()


def _peak_rss(reset: bool = False) -> int:
    """Peak resident memory of this (worker) process in bytes, since it started or since the
    last ``reset=True`` (Linux: VmHWM, which ``/proc/self/clear_refs`` resets)."""
    try:
        if reset:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _worker_state(dask_worker, reset: bool = False) -> dict:
    """What a worker reports before and after a run: its process id (a new one means it was
    restarted), its memory limit, peak memory and the bytes it has spilled to disk."""
    import scipy.ndimage  # noqa: F401  (warm up: the first task should not pay the imports)
    import dask_image.ndfilters  # noqa: F401

    digests = getattr(dask_worker, "digests_total", {})
    spilled = sum(v for k, v in digests.items()
                  if isinstance(k, tuple) and "disk-write" in k and "bytes" in k)
    return {"pid": os.getpid(), "peak_rss": _peak_rss(reset),
            "memory_limit": dask_worker.memory_manager.memory_limit,
            "spilled": int(spilled)}


def _worker_memory(dask_scheduler) -> dict:
    """Process memory of every worker, as the scheduler last heard it (bytes)."""
    return {ws.address: ws.memory.process for ws in dask_scheduler.workers.values()}


def run(c, shape, chunks=64, seed: int = SEED, noise: float = NOISE,
        n_workers: int | None = None, sample_every: float = 0.25) -> dict:
    """Generate, filter, threshold, label and measure the foam on the cluster of client ``c``
    (``client.compute`` of :func:`foam_pore_table`), on all its workers or on the first
    ``n_workers`` of them.

    Returns the table and what the run cost: wall time, the per-worker memory limit, the peak
    memory of the busiest worker, bytes spilled to disk, each worker's memory over time, and
    whether any worker was replaced (died or was restarted) during the run."""
    import threading

    addresses = sorted(c.scheduler_info(n_workers=-1)["workers"])
    used = addresses[:n_workers] if n_workers else addresses
    before = c.run(_worker_state, reset=True, workers=used, on_error="raise")
    lazy = foam_pore_table(shape, chunks, seed, noise)
    samples, stop = [], threading.Event()

    def sample():
        t0 = time.perf_counter()
        while not stop.is_set():
            memory = c.run_on_scheduler(_worker_memory)
            samples.append({"time": time.perf_counter() - t0,
                            **{a: m for a, m in memory.items() if a in used}})
            stop.wait(sample_every)

    sampler = threading.Thread(target=sample, daemon=True)
    start = time.perf_counter()
    sampler.start()
    try:
        table = c.compute(lazy, workers=used, allow_other_workers=False).result()
        seconds = time.perf_counter() - start
    finally:
        stop.set()
        sampler.join()
    after = c.run(_worker_state, workers=used, on_error="raise")
    limits = [s["memory_limit"] for s in after.values()]
    return {"table": table, "seconds": seconds, "n_workers": len(after), "shape": tuple(shape),
            "volume_bytes": int(np.prod(shape)) * np.dtype(np.float32).itemsize,
            "memory_limit": min(limits) if all(limits) else None,
            "peak_worker_memory": max(s["peak_rss"] for s in after.values()),
            "spilled": sum(s["spilled"] - before.get(a, {}).get("spilled", 0)
                           for a, s in after.items()),
            "memory_over_time": pd.DataFrame(samples).set_index("time"),
            "workers_replaced": {a: s["pid"] for a, s in before.items()}
            != {a: s["pid"] for a, s in after.items()}}


def run_summary(runs: dict, seed: int = SEED) -> pd.DataFrame:
    """One row per run of :func:`run`: workers, time, speed-up against the first run, memory
    (peak of the busiest worker, the limit, the volume in units of the limit), bytes spilled,
    pores found against the true number, and whether a worker was replaced."""
    first = next(iter(runs.values()))
    rows = []
    for r in runs.values():
        shape = r["shape"] if "shape" in r else None
        rows.append({
            "workers": r["n_workers"], "time (s)": r["seconds"],
            "speed-up": first["seconds"] / r["seconds"],
            "peak worker memory (MiB)": r["peak_worker_memory"] / 2**20,
            "memory limit (MiB)": (r["memory_limit"] or np.nan) / 2**20,
            "volume / limit": r["volume_bytes"] / (r["memory_limit"] or np.nan),
            "spilled (MiB)": r["spilled"] / 2**20,
            "pores found": len(r["table"]),
            "true pores": len(true_pores(shape, seed)) if shape is not None else np.nan,
            "worker replaced": r["workers_replaced"]})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# Timing and speed-up (the lecture's small helpers)
# --------------------------------------------------------------------------------------------
def best_time(func, repeat: int = 3) -> float:
    """The fastest of ``repeat`` runs of ``func()``, in seconds: the run least disturbed by
    other programs on the machine."""
    import time

    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def amdahl(p, s):
    """Amdahl's speed-up on ``p`` workers when a fraction ``s`` of the work is serial:
    ``1 / (s + (1 - s) / p)``."""
    return 1 / (s + (1 - s) / np.asarray(p, dtype=float))
