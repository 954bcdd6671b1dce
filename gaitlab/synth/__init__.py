"""Ground-truth runners: render clips whose true kinematics are known exactly.

``gaitlab synth`` (extra ``gaitlab[synth]``, which pulls pybullet) poses pybullet's
motion-capture humanoid frame by frame on a treadmill, plants gait deviations of known size,
renders with pybullet's CPU TinyRenderer and writes ``<clip>.truth.json`` beside each clip.

Modules: :mod:`~gaitlab.synth.motion` (DeepMimic clips, seamless loop),
:mod:`~gaitlab.synth.skeleton` (segments, forward kinematics),
:mod:`~gaitlab.synth.deviations` (planted faults, presets),
:mod:`~gaitlab.synth.gait` (time -> pose, foot lock), :mod:`~gaitlab.synth.figure` (looks),
:mod:`~gaitlab.synth.render` (camera, scene, video),
:mod:`~gaitlab.synth.clip` (:func:`~gaitlab.synth.clip.render_clip`: video and truth file),
:mod:`~gaitlab.synth.truth` / :mod:`~gaitlab.synth.truth_file` (metric definitions, JSON),
:mod:`~gaitlab.synth.evaluate` (MediaPipe vs truth), :mod:`~gaitlab.synth.cli`.

Nothing here imports pybullet at import time except :mod:`~gaitlab.synth.render`'s renderer,
which imports it when constructed.
"""
