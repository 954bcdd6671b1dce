"""Stride-by-stride alignment of two clips, against frame mappings worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from gaitlab.report.stepsync import (
    StrideSpan,
    align_strides,
    choose_side,
    pairable,
    stride_spans,
)


def _times(n: int, fps: float) -> np.ndarray:
    return np.arange(n) / fps


def test_spans_from_strikes_number_every_stride_and_mark_the_excluded():
    spans = stride_spans([90, 30, 60, 120, 60], excluded=[60])
    assert [(s.number, s.start_frame, s.end_frame, s.excluded) for s in spans] == [
        (1, 30, 60, False),
        (2, 60, 90, True),
        (3, 90, 120, False),
    ]
    assert stride_spans([42]) == []  # one strike is no stride


def test_same_fps_same_stride_length_maps_frame_for_frame():
    # Both clips at 30 fps, strides of exactly 30 frames (1 s) starting at 10 and 50: at
    # 30 fps out, output frame j of the pair shows frame start + j of each clip.
    t = _times(200, 30.0)
    a = [StrideSpan(1, 10, 40)]
    b = [StrideSpan(1, 50, 80)]
    plan = align_strides(a, b, t, t, out_fps=30.0)
    assert plan.n_out == 30
    np.testing.assert_array_equal(plan.frame_a, np.arange(10, 40))
    np.testing.assert_array_equal(plan.frame_b, np.arange(50, 80))
    np.testing.assert_allclose(plan.phase_pct, 100 * np.arange(30) / 30)


def test_different_fps_map_through_each_clips_own_timestamps():
    # A at 30 fps, B at 60 fps, both strides last 1 s: B advances two frames per output
    # frame at 30 fps out.
    a = [StrideSpan(1, 0, 30)]
    b = [StrideSpan(1, 0, 60)]
    plan = align_strides(a, b, _times(100, 30.0), _times(100, 60.0), out_fps=30.0)
    np.testing.assert_array_equal(plan.frame_a, np.arange(30))
    np.testing.assert_array_equal(plan.frame_b, 2 * np.arange(30))


def test_the_quicker_stride_is_stretched_to_the_slower_ones_length():
    # A's stride takes 1 s (30 frames), B's 0.5 s (15 frames), both at 30 fps: 30 output
    # frames; B holds each of its frames for two output frames.
    t = _times(100, 30.0)
    plan = align_strides([StrideSpan(1, 0, 30)], [StrideSpan(1, 20, 35)], t, t, 30.0)
    assert plan.n_out == 30
    np.testing.assert_array_equal(plan.frame_a, np.arange(30))
    np.testing.assert_array_equal(plan.frame_b, 20 + np.arange(30) // 2)
    # Never past the stride: the next foot strike (frame 35) starts the next pair.
    assert plan.frame_b.max() == 34


def test_unequal_stride_counts_pair_the_first_ones_and_count_the_rest():
    t = _times(400, 30.0)
    a = stride_spans([0, 30, 60, 90, 120])  # 4 strides
    b = stride_spans([5, 35, 65])  # 2 strides
    plan = align_strides(a, b, t, t, 30.0)
    assert [(p.k, p.a.number, p.b.number) for p in plan.pairs] == [(1, 1, 1), (2, 2, 2)]
    assert (plan.unpaired_a, plan.unpaired_b) == (2, 0)
    assert plan.n_out == 60
    # Pair 2 starts at output frame 30 on A's frame 30 and B's frame 35.
    assert plan.pairs[1].first_out == 30
    assert (plan.frame_a[30], plan.frame_b[30]) == (30, 35)
    np.testing.assert_array_equal(plan.pair_index, np.repeat([0, 1], 30))


def test_an_excluded_stride_is_skipped_so_the_next_one_pairs():
    # A's second stride (frames 30-60) is excluded: B's stride 2 pairs with A's stride 3.
    t = _times(400, 30.0)
    a = stride_spans([0, 30, 60, 90], excluded=[30])
    b = stride_spans([0, 30, 60, 90])
    plan = align_strides(a, b, t, t, 30.0)
    assert [(p.a.number, p.b.number) for p in plan.pairs] == [(1, 1), (3, 2)]
    assert (plan.unpaired_a, plan.unpaired_b) == (0, 1)
    assert plan.frame_a[30] == 60  # A's excluded frames 30-59 are never shown
    assert not np.any((plan.frame_a >= 30) & (plan.frame_a < 60))
    assert pairable(a, b) == 2


def test_the_mapping_never_goes_back_in_either_clip():
    # Variable frame rate in B (jittered timestamps): still monotone, so one decoding pass
    # per clip suffices.
    rng = np.random.default_rng(7)
    tb = np.cumsum(rng.uniform(0.012, 0.022, 500))
    a = stride_spans([0, 28, 57, 85, 114])
    b = stride_spans([10, 60, 115, 170, 220])
    plan = align_strides(a, b, _times(300, 30.0), tb, 60.0)
    assert np.all(np.diff(plan.frame_a) >= 0)
    assert np.all(np.diff(plan.frame_b) >= 0)


def test_no_stride_on_one_side_gives_an_empty_plan():
    t = _times(100, 30.0)
    plan = align_strides(stride_spans([0, 30]), [], t, t, 30.0)
    assert plan.n_out == 0 and plan.pairs == () and plan.unpaired_a == 1


def test_bad_arguments_are_refused():
    t = _times(50, 30.0)
    with pytest.raises(ValueError, match="out_fps"):
        align_strides([], [], t, t, 0.0)
    with pytest.raises(ValueError, match="outside"):
        align_strides([StrideSpan(1, 10, 60)], [StrideSpan(1, 0, 30)], t, t, 30.0)
    with pytest.raises(ValueError, match="not after"):
        StrideSpan(1, 30, 30)


def test_the_side_with_more_pairs_is_chosen_and_ties_go_to_the_preferred():
    three = stride_spans([0, 30, 60, 90])
    one = stride_spans([0, 30])
    assert choose_side({"left": one, "right": three}, {"left": three, "right": three}) == "right"
    same = {"left": three, "right": three}
    assert choose_side(same, same) == "left"
    assert choose_side(same, same, prefer="right") == "right"
