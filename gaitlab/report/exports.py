"""Exports for other tools: per-frame CSV, per-stride CSV, OpenSim ``.trc`` and ``.mot``.

``frames.csv``
    One row per frame: ``frame``, ``time_s``, ``pose_detected``, ``legs_swapped``, every
    angle series (degrees, the kinematics stage's names), then for each of the 33 landmarks
    ``<name>_x_px``, ``<name>_y_px`` (cleaned image landmarks, x right, y down) and
    ``<name>_visibility`` (raw). Missing values are empty cells.
``strides.csv``
    One row per stride: events and timing, then the per-stride value of every metric that
    has one for that stride (matched on side and foot-strike time).
``landmarks.trc``
    OpenSim marker file (``PathFileType 4``, tab-separated): the 33 MediaPipe *world*
    landmarks in metres, converted to OpenSim's axes (X = image right, Y = up, Z = toward
    the camera: ``(x, -y, -z)`` of MediaPipe's x right, y down, z away). They are centred on
    the mid-hip each frame, so the runner's travel is not in them. Frames without a pose
    are written as ``NaN``. ``DataRate`` is the rate measured from the timestamps; the
    ``Time`` column holds the real capture times (variable frame rate kept).
``angles.mot``
    OpenSim motion/storage file (``version=1``, ``inDegrees=yes``, ``endheader``) with a
    ``time`` column and every angle series in degrees (``NaN`` where not measurable).

Header layouts follow OpenSim's documentation of the TRC and MOT/STO formats; the tests read
the files back with OpenSim's own ``TRCFileAdapter``/``STOFileAdapter`` and with pandas.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from gaitlab.files import atomic_path, write_text_atomic
from gaitlab.landmarks import LANDMARK_NAMES
from gaitlab.report.data import ReportData

STRIDE_COLUMNS: tuple[str, ...] = (
    "stride", "side", "foot_strike_s", "toe_off_s", "next_foot_strike_s",
    "contralateral_foot_strike_s", "inferred", "stride_time_s", "contact_time_s",
    "flight_time_s", "duty_factor_pct",
)  # fmt: skip


def _cell(v: Any, fmt: str = ".6g") -> str:
    if v is None:
        return ""
    if isinstance(v, bool | np.bool_):
        return "1" if v else "0"
    if isinstance(v, float | np.floating):
        return format(float(v), fmt) if math.isfinite(v) else ""
    return str(v)


def write_frames_csv(data: ReportData, path: str | Path) -> Path:
    """Per-frame landmarks and angles (see the module doc)."""
    path = Path(path)
    angle_names = sorted(data.angles)
    header = ["frame", "time_s", "pose_detected", "legs_swapped", *angle_names]
    for name in LANDMARK_NAMES:
        header += [f"{name}_x_px", f"{name}_y_px", f"{name}_visibility"]
    xy = data.landmarks_px
    vis = data.series.visibility
    detected = data.series.detected
    with atomic_path(path) as tmp, open(tmp, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for i in range(data.series.n_frames):
            row = [str(i), _cell(float(data.time_s[i]), ".6f"), _cell(bool(detected[i])),
                   _cell(bool(data.swapped[i]))]  # fmt: skip
            row += [_cell(float(data.angles[a][i]), ".4f") for a in angle_names]
            for k in range(len(LANDMARK_NAMES)):
                row += [_cell(float(xy[i, k, 0]), ".3f"), _cell(float(xy[i, k, 1]), ".3f"),
                        _cell(float(vis[i, k]), ".4f")]  # fmt: skip
            w.writerow(row)
    return path


def stride_rows(data: ReportData) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the per-stride table."""
    metric_names = [n for n, m in data.metrics.items() if m.values and m.measurable]
    lookup: dict[str, dict[tuple[str, float], Any]] = {}
    for n in metric_names:
        lookup[n] = {(v.side, round(float(v.time_s), 6)): v.value for v in data.metrics[n].values}
    header = [*STRIDE_COLUMNS, *metric_names]
    rows = []
    for k, s in enumerate(data.strides):
        row = [str(k + 1), s.side]
        row += [_cell(getattr(s, c), ".4f") for c in STRIDE_COLUMNS[2:6]]
        row += [_cell(s.inferred)]
        row += [_cell(getattr(s, c), ".4f") for c in STRIDE_COLUMNS[7:]]
        key = (s.side, round(float(s.foot_strike_s), 6))
        row += [_cell(lookup[n].get(key), ".4f") for n in metric_names]
        rows.append(row)
    return header, rows


