"""gaitlab's Streamlit dashboard: a thin shell over the library.

Run with ``gaitlab dashboard`` (private settings from any folder) or ``streamlit run app.py``
from the checkout. The page collects a clip and options, calls
:mod:`gaitlab.dashboard` / :mod:`gaitlab.pipeline`, and lays out what they return; no metric
or rule logic lives here.

Per-user state lives in ``st.session_state`` (a private temporary folder per browser
session, see :mod:`gaitlab.dashboard.workspace`); only things that are the same for everyone
(the sample clip list, the analysis slots) use Streamlit's shared caches.

Environment: ``GAITLAB_CACHE_DIR`` (pose cache), ``GAITLAB_DASHBOARD_VIDEO=0`` (skip the
annotated video, the slowest output, e.g. on a small server).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Any

import streamlit as st

from gaitlab.corrections.folder import apply_corrections, load_corrections
from gaitlab.dashboard import cards, compare, cycles, firstscreen, runners, scrubber
from gaitlab.dashboard import session as two_views
from gaitlab.dashboard.run import OutputsJob, start_analysis
from gaitlab.dashboard.sidebyside import side_by_side
from gaitlab.dashboard.workspace import SessionWorkspace, check_upload, sweep_stale
from gaitlab.errors import GaitlabError
from gaitlab.findings.change import compare_results
from gaitlab.findings.normal import normal_bands
from gaitlab.io.video import VideoLimits
from gaitlab.kinematics.corrections import EventEdit
from gaitlab.pipeline import AnalysisRequest, default_pose_settings
from gaitlab.report import ReportData
from gaitlab.report.cycles import cycle_panels
from gaitlab.result import RESULT_FILE, ResultDocument, Severity, read_result
from gaitlab.session.folder import read_session
from gaitlab.session.run import analyze_session
from gaitlab.store import (
    STORE_ENV,
    SessionStore,
    notes,
    open_store,
    resolve_store_url,
    save_to_history,
)
from gaitlab.store.corrected import record_corrected
from gaitlab.store.forget import forget_runner
from gaitlab.store.history import metric_trend
from gaitlab.store.location import display_url, store_exists
from gaitlab.store.notes import set_session_notes
from gaitlab.store.records import SessionRecord

SAMPLE_DIR = Path(__file__).resolve().parent / "sample_videos"
UPLOAD_TYPES = ["mp4", "mov", "m4v"]
MAX_DURATION_S = 120.0
NO_SAMPLE = "(none)"
SEVERITY_ICON = {Severity.HIGH: ":red[●]", Severity.WATCH: ":orange[○]"}

FILMING_GUIDE = """
- **Side view** for hip extension, back arch, trunk lean, overstride and timing;
  **rear view** for pelvic drop and sideways lean. One runner in frame.
- Phone still (tripod or propped), level, at hip height, 3-5 m away, square to the running
  direction, the whole body in frame for the whole clip.
- **60 fps or more** (slow motion is better: set the slow-motion factor below if the phone
  stores it to play at 30 fps); 10-15 s of steady running after a warm-up.
- Fitted shorts with a waistband that contrasts with the top (tuck it in) for the rear view;
  nothing loose over the lower back for the side view. No treadmill rails over the hips.
"""


# ---------------------------------------------------------------------- shared, read-only
@st.cache_data
def sample_clips() -> list[str]:
    """The project's sample clips (same for every user)."""
    return sorted(p.name for p in SAMPLE_DIR.glob("synth_*.mp4"))


@st.cache_resource
def analysis_slots() -> threading.BoundedSemaphore:
    """At most one analysis per CPU core at a time, across all users."""
    return threading.BoundedSemaphore(max(1, os.cpu_count() or 1))


@st.cache_resource
def result_store(url: str) -> SessionStore:
    """The runners' result store at ``url`` ("" = the default), one per server."""
    return open_store(url or None)


def existing_store() -> SessionStore | None:
    """The result store when it exists (never creates an empty one), else None."""
    try:
        if not store_exists(resolve_store_url(os.environ.get(STORE_ENV) or None)):
            return None
        return result_store(os.environ.get(STORE_ENV, ""))
    except GaitlabError:
        return None  # the Runners tab says why


def stored_session(result_dir: str | Path) -> SessionRecord | None:
    """The session recorded from this result folder (saved or opened from the store)."""
    store = existing_store()
    return store.session_in(result_dir) if store is not None else None


@st.cache_data
def metric_bands() -> dict[str, list[float | None]]:
    """Normal bands of the findings rules (same for everyone)."""
    return normal_bands()


def max_upload_mb() -> int:
    """The upload limit set in .streamlit/config.toml."""
    return int(st.get_option("server.maxUploadSize"))


# ---------------------------------------------------------------------- per-session state
def workspace() -> SessionWorkspace:
    """The private folder of this session (removed with it; stale ones swept)."""
    ws = st.session_state.get("workspace")
    if ws is None or ws.closed:
        sweep_stale()
        ws = st.session_state["workspace"] = SessionWorkspace()
    ws.touch()
    return ws


