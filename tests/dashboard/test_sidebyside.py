"""The dashboard's side-by-side video: made once per pair of results, remade after a change."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import av

from gaitlab.dashboard.sidebyside import side_by_side


def test_made_once_then_reused_and_remade_when_a_result_changes(synthetic_result, tmp_path):
    after = tmp_path / "after"
    shutil.copytree(synthetic_result, after)
    out = tmp_path / "made"
    first = side_by_side(synthetic_result, after, out, ("Before #1", "After #2"))
    with av.open(str(first.video)) as c:
        assert c.streams.video[0].codec_context.name == "h264"
        n = sum(1 for _ in c.decode(video=0))
    assert n > 0
    assert first.caption.startswith("Stride k of each session over the same frames: ")
    stamp = first.video.stat().st_mtime_ns
    again = side_by_side(synthetic_result, after, out, ("Before #1", "After #2"))
    assert again == first and again.video.stat().st_mtime_ns == stamp  # not drawn again
    # A corrected (changed) result is another video.
    doc = json.loads((after / "result.json").read_text())
    doc["extra_note"] = "changed"
    (after / "result.json").write_text(json.dumps(doc))
    changed = side_by_side(synthetic_result, after, out, ("Before #1", "After #2"))
    assert changed.video != first.video
    assert sorted(p.suffix for p in Path(out).iterdir()) == [".mp4", ".mp4", ".txt", ".txt"]