def write_strides_csv(data: ReportData, path: str | Path) -> Path:
    """Per-stride events, timing and metric values (see the module doc)."""
    path = Path(path)
    header, rows = stride_rows(data)
    with atomic_path(path) as tmp, open(tmp, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def _rate_hz(time_s: np.ndarray) -> float:
    return float(1.0 / np.median(np.diff(time_s))) if time_s.size > 1 else float("nan")


def _num(v: float, fmt: str) -> str:
    return format(v, fmt) if math.isfinite(v) else "NaN"


def opensim_markers_m(world_m: np.ndarray) -> np.ndarray:
    """MediaPipe world landmarks ``(n, 33, 3)`` -> OpenSim axes ``(x, -y, -z)`` in metres."""
    return world_m * np.array([1.0, -1.0, -1.0])


def write_trc(
    path: str | Path,
    time_s: np.ndarray,
    markers_m: np.ndarray,
    marker_names: Sequence[str] = LANDMARK_NAMES,
) -> Path:
    """Write an OpenSim ``.trc`` marker file.

    Parameters
    ----------
    path
        Output file.
    time_s : (n,) float
        Frame times.
    markers_m : (n, m, 3) float
        Marker positions in metres (NaN = missing).
    marker_names
        ``m`` names.
    """
    path = Path(path)
    n, m, _ = markers_m.shape
    if len(marker_names) != m or time_s.shape != (n,):
        raise ValueError(f"write_trc: {m} markers, {len(marker_names)} names, {time_s.shape} times")
    rate = _rate_hz(time_s)
    lines = [
        f"PathFileType\t4\t(X/Y/Z)\t{path.name}",
        "DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\tOrigDataRate\tOrigDataStartFrame"
        "\tOrigNumFrames",
        f"{rate:.6f}\t{rate:.6f}\t{n}\t{m}\tm\t{rate:.6f}\t1\t{n}",
        "Frame#\tTime\t" + "\t".join(f"{name}\t\t" for name in marker_names).rstrip("\t"),
        "\t\t" + "\t".join(f"X{k}\tY{k}\tZ{k}" for k in range(1, m + 1)),
        "",
    ]
    for i in range(n):
        coords = "\t".join(_num(float(v), ".6f") for v in markers_m[i].ravel())
        lines.append(f"{i + 1}\t{time_s[i]:.6f}\t{coords}")
    write_text_atomic(path, "\n".join(lines) + "\n")
    return path


def write_mot(
    path: str | Path, time_s: np.ndarray, columns: dict[str, np.ndarray], name: str = "gaitlab"
) -> Path:
    """Write an OpenSim ``.mot`` file of angle series in degrees.

    Parameters
    ----------
    path
        Output file.
    time_s : (n,) float
        Frame times.
    columns
        Column name -> (n,) values in degrees (NaN written as ``NaN``).
    name
        The file's name line.
    """
    path = Path(path)
    names = list(columns)
    n = time_s.shape[0]
    lines = [
        name,
        "version=1",
        f"nRows={n}",
        f"nColumns={len(names) + 1}",
        "inDegrees=yes",
        "endheader",
        "\t".join(["time", *names]),
    ]
    for i in range(n):
        vals = [_num(float(columns[c][i]), ".6f") for c in names]
        lines.append("\t".join([f"{time_s[i]:.6f}", *vals]))
    write_text_atomic(path, "\n".join(lines) + "\n")
    return path


def write_exports(data: ReportData, out_dir: str | Path) -> dict[str, Path]:
    """Write ``frames.csv``, ``strides.csv``, ``landmarks.trc`` and ``angles.mot``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "frames_csv": write_frames_csv(data, out / "frames.csv"),
        "strides_csv": write_strides_csv(data, out / "strides.csv"),
        "trc": write_trc(
            out / "landmarks.trc", data.time_s, opensim_markers_m(data.series.world_m)
        ),
    }
    if data.angles:
        paths["mot"] = write_mot(
            out / "angles.mot",
            data.time_s,
            {k: data.angles[k] for k in sorted(data.angles)},
            name=f"gaitlab_angles_{Path(data.series.video.path).stem}",
        )
    return paths
