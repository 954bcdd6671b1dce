"""How the camera moves during a synthetic clip: static, panning or pass-by.

- ``static``: a tripod and a runner on a treadmill (the only kind before camera motion);
- ``panning``: the runner runs overground past the camera and a hand-held phone turns about
  its own centre to keep them in frame. The turn follows the runner like a damped spring
  with a reaction delay (it lags, then overshoots) and a little hand shake in pan, tilt and
  roll;
- ``pass-by``: a tripod and a runner running overground: across the frame (side views,
  entering and leaving) or away from the camera (rear view) or towards it (front view).

A camera turning about its own centre sees the static room through a homography, so the
renderer draws the room once, wide, and warps it per frame (:mod:`gaitlab.synth.render`).
Everything here is a pure function of the motion's parameters and the runner's path.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

#: Camera motions :func:`camera_angles` knows.
CAMERA_MOTIONS: tuple[str, ...] = ("static", "panning", "pass-by")
#: Step of the follower's simulation (s).
_SIM_DT_S = 0.001


@dataclass(frozen=True)
class CameraMotion:
    """The camera's motion and the runner's start, for one clip.

    Attributes
    ----------
    kind
        One of :data:`CAMERA_MOTIONS`; anything but ``static`` means an overground runner.
    start_x_m
        The runner's forward (+X) position at time 0 (the treadmill centre is 0), m.
    follow_hz
        Natural frequency of the panning hand's spring-like follow, Hz.
    damping
        Damping ratio of that follow (below 1 it overshoots).
    lag_s
        Reaction delay: the hand aims where the runner was this long ago, s.
    shake_deg
        RMS of the hand shake in each of pan, tilt and roll, deg.
    shake_hz
        Typical frequency of the shake, Hz.
    shake_seed
        Seeds the shake's frequencies and phases.
    """

    kind: str = "static"
    start_x_m: float = 0.0
    follow_hz: float = 1.0
    damping: float = 0.6
    lag_s: float = 0.15
    shake_deg: float = 0.0
    shake_hz: float = 5.0
    shake_seed: int = 0

    def __post_init__(self) -> None:
        if self.kind not in CAMERA_MOTIONS:
            raise ValueError(f"camera motion must be one of {CAMERA_MOTIONS}, got {self.kind!r}")
        if self.follow_hz <= 0.0 or self.damping <= 0.0 or self.lag_s < 0.0:
            raise ValueError("the panning follow needs follow_hz > 0, damping > 0, lag_s >= 0")

    @property
    def overground(self) -> bool:
        """Whether the runner runs overground (every motion but ``static``)."""
        return self.kind != "static"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready parameters."""
        return asdict(self)


