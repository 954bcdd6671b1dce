"""A stored session follows its result folder when the reviewer corrects the events."""

from __future__ import annotations

import json
from pathlib import Path

from gaitlab.corrections.folder import apply_corrections
from gaitlab.kinematics.corrections import Corrections, EventEdit
from gaitlab.report import write_outputs
from gaitlab.store import open_store, save_to_history
from gaitlab.store.corrected import record_corrected
from tests.report.synthetic import synthetic_analysis


def test_corrected_numbers_reach_the_store_with_date_and_notes_kept(tmp_path: Path) -> None:
    src = tmp_path / "tmp-result"
    write_outputs(synthetic_analysis(tmp_path), src, video=False, keyframes=False)
    with open_store(str(tmp_path / "store.sqlite")) as db:
        saved = save_to_history(db, src, "r07", physio_notes="sore calf")
        before = db.session_in(saved.folder)
        contact = {m.metric: m for m in before.metrics}["contact_time_s"]
        events = json.loads((saved.folder / "result.json").read_text())["kinematics"]["events"]
        strike = next(e for e in events if e["side"] == "left" and e["kind"] == "foot_strike")
        # Leaving out the first left stride changes the stride count the store keeps.
        fix = Corrections((EventEdit("exclude_stride", "left", "foot_strike", strike["frame"]),))
        apply_corrections(saved.folder, fix, keyframes=False, reports=False)
        after = record_corrected(db, saved.folder)
        assert after is not None and after.runner == "r07"
        assert [s.id for s in db.sessions("r07")] == [after.id]  # replaced, not added
        fixed = {m.metric: m for m in after.metrics}["contact_time_s"]
        assert fixed.n_strides == contact.n_strides - 1
        assert after.recorded_utc == before.recorded_utc
        assert after.physio_notes == "sore calf"
        # Reloaded from the store's folder, the result carries the correction.
        reloaded = json.loads((Path(after.result_dir) / "result.json").read_text())
        assert reloaded["kinematics"]["corrections"]["n_strides_excluded"] == 1
        assert record_corrected(db, tmp_path) is None
