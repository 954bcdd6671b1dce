"""Write every output of one clip into a folder, or rebuild the reports from a saved one.

:func:`write_outputs` is what ``gaitlab analyze`` calls after the analysis;
:func:`rebuild_reports` is ``gaitlab report RESULT_DIR`` (no pose inference: result.json and
pose_series.npz are reloaded, the clip is re-read only for the pictures). With
``workers=2`` the plots, exports and reports are written by a second process while the
video renders (:mod:`gaitlab.report.documents`); the files are the same.

Files (``--out`` folder)
------------------------
==========================  ==========================================================
``result.json``             versioned result (written by :func:`gaitlab.pipeline.write_result`)
``pose_series.npz``         raw landmarks (pipeline)
``kinematics_series.npz``   cleaned landmarks, angle series, facing (to rebuild reports)
``annotated.mp4``           H.264 video with skeleton, angles, events, stride counter
``keyframe_*.png``          foot strike / mid-stance / toe-off per side
``finding_*.png``           each finding at its worst stride
``plot_*.png``              angle series, per-stride values, left vs right
``frames.csv``              per-frame landmarks and angles
``strides.csv``             per-stride events, timing and metric values
``landmarks.trc``           OpenSim markers (world landmarks, metres)
``angles.mot``              OpenSim angles (degrees)
``report.html``             self-contained HTML report
``report.pdf``              PDF report
``outputs.json``            the files above that this run wrote (see below)
==========================  ==========================================================

The outputs manifest
--------------------
``outputs.json`` lists the files gaitlab wrote in the folder (output name -> file name). A
new analysis written into a folder that holds an earlier one removes the earlier run's
outputs it does not write again (another clip's video, key frames, reports), so the folder
never mixes two analyses; only files named in the previous manifest are removed, never a
file gaitlab did not write (a user's notes, a clip kept there). ``gaitlab report`` rebuilds
in place and keeps what it is told not to redraw (``--no-keyframes``, no ``--video``).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gaitlab.files import write_text_atomic
from gaitlab.hashing import file_sha256
from gaitlab.report.data import ReportData, save_kinematics_series
from gaitlab.report.documents import (
    PARALLEL_MAX_FRAMES,
    DocumentsProcess,
    documents_ahead,
    end_if_long,
    fork_context,
    plot_images,
    write_documents,
    write_reports,
)
from gaitlab.report.frames import keyframe_specs
from gaitlab.report.render import MAX_SIDE_PX, ProgressFn, render_clip
from gaitlab.result import KINEMATICS_SERIES_FILE, RESULT_FILE, SERIES_FILE
from gaitlab.timing import StageTimes

log = logging.getLogger(__name__)

# documents_ahead, end_if_long and PARALLEL_MAX_FRAMES live with the documents process
# (a module light enough to import before the first frame); named here too for callers.
__all__ = [
    "OUTPUTS_FILE",
    "PARALLEL_MAX_FRAMES",
    "VIDEO_FILE",
    "clip_problem",
    "documents_ahead",
    "end_if_long",
    "read_outputs_manifest",
    "rebuild_reports",
    "record_outputs",
    "write_outputs",
]

VIDEO_FILE = "annotated.mp4"
#: The outputs manifest: which files of the folder gaitlab wrote (see the module doc).
OUTPUTS_FILE = "outputs.json"
OUTPUTS_SCHEMA = "gaitlab.outputs"


def read_outputs_manifest(out_dir: str | Path) -> dict[str, str]:
    """Output name -> file name of the files gaitlab wrote in ``out_dir`` (empty if unknown).

    Only plain names of files directly in the folder are returned: a manifest edited to
    name ``../x`` or a hidden file names nothing.
    """
    path = Path(out_dir) / OUTPUTS_FILE
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return {}
    files = doc.get("files") if isinstance(doc, Mapping) else None
    if not isinstance(files, Mapping) or doc.get("schema") != OUTPUTS_SCHEMA:
        return {}
    return {
        str(role): name
        for role, name in files.items()
        if isinstance(name, str) and _plain_name(name) and name != OUTPUTS_FILE
    }


def _plain_name(name: str) -> bool:
    return bool(name) and Path(name).name == name and not name.startswith(".")


def record_outputs(
    out_dir: str | Path, paths: Mapping[str, Path], previous: Mapping[str, str]
) -> list[Path]:
    """Write the outputs manifest and remove the previous run's outputs not written again.

    Parameters
    ----------
    out_dir
        The result folder.
    paths
        Output name -> path of every file this run wrote or kept there.
    previous
        The folder's manifest before this run (:func:`read_outputs_manifest`).

    Returns
    -------
    list of Path
        The files removed.
    """
    out = Path(out_dir)
    current = {
        role: p.name for role, p in paths.items() if Path(p).parent.resolve() == out.resolve()
    }
    keep = set(current.values())
    removed = []
    for name in sorted(set(previous.values()) - keep):
        stale = out / name
        if stale.is_file() or stale.is_symlink():
            stale.unlink(missing_ok=True)
            removed.append(stale)
    manifest = {
        "schema": OUTPUTS_SCHEMA,
        "schema_version": 1,
        "written_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "files": dict(sorted(current.items())),
    }
    write_text_atomic(out / OUTPUTS_FILE, json.dumps(manifest, indent=2))
    if removed:
        log.info("removed %d outputs of an earlier run: %s", len(removed), removed)
    return removed


def clip_problem(data: ReportData, clip_path: str | Path | None = None) -> str | None:
    """Why the clip's frames cannot be drawn (moved, changed), or None when it is there."""
    info = data.series.video
    path = Path(clip_path) if clip_path is not None else Path(info.path)
    if not path.is_file():
        return (
            f"the clip is no longer at {path}: key frames and the annotated video were not "
            "redrawn (pass the clip's new path to redraw them)"
        )
    if info.sha256 and file_sha256(path) != info.sha256:
        return (
            f"{path} is not the analysed clip (its content changed): key frames and the "
            "annotated video were not redrawn"
        )
    return None


