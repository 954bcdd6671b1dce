"""Pose estimation: the backend protocol, MediaPipe, model files, and the cached extractor."""

from gaitlab.pose.backend import FramePose, MediaPipeBackend, MediaPipeSettings, PoseBackend
from gaitlab.pose.extract import PoseSettings, default_cache_dir, extract_pose

__all__ = [
    "FramePose",
    "MediaPipeBackend",
    "MediaPipeSettings",
    "PoseBackend",
    "PoseSettings",
    "default_cache_dir",
    "extract_pose",
]
