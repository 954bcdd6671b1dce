"""Reading clips: validation, rotation, timestamps, frame streaming.

Names are imported from their submodule on first use (PEP 562), so that importing the
package does not load PyAV and OpenCV. Writing files safely is :mod:`gaitlab.files`.
"""

from __future__ import annotations

from gaitlab.lazy import lazy_exports

_EXPORTS = {
    "VIDEO_EXTENSIONS": "video",
    "Frame": "video",
    "VideoLimits": "video",
    "iter_frames": "video",
    "probe_video": "video",
}

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
__all__ = sorted(_EXPORTS)
