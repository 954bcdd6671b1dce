"""The camera views the kinematics stage names (plain constants, no dependencies).

Apart from :mod:`.view`, which detects them, so that checking a user's choice of view (the
command line, an analysis request) loads no signal processing.
"""

from __future__ import annotations

VIEWS: tuple[str, ...] = ("side-left", "side-right", "rear", "front", "unclear")
SIDE_VIEWS: tuple[str, ...] = ("side-left", "side-right")
#: What a user may say: a view, or just ``side`` (facing is then detected).
USER_VIEWS: tuple[str, ...] = (*VIEWS, "side")
FRONTAL_VIEWS: tuple[str, ...] = ("rear", "front")
