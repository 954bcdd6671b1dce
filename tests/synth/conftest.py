from __future__ import annotations

import pytest

pytest.importorskip("pybullet")

from gaitlab.synth.motion import MotionLoop, load_motion, make_loop
from gaitlab.synth.runner import GaitSchedule, gait_schedule


@pytest.fixture(scope="session")
def run_loop() -> MotionLoop:
    return make_loop(load_motion("run"))


@pytest.fixture(scope="session")
def run_schedule(run_loop: MotionLoop) -> GaitSchedule:
    return gait_schedule(run_loop)
