"""Reading clips: validation, rotation, timestamps and frame streaming."""

from gaitlab.io.video import (
    VIDEO_EXTENSIONS,
    Frame,
    VideoLimits,
    iter_frames,
    probe_video,
)

__all__ = ["VIDEO_EXTENSIONS", "Frame", "VideoLimits", "iter_frames", "probe_video"]
