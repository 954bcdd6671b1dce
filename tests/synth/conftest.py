from __future__ import annotations

import pytest

pytest.importorskip("pybullet")

from gaitlab.synth.gait import GaitSchedule, gait_schedule
from gaitlab.synth.motion import MotionLoop, load_motion, make_loop


@pytest.fixture(scope="session")
def run_loop() -> MotionLoop:
    return make_loop(load_motion("run"))


@pytest.fixture(scope="session")
def run_schedule(run_loop: MotionLoop) -> GaitSchedule:
    return gait_schedule(run_loop)
