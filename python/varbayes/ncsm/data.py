"""Reading NCSM result tables: E(Nmax, hw) from text/CSV tables and MFDn v14 ``.res`` files.

Every loader returns an :class:`NCSMTable` whose rows are sorted by (Nmax, hw). Problems in a file
raise :class:`NCSMDataError` (a ``ValueError``) whose message starts with ``path:line:`` so the
offending line can be opened directly.
"""

from __future__ import annotations

import glob
import math
import operator
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .._checks import is_int

__all__ = ["NCSMDataError", "NCSMTable", "load_table"]

PathLike = str | os.PathLike[str]
ColumnSpec = int | str | None

# Element symbols up to Z = 20 cover the light nuclei NCSM is used for.
_ELEMENTS = "n H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca".split()

# Header aliases, compared after _normalize_name (case, punctuation and units in brackets removed).
_NMAX_ALIASES = ("nmax",)
_HW_ALIASES = ("hw", "hbaromega", "ho", "homega", "hbarw", "hwmev")
# Ordered by preference: a header with both "Egs" and "E" uses "Egs".
_ENERGY_ALIASES = (
    "energy",
    "egs",
    "ebind",
    "eabs",
    "etot",
    "e",
    "eb",
    "bindingenergy",
    "groundstateenergy",
    "value",
)
_INTERACTIONS = re.compile(
    r"(?<![A-Za-z0-9])(kvnn\d+|JISP\d+|Daejeon\d+|N\d?LO[A-Za-z0-9]*|NNLO[A-Za-z0-9]*|AV\d+|CDBonn"
    r"|Idaho[A-Za-z0-9]*|EM\d[A-Za-z0-9]*)"
    r"(?:[_-](srg\d+(?:\.\d+)?))?",
    re.IGNORECASE,
)
_QUANTITIES = {"energy": "energy", "radius": "radius", "rms": "radius", "radii": "radius"}
# NCSM bases stop at Nmax ~20 for A > 4 and at a few hundred for two- and three-body Jacobi bases;
# a larger Nmax is a misread column or a typo, not a basis truncation.
NMAX_LIMIT = 10_000


class NCSMDataError(ValueError):
    """A malformed NCSM data file; ``path`` and ``line`` (1-based) locate the problem."""

    def __init__(self, path: PathLike, line: int, message: str) -> None:
        self.path = str(path)
        self.line = line
        super().__init__(f"{self.path}:{line}: {message}")