def current() -> dict[str, Any] | None:
    """The result on show: ``{"dir", "label", "clip"}``, or None."""
    cur = st.session_state.get("current")
    if cur and (Path(cur["dir"]) / RESULT_FILE).is_file():
        return cur
    return None


def report_data(result_dir: Path) -> ReportData:
    """The result folder's report data, loaded once per session and result."""
    cache = st.session_state.setdefault("report_data", {})
    key = str(result_dir)
    if key not in cache:
        cache.clear()
        cache[key] = ReportData.from_result_dir(result_dir)
    return cache[key]


def frame_renderer(result_dir: Path, clip: str) -> scrubber.FrameRenderer:
    """The scrubber's frame renderer for this result (kept for the session)."""
    cache = st.session_state.setdefault("renderers", {})
    key = str(result_dir)
    if key not in cache:
        cache.clear()
        cache[key] = scrubber.FrameRenderer(report_data(result_dir), clip_path=clip)
    return cache[key]


# ---------------------------------------------------------------------- the runner flow
def clip_source(upload: Any, sample: str) -> tuple[Path, str, str] | None:
    """``(clip path, identity, label)`` of the chosen clip, stored in the workspace."""
    ws = workspace()
    if upload is not None:
        problem = check_upload(upload.name, upload.size, max_upload_mb())
        if problem:
            st.error(problem)
            return None
        content = upload.getvalue()
        identity = hashlib.sha256(content).hexdigest()
        if st.session_state.get("clip_identity") != identity:
            st.session_state["clip_path"] = str(ws.new_clip(upload.name, content))
        label = upload.name
    elif sample != NO_SAMPLE:
        identity = f"sample:{sample}"
        if st.session_state.get("clip_identity") != identity:
            ws.clear()
            st.session_state["clip_path"] = str(SAMPLE_DIR / sample)
        label = sample
    else:
        # A click while the upload is still on its way also lands here (no file yet).
        st.warning("Upload a clip (and let it finish uploading) or pick a sample first.")
        return None
    if st.session_state.get("clip_identity") != identity:
        st.session_state["clip_identity"] = identity
        st.session_state["done"] = {}  # the old clip's result folders are gone
    return Path(st.session_state["clip_path"]), identity, label


def analyse(upload: Any, sample: str, view: str, height_cm: float, slowmo: float) -> None:
    """Run (or reopen) the analysis of the chosen clip and make it the current result."""
    source = clip_source(upload, sample)
    if source is None:
        return
    clip, identity, label = source
    key = json.dumps([identity, view, height_cm, slowmo])
    done: dict[str, str] = st.session_state.setdefault("done", {})
    if key in done and (Path(done[key]) / RESULT_FILE).is_file():
        st.session_state["current"] = {"dir": done[key], "label": label, "clip": str(clip)}
        st.toast("Opened the saved result of this clip (no re-analysis).")
        return
    try:
        request = AnalysisRequest(
            view=view,
            height_cm=height_cm or None,
            pose=default_pose_settings(slowmo_factor=slowmo),
            limits=VideoLimits(max_duration_s=MAX_DURATION_S, max_file_mb=max_upload_mb()),
        )
    except ValueError as exc:
        st.error(str(exc))
        return
    out = workspace().result_dir(Path(label).stem)
    bar = st.progress(0.0, text="Waiting for a free analysis slot...")
    slots = analysis_slots()
    slots.acquire()  # freed by the outputs job when it ends, or below when no job starts
    try:
        _, job = start_analysis(
            clip,
            request,
            out,
            video=os.environ.get("GAITLAB_DASHBOARD_VIDEO", "1") != "0",
            progress=lambda f, text: bar.progress(f, text=text),
            on_done=slots.release,
        )
    except GaitlabError as exc:
        slots.release()
        st.error(f"Sorry, this clip cannot be analysed: {exc.message}")
        with st.expander("How to film a clip that works", expanded=True):
            st.markdown(FILMING_GUIDE)
        st.session_state["current"] = None
        return
    except BaseException:
        slots.release()
        raise
    finally:
        bar.empty()
    # The findings show now; the video, key frames and reports follow (show_pending_outputs).
    st.session_state.setdefault("outputs_jobs", {})[str(out)] = job
    done[key] = str(out)
    st.session_state["current"] = {"dir": str(out), "label": label, "clip": str(clip)}
    result = read_result(out)
    history: list = st.session_state.setdefault("history", [])
    history.append({"label": f"{label} ({result.created_utc})", "result": result})


def outputs_job(out: Path) -> OutputsJob | None:
    """The job still drawing this result's video, key frames and reports; None once done.

    A job that failed leaves its one-line message for :func:`show_outputs_error`.
    """
    jobs: dict[str, OutputsJob] = st.session_state.get("outputs_jobs", {})
    job = jobs.get(str(out))
    if job is None or not job.done():
        return job
    del jobs[str(out)]
    try:
        job.wait(0)
    except GaitlabError as exc:
        st.session_state.setdefault("outputs_errors", {})[str(out)] = exc.message
    except Exception as exc:  # the numbers on show stay valid: say what failed, in one line
        st.session_state.setdefault("outputs_errors", {})[str(out)] = f"{type(exc).__name__}: {exc}"
    return None


