from __future__ import annotations

from gaitlab.dashboard.run import staged


def test_staged_maps_a_stage_onto_its_part_of_the_bar():
    calls: list[tuple[float, str]] = []
    update = staged(lambda f, text: calls.append((f, text)), 0.5, 1.0, "Drawing")
    for done in range(1, 1001):
        update(done, 1000)
    assert len(calls) == 101  # throttled: once a percent, 0 % to 100 %
    assert calls[-1] == (1.0, "Drawing: frame 1000 of 1000")
    fractions = [f for f, _ in calls]
    assert fractions == sorted(fractions) and 0.5 <= fractions[0] < 0.51


def test_staged_without_a_callback_or_total_is_harmless():
    staged(None, 0.0, 0.5, "Pose")(3, 10)
    calls = []
    staged(lambda f, t: calls.append(f), 0.0, 0.5, "Pose")(0, 0)
    assert calls == [0.0]
