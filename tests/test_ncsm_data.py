"""varbayes.ncsm data side: loaders (good and bad files), scaling, splits, densification, baseline."""

import dataclasses
import json
import math
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from varbayes.ncsm import (
    ExponentialFit,
    MinMaxScaler,
    NCSMDataError,
    NCSMTable,
    NotFittedError,
    converged_estimate,
    densify,
    exponential_baseline,
    fit_exponential,
    load_table,
    report,
    split,
    variational_minimum,
)


@pytest.fixture(scope="module")
def ncsm_dir() -> Path:
    """The NCSM tables shipped with the package (copies of ../shared/data/ncsm)."""
    return Path(report.__file__).parent / "tables"


@pytest.fixture(scope="module")
def he4(ncsm_dir: Path) -> NCSMTable:
    return load_table(ncsm_dir / "He4_kvnn10_srg2.0.dat")


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


# --- shipped tables ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "rows", "nmax", "n_hw", "nucleus", "interaction", "quantity"),
    [
        ("He4_kvnn10_srg2.0.dat", 162, [2, 4, 6, 8, 10, 12], 27, "4He", "kvnn10_srg2.0", "Ebind"),
        ("He3_JISP16_energy_Nmax2-10.dat", 125, [2, 4, 6, 8, 10], 25, "3He", "JISP16", "energy"),
        ("He3_JISP16_radius_Nmax2-10.dat", 125, [2, 4, 6, 8, 10], 25, "3He", "JISP16", "radius"),
        ("Li7_JISP16_energy.dat", 39, [2, 4, 6], 13, "7Li", "JISP16", "energy"),
        ("Li7_JISP16_radius.dat", 39, [2, 4, 6], 13, "7Li", "JISP16", "radius"),
    ],
)
def test_shipped_tables_load(ncsm_dir, name, rows, nmax, n_hw, nucleus, interaction, quantity):
    table = load_table(ncsm_dir / name)
    assert len(table) == rows
    assert table.nmax_values().tolist() == nmax
    assert table.hw_values().size == n_hw
    assert (table.nucleus, table.interaction, table.quantity) == (nucleus, interaction, quantity)
    assert table.nmax.dtype == np.int64 and table.energy.dtype == np.float64
    order = np.lexsort((table.hw, table.nmax))
    assert np.array_equal(order, np.arange(rows)), "rows must be sorted by (nmax, hw)"


def test_he4_columns_come_from_header(he4):
    # File order is hw-major: "01.00 02 0.835 ..." is hw 1, Nmax 2, Ebind 0.835.
    assert (he4.nmax[0], he4.hw[0], he4.energy[0]) == (2, 1.0, 0.835)
    at = (he4.nmax == 12) & (he4.hw == 24.0)
    assert he4.energy[at].tolist() == [-28.889]


def test_he3_log_mesh_values(ncsm_dir):
    table = load_table(ncsm_dir / "He3_JISP16_energy_Nmax2-10.dat")
    assert table.hw_values()[:3].tolist() == [5.0, 5.453, 5.946]
    assert table.energy[(table.nmax == 2) & (table.hw == 5.0)].tolist() == [0.685]


def test_table_is_read_only_and_dict_round_trips(he4):
    with pytest.raises(ValueError, match="read-only"):
        he4.energy[0] = 0.0
    back = NCSMTable.from_dict(json.loads(json.dumps(he4.to_dict())))
    for name in ("nmax", "hw", "energy"):
        np.testing.assert_array_equal(getattr(back, name), getattr(he4, name))
    assert (back.source, back.nucleus, back.interaction, back.quantity) == (
        he4.source,
        he4.nucleus,
        he4.interaction,
        he4.quantity,
    )


def test_subset(he4):
    cut = he4.subset(nmax_max=8, hw_range=(15, 34))
    assert cut.nmax.max() == 8 and cut.hw.min() >= 15 and cut.hw.max() <= 34
    assert len(cut) == 4 * 13  # hw 15..20 step 1, 22..34 step 2
    assert he4.subset(nmax=[10, 12]).nmax_values().tolist() == [10, 12]


# --- text variants -----------------------------------------------------------------------------