def show_outputs_error(out: Path) -> None:
    """Say, once per page, why the video, key frames or reports are missing."""
    message = st.session_state.get("outputs_errors", {}).get(str(out))
    if message:
        st.error(f"The annotated video, key frames and reports could not be drawn: {message}")


@st.fragment(run_every=1.0)
def show_pending_outputs(out: Path) -> None:
    """While the outputs are drawn: a note that updates; the whole page reruns when done."""
    job = st.session_state.get("outputs_jobs", {}).get(str(out))
    if job is None or job.done():
        st.rerun()  # the video, key frames, physio review and downloads appear
    done, total = job.progress()
    drawn = f": frame {done} of {total}" if total else ""
    st.info(
        f"Drawing the annotated video, key frames and reports{drawn}...",
        icon=":material/hourglass_top:",
    )


def pending_note() -> None:
    """What a tab that needs the drawn outputs says while they are drawn."""
    st.info("The annotated video, key frames and reports are still being drawn; this opens "
            "when they are ready.")  # fmt: skip


def show_first_screen(out: Path, result: ResultDocument, *, pictures: bool = True) -> None:
    """The one or two findings that matter most, each with its picture and first step.

    Without ``pictures`` (still being drawn), the text only.
    """
    firsts = firstscreen.top_findings(result, out)
    if not firsts:
        return
    st.subheader("What matters most")
    # Side by side, so that both pictures are on the first screen.
    for col, f in zip(st.columns(len(firsts)), firsts, strict=True):
        side = f" ({f.card.side})" if f.card.side else ""
        if pictures and f.image is not None:
            col.image(str(f.image))
        col.markdown(f"**{f.card.rank}. {f.card.title}{side}**: {f.card.value_text}")
        col.write(f.meaning)
        col.markdown(
            f"**First thing to do:** {f.first_step.text} *({'; '.join(f.first_step.sources)})*"
        )


def show_weekly_plan(out: Path, result: ResultDocument) -> None:
    """A short week of the top findings' exercises, with the articles' doses."""
    plan = firstscreen.weekly_plan(firstscreen.top_findings(result, out))
    if not plan:
        return
    st.subheader("Your week")
    for col, group in zip(st.columns(len(plan)), plan, strict=True):
        col.markdown(f"**{group.when}**")
        col.caption(group.note)
        col.markdown(
            "\n".join(
                f"- **{i.name}**"
                + (f": {i.dose}" if i.dose else "")
                + f" *({'; '.join(i.sources)})*"
                for i in group.items
            )
        )


def show_runner(cur: dict[str, Any]) -> None:
    """Clip quality, findings with fixes, safety, annotated video."""
    out = Path(cur["dir"])
    result = read_result(out)
    pending = outputs_job(out) is not None
    if pending:
        # At the top: the findings below are final, their pictures are on their way.
        show_pending_outputs(out)
    level, message = cards.run_status(result)
    main_col, pain_col = st.columns([3, 2])
    with pain_col:
        # Pain first: on the first screen, whatever the clip.
        st.subheader("If it hurts now")
        st.warning(
            "\n".join(
                f"- {a.text} *({'; '.join(a.sources)})*"
                for a in cards.advice_items(result, "pain_first")
            )
        )
    with main_col:
        show_first_screen(out, result, pictures=not pending)
    getattr(st, level)(message)
    show_weekly_plan(out, result)
    st.subheader("Clip quality")
    items = cards.clip_quality(result)
    for col, item in zip(st.columns(len(items)), items, strict=True):
        col.metric(item.label, item.value, help=item.note or None)
        if item.note:
            col.caption(("" if item.ok else "⚠️ ") + item.note)
    st.caption(
        "Wrong view? Pick it under *View* above and analyse again: the pose is cached, only "
        "the measurements are redone."
    )
    st.subheader("What we found")
    found = cards.finding_cards(result)
    if not found:
        st.success("Nothing stood out on this clip.")
    for card in found:
        side = f" ({card.side})" if card.side else ""
        icon = SEVERITY_ICON[card.severity]
        with st.expander(
            f"{icon} {card.rank}. {card.title}{side}: {card.severity}", expanded=card.rank <= 2
        ):
            st.markdown(f"**Measured:** {card.value_text} · confidence **{card.confidence}**")
            if card.confidence_note:
                st.caption(card.confidence_note)
            if card.band_note:
                st.caption("Band: " + card.band_note)
            st.write(card.explanation)
            if card.cues:
                st.markdown("**While running**")
                st.markdown("\n".join(f"- {c.text} *({'; '.join(c.sources)})*" for c in card.cues))
            if card.exercises:
                st.markdown("**Exercises**")
                for e in card.exercises:
                    dose = f" *{e.dose}*" if e.dose else ""
                    st.markdown(
                        f"- **{e.name}**: {e.how} {e.purpose}{dose} *({'; '.join(e.sources)})*"
                    )
            st.caption("From: " + "; ".join(card.sources))
    checks = cards.finding_cards(result, include_checks=True)[len(found) :]
    if checks:
        st.info(
            "Worth checking with a better clip: "
            + ", ".join(f"{c.title} ({c.confidence_note or c.confidence})" for c in checks)
        )
    with st.expander("For every runner"):
        for a in cards.advice_items(result, "general_advice"):
            st.markdown(f"- {a.text} *({'; '.join(a.sources)})*")
    st.subheader("Safety")
    st.warning(
        "\n".join(
            f"- {a.text}" + (f" *({'; '.join(a.sources)})*" if a.sources else "")
            for a in cards.advice_items(result, "safety")
        )
        or "gaitlab measures movement; it does not diagnose."
    )
    video = out / "annotated.mp4"
    if not pending and video.is_file():
        st.subheader("Annotated video")
        st.video(str(video))
    show_outputs_error(out)