@dataclass(frozen=True, eq=False)
class NCSMTable:
    """NCSM results E(Nmax, hw), one row per (Nmax, hw) point, sorted by (Nmax, hw).

    ``energy`` is the tabulated quantity (usually the ground-state energy in MeV, but a radius
    table loads the same way; ``quantity`` says which). The arrays are read-only copies.
    """

    nmax: np.ndarray
    hw: np.ndarray
    energy: np.ndarray
    source: str = ""
    nucleus: str | None = None
    interaction: str | None = None
    quantity: str | None = None

    def __post_init__(self) -> None:
        nmax = np.asarray(self.nmax)
        hw = np.asarray(self.hw, dtype=np.float64)
        energy = np.asarray(self.energy, dtype=np.float64)
        if nmax.ndim != 1 or nmax.shape != hw.shape or nmax.shape != energy.shape:
            raise ValueError(
                f"nmax, hw and energy must be 1-D of equal length, got shapes "
                f"{nmax.shape}, {hw.shape}, {energy.shape}"
            )
        if nmax.size and not np.array_equal(nmax, np.round(nmax)):
            raise ValueError("nmax must hold integers")
        nmax = nmax.astype(np.int64)
        order = np.lexsort((hw, nmax))
        for name, values in (("nmax", nmax), ("hw", hw), ("energy", energy)):
            values = values[order]
            values.flags.writeable = False
            object.__setattr__(self, name, values)

    def __len__(self) -> int:
        return int(self.nmax.size)

    def nmax_values(self) -> np.ndarray:
        """Distinct Nmax values, ascending."""
        return np.unique(self.nmax)

    def hw_values(self) -> np.ndarray:
        """Distinct hw values, ascending."""
        return np.unique(self.hw)

    def subset(
        self,
        nmax_max: int | None = None,
        nmax: Sequence[int] | None = None,
        hw_range: tuple[float, float] | None = None,
    ) -> NCSMTable:
        """Rows with Nmax <= ``nmax_max``, Nmax in ``nmax`` and ``hw_range[0] <= hw <= hw_range[1]``."""
        keep = np.ones(len(self), dtype=bool)
        if nmax_max is not None:
            keep &= self.nmax <= nmax_max
        if nmax is not None:
            keep &= np.isin(self.nmax, np.asarray(nmax, dtype=np.int64))
        if hw_range is not None:
            lo, hi = hw_range
            keep &= (self.hw >= lo) & (self.hw <= hi)
        return NCSMTable(
            self.nmax[keep],
            self.hw[keep],
            self.energy[keep],
            self.source,
            self.nucleus,
            self.interaction,
            self.quantity,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict of plain lists and strings."""
        return {
            "nmax": self.nmax.tolist(),
            "hw": self.hw.tolist(),
            "energy": self.energy.tolist(),
            "source": self.source,
            "nucleus": self.nucleus,
            "interaction": self.interaction,
            "quantity": self.quantity,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> NCSMTable:
        """Inverse of :meth:`to_dict`."""
        return cls(
            np.asarray(d["nmax"], dtype=np.int64),
            np.asarray(d["hw"], dtype=np.float64),
            np.asarray(d["energy"], dtype=np.float64),
            d.get("source", ""),
            d.get("nucleus"),
            d.get("interaction"),
            d.get("quantity"),
        )


@dataclass(frozen=True)
class _Point:
    """One parsed (Nmax, hw, value) row and where it came from, for error messages."""

    nmax: float
    hw: float
    energy: float
    path: str
    line: int


def load_table(
    path: PathLike | Sequence[PathLike],
    nmax_col: ColumnSpec = None,
    hw_col: ColumnSpec = None,
    energy_col: ColumnSpec = None,
    *,
    min_nmax_values: int = 2,
) -> NCSMTable:
    """Load NCSM results from a text/CSV table or from MFDn ``.res`` files.

    Parameters
    ----------
    path
        A whitespace/comma/semicolon separated table (``#`` starts a comment), with or without a
        header line; without a header the columns are ``Nmax hw value``. Or MFDn v14 ``.res``
        output: a single file, a directory (all ``*.res`` in it), a glob pattern or a list of
        files; each gives one point, the ``Eabs`` of ``Seq 1`` in the static summary.
    nmax_col, hw_col, energy_col
        Column by header name (case-insensitive) or 0-based index. By default found from the
        header by common aliases (``Nmax``; ``hw``/``hbar_omega``; ``E``/``Ebind``/``Egs``...); when
        no energy alias matches and exactly one other column remains, that column is used.
    min_nmax_values
        Fewest distinct Nmax accepted; extrapolation needs two, pass 1 to inspect a single run.

    Raises
    ------
    FileNotFoundError
        A path, directory or pattern that matches no file.
    NCSMDataError
        A ``ValueError`` naming file and line: non-numeric or non-finite value, wrong number of
        fields, missing column, one column given for two quantities, duplicate (Nmax, hw), Nmax not
        a non-negative integer or above 10000, even and odd Nmax mixed, hw <= 0, no data rows,
        fewer than ``min_nmax_values`` distinct Nmax.
    TypeError
        A column given as neither a name nor an integer index (e.g. ``3.0`` or ``True``).
    """
    res_files = _res_files(path)
    if res_files is not None:
        if any(c is not None for c in (nmax_col, hw_col, energy_col)):
            raise ValueError("nmax_col, hw_col and energy_col apply to text tables, not MFDn .res files")
        points = [_read_res(f) for f in res_files]
        source = str(path) if isinstance(path, (str, os.PathLike)) else os.pathsep.join(map(str, path))
        meta = _infer_res_metadata(res_files)
    else:
        file = Path(path)  # type: ignore[arg-type]
        if not file.is_file():
            raise FileNotFoundError(f"NCSM data file not found: {file}")
        points, column_name = _read_text_table(file, nmax_col, hw_col, energy_col)
        source = str(file)
        meta = _infer_metadata_from_name(file.name)
        if meta["quantity"] is None and column_name is not None:
            meta["quantity"] = column_name
    _validate_points(points, min_nmax_values)
    return NCSMTable(
        np.array([p.nmax for p in points], dtype=np.int64),
        np.array([p.hw for p in points]),
        np.array([p.energy for p in points]),
        source,
        **meta,
    )


# --- text tables -----------------------------------------------------------------------------


def _read_text_table(
    file: Path, nmax_col: ColumnSpec, hw_col: ColumnSpec, energy_col: ColumnSpec
) -> tuple[list[_Point], str | None]:
    """Parse a table; returns the points and the header name of the value column (if any)."""
    rows: list[tuple[int, list[str]]] = []
    delimiter: str | None = None
    # Undecodable bytes become U+FFFD and then a non-numeric-field error with its line number;
    # utf-8-sig drops the byte order mark some Windows editors write before the first field.
    with open(file, encoding="utf-8-sig", errors="replace") as fh:
        text_lines = fh.read().splitlines()
    for lineno, raw in enumerate(text_lines, start=1):
        content = raw.split("#", 1)[0].strip()
        if not content:
            continue
        if delimiter is None:
            # The first content line decides the separator for the whole file.
            delimiter = ";" if ";" in content else "," if "," in content else ""
        fields = [f.strip() for f in content.split(delimiter)] if delimiter else content.split()
        rows.append((lineno, fields))
    if not rows:
        raise NCSMDataError(file, max(len(text_lines), 1), "no data rows (empty file or only comments)")

    header: list[str] | None = None
    header_line = rows[0][0]
    if not any(_is_number(f) for f in rows[0][1]):
        header = rows[0][1]
        rows = rows[1:]
        if not rows:
            raise NCSMDataError(file, header_line, "no data rows after the header line")

    n_fields = len(header) if header is not None else len(rows[0][1])
    first_line = rows[0][0]
    cols = _resolve_columns(file, header, header_line, n_fields, nmax_col, hw_col, energy_col)
    roles = ("nmax_col", "hw_col", "energy_col")
    for i, j in ((0, 1), (0, 2), (1, 2)):
        if cols[i] == cols[j]:
            raise NCSMDataError(
                file,
                header_line,
                f"{roles[i]} and {roles[j]} select the same column {cols[i]}; "
                "each quantity needs its own column",
            )

    points = []
    for lineno, fields in rows:
        if len(fields) != n_fields:
            reference = f"the header on line {header_line}" if header is not None else f"line {first_line}"
            raise NCSMDataError(
                file, lineno, f"expected {n_fields} fields as in {reference}, found {len(fields)}"
            )
        values = []
        for role, col in zip(("Nmax", "hw", "value"), cols, strict=True):
            try:
                values.append(float(fields[col]))
            except ValueError:
                raise NCSMDataError(
                    file, lineno, f"non-numeric {role} field {fields[col]!r} in column {col}"
                ) from None
        points.append(_Point(values[0], values[1], values[2], str(file), lineno))
    value_name = header[cols[2]] if header is not None else None
    return points, value_name


def _resolve_columns(
    file: Path,
    header: list[str] | None,
    header_line: int,
    n_fields: int,
    nmax_col: ColumnSpec,
    hw_col: ColumnSpec,
    energy_col: ColumnSpec,
) -> tuple[int, int, int]:
    """0-based indices of the Nmax, hw and value columns."""
    nmax_col, hw_col, energy_col = (
        _column_spec(name, spec)
        for name, spec in (("nmax_col", nmax_col), ("hw_col", hw_col), ("energy_col", energy_col))
    )
    found = ", ".join(header) if header is not None else f"{n_fields} unnamed (no header line)"

    def by_index(role: str, col: int) -> int:
        if not -n_fields <= col < n_fields:
            raise NCSMDataError(
                file, header_line, f"{role} column {col} out of range; columns found: {found}"
            )
        return col % n_fields

    if header is None:
        if any(isinstance(c, str) for c in (nmax_col, hw_col, energy_col)):
            raise NCSMDataError(file, header_line, "columns given by name but the file has no header line")
        # MFDn scan files: Nmax hw value.
        return (
            by_index("Nmax", 0 if nmax_col is None else int(nmax_col)),
            by_index("hw", 1 if hw_col is None else int(hw_col)),
            by_index("value", 2 if energy_col is None else int(energy_col)),
        )

    normalized = [_normalize_name(h) for h in header]

    def find(role: str, spec: ColumnSpec, aliases: Sequence[str]) -> int | None:
        if isinstance(spec, int):
            return by_index(role, spec)
        if isinstance(spec, str):
            exact = [i for i, h in enumerate(header) if h.lower() == spec.lower()]
            loose = [i for i, h in enumerate(normalized) if h == _normalize_name(spec)]
            if not exact and not loose:
                raise NCSMDataError(file, header_line, f"no {role} column {spec!r}; columns found: {found}")
            return (exact or loose)[0]
        return next((normalized.index(a) for a in aliases if a in normalized), None)

    nmax_idx = find("Nmax", nmax_col, _NMAX_ALIASES)
    hw_idx = find("hw", hw_col, _HW_ALIASES)
    if nmax_idx is None or hw_idx is None:
        role = "Nmax" if nmax_idx is None else "hw"
        raise NCSMDataError(file, header_line, f"no {role} column in the header; columns found: {found}")
    energy_idx = find("energy", energy_col, _ENERGY_ALIASES)
    if energy_idx is None:
        rest = [i for i in range(n_fields) if i not in (nmax_idx, hw_idx)]
        if len(rest) != 1:
            raise NCSMDataError(
                file,
                header_line,
                f"no energy column in the header (pass energy_col=); columns found: {found}",
            )
        energy_idx = rest[0]
    return nmax_idx, hw_idx, energy_idx


def _column_spec(name: str, spec: object) -> ColumnSpec:
    """``spec`` with any integral index (``np.int64`` from an array, say) as an ``int``. A float or a
    bool is refused rather than truncated or mistaken for a header name."""
    if spec is None or isinstance(spec, str):
        return spec
    if not is_int(spec):
        raise TypeError(f"{name} must be a header name or a 0-based integer index, got {spec!r}")
    return operator.index(spec)


def _normalize_name(name: str) -> str:
    """'hbar*Omega [MeV]' -> 'hbaromega': lower case, units in brackets and punctuation removed."""
    name = re.sub(r"[\(\[].*?[\)\]]", "", name.lower())
    return re.sub(r"[^a-z0-9]", "", name)


def _is_number(field: str) -> bool:
    try:
        float(field)
    except ValueError:
        return False
    return True


# --- MFDn .res files -------------------------------------------------------------------------


def _res_files(path: PathLike | Sequence[PathLike]) -> list[Path] | None:
    """The ``.res`` files ``path`` designates, or None when it is a single text table."""
    if isinstance(path, (str, os.PathLike)):
        p = Path(path)
        if p.is_dir():
            # A subdirectory named like a run (x.res) is not a result.
            files = sorted(f for f in p.glob("*.res") if f.is_file())
            if not files:
                raise FileNotFoundError(f"no MFDn .res files in directory {p}")
            return files
        if not p.exists() and re.search(r"[*?[]", str(path)):
            files = sorted(Path(f) for f in glob.glob(str(path)) if os.path.isfile(f))
            if not files:
                raise FileNotFoundError(f"no files match the pattern {path}")
        elif p.suffix == ".res":
            files = [p]
        else:
            return None
    else:
        files = [Path(f) for f in path]
        if not files:
            raise FileNotFoundError("empty list of MFDn .res files")
    for f in files:
        if f.suffix != ".res":
            raise ValueError(f"{f}: lists, directories and patterns must name MFDn .res files")
        if f.is_dir():
            raise ValueError(f"{f}: a directory, not an MFDn .res file")
        if not f.is_file():
            raise FileNotFoundError(f"MFDn .res file not found: {f}")
    return files


def _read_res(file: Path) -> _Point:
    """Ground state (Seq 1 of the first static summary) of one MFDn v14 results file."""
    with open(file, encoding="utf-8", errors="replace") as fh:
        lines = fh.read().splitlines()
    nmax: float | None = None
    hw: float | None = None
    summary_line: int | None = None
    for lineno, line in enumerate(lines, start=1):
        if nmax is None and (
            m := re.search(r"Number of HO quanta above minimal conf\s+\d+\s+to\s+(\d+)", line)
        ):
            nmax = float(m.group(1))
        if hw is None and (m := re.search(r"(?i)\b(?:hw|hbar\s*\*?\s*omega)\s*[=:]\s*([0-9.]+)", line)):
            try:
                hw = float(m.group(1))
            except ValueError:
                raise NCSMDataError(file, lineno, f"non-numeric hw {m.group(1)!r}") from None
        if "Summary of static properties" in line:
            summary_line = lineno
            break
    if summary_line is None:
        raise NCSMDataError(file, len(lines), "no 'Summary of static properties' block")
    energy, energy_line = _res_ground_state(file, lines, summary_line)

    # MFDn run names encode the parameters, e.g. ...-hw20.000-...-Nmax10-...
    if hw is None and (m := re.search(r"(?<![A-Za-z])hw(\d+(?:\.\d*)?)", file.name)):
        hw = float(m.group(1))
    if nmax is None and (m := re.search(r"Nmax(\d+)", file.name)):
        nmax = float(m.group(1))
    if hw is None or nmax is None:
        missing = "hw" if hw is None else "Nmax"
        raise NCSMDataError(file, summary_line, f"{missing} found neither in the file nor in its name")
    return _Point(nmax, hw, energy, str(file), energy_line)


def _res_ground_state(file: Path, lines: list[str], summary_line: int) -> tuple[float, int]:
    """Eabs of Seq 1 in the table that follows the summary header; the column layout varies by
    MFDn variant (with or without p/n columns), so Eabs is located through the ``Seq`` header."""
    eabs_col: int | None = None
    header_line = summary_line
    for lineno in range(summary_line + 1, len(lines) + 1):
        tokens = lines[lineno - 1].split()
        if eabs_col is None:
            if tokens[:1] == ["Seq"]:
                if "Eabs" not in tokens:
                    raise NCSMDataError(file, lineno, "static summary header has no 'Eabs' column")
                eabs_col, header_line = tokens.index("Eabs"), lineno
            continue
        if tokens[:1] != ["1"]:
            break
        if len(tokens) <= eabs_col:
            raise NCSMDataError(file, lineno, f"Seq 1 row has {len(tokens)} fields, Eabs is field {eabs_col}")
        try:
            energy = float(tokens[eabs_col])
        except ValueError:
            raise NCSMDataError(file, lineno, f"non-numeric Eabs field {tokens[eabs_col]!r}") from None
        _check_seq1_row(file, lines, lineno, tokens, energy)
        return energy, lineno
    raise NCSMDataError(file, header_line, "no 'Seq 1' row in the static summary")


def _check_seq1_row(file: Path, lines: list[str], lineno: int, tokens: list[str], energy: float) -> None:
    """A field missing from the Seq 1 row shifts the next column (an occupation) into Eabs. MFDn
    prints all states of a block in one format, and the later blocks of the summary repeat Eabs,
    so a shorter row than Seq 2's or an Eabs those blocks contradict gives it away."""
    below = lines[lineno].split() if lineno < len(lines) else []
    if below[:1] == ["2"] and len(below) != len(tokens):
        raise NCSMDataError(
            file,
            lineno,
            f"Seq 1 row has {len(tokens)} fields but the Seq 2 row below has {len(below)}; "
            "a field is missing or extra",
        )
    eabs_col: int | None = None
    for later in range(lineno + 1, len(lines) + 1):
        fields = lines[later - 1].split()
        if fields[:1] == ["Seq"]:
            eabs_col = fields.index("Eabs") if "Eabs" in fields else None
        elif fields and not fields[0].isdigit():
            return  # end of the static summary
        elif fields[:1] == ["1"] and eabs_col is not None and len(fields) > eabs_col:
            # MFDn prints Eabs with three decimals in every block; the tolerance absorbs rounding.
            if not _is_number(fields[eabs_col]) or abs(float(fields[eabs_col]) - energy) > 1e-3:
                raise NCSMDataError(
                    file,
                    lineno,
                    f"Seq 1 Eabs {energy:g} disagrees with {fields[eabs_col]!r} on line {later}; "
                    "a field is missing from this row",
                )
            return


def _infer_res_metadata(files: list[Path]) -> dict[str, str | None]:
    """Metadata from the first file's content (proton/neutron numbers) and name."""
    meta = _infer_metadata_from_name(files[0].name)
    with open(files[0], encoding="utf-8", errors="replace") as fh:
        m = re.search(r"Number of protons \(and neutrons\)\s+(\d+)\s+(\d+)", fh.read())
    if m:
        meta["nucleus"] = _nucleus_name(int(m.group(1)), int(m.group(1)) + int(m.group(2)))
    meta["quantity"] = "energy"
    return meta


# --- metadata --------------------------------------------------------------------------------


def _infer_metadata_from_name(name: str) -> dict[str, str | None]:
    """Nucleus, interaction and quantity from names like ``He4_kvnn10_srg2.0.dat``."""
    stem = re.sub(r"\.(dat|txt|csv|tsv|res)$", "", name, flags=re.IGNORECASE)
    nucleus = None
    if m := re.search(r"(?<![A-Za-z])Z(\d+)[_-]N(\d+)(?!\d)", stem):
        nucleus = _nucleus_name(int(m.group(1)), int(m.group(1)) + int(m.group(2)))
    else:
        # Either He4 or 4He; the A >= Z check rejects false hits such as "N3" in "Z3-N3".
        for m in re.finditer(
            r"(?<![A-Za-z0-9])(?:([A-Z][a-z]?)(\d{1,3})|(\d{1,3})([A-Z][a-z]?))(?![a-z])", stem
        ):
            symbol, mass = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
            if symbol in _ELEMENTS and int(mass) >= _ELEMENTS.index(symbol):
                nucleus = f"{int(mass)}{symbol}"
                break
    interaction = None
    if m := _INTERACTIONS.search(stem):
        interaction = m.group(1) + (f"_{m.group(2)}" if m.group(2) else "")
    quantity = next(
        (q for word, q in _QUANTITIES.items() if re.search(rf"(?<![a-z]){word}(?![a-z])", stem.lower())), None
    )
    return {"nucleus": nucleus, "interaction": interaction, "quantity": quantity}


def _nucleus_name(z: int, a: int) -> str:
    return f"{a}{_ELEMENTS[z]}" if z < len(_ELEMENTS) else f"Z={z},A={a}"


# --- validation ------------------------------------------------------------------------------


def _validate_points(points: list[_Point], min_nmax_values: int) -> None:
    seen: dict[tuple[int, float], _Point] = {}
    for p in points:
        for role, value in (("Nmax", p.nmax), ("hw", p.hw), ("value", p.energy)):
            if not math.isfinite(value):
                raise NCSMDataError(p.path, p.line, f"non-finite {role} {value}")
        if p.nmax < 0 or p.nmax != round(p.nmax):
            raise NCSMDataError(p.path, p.line, f"Nmax must be a non-negative integer, got {p.nmax:g}")
        if p.nmax > NMAX_LIMIT:
            raise NCSMDataError(
                p.path, p.line, f"Nmax {p.nmax:g} is above {NMAX_LIMIT}: not a basis truncation"
            )
        if p.hw <= 0:
            raise NCSMDataError(p.path, p.line, f"hw must be positive, got {p.hw:g}")
        # The basis parity is fixed (even Nmax for natural parity, odd for unnatural), so mixed
        # parities mean another column was read as Nmax, e.g. behind a header written as a comment.
        if (p.nmax - points[0].nmax) % 2:
            raise NCSMDataError(
                p.path,
                p.line,
                f"Nmax {p.nmax:g} here but Nmax {points[0].nmax:g} on {_where(points[0], p)}: an NCSM "
                "table never mixes even and odd Nmax, so the Nmax column is probably wrong "
                "(is the header commented out? pass nmax_col=)",
            )
        key = (int(p.nmax), p.hw)
        if key in seen:
            raise NCSMDataError(
                p.path,
                p.line,
                f"duplicate point Nmax={key[0]}, hw={p.hw:g} (first given on {_where(seen[key], p)})",
            )
        seen[key] = p
    distinct = sorted({int(p.nmax) for p in points})
    if len(distinct) < min_nmax_values:
        first = points[0]
        raise NCSMDataError(
            first.path,
            first.line,
            f"{len(distinct)} distinct Nmax value(s) {distinct} from line {first.line} on; "
            f"at least {min_nmax_values} needed to extrapolate in Nmax",
        )


def _where(first: _Point, p: _Point) -> str:
    """Where ``first`` is, as seen from ``p``: the line alone when both are in one file."""
    return f"line {first.line}" if first.path == p.path else f"{first.path}:{first.line}"