_EXPECTED = {"nmax": [2, 2, 4, 4], "hw": [10.0, 20.0, 10.0, 20.0], "energy": [-1.5, -2.0, -2.5, -3.0]}


@pytest.mark.parametrize(
    "text",
    [
        "2 10 -1.5\n2 20 -2.0\n4 10 -2.5\n4 20 -3.0\n",
        "# a comment line\n\n4 20 -3.0  # trailing comment\n2 10 -1.5\n4 10 -2.5\n2 20.0 -2.0\n",
        "hw E Nmax\n10 -1.5 2\n20 -2.0 2\n10 -2.5 4\n20 -3.0 4\n",
        "N_max,hbar_omega,Egs\n2,10,-1.5\n2,20,-2.0\n4,10,-2.5\n4,20,-3.0\n",
        "2; 10; -1.5\n2; 20; -2.0\n4; 10; -2.5\n4; 20; -3.0\n",
        "Nmax  hw[MeV]  rms  Eabs(MeV)\n2 10 9 -1.5\n2 20 9 -2.0\n4 10 9 -2.5\n4 20 9 -3.0\n",
        "nmax hO value\n02 10 -1.5\n02 20 -2.0\n04 10 -2.5\n04 20 -3.0\n",
    ],
    ids=["plain", "comments", "header-reordered", "csv-header", "semicolon", "units-extra-col", "aliases"],
)
def test_text_variants(tmp_path, text):
    table = load_table(write(tmp_path / "t.dat", text))
    assert {k: getattr(table, k).tolist() for k in _EXPECTED} == _EXPECTED


def test_explicit_columns(tmp_path):
    named = write(tmp_path / "named.csv", "a,b,c,d\n10,2,0,-1.5\n20,2,0,-2.0\n10,4,0,-2.5\n20,4,0,-3.0\n")
    for cols in (("B", "A", "d"), (1, 0, 3)):
        table = load_table(named, nmax_col=cols[0], hw_col=cols[1], energy_col=cols[2])
        assert table.energy.tolist() == _EXPECTED["energy"]
    bare = write(tmp_path / "bare.dat", "10 -1.5 2\n20 -2.0 2\n10 -2.5 4\n20 -3.0 4\n")
    assert load_table(bare, nmax_col=2, hw_col=0, energy_col=1).energy.tolist() == _EXPECTED["energy"]
    with pytest.raises(
        NCSMDataError, match=re.escape(f"{bare}:1: columns given by name but the file has no")
    ):
        load_table(bare, nmax_col="Nmax")
    with pytest.raises(NCSMDataError, match=re.escape(f"{bare}:1: value column 3 out of range")):
        load_table(bare, energy_col=3)
    with pytest.raises(
        NCSMDataError, match=re.escape(f"{named}:1: no energy column 'E'; columns found: a, b")
    ):
        load_table(named, nmax_col=1, hw_col=0, energy_col="E")


def test_column_index_types_and_clashes(ncsm_dir, tmp_path):
    he4_file = ncsm_dir / "He4_kvnn10_srg2.0.dat"
    rms_p = load_table(he4_file, energy_col=3).energy
    assert rms_p[0] == 7.028  # "01.00 02 0.835 7.028 ...": column 3 is rms-p, not the Ebind alias
    np.testing.assert_array_equal(load_table(he4_file, energy_col=np.int64(3)).energy, rms_p)
    for bad in (3.0, True):
        with pytest.raises(
            TypeError,
            match=re.escape(f"energy_col must be a header name or a 0-based integer index, got {bad!r}"),
        ):
            load_table(he4_file, energy_col=bad)
    bare = write(tmp_path / "bare.dat", _GOOD)
    with pytest.raises(TypeError, match="nmax_col must be"):
        load_table(bare, nmax_col=0.0)
    with pytest.raises(
        NCSMDataError,
        match=re.escape(f"{bare}:1: nmax_col and hw_col select the same column 0; each quantity"),
    ):
        load_table(bare, nmax_col=0, hw_col=0)
    # -3 is column 0 of three, the default Nmax column.
    with pytest.raises(
        NCSMDataError, match=re.escape(f"{bare}:1: nmax_col and energy_col select the same column 0")
    ):
        load_table(bare, energy_col=-3)
    with pytest.raises(
        NCSMDataError, match=re.escape(f"{he4_file}:1: hw_col and energy_col select the same column 0")
    ):
        load_table(he4_file, energy_col="hw")