def _existing_images(out: Path, manifest: Mapping[str, str]) -> dict[str, Path]:
    """Key-frame and finding images already in the folder (those gaitlab wrote, if known)."""
    found = {
        p.stem: p
        for pattern in ("keyframe_*.png", "finding_*.png")
        for p in sorted(out.glob(pattern))
    }
    if manifest:
        written = set(manifest.values())
        found = {stem: p for stem, p in found.items() if p.name in written}
    return found


def write_outputs(
    analysis_or_loaded_result: Any,
    out_dir: str | Path,
    *,
    video: bool = True,
    keyframes: bool = True,
    reports: bool = True,
    blur_faces: bool = False,
    clip_path: str | Path | None = None,
    max_side_px: int = MAX_SIDE_PX,
    progress: ProgressFn | None = None,
    workers: int = 1,
    documents: DocumentsProcess | None = None,
    times: StageTimes | None = None,
) -> dict[str, Path]:
    """Write all outputs of one clip into ``out_dir``.

    Parameters
    ----------
    analysis_or_loaded_result
        A :class:`~gaitlab.pipeline.ClipAnalysis` (then result.json and pose_series.npz are
        written too, via :func:`gaitlab.pipeline.write_result`) or a :class:`ReportData`
        (e.g. from :meth:`ReportData.from_result_dir`; result.json is left as it is).
    out_dir
        Result folder (created).
    video, keyframes, reports
        Write the annotated video / the key-frame PNGs / the HTML and PDF reports and their
        plots. The CSV/TRC/MOT exports are always written (they are fast).
    blur_faces
        Blur every face in the video, key frames and finding images
        (:mod:`gaitlab.report.faces`).
    clip_path
        Where the clip is now, if not at its recorded path.
    max_side_px
        Long side of the video and key frames (default 960).
    progress
        ``progress(done, total)`` per rendered frame.
    workers
        Processes to use: with 2 or more (and on Linux), the plots, exports and reports are
        written by a second process while the video and key frames render here
        (:class:`~gaitlab.report.documents.DocumentsProcess`); the files are the same.
    documents
        A process started ahead of the analysis (:meth:`DocumentsProcess.ahead
        <gaitlab.report.documents.DocumentsProcess.ahead>`, what ``gaitlab analyze`` does):
        it writes the plots, exports and reports while the video renders when the video or
        the key frames are drawn and the clip has at most :data:`PARALLEL_MAX_FRAMES`
        frames; otherwise it is ended and everything is written here. Either way it is
        ended when this returns or raises.
    times
        Stage times of a profiled command (:mod:`gaitlab.timing`): each output's time is
        added to it.

    Returns
    -------
    dict
        Output name -> path (``result``, ``series``, ``kinematics_series``, ``video``,
        ``keyframe_*``, ``finding_*``, ``plot_*``, ``frames_csv``, ``strides_csv``,
        ``trc``, ``mot``, ``html``, ``pdf``, and ``outputs``: the manifest ``outputs.json``
        listing the others). Outputs of an
        earlier analysis in the folder that this one does not write are removed (see the
        module doc); a reloaded result keeps the files it is not asked to redraw.
    """
    try:
        return _write_outputs(
            analysis_or_loaded_result, out_dir, video=video, keyframes=keyframes,
            reports=reports, blur_faces=blur_faces, clip_path=clip_path,
            max_side_px=max_side_px, progress=progress, workers=workers, documents=documents,
            times=times,
        )  # fmt: skip
    except BaseException:
        if documents is not None:
            documents.cancel()  # a process started ahead must not outlive a failed run
        raise


