"""One validation layer for numeric settings: the same range wherever a value comes from."""

from __future__ import annotations

import argparse
import math

import pytest

from gaitlab.batch.inputs import BatchInputError, read_manifest
from gaitlab.errors import InvalidOption
from gaitlab.io.video import VideoLimits
from gaitlab.options import HEIGHT_CM, SLOWMO_FACTOR, WORKERS, NumberRange
from gaitlab.pipeline import AnalysisRequest
from gaitlab.pose.extract import PoseSettings


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan, 0.5, 65.0, "8", None, True])
def test_slowmo_outside_its_range_or_not_a_number_is_refused(value):
    with pytest.raises(InvalidOption, match="slowmo_factor must be a number between 1 and 64"):
        SLOWMO_FACTOR.check(value)


def test_values_in_range_pass_and_keep_their_value():
    assert SLOWMO_FACTOR.check(8) == 8.0 and HEIGHT_CM.check(100) == 100.0
    assert WORKERS.check(2.0) == 2 and isinstance(WORKERS.check(2.0), int)
    with pytest.raises(InvalidOption, match=r"whole number between 1 and 64, got 1\.5"):
        WORKERS.check(1.5)
    assert NumberRange("x", 0.0, math.inf).describe() == "a number of at least 0"


def test_the_command_line_parser_uses_the_same_range():
    parse = SLOWMO_FACTOR.argtype()
    assert parse("8") == 8.0
    for text, shown in (("inf", "inf"), ("nan", "nan"), ("0", "0"), ("fast", "'fast'")):
        with pytest.raises(argparse.ArgumentTypeError) as exc:
            parse(text)
        assert str(exc.value) == f"must be a number between 1 and 64, got {shown}"


def test_settings_objects_refuse_what_the_command_line_refuses():
    # The library and the dashboard build these directly: the same checks apply.
    with pytest.raises(InvalidOption, match="slowmo_factor must be a number between 1 and 64"):
        PoseSettings(slowmo_factor=math.inf)
    with pytest.raises(InvalidOption, match="height_cm must be a number between 100 and 250"):
        AnalysisRequest(height_cm=math.nan)
    with pytest.raises(InvalidOption, match="min_duration_s must be a number between 0 and"):
        VideoLimits(min_duration_s=-1.0)
    with pytest.raises(InvalidOption, match="max_file_mb must be a number of at least"):
        VideoLimits(max_file_mb=math.nan)
    # Still a ValueError for callers that validate by catching it (the dashboard does).
    assert issubclass(InvalidOption, ValueError) and InvalidOption("x").exit_code == 2


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("inf", "slowmo must be a number between 1 and 64, got inf"),
        ("65", "slowmo must be a number between 1 and 64, got 65"),
        ("nan", "slowmo must be a number between 1 and 64, got nan"),
        ("quick", "slowmo must be a number between 1 and 64, got 'quick'"),
    ],
)
def test_a_manifest_cell_is_checked_as_the_option_is(tmp_path, cell, message):
    manifest = tmp_path / "m.csv"
    manifest.write_text(f"path,slowmo\na.mp4,{cell}\n")
    with pytest.raises(BatchInputError) as exc:
        read_manifest(manifest)
    assert exc.value.message == f"{manifest}:2: {message}"