def test_metadata_from_file_names(tmp_path):
    text = "2 10 -1\n4 10 -2\n"
    assert load_table(write(tmp_path / "6He_Daejeon16_Nmax2-4.dat", text)).nucleus == "6He"
    table = load_table(write(tmp_path / "O16_N3LO_energy.txt", text))
    assert (table.nucleus, table.interaction, table.quantity) == ("16O", "N3LO", "energy")
    assert load_table(write(tmp_path / "scan.dat", text)).nucleus is None


# --- MFDn .res files ---------------------------------------------------------------------------


def test_res_directory(ncsm_dir):
    table = load_table(ncsm_dir / "mfdn-res")
    assert (table.nucleus, table.interaction, table.quantity) == ("6Li", "JISP16", "energy")
    points = {
        (int(n), float(h)): float(e) for n, h, e in zip(table.nmax, table.hw, table.energy, strict=True)
    }
    assert points == {
        (2, 20.0): -19.292,
        (4, 20.0): -26.399,
        (6, 20.0): -29.826,
        (8, 20.0): -31.509,
        (10, 20.0): -32.361,
        (10, 10.0): -27.090,
    }


def test_res_single_file_glob_and_list(ncsm_dir):
    res = ncsm_dir / "mfdn-res"
    nmax2 = next(res.glob("*hw20.000*Nmax2-*.res"))
    single = load_table(nmax2, min_nmax_values=1)
    assert (single.nmax.tolist(), single.hw.tolist(), single.energy.tolist()) == ([2], [20.0], [-19.292])
    with pytest.raises(NCSMDataError, match=re.escape(str(nmax2)) + r":\d+: 1 distinct Nmax"):
        load_table(nmax2)
    # The run0228 files use the layout without p/n columns: "Seq J T Eabs ...".
    assert len(load_table(str(res / "run0228-*.res"), min_nmax_values=1)) == 2
    run0230 = sorted(res.glob("run0230-*.res"))
    assert load_table(run0230).nmax.tolist() == [2, 4, 6, 8]
    with pytest.raises(ValueError, match="apply to text tables"):
        load_table(run0230, energy_col=2)


def test_res_nmax_from_content_and_missing_hw(ncsm_dir, tmp_path):
    src = next((ncsm_dir / "mfdn-res").glob("*hw20.000*Nmax4-*.res"))
    renamed = tmp_path / "Z3-N3-JISP16-hw20.0-run.res"
    shutil.copy(src, renamed)
    table = load_table(renamed, min_nmax_values=1)
    assert (table.nmax.tolist(), table.hw.tolist(), table.energy.tolist()) == ([4], [20.0], [-26.399])
    nameless = tmp_path / "run.res"
    shutil.copy(src, nameless)
    with pytest.raises(NCSMDataError, match=re.escape(str(nameless)) + r":16: hw found neither"):
        load_table(nameless, min_nmax_values=1)


