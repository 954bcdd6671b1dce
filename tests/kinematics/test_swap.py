import numpy as np
import pytest

from gaitlab.kinematics.swap import detect_leg_swaps, swap_legs
from gaitlab.landmarks import LEG

from .stickrunner import RunnerSpec, make_run

PLANTED = ((40, 46), (100, 130), (301, 302), (420, 470))


def _planted_mask(n: int) -> np.ndarray:
    m = np.zeros(n, bool)
    for a, b in PLANTED:
        m[a:b] = True
    return m


@pytest.mark.parametrize("view", ["side-right", "side-left"])
@pytest.mark.parametrize("noise_px", [0.0, 2.0])
def test_planted_swaps_found_exactly(view, noise_px):
    run = make_run(RunnerSpec(view=view, noise_px=noise_px, swaps=PLANTED, seed=3))
    rep = detect_leg_swaps(run.series.xy_px, run.leg_px)
    expected = _planted_mask(run.series.n_frames)
    np.testing.assert_array_equal(rep.swapped, expected)
    assert rep.n_repaired == expected.sum()


def test_swaps_found_at_30_fps():
    swaps = ((20, 25), (60, 75))
    run = make_run(RunnerSpec(fps=30.0, noise_px=1.0, swaps=swaps, seed=4))
    rep = detect_leg_swaps(run.series.xy_px, run.leg_px, time_s=run.series.time_s)
    expected = np.zeros(run.series.n_frames, bool)
    for a, b in swaps:
        expected[a:b] = True
    assert (rep.swapped != expected).sum() <= 1


def test_clean_series_needs_no_repair():
    run = make_run(RunnerSpec(noise_px=1.5, seed=5))
    assert detect_leg_swaps(run.series.xy_px, run.leg_px).n_repaired == 0


def test_repair_restores_true_positions():
    clean = make_run(RunnerSpec())
    bad = make_run(RunnerSpec(swaps=PLANTED))
    rep = detect_leg_swaps(bad.series.xy_px, bad.leg_px)
    fixed = swap_legs(bad.series.xy_px, rep.swapped)
    np.testing.assert_allclose(fixed, clean.series.xy_px)


def test_swaps_separated_by_dropout_handled_per_run():
    run = make_run(RunnerSpec(swaps=((100, 130),), dropouts=((200, 260),)))
    rep = detect_leg_swaps(run.series.xy_px, run.leg_px)
    assert rep.swapped[100:130].all() and rep.n_repaired == 30


def test_swap_legs_is_an_involution_and_touches_only_legs():
    rng = np.random.default_rng(0)
    arr = rng.normal(size=(10, 33, 2))
    m = np.zeros(10, bool)
    m[[2, 5]] = True
    out = swap_legs(arr, m)
    np.testing.assert_array_equal(out[2, list(LEG["left"])], arr[2, list(LEG["right"])])
    np.testing.assert_array_equal(out[:, :23], arr[:, :23])
    np.testing.assert_array_equal(swap_legs(out, m), arr)


def _crossing_frames(run) -> list[int]:
    """Frames where the ankles pass each other (the legs cross at mid-stance in side view)."""
    la, ra = LEG["left"][2], LEG["right"][2]
    dx = run.series.xy_px[:, la, 0] - run.series.xy_px[:, ra, 0]
    return [int(i) + 1 for i in np.flatnonzero(np.sign(dx[:-1]) != np.sign(dx[1:]))]


def test_glitches_at_crossings_do_not_start_long_swaps():
    # MediaPipe on rendered runners: the raw labels are right except one- or two-frame
    # glitches where the legs cross. Nothing beyond the planted glitches may be flagged.
    # (A guard only: the stick runner's clean glitches do not reproduce MediaPipe's jitter
    # at crossings, which made the frame-to-frame model alone relabel whole half-strides on
    # rendered clips; that failure is measured in docs/accuracy.md.)
    clean = make_run(RunnerSpec(view="side-left", noise_px=2.0, seed=8))
    crossings = [c for c in _crossing_frames(clean) if 5 < c < clean.series.n_frames - 5]
    glitches = tuple((c, c + 2) for c in crossings[::2])
    run = make_run(RunnerSpec(view="side-left", noise_px=2.0, seed=8, swaps=glitches))
    rep = detect_leg_swaps(run.series.xy_px, run.leg_px, time_s=run.series.time_s)
    planted = np.zeros(run.series.n_frames, bool)
    for a, b in glitches:
        planted[a:b] = True
    assert not np.any(rep.swapped & ~planted), np.flatnonzero(rep.swapped & ~planted)


def test_swap_starting_at_a_mid_stance_crossing_is_found():
    # A swap that starts where the legs cross and lasts to the next crossing: positions
    # alone cannot see its start, the legs' paths (stance foot moving on with the ground,
    # swing foot on with its swing) can.
    clean = make_run(RunnerSpec(view="side-left", noise_px=1.0, seed=9))
    c = [x for x in _crossing_frames(clean) if x > 60]
    swaps = ((c[0], c[1]),)
    run = make_run(RunnerSpec(view="side-left", noise_px=1.0, seed=9, swaps=swaps))
    rep = detect_leg_swaps(run.series.xy_px, run.leg_px, time_s=run.series.time_s)
    expected = np.zeros(run.series.n_frames, bool)
    expected[c[0] : c[1]] = True
    assert (rep.swapped != expected).sum() <= 2
