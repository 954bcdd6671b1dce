"""Follow the runner when a clip holds several people (the multi-person pass).

The one-person pass is kept when its track is continuous and moving. Otherwise the clip
runs once more with several poses per frame, identities are linked across frames and the
runner is chosen (:mod:`gaitlab.pose.people`); only the chosen person's landmarks, mask
crops and waistband are kept, and frames without them stay empty (never a bystander).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace

import numpy as np

from gaitlab.imaging.appearance import appearance_lab
from gaitlab.imaging.waistband import NOT_FOUND, waistband_line
from gaitlab.io.prefetch import prefetch as prefetch_frames
from gaitlab.io.video import iter_frames
from gaitlab.pose.backend import FramePose, MultiPoseBackend, PoseBackend
from gaitlab.pose.cores import CorePinning, build_on_one_core
from gaitlab.pose.masks import MASK_CROP_SHAPE, CropBuffer, mask_crop
from gaitlab.pose.passes import Rows, assemble
from gaitlab.pose.people import (
    check_single_track,
    choose_runner,
    count_people,
    describe_people,
    link_tracks,
)
from gaitlab.pose.people_report import PeopleReport, absence_notes, spans_s
from gaitlab.pose.scaling import clip_factor, to_clip_px
from gaitlab.pose.settings import PoseSettings, ProgressFn
from gaitlab.series import MaskCrops, VideoInfo, WaistbandSeries

#: A one-person pass's frame times, landmark arrays, mask crops and waistband.
Stage = tuple[np.ndarray, dict[str, np.ndarray], MaskCrops | None, WaistbandSeries | None]


def follow_runner(
    single: Stage,
    make_multi: Callable[[], PoseBackend] | None,
    info: VideoInfo,
    settings: PoseSettings,
    progress: ProgressFn | None,
    model_size: tuple[int, int] | None = None,
    pinning: CorePinning | None = None,
) -> tuple[
    np.ndarray, dict[str, np.ndarray], MaskCrops | None, WaistbandSeries | None, PeopleReport
]:
    """Keep the one-person pass, or re-run with several poses and follow the runner.

    A continuous, moving one-person track is kept unchanged (the fast path: no extra
    inference, the same landmarks as before). Otherwise the clip runs once more with
    ``settings.max_people`` poses per frame in one pass, identities are linked and the runner
    is chosen (:mod:`gaitlab.pose.people`); the stored landmarks, mask crops and waistband are
    the chosen person's, and frames without them stay empty (never a bystander).
    """
    time_s, arrays, masks, waistband = single
    check = check_single_track(arrays["xy_px"], time_s)
    detected = ~np.isnan(arrays["xy_px"][:, 0, 0])
    if settings.max_people <= 1 or not check.suspicious or not detected.any():
        report = PeopleReport(
            "single", check.describe(), int(detected.any()), notes=absence_notes(detected, time_s)
        )
        return time_s, arrays, masks, waistband, report
    backend = build_on_one_core(make_multi, pinning) if make_multi is not None else None
    try:
        if not isinstance(backend, MultiPoseBackend):
            report = PeopleReport(
                "single-unchecked",
                f"{check.describe()}; this pose backend returns one person only",
                1,
                notes=absence_notes(detected, time_s),
            )
            return time_s, arrays, masks, waistband, report
        rows, report = _run_multi(
            backend,
            info,
            with_masks=settings.mediapipe.with_masks,
            with_waistband=settings.waistband,
            why=check.describe(),
            progress=progress,
            model_size=model_size,
        )
    finally:
        if backend is not None:
            backend.close()
    time_s, arrays, masks, waistband, _ = assemble(
        rows, info, with_masks=settings.mediapipe.with_masks, with_waistband=settings.waistband
    )
    return time_s, arrays, masks, waistband, report


@dataclass
class _Candidate:
    """One person's outputs in one frame of a multi-person pass (small arrays only)."""

    pose: FramePose  # mask dropped: it is only valid until the next inference
    look: np.ndarray | None = None  # colours of torso, thighs, shins (to count people)
    origin: np.ndarray | None = None
    scale: float = float("nan")
    crop: np.ndarray | None = None
    band: Future | None = None