def test_res_duplicates_across_files(ncsm_dir, tmp_path):
    src = next((ncsm_dir / "mfdn-res").glob("*hw20.000*Nmax4-*.res"))
    for name in ("a-hw20-Nmax4.res", "b-hw20-Nmax4.res"):
        shutil.copy(src, tmp_path / name)
    with pytest.raises(NCSMDataError, match=r"b-hw20-Nmax4\.res:19: duplicate .*a-hw20-Nmax4\.res:19"):
        load_table(tmp_path)


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("MFDn\n Number of HO quanta above minimal conf  0  to  4\n", 2, "no 'Summary of static properties'"),
        (
            "  Summary of static properties\n\n  Seq  J  T  E\n    1  1.0  0.0  -3.0\n",
            3,
            "static summary header has no 'Eabs' column",
        ),
        ("  Summary of static properties\n  Seq  J  T  Eabs\n\n", 2, "no 'Seq 1' row"),
        ("  Summary of static properties\n  Seq  J  T  Eabs\n    1  1.0  0.0  ****\n", 3, "non-numeric Eabs"),
        (
            " hw = .\n  Summary of static properties\n  Seq  J  T  Eabs\n    1  1.0  0.0  -3.0\n",
            1,
            "non-numeric hw '.'",
        ),
        (
            "  Summary of static properties\n  Seq  J  T  Eabs  Occupation\n"
            "    1  1.0  0.0  1.9 1.0\n    2  3.0  0.0  -2.0  1.9 1.0\n",
            3,
            "Seq 1 row has 5 fields but the Seq 2 row below has 6",
        ),
        (
            "  Summary of static properties\n  Seq  J  T  Eabs  Occupation\n    1  1.0  0.0  1.9 1.0\n\n"
            "  Seq  J  T  Eabs  (amp(N))^2\n    1  1.0  0.0  -3.0  0.9\n",
            3,
            "Seq 1 Eabs 1.9 disagrees with '-3.0' on line 6",
        ),
    ],
    ids=[
        "no-summary",
        "no-eabs",
        "no-seq1",
        "non-numeric",
        "non-numeric-hw",
        "seq1-short",
        "seq1-eabs-shifted",
    ],
)
def test_bad_res_files(tmp_path, text, line, message):
    path = write(tmp_path / "x-hw20-Nmax4.res", text)
    with pytest.raises(NCSMDataError, match=re.escape(f"{path}:{line}: {message}")):
        load_table(path, min_nmax_values=1)


def test_res_seq1_row_missing_eabs(ncsm_dir, tmp_path):
    src = next((ncsm_dir / "mfdn-res").glob("*hw20.000*Nmax4-*.res"))
    lines = src.read_text().splitlines(keepends=True)
    assert lines[18].split()[:6] == ["1", "1.000", "0", "1", "0.000", "-26.399"]
    lines[18] = lines[18].replace("-26.399", "", 1)
    damaged = write(tmp_path / src.name, "".join(lines))
    with pytest.raises(
        NCSMDataError, match=re.escape(f"{damaged}:19: Seq 1 row has 17 fields but the Seq 2")
    ):
        load_table(damaged, min_nmax_values=1)
    # With Seq 1 the only state, the Eabs repeated in the next block gives the shift away.
    del lines[19:21], lines[23:25]
    single = write(tmp_path / src.name, "".join(lines))
    with pytest.raises(
        NCSMDataError, match=re.escape(f"{single}:19: Seq 1 Eabs 1.894 disagrees with '-26.399' on line 22")
    ):
        load_table(single, min_nmax_values=1)


def test_res_directories_named_like_runs_are_skipped(ncsm_dir, tmp_path):
    for src in sorted((ncsm_dir / "mfdn-res").glob("run0230-*Nmax[24]-*.res")):
        shutil.copy(src, tmp_path / src.name)
    (tmp_path / "x.res").mkdir()
    assert load_table(tmp_path).nmax.tolist() == [2, 4]
    assert load_table(str(tmp_path / "*.res")).nmax.tolist() == [2, 4]
    with pytest.raises(
        ValueError, match=re.escape(f"{tmp_path / 'x.res'}: a directory, not an MFDn .res file")
    ):
        load_table([*tmp_path.glob("run*.res"), tmp_path / "x.res"])


# --- bad text files: every class names the file and the line -----------------------------------

