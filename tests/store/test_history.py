"""History, trends and the CSV export against numbers computed here from the fixtures."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest

from gaitlab.cli import main
from gaitlab.store import open_store, read_session_folder
from gaitlab.store.history import metric_moves, metric_trend
from tests.store.factories import metric, result_dict, write_result_folder

#: Three sessions: (created, view, hip extension (median, iqr, n), pelvic drop median).
#: Hip extension is a side-view metric, pelvic drop a rear-view one: each is measured in only
#: some sessions, so "first -> last" must use the sessions that measured it.
SESSIONS = (
    ("2026-01-05T09:00:00Z", "side-left", (8.0, 2.0, 12), None),
    ("2026-02-02T09:00:00Z", "rear", (None, None, 0), 6.0),
    ("2026-03-02T09:00:00Z", "side-left", (12.0, 3.0, 10), 2.5),
)


@pytest.fixture
def store(tmp_path: Path):
    url = str(tmp_path / "h.sqlite")
    with open_store(url) as db:
        # Recorded out of order: history sorts by the recording time, not the insertion.
        for i in (2, 0, 1):
            created, view, (hip, iqr, n), drop = SESSIONS[i]
            result = result_dict(
                created,
                {
                    "hip_extension_deg": metric(hip, iqr, n),
                    "pelvic_drop_deg": metric(drop, 1.0, 8),
                },
                view=view,
                clip=f"week{i}.mp4",
            )
            paths = write_result_folder(tmp_path / f"s{i}", result)
            db.record_session(read_session_folder(tmp_path / f"s{i}", "r7", files=paths))
        yield db, url


def stride_noise(iqr1: float, n1: int, iqr2: float, n2: int) -> float:
    """1.96 x combined standard error of two medians (normal approximation)."""
    se = [math.sqrt(math.pi / 2) * (q / 1.349) / math.sqrt(n) for q, n in ((iqr1, n1), (iqr2, n2))]
    return 1.96 * math.hypot(*se)


def test_moves_use_first_and_last_measuring_session(store):
    db, _ = store
    sessions = db.sessions("r7")
    assert [s.recorded_utc.month for s in sessions] == [1, 2, 3]
    moves = {m.metric: m for m in metric_moves(sessions)}
    hip = moves["hip_extension_deg"]
    assert (hip.first, hip.last, hip.n_sessions) == (8.0, 12.0, 2)
    assert hip.change == pytest.approx(4.0)
    assert hip.threshold == pytest.approx(stride_noise(2.0, 12, 3.0, 10))  # about 2.0 deg
    assert hip.verdict == ("changed" if 4.0 > hip.threshold else "within noise") == "changed"
    assert (hip.first_session, hip.last_session) == (sessions[0].id, sessions[2].id)
    drop = moves["pelvic_drop_deg"]
    # Literature SDD of 2D pelvic drop: 2.8 deg (Dingenen 2018); 6.0 -> 2.5 is -3.5 deg.
    assert (drop.first, drop.last, drop.change, drop.threshold) == (6.0, 2.5, -3.5, 2.8)
    assert drop.verdict == "changed" and "Dingenen" in drop.basis
    assert "different views" in drop.note  # rear vs side-left


def test_trend_has_points_band_and_threshold(store):
    db, _ = store
    sessions = db.sessions("r7")
    trend = metric_trend(sessions, "pelvic_drop_deg", {"pelvic_drop_deg": [None, 5.0]})
    assert [p.median for p in trend.points] == [6.0, 2.5]
    assert [p.session_id for p in trend.points] == [sessions[1].id, sessions[2].id]
    assert (trend.band_low, trend.band_high, trend.baseline, trend.threshold) == (
        None, 5.0, 6.0, 2.8,
    )  # fmt: skip
    empty = metric_trend(sessions, "cadence_spm", {})
    assert empty.points == () and empty.baseline is None and empty.threshold is None


def test_history_command_prints_moves_and_writes_csv(store, tmp_path: Path, capsys):
    _, url = store
    out_csv = tmp_path / "r7.csv"
    assert main(["history", "r7", "--store", url, "--csv", str(out_csv)]) == 0
    text = capsys.readouterr().out
    assert "r7: 3 sessions" in text and "schema version 0003" in text
    hip_line = next(line for line in text.splitlines() if "hip_extension_deg" in line)
    assert "8.0" in hip_line and "12.0" in hip_line and "+4.0" in hip_line
    assert "changed" in hip_line and "stride noise" in hip_line
    rows = list(csv.DictReader(out_csv.open()))
    assert len(rows) == 3 * 2  # sessions x metrics
    got = {(r["recorded_utc"][:10], r["metric"]): r["median"] for r in rows}
    for created, _view, (hip, _, _), drop in SESSIONS:
        day = created[:10]
        assert got[(day, "hip_extension_deg")] == ("" if hip is None else str(hip))
        assert got[(day, "pelvic_drop_deg")] == ("" if drop is None else str(drop))


def test_history_of_an_unknown_runner_is_exit_2(store, capsys):
    _, url = store
    assert main(["history", "nobody", "--store", url]) == 2
    assert "no runner 'nobody'" in capsys.readouterr().err


def test_runner_delete_needs_confirmation(store, tmp_path: Path, capsys, monkeypatch):
    _, url = store
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert main(["runner", "delete", "r7", "--store", url]) == 2
    assert "pass --yes" in capsys.readouterr().err
    assert (tmp_path / "s0" / "result.json").exists()
    assert main(["runner", "list", "--store", url]) == 0
    assert "r7" in capsys.readouterr().out
    assert main(["runner", "delete", "r7", "--yes", "--store", url]) == 0
    assert "3 sessions, 15 files, 3 folders" in capsys.readouterr().out
    assert not any((tmp_path / f"s{i}").exists() for i in range(3))
    with open_store(url) as db:
        assert db.runners() == []


def test_interactive_confirmation_must_match_the_code(store, capsys):
    from gaitlab.store import NotConfirmed
    from gaitlab.store.cli import confirm_deletion

    db, _ = store
    sessions = db.sessions("r7")
    with pytest.raises(NotConfirmed, match="did not match"):
        confirm_deletion("r7", sessions, True, lambda prompt: "r8")
    confirm_deletion("r7", sessions, True, lambda prompt: "r7\n")  # no error: confirmed
    listed = capsys.readouterr().out
    assert all(s.result_dir in listed for s in sessions)


def _cached_series(folder: Path, name: str, clip_sha256: str) -> Path:
    """A pose-cache entry as far as its metadata goes (all a purge reads)."""
    import json

    import numpy as np

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.npz"
    np.savez(path, meta_json=np.array(json.dumps({"video": {"sha256": clip_sha256}})))
    return path


def test_runner_delete_purges_their_cached_landmarks_only(store, tmp_path, capsys, monkeypatch):
    _, url = store
    cache = tmp_path / "cache"
    monkeypatch.setenv("GAITLAB_CACHE_DIR", str(cache))
    theirs = _cached_series(cache, "a", "ab" * 32)  # the fixture sessions' clip hash
    other = _cached_series(cache, "b", "ef" * 32)
    (cache / "junk.npz").write_bytes(b"not a series")
    # Another runner filmed with the same clip: its landmarks must stay.
    with open_store(url) as db:
        shared = write_result_folder(tmp_path / "other", result_dict("2026-03-01T10:00:00Z", {}))
        db.record_session(read_session_folder(tmp_path / "other", "r8", files=shared))
    assert main(["runner", "delete", "r7", "--yes", "--store", url]) == 0
    assert "0 cached pose series" in capsys.readouterr().out
    assert theirs.exists() and other.exists()
    assert main(["runner", "delete", "r8", "--yes", "--store", url]) == 0
    assert "1 cached pose series" in capsys.readouterr().out
    assert not theirs.exists() and other.exists() and (cache / "junk.npz").exists()
