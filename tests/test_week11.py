"""Week 11 (scaling up): the chunked foam phantom, the pipeline, and the cluster logic.

The last tests start a real dask cluster from the command line (``dask scheduler`` and two
``dask worker`` processes, all on 127.0.0.1), point ``DASK_SCHEDULER_ADDRESS`` at it, and check
that the lecture's pipeline runs there and gives the table it gives on local threads.  Every
process a test starts is stopped in the fixture's teardown, also when the test fails.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from scipy import ndimage as ndi

from qbi import bigdata

from conftest import CODE

ROOT = Path(__file__).resolve().parent.parent
DASK = Path(sys.executable).parent / "dask"
SHAPE = (64, 96, 96)


# --------------------------------------------------------------------------------------------
# The phantom and the pipeline, on local threads
# --------------------------------------------------------------------------------------------
def test_foam_does_not_depend_on_the_chunking():
    a = bigdata.foam(SHAPE, chunks=32).compute(scheduler="threads")
    b = bigdata.foam(SHAPE, chunks=(17, 50, 96)).compute(scheduler="threads")
    assert a.dtype == np.float32 and a.shape == SHAPE
    assert np.array_equal(a, b)


def test_true_pores_describe_the_truth_mask():
    truth = bigdata.foam(SHAPE, chunks=40, kind="truth").compute(scheduler="threads")
    table = bigdata.true_pores(SHAPE)
    labels, n = ndi.label(truth)
    assert n == len(table) > 20                    # separate spheres: one object per pore
    assert int(truth.sum()) == int(table["voxels"].sum())
    sizes = np.sort(np.bincount(labels.ravel())[1:])
    assert np.array_equal(sizes, np.sort(table["voxels"].to_numpy()))


@pytest.mark.parametrize("chunks", [32, (20, 50, 40)])
def test_pipeline_equals_scipy_in_memory_and_finds_every_pore(chunks):
    volume = bigdata.foam(SHAPE, chunks=chunks)
    table = bigdata.pore_table(volume).compute(scheduler="threads")
    labels, n = ndi.label(ndi.gaussian_filter(volume.compute(), bigdata.SIGMA)
                          < bigdata.THRESHOLD)
    assert len(table) == n
    assert np.array_equal(np.sort(table["voxels"].to_numpy()),
                          np.sort(np.bincount(labels.ravel())[1:]))
    centroids = np.array(ndi.center_of_mass(labels > 0, labels, range(1, n + 1)))
    order = np.lexsort(centroids.T[::-1])
    assert np.allclose(table[["z", "y", "x"]].to_numpy(), centroids[order], atol=1e-9)
    score = bigdata.compare_with_truth(table, SHAPE)
    assert score["n_found"] == score["n_true"] == score["found_once"]


def test_the_big_run_graph_gives_the_same_table_without_neighbour_chunks():
    chunks = (20, 50, 40)
    volume = bigdata.foam(SHAPE, chunks=chunks)
    assert np.array_equal(bigdata.segment_block([(0, 64), (0, 96), (0, 96)], SHAPE),
                          bigdata.segment(volume).compute(scheduler="threads"))
    fused = bigdata.foam_pore_table(SHAPE, chunks).compute(scheduler="threads")
    assert fused.equals(bigdata.pore_table(volume).compute(scheduler="threads"))
    graph = dict(bigdata.foam_pore_table(SHAPE, chunks).__dask_graph__())
    n_chunks = int(np.prod(volume.numblocks))
    assert len(graph) < 5 * n_chunks            # a task per chunk, its two outputs, faces, merge


def test_naive_per_chunk_labels_overcount_and_renumbering_check():
    mask = bigdata.segment(bigdata.foam(SHAPE, chunks=32)).persist(scheduler="threads")
    ref, n = ndi.label(mask.compute())
    naive = bigdata.naive_block_labels(mask).compute(scheduler="threads")
    assert len(np.unique(naive)) - 1 > n          # pores cut by a chunk face count twice
    assert not bigdata.same_up_to_renumbering(naive, ref)
    shuffled = np.where(ref > 0, np.random.default_rng(0).permutation(n + 1)[ref] + 1, 0)
    assert bigdata.same_up_to_renumbering(shuffled, ref)


def test_size_settings(monkeypatch):
    monkeypatch.delenv(bigdata.SIZE_ENV, raising=False)
    assert bigdata.size_settings()["size"] == "small"
    monkeypatch.setenv(bigdata.SIZE_ENV, "full")
    full = bigdata.size_settings()
    from dask.utils import parse_bytes

    assert np.prod(full["shape"]) * 4 >= 4 * parse_bytes(full["memory_limit"])
    monkeypatch.setenv(bigdata.SIZE_ENV, "huge")
    with pytest.raises(ValueError, match="QBI_BIGDATA_SIZE"):
        bigdata.size_settings()


# --------------------------------------------------------------------------------------------
# Processes: a LocalCluster that is closed, and an existing cluster started from the shell
# --------------------------------------------------------------------------------------------
def _children() -> set[int]:
    """Process ids of this process's descendants, except multiprocessing's resource tracker
    (Python starts one per interpreter with the first spawned process; it ends with it)."""
    import psutil

    pids = set()
    for p in psutil.Process().children(recursive=True):
        try:
            if "resource_tracker" not in " ".join(p.cmdline()):
                pids.add(p.pid)
        except psutil.Error:
            pass
    return pids


def _wait_gone(pids, timeout=30.0) -> set[int]:
    import psutil

    deadline = time.monotonic() + timeout
    alive = set(pids)
    while alive and time.monotonic() < deadline:
        alive = {p for p in alive if psutil.pid_exists(p)
                 and psutil.Process(p).status() != psutil.STATUS_ZOMBIE}
        time.sleep(0.2)
    return alive


@pytest.mark.cached_by(*CODE)  # slow: starts a cluster
def test_local_cluster_runs_the_pipeline_and_is_closed(monkeypatch):
    monkeypatch.delenv(bigdata.ADDRESS_ENV, raising=False)
    before = _children()
    with bigdata.client(n_workers=1, memory_limit="512MiB") as c:
        workers = c.scheduler_info()["workers"]
        assert len(workers) == 1
        assert all(a.startswith("tcp://127.0.0.1:") for a in workers)
        assert c.dashboard_link.startswith("http://127.0.0.1:")
        result = bigdata.run(c, SHAPE, chunks=32)
        started = _children() - before
    assert result["memory_limit"] == 512 * 2**20 and not result["workers_replaced"]
    assert result["peak_worker_memory"] < result["memory_limit"]
    local = bigdata.pore_table(bigdata.foam(SHAPE, chunks=32)).compute(scheduler="threads")
    assert result["table"].equals(local)
    assert started, "the LocalCluster should have started worker processes"
    assert not _wait_gone(started), "worker processes are still running after the block"


def _stop(procs):
    """Stop the processes a test started (and their children: each has its own session)."""
    for proc in procs:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    for proc in procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=10)


@pytest.fixture
def existing_cluster(tmp_path):
    """A scheduler and two single-threaded workers, started with the ``dask`` command line."""
    scheduler_file = tmp_path / "scheduler.json"
    logs = tmp_path / "logs"
    logs.mkdir()
    procs = []
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop(bigdata.ADDRESS_ENV, None)

    def start(name, *args):
        log = open(logs / f"{name}.log", "w")
        procs.append(subprocess.Popen([str(DASK), *args], stdout=log, stderr=subprocess.STDOUT,
                                      env=env, cwd=tmp_path, start_new_session=True))
        log.close()

    try:
        start("scheduler", "scheduler", "--host", "127.0.0.1", "--port", "0",
              "--dashboard-address", "127.0.0.1:0", "--scheduler-file", str(scheduler_file))
        deadline = time.monotonic() + 60
        while not scheduler_file.exists():
            assert procs[0].poll() is None, (logs / "scheduler.log").read_text()
            assert time.monotonic() < deadline, "the scheduler did not start within 60 s"
            time.sleep(0.2)
        for i in range(2):
            start(f"worker{i}", "worker", "--scheduler-file", str(scheduler_file),
                  "--host", "127.0.0.1", "--nworkers", "1", "--nthreads", "1",
                  "--memory-limit", "512MiB", "--no-dashboard", "--death-timeout", "60",
                  "--local-directory", str(tmp_path / f"worker{i}"))
        address = json.loads(scheduler_file.read_text())["address"]
        from distributed import Client

        with Client(address, timeout="60s") as c:       # ready: both workers registered
            c.wait_for_workers(2, timeout=120)
        yield address, procs
    finally:
        _stop(procs)


@pytest.mark.cached_by(*CODE)  # slow: starts a cluster
def test_the_same_code_runs_on_an_existing_cluster(existing_cluster, monkeypatch):
    address, procs = existing_cluster
    assert address.startswith("tcp://127.0.0.1:")
    monkeypatch.setenv(bigdata.ADDRESS_ENV, address)
    before = _children()
    # n_workers would start a LocalCluster; with the variable set it must connect instead
    with bigdata.client(n_workers=5, memory_limit="64MiB") as c:
        assert c.scheduler.address == address
        assert _children() <= before, "client() started processes instead of connecting"
        result = bigdata.run(c, SHAPE, chunks=32)
    assert result["n_workers"] == 2
    assert result["memory_limit"] == 512 * 2**20         # the workers' own limit
    assert not result["workers_replaced"]
    monkeypatch.delenv(bigdata.ADDRESS_ENV)
    local = bigdata.pore_table(bigdata.foam(SHAPE, chunks=32)).compute(scheduler="threads")
    assert result["table"].equals(local)
    assert all(p.poll() is None for p in procs), "the cluster must outlive the client"


@pytest.mark.cached_by(*CODE)  # slow: starts a cluster
def test_the_command_line_cluster_is_stopped(existing_cluster):
    import psutil

    address, procs = existing_cluster
    family = {p.pid for p in procs}
    for proc in procs:
        family |= {child.pid for child in psutil.Process(proc.pid).children(recursive=True)}
    assert len(family) >= 5          # scheduler, 2 x (nanny + worker process)
    _stop(procs)
    assert all(p.poll() is not None for p in procs)
    assert not _wait_gone(family), "some dask processes survived their process group"


def test_amdahl_and_best_time():
    assert np.allclose(bigdata.amdahl([1, 2, 16], 0.0), [1, 2, 16])      # no serial part
    assert np.isclose(bigdata.amdahl(16, 0.1), 1 / (0.1 + 0.9 / 16))
    assert bigdata.amdahl(10**9, 0.05) < 20                                # limit 1 / s
    calls = []
    assert bigdata.best_time(lambda: calls.append(1), repeat=4) >= 0 and len(calls) == 4