def _run_multi(
    backend: MultiPoseBackend,
    info: VideoInfo,
    *,
    with_masks: bool,
    with_waistband: bool,
    why: str,
    progress: ProgressFn | None,
    model_size: tuple[int, int] | None = None,
) -> tuple[Rows, PeopleReport]:
    """One pass with several poses per frame; the chosen runner's rows and the report.

    Each candidate's mask is cropped and its waistband measured during the pass (the mask
    is reused by the next inference, the frame is not kept), so choosing afterwards costs
    no second decode; only the chosen person's crops and waistband are kept.
    """
    times: list[float] = []
    frames: list[list[_Candidate]] = []
    last_ms = -1
    factor = clip_factor(info, model_size)
    with ThreadPoolExecutor(1, thread_name_prefix="gaitlab-waistband") as measurer:
        for frame in prefetch_frames(iter_frames(info, size=model_size), depth=4):
            time_ms = max(last_ms + 1, round(frame.time_s * 1000.0))
            last_ms = time_ms
            found = []
            for pose in backend.detect_all(frame.rgb, time_ms):
                clip_pose = pose if factor is None else to_clip_px(pose, factor)
                look = appearance_lab(frame.rgb, pose.xy_px)
                cand = _Candidate(replace(clip_pose, mask=None), look)
                if with_masks and pose.mask is not None:
                    cand.origin, cand.scale, cand.crop = mask_crop(pose.mask, pose.xy_px, factor)
                if with_waistband:
                    cand.band = measurer.submit(waistband_line, frame.rgb, pose.xy_px)
                found.append(cand)
            times.append(frame.time_s)
            frames.append(found)
            if progress is not None:
                progress(len(times), info.n_frames)
        time_s = np.asarray(times, dtype=float)
        xy = [[c.pose.xy_px for c in found] for found in frames]
        tracks = link_tracks(xy, time_s)
        described = describe_people(xy, tracks, time_s)
        looks = [[c.look for c in found] for found in frames]
        count = count_people(xy, tracks, time_s, described, looks)
        choice = choose_runner(described, n_people=count.n_people)
        rows = Rows(crops=CropBuffer(len(frames) if with_masks else 0))
        uncertain = np.zeros(len(frames), dtype=bool)
        for i, found in enumerate(frames):
            pick = next(
                (
                    c
                    for c, tid in zip(found, tracks.assignment[i], strict=True)
                    if tid in choice.followed
                ),
                None,
            )
            uncertain[i] = bool(tracks.ambiguous[i] & set(choice.followed))
            rows.time_s.append(times[i])
            rows.xy_px.append(None if pick is None else pick.pose.xy_px)
            rows.depth_rel.append(None if pick is None else pick.pose.depth_rel)
            rows.visibility.append(None if pick is None else pick.pose.visibility)
            rows.world_m.append(None if pick is None else pick.pose.world_m)
            if with_masks:
                if pick is not None and pick.crop is not None and pick.origin is not None:
                    rows.origins.append(pick.origin)
                    rows.scales.append(pick.scale)
                    rows.crops.append(pick.crop)
                else:
                    rows.origins.append(np.full(2, np.nan))
                    rows.scales.append(float("nan"))
                    rows.crops.append(np.zeros(MASK_CROP_SHAPE, dtype=np.uint8))
            if with_waistband:
                rows.bands.append(
                    NOT_FOUND if pick is None or pick.band is None else pick.band.result()
                )
    detected = np.array([v is not None for v in rows.xy_px], dtype=bool)
    seen = count.n_people
    notes = list(absence_notes(detected, time_s))
    if seen > 1:
        again = len(count.found_again)
        how = f" ({seen + again} tracks: {again} of them someone lost and found again)"
        notes.insert(0, f"several people were seen: {seen}{how if again else ''}; {choice.reason}")
    if uncertain.any():
        notes.append(
            f"which person is the runner was uncertain in {int(uncertain.sum())} frame(s) "
            "(people overlapping): check those moments in the video"
        )
    report = PeopleReport(
        "multi",
        why,
        seen,
        choice.followed,
        choice.reason,
        spans_s(uncertain, time_s),
        choice.people,
        tuple(notes),
        count.found_again,
    )
    return rows, report
