"""Pose estimation: the backend protocol, MediaPipe, model files, and the cached extractor."""

from gaitlab.pose.backend import FramePose, MediaPipeBackend, MediaPipeSettings, PoseBackend
from gaitlab.pose.extract import PoseRun, PoseSettings, default_cache_dir, extract_pose

__all__ = [
    "FramePose",
    "MediaPipeBackend",
    "MediaPipeSettings",
    "PoseBackend",
    "PoseRun",
    "PoseSettings",
    "default_cache_dir",
    "extract_pose",
]
