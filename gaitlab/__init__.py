"""gaitlab: running-gait analysis from a phone video.

Data flows one way: video (:mod:`gaitlab.io`) -> landmarks (:mod:`gaitlab.pose`,
:class:`gaitlab.series.PoseSeries`) -> kinematics -> findings -> presentation.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("gaitlab")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
