"""gaitlab's Streamlit dashboard: a thin shell over :mod:`gaitlab.pipeline`.

Run with ``streamlit run app.py``. No metric or rule logic lives here: the page collects the
clip and options, calls the library, and shows what it returns.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from gaitlab.errors import GaitlabError
from gaitlab.io.video import VIDEO_EXTENSIONS, VideoLimits
from gaitlab.pipeline import AnalysisRequest, ClipAnalysis, analyze_clip, default_pose_settings

MAX_UPLOAD_MB = 200
SAMPLE_DIR = Path(__file__).resolve().parent / "sample_videos"

FILMING_GUIDE = """
- **Side view** for hip extension, back arch, trunk lean and timing; **rear view** for pelvic drop.
- Phone still and level at hip height, 3-5 m away, whole body in frame, one runner.
- **60 fps or more** (slow motion is better); 10-15 s of steady running.
- Fitted shorts with a contrasting waistband; nothing loose over the lower back.
"""


def _analyse(clip: Path, view: str, height_cm: float | None, slowmo: float) -> ClipAnalysis:
    progress = st.progress(0.0, text="Finding the runner in each frame...")

    def update(done: int, total: int) -> None:
        progress.progress(min(done / max(total, 1), 1.0), text=f"Pose: frame {done} of {total}")

    request = AnalysisRequest(
        view=view,
        height_cm=height_cm,
        pose=default_pose_settings(slowmo_factor=slowmo),
        limits=VideoLimits(max_duration_s=120.0),
    )
    try:
        return analyze_clip(clip, request, progress=update)
    finally:
        progress.empty()


def _show(analysis: ClipAnalysis) -> None:
    result = analysis.to_dict()
    clip, pose = result["clip"], result["pose"]
    st.subheader("Clip quality")
    cols = st.columns(4)
    cols[0].metric("Frame size", f"{clip['width_px']}x{clip['height_px']}")
    cols[1].metric("Frame rate", f"{clip['capture_fps']:.0f} fps")
    cols[2].metric("Duration", f"{clip['duration_s']:.1f} s")
    cols[3].metric("Runner found", f"{100 * pose['detection_rate']:.0f} % of frames")
    if clip["capture_fps"] < 59:
        st.info("Timing metrics need 60 fps or more to be trusted; this clip is slower.")
    with st.expander("Full result (JSON)"):
        st.json(result)


def main() -> None:
    """Draw the page."""
    st.set_page_config(page_title="gaitlab", layout="wide")
    st.title("gaitlab: running-gait analysis")
    st.caption("gaitlab measures movement; it does not diagnose. Your video stays on this server.")
    with st.expander("How to film your run", expanded=False):
        st.markdown(FILMING_GUIDE)

    upload = st.file_uploader(
        f"Upload a running clip (up to {MAX_UPLOAD_MB} MB)",
        type=[e.lstrip(".") for e in VIDEO_EXTENSIONS],
    )
    samples = sorted(SAMPLE_DIR.glob("*.mp4"))
    sample = st.selectbox(
        "...or try a sample clip", ["(none)"] + [p.name for p in samples], index=0
    )
    col1, col2, col3 = st.columns(3)
    view = col1.selectbox("View", ["auto", "side", "rear", "front"])
    height = col2.number_input("Your height (cm, optional)", 0.0, 250.0, 0.0, step=1.0)
    slowmo = col3.number_input("Slow-motion factor", 1.0, 16.0, 1.0, step=1.0)

    if not st.button("Analyse", type="primary"):
        return
    with tempfile.TemporaryDirectory(prefix="gaitlab-upload-") as tmp:
        if upload is not None:
            if upload.size > MAX_UPLOAD_MB * 1024 * 1024:
                st.error(f"That file is over {MAX_UPLOAD_MB} MB; trim it to 10-30 s of running.")
                return
            clip = Path(tmp) / Path(upload.name).name
            clip.write_bytes(upload.getbuffer())
        elif sample != "(none)":
            clip = SAMPLE_DIR / sample
        else:
            st.warning("Upload a clip or pick a sample first.")
            return
        try:
            analysis = _analyse(clip, view, height or None, slowmo)
        except GaitlabError as exc:
            st.error(exc.message)
            st.markdown(FILMING_GUIDE)
            return
    _show(analysis)


main()