def _write_outputs(
    analysis_or_loaded_result: Any,
    out_dir: str | Path,
    *,
    video: bool,
    keyframes: bool,
    reports: bool,
    blur_faces: bool,
    clip_path: str | Path | None,
    max_side_px: int,
    progress: ProgressFn | None,
    workers: int,
    documents: DocumentsProcess | None,
    times: StageTimes | None,
) -> dict[str, Path]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    previous = read_outputs_manifest(out)
    paths: dict[str, Path] = {}
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    rebuild = isinstance(analysis_or_loaded_result, ReportData)
    if isinstance(analysis_or_loaded_result, ReportData):
        data = analysis_or_loaded_result
        # Rebuilt in place: the result and its series stay (they are read, not rewritten).
        series_name = data.result.pose.series_file or SERIES_FILE
        for role, name in (("result", RESULT_FILE), ("series", series_name)):
            if (out / name).is_file():
                paths[role] = out / name
    else:
        # Imported here: rebuilding reports from a result folder (the other branch) runs
        # without the analysis stack (SciPy, the findings) in memory.
        from gaitlab.pipeline import write_result

        analysis = analysis_or_loaded_result
        data = ReportData.from_analysis(analysis)
        paths["result"] = write_result(analysis, out)
        paths["series"] = out / SERIES_FILE
    if data.angles:
        paths["kinematics_series"] = save_kinematics_series(data, out / KINEMATICS_SERIES_FILE)
    timings["data"] = time.perf_counter() - t0

    images: dict[str, Path] = {}
    problem = clip_problem(data, clip_path) if video or keyframes else None
    if problem is not None and blur_faces:
        # The images kept from before were drawn by an earlier run, maybe without the blur.
        problem += "; --blur-faces could not be applied to the images kept from before"
    if problem is not None:
        log.warning("gaitlab report: %s", problem)
        data = dataclasses.replace(data, notes=(*data.notes, problem))
        if keyframes:
            images.update(_existing_images(out, previous))
    elif rebuild and not keyframes:
        images.update(
            _existing_images(out, previous)
        )  # --no-keyframes: keep (and show) those there
    render = (video or keyframes) and problem is None
    # The video the reports name: the one rendered now, or, when a rebuild is not asked for
    # one, the one already in the folder. A new analysis never names an earlier run's video.
    kept = rebuild and not video and (out / VIDEO_FILE).is_file()
    named_video = out / VIDEO_FILE if (video and render) or kept else None
    if documents is not None:
        if render and data.series.n_frames <= PARALLEL_MAX_FRAMES and not documents.ended:
            documents.assign(data, out, reports=reports, video=named_video)
        else:
            documents.cancel()
            documents = None
    context = fork_context() if render and workers > 1 and documents is None else None
    if context is not None:
        documents = DocumentsProcess(context, data, out, reports=reports, video=named_video)
    if render:
        t = time.perf_counter()
        try:
            rendered = render_clip(
                data, out, video_name=VIDEO_FILE if video else None,
                keyframes=keyframe_specs(data) if keyframes else [], blur_faces=blur_faces,
                max_side_px=max_side_px, clip_path=clip_path, progress=progress,
                on_keyframes=None if documents is None else documents.keyframes_ready,
            )  # fmt: skip
        except BaseException:
            if documents is not None:
                documents.cancel()
            raise
        images.update(rendered.keyframes)
        timings["video_keyframes"] = time.perf_counter() - t
    if named_video is not None:
        paths["video"] = named_video
    paths.update(images)

    if documents is not None:
        written, more = documents.result()
        paths.update(written)
        timings.update({f"{k} (second process)": v for k, v in more.items()})
    else:
        written, more = write_documents(data, out, plots=reports)
        paths.update(written)
        timings.update(more)
        if reports:
            written, more = write_reports(
                data, out, {**images, **plot_images(written)}, paths.get("video")
            )
            paths.update(written)
            timings.update(more)
    log.info("outputs written in %s", ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
    for name, seconds in timings.items() if times is not None else ():
        times.add(f"outputs: {name}", seconds)
    record_outputs(out, paths, previous)
    # Listed with the outputs so that whoever owns them (a runner's session in the store)
    # owns the manifest too; it never lists itself.
    paths["outputs"] = out / OUTPUTS_FILE
    return paths


def rebuild_reports(
    result_dir: str | Path,
    *,
    clip_path: str | Path | None = None,
    video: bool = False,
    keyframes: bool = True,
    blur_faces: bool = False,
) -> dict[str, Path]:
    """Rebuild plots, exports and the HTML/PDF reports of a saved result folder.

    Reloads ``result.json`` and ``pose_series.npz`` (no pose inference). Key frames are
    redrawn from the clip at its recorded path (or ``clip_path``); when the clip has moved
    or changed, a warning says so and the key frames already in the folder are reused.

    Raises
    ------
    gaitlab.report.data.ResultFolderError
        When the folder has no readable result.json.
    gaitlab.series.SeriesFileError
        When pose_series.npz is missing or unreadable.
    """
    out = Path(result_dir)
    data = ReportData.from_result_dir(out)
    paths = write_outputs(
        data, out, video=video, keyframes=keyframes, reports=True, blur_faces=blur_faces,
        clip_path=clip_path,
    )  # fmt: skip
    paths["result"] = out / RESULT_FILE
    return paths