# ---------------------------------------------------------------------- physio review
@st.fragment
def show_scrubber(out: Path, clip: str) -> None:
    """Slider over frames: the annotated frame and the angles at that instant."""
    data = report_data(out)
    renderer = frame_renderer(out, clip)
    n = renderer.n_frames
    key = f"scrub-{out.name}"
    # A stride picked in the gait-cycle chart sets the frame through the session state.
    i = st.slider("Frame", 0, n - 1, None if key in st.session_state else n // 2, key=key)
    t = float(data.time_s[i])
    left, right = st.columns([3, 1])
    try:
        left.image(renderer.render(i), caption=f"Frame {i} at {t:.3f} s")
    except GaitlabError as exc:
        left.warning(f"The clip's frames cannot be shown: {exc.message}")
    phase = scrubber.phase_at(data, i)
    right.markdown(f"**t = {t:.3f} s**  \nleft: {phase['left']}, right: {phase['right']}")
    right.dataframe(
        [
            {"angle": a.label, "deg": None if a.value_deg != a.value_deg else round(a.value_deg, 1)}
            for a in scrubber.angles_at(data, i)
        ],
        hide_index=True,
    )


def show_gait_cycle(out: Path) -> None:
    """Each angle over the gait cycle; clicking a stride opens it in the scrubber above."""
    panels = cycle_panels(report_data(out))
    if not panels:
        return
    st.subheader("Gait cycle")
    st.caption(
        "Every stride from foot strike (0 %) to the next strike of the same foot (100 %): "
        "thin = one stride, bold = mean, shaded = +-1 SD, dashed = mean toe-off, grey = "
        "typical runner where a study gives one. Hover for values; click a stride to open "
        "its frames in the scrubber (double-click clears)."
    )
    for row in range(0, len(panels), 2):
        for col, panel in zip(st.columns(2), panels[row : row + 2], strict=False):
            col.altair_chart(
                cycles.cycle_chart(panel),
                on_select="rerun",
                key=f"cycle-{out.name}-{panel.series}",
                width="stretch",
            )


def open_picked_stride(out: Path) -> None:
    """Move the scrubber to the start of a stride just clicked in a gait-cycle chart."""
    applied: dict[str, int | None] = st.session_state.setdefault("applied-picks", {})
    for key in [k for k in st.session_state if str(k).startswith(f"cycle-{out.name}-")]:
        stride = cycles.picked_stride(st.session_state[key])
        if stride is None or applied.get(key) == stride:
            applied[key] = stride
            continue
        applied[key] = stride
        frames = cycles.stride_frames(report_data(out), stride)
        if frames is not None:
            st.session_state[f"scrub-{out.name}"] = frames[0]
            st.session_state[f"stride-open-{out.name}"] = (stride, *frames)
    opened = st.session_state.get(f"stride-open-{out.name}")
    if opened:
        st.info(
            f"Stride {opened[0]}: frames {opened[1]}-{opened[2]} (the scrubber starts at its "
            "foot strike; step through with the arrow keys)."
        )


def show_corrections(out: Path) -> None:
    """Move, add or delete an event at the scrubber's frame, exclude a stride, undo."""
    data = report_data(out)
    saved = load_corrections(out)
    frame = int(st.session_state.get(f"scrub-{out.name}", len(data.time_s) // 2))
    st.subheader("Correct the events")
    contact = data.metrics.get("contact_time_s")
    cols = st.columns(4)
    for col, side in zip(cols, ("left", "right"), strict=False):
        value = None if contact is None else getattr(contact, f"{side}_median")
        values = () if contact is None else contact.values
        n = sum(1 for v in values if v.side == side and v.value)
        col.metric(
            f"Contact time, {side} ({n} strides)",
            "-" if value is None else f"{value * 1000:.0f} ms",
        )
    cols[2].metric("Strides used", len(data.strides))
    cols[3].metric("Corrections", len(saved.edits), help=saved.summary() or None)
    events = data.events
    labels = [f"frame {e.frame}: {e.side} {e.kind.replace('_', ' ')}" for e in events]
    near = min(range(len(events)), key=lambda i: abs((events[i].frame or 0) - frame), default=0)
    left, mid, right = st.columns(3)
    pick = left.selectbox("Event", range(len(events)), index=near, key="fix-event",
                          format_func=lambda i: labels[i]) if events else None  # fmt: skip
    edit = None
    # The scrubber reruns on its own (a fragment): its frame is read when a button is pressed.
    if pick is not None and left.button("Move it to the scrubber's frame", key="fix-move"):
        e = events[pick]
        edit = EventEdit("move", e.side, e.kind, int(e.frame or 0), frame)
    if pick is not None and left.button("Delete it", key="fix-delete"):
        e = events[pick]
        edit = EventEdit("delete", e.side, e.kind, int(e.frame or 0))
    side = mid.radio("Side", ["left", "right"], horizontal=True, key="fix-side")
    kind = mid.radio("Event kind", ["foot_strike", "toe_off"], horizontal=True, key="fix-kind",
                     format_func=lambda k: k.replace("_", " "))  # fmt: skip
    if mid.button("Add it at the scrubber's frame", key="fix-add"):
        edit = EventEdit("add", side, kind, frame)
    strides = data.strides
    stride = right.selectbox(
        "Stride", range(len(strides)), key="fix-stride",
        format_func=lambda i: f"{i + 1}: {strides[i].side} from "
        f"{strides[i].foot_strike_s:.2f} s",
    ) if strides else None  # fmt: skip
    if stride is not None and right.button("Exclude this stride", key="fix-exclude"):
        first = cycles.stride_frames(data, stride + 1)
        edit = EventEdit("exclude_stride", strides[stride].side, "foot_strike", first[0])
    undo = right.button("Undo the last correction", key="fix-undo", disabled=not saved)
    for i, e in enumerate(saved.edits, 1):
        st.caption(f"Correction {i}: {e.describe()}")
    if edit is None and not undo:
        return
    new = saved.added(edit) if edit is not None else saved.undone()
    try:
        with st.spinner("Recomputing metrics, findings, plots and reports..."):
            # Key frames too: the finding pictures show the worst stride, which may change.
            apply_corrections(out, new, clip_path=current()["clip"])
    except GaitlabError as exc:
        st.error(f"Not applied: {exc.message}")
        return
    if stored_session(out) is not None:
        # The stored session's numbers (history, trends) follow the corrected result.
        record_corrected(result_store(os.environ.get(STORE_ENV, "")), out)
    st.session_state.pop("report_data", None)
    st.session_state.pop("renderers", None)
    st.rerun()


def show_physio(cur: dict[str, Any]) -> None:
    """Scrubber, key frames, plots, per-stride table, asymmetry, notes."""
    out = Path(cur["dir"])
    result = read_result(out)
    st.subheader("Frame by frame")
    open_picked_stride(out)
    show_scrubber(out, cur["clip"])
    show_corrections(out)
    st.subheader("Key frames")
    gallery = cards.keyframe_gallery(out, result)
    for row in range(0, len(gallery), 3):
        for col, (caption, path) in zip(st.columns(3), gallery[row : row + 3], strict=False):
            col.image(str(path), caption=caption)
    show_gait_cycle(out)
    st.subheader("Angles over time")
    for name in ("plot_angles", "plot_per_stride", "plot_left_right"):
        if (out / f"{name}.png").is_file():
            st.image(str(out / f"{name}.png"))
    st.caption("Shaded: stance phases (left and right).")
    st.subheader("Left vs right")
    st.dataframe(cards.asymmetry_table(result), hide_index=True)
    st.subheader("Per stride")
    st.dataframe(cards.stride_table(report_data(out)), hide_index=True)
    st.subheader("Notes")
    session = stored_session(out)
    text = st.text_area(
        "Notes (saved with this result and included in its downloads)",
        value=(session.physio_notes if session else "") or notes.load_notes(out),
        key=f"notes-{out.name}",
    )
    if st.button("Save notes", key="save-notes"):
        if session is None:
            notes.save_notes(out, text)
            st.success("Notes saved with the result.")
        else:
            # A stored session: the store's notes (history, Runners tab) and the file agree.
            store = result_store(os.environ.get(STORE_ENV, ""))
            set_session_notes(store, session.id, text)
            st.success(
                f"Notes saved with the result and in runner {session.runner}'s history "
                f"(session #{session.id})."
            )


# ---------------------------------------------------------------------- compare, downloads
def pick_result(label: str, history: list[dict[str, Any]]) -> ResultDocument | None:
    """A result from this session's list, or from an uploaded result.json."""
    names = [h["label"] for h in history]
    choice = st.selectbox(f"{label}: a result from this session", ["(none)", *names])
    upload = st.file_uploader(
        f"...or upload a {label.lower()} result.json", type=["json"], key=f"cmp-{label}"
    )
    if upload is not None:
        try:
            return compare.parse_result(upload.getvalue(), upload.name)
        except compare.NotAResult as exc:
            st.error(str(exc))
            return None
    if choice != "(none)":
        return history[names.index(choice)]["result"]
    return None


def show_compare() -> None:
    """What moved between two results, against the smallest detectable difference."""
    st.write(
        "Compare two sessions of the same runner, filmed the same way (e.g. before and after "
        "a block of exercises). Download each session's result.json to compare later."
    )
    history = st.session_state.get("history", [])
    col1, col2 = st.columns(2)
    with col1:
        before = pick_result("Before", history)
    with col2:
        after = pick_result("After", history)
    if before is None or after is None:
        st.info("Pick or upload two results.")
        return
    changes = compare_results(before, after)
    moved = [c for c in changes if c.changed]
    if moved:
        st.markdown(
            "**What moved:** "
            + ", ".join(f"{c.metric} {c.before:.1f} → {c.after:.1f}" for c in moved)
        )
    else:
        st.markdown("**Nothing moved beyond measurement noise.**")
    st.dataframe(compare.change_rows(changes), hide_index=True)
    st.caption(
        "Both clips side by side, stride by stride: *Runners* tab (two stored sessions) or "
        "`gaitlab compare BEFORE AFTER --video`."
    )
    st.caption(
        "A change counts when it exceeds the smallest detectable difference of 2D video "
        "(from test-retest studies, where known) or, otherwise, the noise from the two clips' "
        "own stride-to-stride spread (a lower bound: it ignores filming differences)."
    )


def show_runners() -> None:
    """A runner's sessions from the result store: open a past result, compare, trends."""
    try:
        url = resolve_store_url(os.environ.get(STORE_ENV) or None)
        if not store_exists(url):
            st.info(
                f"No result store yet ({display_url(url)}): analyse a clip and *Save to a "
                "runner's history*, or record sessions with `gaitlab analyze CLIP --runner ID` "
                "or a batch manifest with a runner column."
            )
            return
        store = result_store(os.environ.get(STORE_ENV, ""))
        codes = [r.code for r in store.runners()]
    except GaitlabError as exc:
        st.error(f"The result store cannot be opened: {exc.message}")
        return
    st.caption(
        f"Result store: {store.describe()}. Sessions are recorded by *Save to a runner's "
        "history* after an analysis here, by `gaitlab analyze CLIP --runner ID` and by batch "
        "manifests with a runner column."
    )
    if note := st.session_state.pop("runner_note", None):
        st.success(note)
    if not codes:
        st.info("No runners in the result store yet.")
        return
    code = st.selectbox("Runner", codes, key="runner")
    sessions = store.sessions(code)
    st.dataframe(runners.session_rows(sessions), hide_index=True)
    labels = [runners.session_label(s) for s in sessions]
    pick = st.selectbox("Session", labels, index=len(labels) - 1, key="runner-session")
    if st.button("Open this result", key="open-session"):
        session = sessions[labels.index(pick)]
        try:
            _, warning = runners.load_session_result(session)
        except GaitlabError as exc:
            st.error(exc.message)
        else:
            st.session_state["current"] = {
                "dir": session.result_dir, "label": pick, "clip": session.clip_path,
            }  # fmt: skip
            st.session_state["runner_note"] = (
                f"Opened {pick} in the other tabs (no re-analysis). {warning}".strip()
            )
            st.rerun()
    if len(sessions) >= 2:
        st.subheader("Compare two sessions")
        col1, col2 = st.columns(2)
        before = col1.selectbox("Before", labels, index=0, key="runner-before")
        after = col2.selectbox("After", labels, index=len(labels) - 1, key="runner-after")
        try:
            changes = runners.compare_sessions(
                sessions[labels.index(before)], sessions[labels.index(after)]
            )
        except GaitlabError as exc:
            st.error(exc.message)
        else:
            st.dataframe(compare.change_rows(changes), hide_index=True)
            show_side_by_side(sessions[labels.index(before)], sessions[labels.index(after)])
    choices = runners.metric_choices(sessions, metric_bands())
    if choices:
        st.subheader("Trend")
        metric = st.selectbox("Metric", choices, key="runner-metric")
        trend = metric_trend(sessions, metric, metric_bands())
        st.altair_chart(runners.trend_chart(trend))
        st.caption(runners.band_text(trend))
        st.dataframe(runners.trend_rows(trend), hide_index=True)
    delete_runner_control(store, code, len(sessions))


def show_side_by_side(before: SessionRecord, after: SessionRecord) -> None:
    """Both sessions' clips side by side, stride by stride (made on request, then kept)."""
    labels = (f"Before #{before.id}", f"After #{after.id}")
    key = (before.result_dir, after.result_dir)
    if st.button("Side-by-side video", key="sbs-make"):
        try:
            with st.spinner("Drawing both clips stride by stride (no pose inference)..."):
                out = workspace().path / "comparisons"
                made = side_by_side(before.result_dir, after.result_dir, out, labels)
        except GaitlabError as exc:
            st.error(f"No side-by-side video: {exc.message}")
            return
        st.session_state["side_by_side"] = (key, made)
    shown = st.session_state.get("side_by_side")
    if shown is not None and shown[0] == key and shown[1].video.is_file():
        st.video(str(shown[1].video))
        st.caption(shown[1].caption)


def delete_runner_control(store: SessionStore, code: str, n_sessions: int) -> None:
    """Delete a runner and all their data (same call as ``gaitlab runner delete``)."""
    with st.expander(f"Delete runner {code} and their data"):
        st.write(
            f"Deletes runner {code}: {n_sessions} sessions from the result store, the files "
            "recorded with them (result folders, saved copies, physio notes) and the cached "
            "landmarks of their clips. Files gaitlab did not write are kept and listed. This "
            "cannot be undone."
        )
        typed = st.text_input("Type the runner's code to confirm", key="delete-confirm")
        if st.button("Delete", key="delete-runner", disabled=typed.strip() != code):
            try:
                forgotten = forget_runner(store, code)
            except GaitlabError as exc:
                st.error(exc.message)
                return
            cur = st.session_state.get("current")
            if cur and not Path(cur["dir"]).exists():
                st.session_state["current"] = None  # it was one of the deleted results
            kept = "; ".join(forgotten.deletion.kept)
            st.session_state["runner_note"] = f"Deleted {forgotten.summary()}." + (
                f" Kept: {kept}" if kept else ""
            )
            for key in ("runner", "delete-confirm"):
                st.session_state.pop(key, None)
            st.rerun()


def show_save(cur: dict[str, Any]) -> None:
    """Save the result on show into a runner's history (a copy kept in the data folder)."""
    if note := st.session_state.pop("save_note", None):
        st.success(note)
    session = stored_session(cur["dir"])
    if session is not None:
        st.caption(
            f"This result is session #{session.id} of runner {session.runner}, kept in "
            f"`{session.result_dir}`."
        )
        return
    store = existing_store()
    codes = [r.code for r in store.runners()] if store is not None else []
    with st.expander("Save to a runner's history", expanded=False):
        st.caption(
            "Keeps a copy of this result (report, key frames, video, pose, notes) in the data "
            "folder and adds it to the runner's sessions (*Runners* tab). Without this, the "
            "result is deleted when you leave."
        )
        pick = st.selectbox("Runner", [runners.NEW_RUNNER, *codes], key="save-runner")
        typed = st.text_input(
            "New runner's code", key="save-code", disabled=pick != runners.NEW_RUNNER
        )
        height = st.number_input(
            "Runner's height (cm, optional)", 0.0, 250.0,
            float(st.session_state.get("height") or 0.0), step=1.0, key="save-height",
        )  # fmt: skip
        if not st.button("Save to history", key="save-history"):
            return
        try:
            code = runners.chosen_code(pick, typed)
            store = result_store(os.environ.get(STORE_ENV, ""))
            saved = save_to_history(
                store, cur["dir"], code, height_cm=height or None,
                physio_notes=notes.load_notes(cur["dir"]),
            )  # fmt: skip
        except GaitlabError as exc:
            st.error(f"Not saved: {exc.message}")
            return
    # Show the kept copy from now on (notes saved later go to it and to the store); Analyse
    # on the same clip and settings reopens it too.
    old, new = cur["dir"], str(saved.folder)
    st.session_state["current"] = {**cur, "dir": new}
    done = st.session_state.setdefault("done", {})
    for key, folder in done.items():
        if folder == old:
            done[key] = new
    st.session_state["save_note"] = runners.saved_message(saved, store.describe())
    st.rerun()


def show_downloads(cur: dict[str, Any]) -> None:
    """Reports, result JSON, CSVs and the annotated video."""
    for d in cards.downloads(cur["dir"]):
        st.download_button(
            d.label, d.path.read_bytes, file_name=d.path.name, mime=d.mime, on_click="ignore"
        )


# ---------------------------------------------------------------------- two-view session
def show_session() -> None:
    """Several clips of one run (side + rear) -> one session: merged findings, both videos."""
    st.markdown(
        "Upload two or more clips of the **same run**, say one filmed from the side and one "
        "from behind: each metric is taken from the view that measures it, and the findings "
        "are merged into one list."
    )
    uploads = st.file_uploader(
        "Clips of one run (side and rear)",
        type=UPLOAD_TYPES,
        accept_multiple_files=True,
        key="session_upload",
    )
    if st.button("Analyse as one session", key="analyse_session"):
        analyse_session(uploads or [])
    done = st.session_state.get("session")
    if not done:
        return
    session_dir = Path(done)
    session = read_session(session_dir)
    note = session.cadence.note
    (st.warning if session.cadence.agree is False else st.info)(f"Cadence: {note}")
    for line in session.missing:
        st.warning(f"Missing: {line}")
    st.subheader("Findings of the session (merged, worst first)")
    rows = two_views.finding_rows(session)
    if rows:
        st.table(rows)
    else:
        st.info("No finding in any clip.")
    st.subheader("Metrics, each from the view that measures it")
    st.table(two_views.metric_rows(session))
    videos = two_views.clip_videos(session, session_dir)
    for col, (label, video) in zip(st.columns(max(1, len(videos))), videos, strict=False):
        col.caption(label)
        col.video(str(video))
    st.download_button(
        "Download the session report (.zip)",
        two_views.session_zip(session, session_dir),
        file_name="gaitlab_session.zip",
        mime="application/zip",
        on_click="ignore",
        key="session_download",
    )


def analyse_session(uploads: list[Any]) -> None:
    """Analyse the uploaded clips as one session (the same call as `gaitlab analyze a b`)."""
    if len(uploads) < 2:
        st.warning("A session needs two or more clips of the same run.")
        return
    for upload in uploads:
        problem = check_upload(upload.name, upload.size, max_upload_mb())
        if problem:
            st.error(problem)
            return
    out = workspace().result_dir("session")
    clips = two_views.save_uploads(out / "clips", [(u.name, u.getvalue()) for u in uploads])
    request = AnalysisRequest(
        pose=default_pose_settings(),
        limits=VideoLimits(max_duration_s=MAX_DURATION_S, max_file_mb=max_upload_mb()),
    )
    try:
        with st.spinner(f"Analysing {len(clips)} clips..."), analysis_slots():
            run = analyze_session(
                clips,
                out,
                request,
                video=os.environ.get("GAITLAB_DASHBOARD_VIDEO", "1") != "0",
            )
    except GaitlabError as exc:
        st.error(exc.message)
        return
    for clip in run.session.failed:
        st.error(f"{clip.label} could not be analysed: {clip.error}")
    st.session_state["session"] = str(out)


# ---------------------------------------------------------------------- page
def upload_form(*, stacked: bool) -> tuple[Any, str, str, float, float]:
    """The clip, view, height and slow-motion inputs; one column when ``stacked``."""
    with st.expander("How to film your run", expanded=False):
        st.markdown(FILMING_GUIDE)
    col_up, col_sample = (st.container(), st.container()) if stacked else st.columns([2, 1])
    upload = col_up.file_uploader(
        f"Upload a running clip (.mp4 or .mov, up to {max_upload_mb()} MB and "
        f"{MAX_DURATION_S / 60:.0f} minutes)",
        type=UPLOAD_TYPES,
        key="upload",
    )
    sample = col_sample.selectbox(
        "No clip? Try a sample clip", [NO_SAMPLE, *sample_clips()], key="sample"
    )
    col1, col2, col3 = (st.container(),) * 3 if stacked else st.columns(3)
    view = col1.selectbox(
        "View", ["auto", "side", "rear", "front"], key="view", help="auto: detected"
    )
    height = col2.number_input(
        "Your height (cm, optional)", 0.0, 250.0, 0.0, step=1.0, key="height"
    )
    slowmo = col3.number_input("Slow-motion factor", 1.0, 16.0, 1.0, step=1.0, key="slowmo")
    return upload, sample, view, height, slowmo


def main() -> None:
    """Draw the page."""
    st.set_page_config(page_title="gaitlab", page_icon="🏃", layout="wide")
    st.title("gaitlab: running-gait analysis")
    st.caption(
        "gaitlab measures movement; it does not diagnose. Your clip is analysed on this "
        "server and deleted when you leave or load another one."
    )
    if st.get_option("browser.gatherUsageStats"):
        # Started by hand with Streamlit's defaults: say so rather than leak silently.
        st.warning(
            "This dashboard was started with Streamlit's usage statistics on, so your browser "
            "may report page use to Streamlit. Start it with `gaitlab dashboard` instead."
        )
    workspace()
    # Once a clip is analysed the form moves to the sidebar: the results open the page.
    analysed = current() is not None
    # The form's place on the page stays (empty once it is in the sidebar), so the tabs
    # below never move and keep the tab the user has open.
    form_slot = st.container()
    with st.sidebar if analysed else form_slot:
        if analysed:
            st.header("Analyse another clip")
        upload, sample, view, height, slowmo = upload_form(stacked=analysed)
        if st.button("Analyse", type="primary", key="analyse"):
            analyse(upload, sample, view, height, slowmo)
            if current() is not None and not analysed:
                st.rerun()

    cur = current()
    pending = cur is not None and outputs_job(Path(cur["dir"])) is not None
    # Always one element, whatever it holds: a save note that comes and goes above the tabs
    # would move them, and Streamlit would then reopen the first tab after the next click.
    save_slot = st.container()
    if cur and not pending:
        with save_slot:
            show_save(cur)  # a copy of the folder is taken once everything is in it
    runner, physio, two, comp, files, people = st.tabs(
        ["Your run", "Physio review", "Two-view session", "Compare sessions", "Downloads",
         "Runners"]
    )  # fmt: skip
    with runner:
        if cur:
            show_runner(cur)
        else:
            st.info("Upload a clip (or pick a sample) and press Analyse.")
    with physio:
        if pending:
            pending_note()
        elif cur:
            show_physio(cur)
        else:
            st.info("Analyse a clip first.")
    with two:
        show_session()
    with comp:
        show_compare()
    with files:
        if pending:
            pending_note()
        elif cur:
            show_downloads(cur)
        else:
            st.info("Analyse a clip first.")
    with people:
        show_runners()


main()