_GOOD = "2 10 -1.0\n2 20 -2.0\n4 10 -3.0\n"


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (_GOOD + "4 20 abc\n", 4, "non-numeric value field 'abc'"),
        ("hw Nmax E\n10 2 -1\n20 2 x2\n", 3, "non-numeric value field 'x2'"),
        (_GOOD + "4 20\n", 4, "expected 3 fields as in line 1, found 2"),
        ("Nmax hw E\n2 10 -1 5\n", 2, "expected 3 fields as in the header on line 1, found 4"),
        ("Nmax energy x y\n2 -1 0 0\n", 1, "no hw column in the header; columns found: Nmax, energy, x, y"),
        ("Nmax hw x y\n2 10 0 0\n", 1, "no energy column in the header (pass energy_col=); columns found"),
        (_GOOD + "4 20 nan\n", 4, "non-finite value nan"),
        (_GOOD + "4 inf -1\n", 4, "non-finite hw inf"),
        (_GOOD + "# again\n2 20.0 -5\n", 5, "duplicate point Nmax=2, hw=20 (first given on line 2)"),
        (_GOOD + "4.5 20 -1\n", 4, "Nmax must be a non-negative integer, got 4.5"),
        (_GOOD + "-2 30 -1\n", 4, "Nmax must be a non-negative integer, got -2"),
        ("Nmax hw E\n2 20 -5\n1e20 20 -7\n", 3, "Nmax 1e+20 is above 10000: not a basis truncation"),
        (_GOOD + "3 20 -1\n", 4, "Nmax 3 here but Nmax 2 on line 1: an NCSM table never mixes even and odd"),
        (_GOOD + "4 0 -1\n", 4, "hw must be positive, got 0"),
        (_GOOD + "4 -5 -1\n", 4, "hw must be positive, got -5"),
        ("", 1, "no data rows"),
        ("# only\n\n# comments\n", 3, "no data rows"),
        ("Nmax hw E\n", 1, "no data rows after the header line"),
        ("# c\n4 10 -1\n4 20 -2\n", 2, "1 distinct Nmax value(s) [4]"),
    ],
    ids=[
        "non-numeric",
        "non-numeric-header",
        "too-few-fields",
        "too-many-fields",
        "missing-hw",
        "missing-energy",
        "nan",
        "inf",
        "duplicate",
        "fractional-nmax",
        "negative-nmax",
        "huge-nmax",
        "mixed-parity",
        "zero-hw",
        "negative-hw",
        "empty",
        "comments-only",
        "header-only",
        "one-nmax",
    ],
)
def test_bad_text_files_name_file_and_line(tmp_path, text, line, message):
    path = write(tmp_path / "bad.dat", text)
    with pytest.raises(NCSMDataError, match=re.escape(f"{path}:{line}: {message}")) as info:
        load_table(path)
    assert isinstance(info.value, ValueError)
    assert (info.value.path, info.value.line) == (str(path), line)


def test_header_written_as_comment(ncsm_dir, tmp_path):
    """With its header commented out He4's "hw Nmax ..." columns would load as Nmax, hw swapped."""
    text = (ncsm_dir / "He4_kvnn10_srg2.0.dat").read_text()
    assert text.startswith(" hw  Nmax Ebind")
    commented = write(tmp_path / "He4.dat", "#" + text)
    with pytest.raises(
        NCSMDataError, match=re.escape(f"{commented}:3: Nmax 2 here but Nmax 1 on line 2: ") + r".*nmax_col="
    ):
        load_table(commented)
    # Unnatural parity: all odd is fine.
    assert load_table(write(tmp_path / "odd.dat", "1 10 -1\n3 10 -2\n")).nmax.tolist() == [1, 3]


def test_byte_order_mark(tmp_path):
    path = tmp_path / "bom.dat"
    path.write_bytes(b"\xef\xbb\xbf" + _GOOD.encode())
    table = load_table(path)
    assert (table.nmax.tolist(), table.hw.tolist()) == ([2, 2, 4], [10.0, 20.0, 10.0])


