"""Measurements read from the image itself during the pose pass (pure functions of a frame).

Some things the landmarks cannot see (the pelvis's tilt from behind) are visible in the
pixels; these functions take one upright frame and its landmarks and return a number with its
quality, so that the pose pass can store them beside the landmarks.
"""

from gaitlab.imaging.waistband import WaistbandLine, WaistbandSettings, waistband_line

__all__ = ["WaistbandLine", "WaistbandSettings", "waistband_line"]