def _shake(
    motion: CameraMotion, time_s: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Pan, tilt and roll shake (deg): three sines each, seeded, RMS ``shake_deg``."""
    rng = np.random.default_rng([motion.shake_seed, 23])
    out = []
    for _ in range(3):
        freq = motion.shake_hz * rng.uniform(0.5, 1.6, 3)
        phase = rng.uniform(0.0, 2.0 * np.pi, 3)
        amp = rng.uniform(0.5, 1.0, 3)
        # A sum of sines of RMS sqrt(sum(a^2) / 2), scaled to the wanted RMS.
        amp *= motion.shake_deg / np.sqrt(np.sum(amp**2) / 2.0)
        out.append(np.sum(amp * np.sin(2.0 * np.pi * freq * time_s[:, None] + phase), axis=1))
    return out[0], out[1], out[2]


def bearing_deg(
    eye_m: NDArray[np.float64], forward: NDArray[np.float64], points_m: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Horizontal angle from the camera's forward direction to points, + anticlockwise (deg)."""
    rel = np.asarray(points_m, dtype=np.float64)[..., :2] - eye_m[:2]
    f = forward[:2] / np.linalg.norm(forward[:2])
    cross = f[0] * rel[..., 1] - f[1] * rel[..., 0]
    return np.degrees(np.arctan2(cross, rel @ f))


def camera_angles(
    motion: CameraMotion,
    eye_m: NDArray[np.float64],
    forward: NDArray[np.float64],
    time_s: NDArray[np.float64],
    runner_m: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Pan, tilt and extra roll of the camera at each frame (deg; zero unless panning).

    The panning hand aims where the runner was ``lag_s`` ago; its pan angle ``a`` follows
    that aim ``a*`` as ``a'' = w^2 (a* - a) - 2 z w a'`` (``w = 2 pi follow_hz``,
    ``z = damping``), simulated at 1 ms from rest on the aim; the shake adds on top.

    Parameters
    ----------
    motion
        The camera's motion.
    eye_m, forward
        The camera's centre and its unturned viewing direction (world).
    time_s
        ``(n,)`` frame times, s.
    runner_m
        ``(n, 3)`` the runner's mid-hip at those times (world, m).

    Returns
    -------
    pan_deg, tilt_deg, roll_deg : numpy.ndarray
        ``(n,)`` each; + pan turns the view anticlockwise seen from above, + tilt raises it,
        + roll turns the image counter-clockwise.
    """
    t = np.asarray(time_s, dtype=np.float64)
    zero = np.zeros_like(t)
    if motion.kind != "panning" or len(t) == 0:
        return zero, zero.copy(), zero.copy()
    aim_at = bearing_deg(eye_m, forward, runner_m)
    grid = np.arange(t[0] - motion.lag_s, t[-1] + _SIM_DT_S, _SIM_DT_S)
    aim = np.interp(grid, t, aim_at)  # held at the ends, before the clip starts
    w = 2.0 * np.pi * motion.follow_hz
    a, v = float(aim[0]), 0.0
    pan = np.empty_like(grid)
    for i, target in enumerate(aim):
        pan[i] = a
        v += (w * w * (target - a) - 2.0 * motion.damping * w * v) * _SIM_DT_S
        a += v * _SIM_DT_S
    # The pan at time t is the follower's state after reacting to the aim of t - lag.
    pan_t = np.interp(t, grid + motion.lag_s, pan)
    shake_pan, shake_tilt, shake_roll = _shake(motion, t)
    return pan_t + shake_pan, shake_tilt, shake_roll


#: Ground speed of the bundled run overground at cadence scale 1 (m/s), from its stride
#: length over its stride time; used only to place the runner's start.
NOMINAL_SPEED_M_PER_S = 3.06


def runner_start_x_m(
    kind: str,
    view: str,
    half_width_m: float,
    distance_m: float,
    duration_s: float,
    speed_m_per_s: float = NOMINAL_SPEED_M_PER_S,
    lead_s: float = 0.0,
) -> float:
    """Where an overground runner starts (+X, m) so the clip shows what its motion promises.

    - panning: the runner passes square to the camera at mid-clip (``lead_s`` later);
    - pass-by, side views: the runner's middle is 0.5 m outside the frame's edge at
      ``lead_s`` (negative: already in frame at the start) and crosses the frame;
    - pass-by, rear view: starts ``lead_s * speed`` ahead of the treadmill spot and runs away;
    - pass-by, front view: runs towards the camera and ends 2 m in front of it.

    Parameters
    ----------
    kind, view
        Camera motion and view.
    half_width_m
        Half the frame's width at the runner's line (side views), m.
    distance_m
        Camera distance from the treadmill spot, m.
    duration_s
        Clip length, s.
    speed_m_per_s
        The runner's ground speed.
    lead_s
        Shift of the runner's schedule (see above), s.

    Returns
    -------
    float
    """
    if kind == "static":
        return 0.0
    travel = speed_m_per_s * duration_s
    if kind == "panning":
        return -0.5 * travel - speed_m_per_s * lead_s
    if view == "rear":
        return speed_m_per_s * abs(lead_s)
    if view == "front":
        return distance_m - 2.0 - travel
    return -(half_width_m + 0.5) - speed_m_per_s * lead_s