def test_missing_paths(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.dat"):
        load_table(tmp_path / "nope.dat")
    with pytest.raises(FileNotFoundError, match="no MFDn .res files"):
        load_table(tmp_path)
    with pytest.raises(FileNotFoundError, match="no files match"):
        load_table(str(tmp_path / "*.res"))
    with pytest.raises(FileNotFoundError, match="gone.res"):
        load_table([tmp_path / "gone.res"])


# --- scaling -----------------------------------------------------------------------------------


def test_scaler_matches_sklearn_semantics():
    X = np.array([[2.0, 10.0, 5.0], [4.0, 30.0, 5.0], [8.0, 20.0, 5.0]])
    scaler = MinMaxScaler(feature_range=(-1.0, 1.0)).fit(X)
    np.testing.assert_array_equal(scaler.data_min_, [2.0, 10.0, 5.0])
    np.testing.assert_array_equal(scaler.data_max_, [8.0, 30.0, 5.0])
    # Constant third column: its range counts as 1 (no division by zero), mapped to the lower end.
    np.testing.assert_allclose(scaler.scale_, [2 / 6, 2 / 20, 2.0])
    np.testing.assert_allclose(scaler.min_, [-1 - 2 / 3, -2.0, -11.0])
    Z = scaler.transform(X)
    np.testing.assert_allclose(Z, [[-1, -1, -1], [-1 / 3, 1, -1], [1, 0, -1]])
    np.testing.assert_allclose(scaler.inverse_transform(Z), X)


def test_scaler_1d_round_trip_std_and_dict(he4):
    scaler = MinMaxScaler()
    z = scaler.fit_transform(he4.energy)
    assert z.shape == he4.energy.shape
    np.testing.assert_allclose([z.min(), z.max()], [0.0, 1.0], atol=1e-15)
    np.testing.assert_allclose(scaler.inverse_transform(z), he4.energy, rtol=0, atol=1e-12)
    span = he4.energy.max() - he4.energy.min()
    np.testing.assert_allclose(scaler.inverse_transform_std(np.array([0.1, 0.5])), [0.1 * span, 0.5 * span])
    back = MinMaxScaler.from_dict(json.loads(json.dumps(scaler.to_dict())))
    np.testing.assert_array_equal(back.transform(he4.energy), z)
    assert back.feature_range == scaler.feature_range


def test_scaler_errors():
    scaler = MinMaxScaler()
    assert not hasattr(scaler, "scale_")
    for call in (
        lambda: scaler.transform([1.0]),
        scaler.to_dict,
        lambda: scaler.inverse_transform_std([1.0]),
    ):
        with pytest.raises(NotFittedError, match="not fitted"):
            call()
    with pytest.raises(ValueError, match="min < max"):
        MinMaxScaler((1.0, 1.0))
    scaler.fit(np.ones((3, 2)))
    with pytest.raises(ValueError, match="fitted on 2 feature"):
        scaler.transform(np.ones((3, 3)))
    with pytest.raises(ValueError, match="NaN"):
        MinMaxScaler().fit([1.0, np.nan])


# --- splits: no leakage, reproducible ------------------------------------------------------------


@pytest.mark.parametrize("mode", ["random", "holdout_nmax"])
def test_split_never_uses_rows_above_train_nmax(he4, mode):
    s = split(he4, train_nmax_max=8, seed=3, mode=mode)
    used = np.concatenate([s.train, s.val, s.test])
    assert he4.nmax[used].max() <= 8
    assert np.array_equal(s.ignored, np.flatnonzero(he4.nmax > 8))
    assert np.array_equal(np.sort(np.concatenate([used, s.ignored])), np.arange(len(he4)))
    assert np.unique(he4.nmax[s.train]).size >= 2


@pytest.mark.parametrize("mode", ["random", "holdout_nmax"])
def test_split_and_scaler_same_on_cut_file(he4, tmp_path, mode):
    """Rows above the training Nmax change nothing: the cut file gives the same split and scalers."""
    cut = he4.subset(nmax_max=8)
    rows = "\n".join(f"{h} {n} {e}" for n, h, e in zip(cut.nmax, cut.hw, cut.energy, strict=True))
    cut_table = load_table(write(tmp_path / "cut.dat", "hw Nmax Ebind\n" + rows + "\n"))
    full, short = split(he4, 8, seed=7, mode=mode), split(cut_table, 8, seed=7, mode=mode)
    for part in ("train", "val", "test"):
        a, b = getattr(full, part), getattr(short, part)
        np.testing.assert_array_equal(he4.nmax[a], cut_table.nmax[b])
        np.testing.assert_array_equal(he4.hw[a], cut_table.hw[b])
    x_full = np.column_stack([he4.nmax[full.train], he4.hw[full.train]])
    x_cut = np.column_stack([cut_table.nmax[short.train], cut_table.hw[short.train]])
    assert MinMaxScaler().fit(x_full).to_dict() == MinMaxScaler().fit(x_cut).to_dict()
    assert MinMaxScaler().fit(x_full).data_max_[0] <= 8


def test_split_reproducible_and_sized(he4):
    a, b, c = (split(he4, 8, seed=s) for s in (1, 1, 2))
    for part in ("train", "val", "test"):
        np.testing.assert_array_equal(getattr(a, part), getattr(b, part))
    assert not np.array_equal(a.val, c.val)
    assert (a.train.size, a.val.size, a.test.size) == (76, 16, 16)  # 108 rows with Nmax <= 8


def test_split_holdout_nmax(he4):
    s = split(he4, 8, test_fraction=0.0, mode="holdout_nmax")
    assert set(he4.nmax[s.val]) == {8} and s.val.size == 27
    assert s.test.size == 0 and set(he4.nmax[s.train]) == {2, 4, 6}
    with pytest.raises(ValueError, match="at least two distinct Nmax"):
        split(he4, 4, mode="holdout_nmax")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"val_fraction": -0.1}, "val_fraction must be in"),
        ({"test_fraction": 1.0}, "test_fraction must be in"),
        ({"val_fraction": 0.6, "test_fraction": 0.4}, "must be < 1"),
        ({"mode": "kfold"}, "mode must be"),
        ({"train_nmax_max": 2}, "at least two distinct Nmax"),
    ],
)
def test_split_validates(he4, kwargs, message):
    args = {"train_nmax_max": 8, **kwargs}
    with pytest.raises(ValueError, match=message):
        split(he4, **args)


