"""Reading clips (validation, rotation, timestamps, frame streaming) and writing files safely.

Names are imported from their submodule on first use (PEP 562): :mod:`gaitlab.io.files` is
used by :mod:`gaitlab.series`, which :mod:`gaitlab.io.video` itself imports, so importing the
package must not load the video module.
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
