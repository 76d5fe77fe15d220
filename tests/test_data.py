"""qbi.data: deterministic, checksummed, and the ground truth agrees with the images."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from scipy import ndimage as ndi

from conftest import ROOT
from qbi import data, phantoms


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("QBI_DATA_DIR", str(tmp_path))
    return tmp_path


GENERATED = [n for n in data.names() if data.CATALOGUE[n].kind == "generated"]


@pytest.mark.parametrize("name", GENERATED)
def test_same_dataset_twice_is_the_same_bytes(name, cache):
    first = data.generate(name).read_bytes()
    second = data.generate(name).read_bytes()
    assert first == second
    again = data.CATALOGUE[name].loader()
    loaded = data.load(name)
    assert sorted(again) == sorted(loaded)
    for key in again:
        a = np.asarray(again[key])
        assert np.array_equal(a, loaded[key], equal_nan=a.dtype.kind in "fc"), key  # NaN: "no value"


@pytest.fixture
def offline(monkeypatch):
    """No network: every attempt to open a connection fails (and is recorded)."""
    import socket

    attempts = []

    def refuse(self, address, *args, **kwargs):
        attempts.append(address)
        raise OSError(f"network access refused in this test: {address}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", lambda address, *a, **k: refuse(None, address))
    return attempts


@pytest.mark.parametrize("name", data.names())
def test_every_dataset_loads_offline_and_is_documented(name, cache, offline):
    arrays = data.load(name)
    assert not offline, f"{name} tried to reach the network: {offline}"
    assert arrays and all(isinstance(v, np.ndarray) for v in arrays.values())
    info = data.info(name)
    assert info["description"] and info["source"] and info["ground_truth"]
    page = (ROOT / "book" / "data.md").read_text()
    assert f"`{name}`" in page, f"{name} is missing from the data catalogue page book/data.md"
    if info["kind"] == "generated":
        assert f"(seed {info['seed']})" in page


def test_corrupted_cache_file_is_detected_and_regenerated(cache, capsys):
    good = data.load("bone_slice")
    target = data.path("bone_slice")
    blob = bytearray(target.read_bytes())
    blob[len(blob) // 2] ^= 0xFF  # flip one byte in the middle
    target.write_bytes(bytes(blob))
    assert not data.verify("bone_slice")
    again = data.load("bone_slice")
    assert "does not match its checksum" in capsys.readouterr().err
    assert data.verify("bone_slice")
    assert np.array_equal(again["image"], good["image"])


def test_a_valid_file_with_other_contents_is_caught_by_its_checksum(cache, capsys):
    """A readable .npz whose image differs in one pixel: only the checksum can tell."""
    good = data.load("bone_slice")
    target = data.path("bone_slice")
    with np.load(target) as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays["image"] = arrays["image"].copy()
    arrays["image"][10, 10] ^= 0x55
    with open(target, "wb") as fh:
        np.savez(fh, **arrays)
    with np.load(target) as npz:            # the damaged file is a perfectly valid archive
        assert npz["image"][10, 10] != good["image"][10, 10]
    assert not data.verify("bone_slice")
    again = data.load("bone_slice")
    assert "does not match its checksum" in capsys.readouterr().err
    assert np.array_equal(again["image"], good["image"]) and data.verify("bone_slice")


def test_missing_checksum_or_truncated_file_is_regenerated(cache):
    data.load("wood_radiograph")
    target = data.path("wood_radiograph")
    target.write_bytes(target.read_bytes()[:1000])
    assert data.load("wood_radiograph")["image"].shape == (256, 320)
    (cache / "wood_radiograph.npz.sha256").unlink()
    assert data.load("wood_radiograph")["image"].shape == (256, 320)
    assert data.verify("wood_radiograph")


def test_unwritable_cache_gives_an_error_naming_the_file_and_the_fix(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("QBI_DATA_DIR", str(blocker))
    with pytest.raises(data.DataError) as err:
        data.load("bone_slice")
    assert "bone_slice.npz" in str(err.value) and "QBI_DATA_DIR" in str(err.value)


def test_unknown_name_lists_the_catalogue():
    with pytest.raises(KeyError, match="wood_radiograph"):
        data.load("no-such-dataset")


# --- ground truth agrees with the image ------------------------------------------------

def test_bone_lacuna_count_matches_label_image(cache):
    bone = data.load("bone_slice")
    labels = bone["lacunae"]
    n = int(bone["n_lacunae"])
    assert n == labels.max() == len(np.unique(labels)) - 1 == len(bone["centres"])
    # every lacuna is one connected object, separated from the others
    _, n_components = ndi.label(labels > 0)
    assert n_components == n
    # lacunae lie inside the bone and are darker than it in the image
    assert bone["bone_mask"][labels > 0].all()
    img = bone["image"].astype(float)
    assert img[labels > 0].mean() < img[bone["bone_mask"] & (labels == 0)].mean() - 50
    # the recorded centres are the label centroids (to within a pixel)
    centroids = np.array(ndi.center_of_mass(labels > 0, labels, range(1, n + 1)))
    assert np.abs(centroids - bone["centres"]).max() < 1.0


def test_bone_lacuna_areas_match_ellipse_axes(cache):
    bone = data.load("bone_slice")
    areas = np.bincount(bone["lacunae"].ravel())[1:]
    expected = np.pi * bone["axes"][:, 0] * bone["axes"][:, 1]
    # pixelised ellipses of a few pixels' radius: within 25 % of the analytic area
    assert np.all(np.abs(areas - expected) / expected < 0.25)


def test_wood_flat_field_recovers_true_transmission(cache):
    wood = data.load("wood_radiograph")
    img, ob, dc = (wood[k].astype(float) for k in ("image", "open_beam", "dark_current"))
    corrected = (img - dc) / (ob - dc)
    truth = wood["transmission"]
    # the material measured from the frames (Beer-Lambert on the flat-field corrected counts)
    # agrees with the stored mu where the block is thick enough to measure: no formula reused
    block = wood["thickness"] > 0.5
    mu_measured = -np.log(np.clip(corrected, 1e-3, None))[block] / wood["thickness"][block]
    relative = (mu_measured - wood["mu"][block]) / wood["mu"][block]
    assert np.median(np.abs(relative)) < 0.05 and abs(relative.mean()) < 0.01
    # Poisson noise of ~1000-4000 counts: relative error a few percent, no bias
    assert np.abs(corrected - truth).mean() < 0.03
    assert abs((corrected - truth).mean()) < 0.005
    # without correction the beam profile dominates: far worse
    naive = img / img.max()
    assert np.abs(naive - truth).mean() > 3 * np.abs(corrected - truth).mean()


def test_hyperspectral_cube_is_the_mixture_of_its_endmembers(cache):
    hs = data.load("hyperspectral_cube")
    assert np.allclose(hs["abundances"].sum(axis=-1), 1.0)
    model = hs["abundances"] @ hs["endmembers"]
    residual = hs["cube"] - model
    assert abs(residual.mean()) < 1e-3 and 0.008 < residual.std() < 0.012  # the added noise
    assert hs["cube"].shape == (64, 64, len(hs["wavelengths"]))


def test_foam_porosity_matches_its_mask(cache):
    foam = data.load("foam_volume")
    # measured independently of the generator's formula: every pore centre is a hole in the
    # solid, and the porosity is at most the pores' sphere volumes (less where pores overlap or
    # leave the volume)
    centres = np.round(foam["centres"]).astype(int)
    inside = np.all((centres >= 0) & (centres < foam["solid"].shape), axis=1)
    assert not foam["solid"][tuple(centres[inside].T)].any(), "a pore centre lies in the solid"
    spheres = float(np.sum(4 / 3 * np.pi * foam["radii"] ** 3)) / foam["solid"].size
    assert 0.8 * spheres < float(foam["porosity"]) <= spheres * 1.02
    # thresholding the smoothed volume at 0.5 recovers the porosity within 2 points
    est = 1 - (ndi.gaussian_filter(foam["volume"], 1) > 0.5).mean()
    assert abs(est - float(foam["porosity"])) < 0.02


def test_generators_depend_on_the_seed():
    a = phantoms.bone_slice(seed=2)["image"]
    b = phantoms.bone_slice(seed=3)["image"]
    assert not np.array_equal(a, b)


def test_cli_lists_and_generates(cache):
    out = subprocess.run([sys.executable, "-m", "qbi", "data", "list"], capture_output=True,
                         text=True, check=True).stdout
    for name in data.names():
        assert name in out
    gen = subprocess.run([sys.executable, "-m", "qbi", "data", "generate", "bone_slice"],
                         capture_output=True, text=True, check=True)
    assert "bone_slice.npz" in gen.stdout
    assert data.verify("bone_slice")


def test_shapes_masks_match_labels(cache):
    sh = data.load("shapes")
    assert np.bincount(sh["labels"]).tolist() == [200, 200, 200]
    areas = sh["masks"].sum(axis=(1, 2))
    assert (areas > 20).all()
    # the shape is brighter than its background in every image
    fg = np.array([im[m].mean() for im, m in zip(sh["images"], sh["masks"])])
    bg = np.array([im[~m].mean() for im, m in zip(sh["images"], sh["masks"])])
    assert (fg > bg + 0.2).all()
    # filled fraction of the bounding box: circle ~pi/4, square ~1 (rotated: less), triangle ~1/2
    fill = []
    for m in sh["masks"]:
        rows, cols = np.nonzero(m)
        fill.append(m.sum() / ((np.ptp(rows) + 1) * (np.ptp(cols) + 1)))
    fill = np.array(fill)
    circle, square, triangle = (fill[sh["labels"] == k] for k in range(3))
    assert abs(circle.mean() - np.pi / 4) < 0.05 and circle.min() > 0.65, "circles fill pi/4 of their box"
    assert abs(triangle.mean() - 0.5) < 0.05 and triangle.max() < 0.65, "triangles fill half their box"
    # rotated squares fill between half of their box (45 degrees) and all of it (0 degrees)
    assert square.min() > 0.45 and square.max() > 0.95 and square.mean() > triangle.mean() + 0.1


def test_test_pattern_is_clean_plus_stripes(cache):
    tp = data.load("test_pattern")
    assert tp["clean"].min() >= 0 and tp["clean"].max() <= 1
    diff = tp["striped"] - tp["clean"]
    inside = (tp["clean"] + tp["stripes"] > 0) & (tp["clean"] + tp["stripes"] < 1)
    assert np.allclose(diff[inside], tp["stripes"][inside], atol=1e-6)
    # the artefact is one spatial frequency along x: period 6 pixels
    spectrum = np.abs(np.fft.rfft(tp["stripes"].mean(axis=0)))
    assert np.argmax(spectrum) == round(tp["stripes"].shape[1] / 6)


def test_grains_ground_truth(cache):
    gr = data.load("grains")
    n = int(gr["n_grains"])
    assert n == 40 == len(np.unique(gr["labels"])) - 1 == len(gr["radii"])
    assert np.array_equal(gr["labels"] > 0, gr["mask"])
    # grains touch: far fewer connected components than grains (watershed is needed)
    assert ndi.label(gr["mask"])[1] < n / 2
    # each grain's area is close to its disk area (less where a neighbour took pixels)
    areas = np.bincount(gr["labels"].ravel())[1:]
    assert np.all(areas <= np.pi * gr["radii"] ** 2 * 1.05 + 10)
    assert np.median(areas / (np.pi * gr["radii"] ** 2)) > 0.85
    # uneven light: grains on the right are brighter than on the left; the even image is not
    even_l, even_r = gr["even"][:, :40][gr["mask"][:, :40]], gr["even"][:, -40:][gr["mask"][:, -40:]]
    assert abs(even_r.mean() - even_l.mean()) < 0.05
    left, right = gr["image"][:, :40], gr["image"][:, -40:]
    assert right[gr["mask"][:, -40:]].mean() > left[gr["mask"][:, :40]].mean() * 1.4


def test_textures_have_equal_means_and_all_classes(cache):
    tx = data.load("textures")
    means = [tx["image"][tx["labels"] == k].mean() for k in range(4)]
    assert set(np.unique(tx["labels"])) == {0, 1, 2, 3}
    assert np.ptp(means) < 0.02, means  # a threshold on grey value cannot separate them
    stds = [tx["image"][tx["labels"] == k].std() for k in range(4)]
    assert stds[0] < 0.5 * min(stds[1:])  # the smooth class is smooth