# --- densification -----------------------------------------------------------------------------


def test_densify_keeps_points_and_is_smooth():
    hw = np.geomspace(5.0, 40.0, 12)  # non-uniform mesh, like He3's
    nmax = np.repeat([2, 4], hw.size)
    hws = np.tile(hw, 2)

    def truth(n, h):
        return -10.0 + 0.01 * (h - 20.0) ** 2 + 5.0 * np.exp(-0.4 * n)

    n_out, hw_out, e_out = densify(nmax, hws, truth(nmax, hws), points_per_interval=3)
    assert n_out.size == nmax.size + 2 * 3 * (hw.size - 1)
    original = {(int(n), float(h)) for n, h in zip(nmax, hws, strict=True)}
    kept = np.array([(int(n), float(h)) in original for n, h in zip(n_out, hw_out, strict=True)])
    assert sum(kept) == nmax.size
    np.testing.assert_array_equal(e_out[kept], truth(nmax, hws))
    np.testing.assert_allclose(e_out, truth(n_out, hw_out), atol=1e-10)  # a parabola is exact
    assert np.all(np.diff(hw_out[n_out == 2]) > 0)


def test_densify_he3_and_short_series(ncsm_dir):
    he3 = load_table(ncsm_dir / "He3_JISP16_energy_Nmax2-10.dat")
    n, h, e = densify(he3.nmax, he3.hw, he3.energy)
    assert n.size == len(he3) + 5 * 4 * 24
    # Smooth: the interpolant stays between neighbouring data minima/maxima plus a small margin.
    at = n == 10
    assert e[at].min() > he3.energy[he3.nmax == 10].min() - 0.05
    # Nmax with fewer than four hw points pass through unchanged.
    n2, h2, e2 = densify([2, 2, 2, 4, 4, 4, 4], [10, 20, 30, 10, 20, 30, 40], [3, 2, 1, 4, 3, 2, 1.5], 1)
    assert (n2 == 2).sum() == 3 and (n2 == 4).sum() == 7
    assert densify(he3.nmax, he3.hw, he3.energy, 0)[0].size == len(he3)


# --- classic exponential baseline --------------------------------------------------------------


def _synthetic(nmax):
    return -28.3 + 12.0 * np.exp(-0.35 * np.asarray(nmax, dtype=float))


def test_fit_exponential_exact_on_three_points():
    fit = fit_exponential([2, 4, 6, 8], _synthetic([2, 4, 6, 8]))
    assert fit.valid and fit.message == "exact" and fit.nmax == (4, 6, 8)
    assert math.isclose(fit.e_inf, -28.3, abs_tol=1e-12)
    assert math.isclose(fit.a, 12.0, rel_tol=1e-10) and math.isclose(fit.c, 0.35, rel_tol=1e-12)
    np.testing.assert_allclose(fit.predict([10, 40]), _synthetic([10, 40]), atol=1e-12)


@pytest.mark.parametrize(("nmax", "n_points"), [([2, 4, 6, 8, 10], 5), ([4, 6, 10], 3)])
def test_fit_exponential_least_squares(nmax, n_points):
    fit = fit_exponential(nmax, _synthetic(nmax), n_points=n_points)
    assert fit.valid and fit.message.startswith("least squares")
    assert math.isclose(fit.e_inf, -28.3, abs_tol=1e-6)
    assert math.isclose(fit.c, 0.35, rel_tol=1e-6) and math.isclose(fit.a, 12.0, rel_tol=1e-5)


@pytest.mark.parametrize(
    ("energy", "message"),
    [
        ([-10.0, -12.0, -11.0], "non-monotone"),
        ([-10.0, -11.0, -13.0], "do not shrink"),
        ([-10.0, -11.0, -11.0], "equal values"),
    ],
)
def test_fit_exponential_flags_bad_sequences(energy, message):
    fit = fit_exponential([4, 6, 8], energy)
    assert not fit.valid and message in fit.message
    with pytest.raises(ValueError, match="invalid exponential fit"):
        fit.predict([10])


def test_fit_exponential_flags_non_converging_least_squares():
    fit = fit_exponential([2, 4, 6, 8], [-1.0, -3.0, -5.0, -7.0], n_points=4)
    assert isinstance(fit, ExponentialFit) and not fit.valid and "search bound" in fit.message


def test_he4_baseline_rmse(he4):
    """Issue 6 quotes 39 keV for fitting Nmax 4-8 and predicting Nmax 10, 12 at hw in [15, 34]."""
    result = exponential_baseline(he4, train_nmax_max=8, predict_nmax=[10, 12])
    assert result.n_points == 3 and all(f.nmax == (4, 6, 8) for f in result.fits)
    # At hw <= 4 MeV the differences grow with Nmax: flagged, not extrapolated.
    assert result.hw[~result.valid].tolist() == [1.0, 2.0, 3.0, 4.0]
    sel = (result.hw >= 15) & (result.hw <= 34)
    assert result.valid[sel].all()
    ref = he4.subset(nmax=[10, 12], hw_range=(15, 34))
    truth = np.array(
        [[ref.energy[(ref.hw == h) & (ref.nmax == n)][0] for n in (10, 12)] for h in result.hw[sel]]
    )
    errors = result.predictions[sel] - truth
    rmse = float(np.sqrt(np.mean(errors**2)))
    print(f"4He exponential baseline RMSE over {errors.size} points: {1000 * rmse:.1f} keV")
    assert errors.size == 26 and rmse < 0.1
    json.dumps(result.to_dict(), allow_nan=False)


def test_baseline_ignores_rows_above_train_nmax(he4):
    full = exponential_baseline(he4, 8, [10, 12])
    cut = exponential_baseline(he4.subset(nmax_max=8), 8, [10, 12])
    np.testing.assert_array_equal(full.predictions, cut.predictions)


def test_variational_minimum_and_converged_estimate(he4):
    nmax, hw, e = variational_minimum(he4.nmax, he4.hw, he4.energy)
    assert nmax.tolist() == [2, 4, 6, 8, 10, 12]
    assert (hw[-1], e[-1]) == (24.0, -28.889)  # ties with hw 26; the lowest hw is reported
    assert np.all(np.diff(e) < 0)
    result = exponential_baseline(he4, 8, [10, 12])
    assert result.variational_min_nmax == 8
    est = converged_estimate(result, hw_window=10.0)
    assert est.valid and est.hw == result.variational_min_hw == hw[nmax == 8][0]
    assert est.n_hw == 5 and est.e_inf_min <= est.e_inf <= est.e_inf_max
    assert math.isclose(est.spread, (est.e_inf_max - est.e_inf_min) / 2)
    assert abs(est.e_inf - e[-1]) < 0.1  # close to the best Nmax = 12 value
    json.dumps(est.to_dict(), allow_nan=False)
    # Only the non-converging hw <= 4 fits around the minimum: no estimate, flagged.
    low = dataclasses.replace(
        result,
        hw=result.hw[:4],
        fits=result.fits[:4],
        predictions=result.predictions[:4],
        variational_min_hw=2.0,
    )
    assert not converged_estimate(low).valid
