"""The runner view: logic functions, then the page driven headless with AppTest.

Three sessions of one runner are made from the synthetic run's result folder (no pose
inference) with cadence set to known values, so every number shown can be checked here.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from gaitlab.cli import main
from gaitlab.dashboard import runners
from gaitlab.result import result_json
from gaitlab.store import notes, open_store, read_session_folder
from gaitlab.store.history import metric_trend
from tests.conftest import REPO

AppTest = pytest.importorskip("streamlit.testing.v1").AppTest

#: (created_utc, cadence median) of the three sessions, oldest first.
CADENCE = (("2026-01-05T09:00:00+00:00", 150.0), ("2026-02-02T09:00:00+00:00", 158.0),
           ("2026-03-02T09:00:00+00:00", 166.0))  # fmt: skip


@pytest.fixture
def store_env(synthetic_result: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    url = str(tmp_path / "store.sqlite")
    with open_store(url) as db:
        for i, (created, cadence) in enumerate(CADENCE):
            folder = tmp_path / f"week{i}"
            shutil.copytree(synthetic_result, folder)
            result = json.loads((folder / "result.json").read_text())
            result["created_utc"] = created
            result["kinematics"]["metrics"]["cadence_spm"]["median"] = cadence
            (folder / "result.json").write_text(json.dumps(result))
            db.record_session(read_session_folder(folder, "r7"))
        db.upsert_runner("other")
        sessions = db.sessions("r7")
    monkeypatch.setenv("GAITLAB_STORE", url)
    monkeypatch.setenv("GAITLAB_DASHBOARD_VIDEO", "0")
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    return url, sessions


# ---------------------------------------------------------------------- logic
def test_rows_labels_and_reopened_result(store_env):
    _, sessions = store_env
    rows = runners.session_rows(sessions)
    assert [r["recorded (UTC)"] for r in rows] == ["2026-01-05 09:00", "2026-02-02 09:00",
                                                  "2026-03-02 09:00"]  # fmt: skip
    assert runners.session_label(sessions[0]).startswith(f"#{sessions[0].id} 2026-01-05 09:00")
    result, warning = runners.load_session_result(sessions[1])
    assert result.metrics["cadence_spm"].median == 158.0 and warning == ""
    sessions[1].result_path.write_text(result_json(result) + " ")
    assert "changed since" in runners.load_session_result(sessions[1])[1]
    shutil.rmtree(sessions[2].result_dir)
    with pytest.raises(runners.ResultGone, match="no longer at"):
        runners.load_session_result(sessions[2])


def test_compare_and_trend_match_the_stored_values(store_env):
    _, sessions = store_env
    change = next(
        c for c in runners.compare_sessions(sessions[0], sessions[2]) if c.metric == "cadence_spm"
    )
    assert (change.before, change.after, change.delta) == (150.0, 166.0, 16.0)
    trend = metric_trend(sessions, "cadence_spm", {"cadence_spm": [150.0, None]})
    rows = runners.trend_rows(trend)
    assert [r["change from first"] for r in rows] == [
        "0.0 steps/min",
        "8.0 steps/min",
        "16.0 steps/min",
    ]
    assert "150.0 steps/min or more" in runners.band_text(trend)
    spec = runners.trend_chart(trend).to_dict()
    line = spec["layer"][-1]
    assert [v["median"] for v in line["data"]["values"]] == [150.0, 158.0, 166.0]
    band = spec["layer"][0]["data"]["values"][0]
    assert band["low"] == 150.0  # the normal band starts at the rule's edge
    assert runners.metric_choices(sessions, {"cadence_spm": [150.0, None]})[0] == "cadence_spm"


# ---------------------------------------------------------------------- page
def runner_page():
    return AppTest.from_file(str(REPO / "app.py"), default_timeout=120).run()


def test_page_lists_runners_sessions_compare_and_trend(store_env):
    at = runner_page()
    assert not at.exception, at.exception
    assert at.selectbox(key="runner").options == ["other", "r7"]
    at.selectbox(key="runner").set_value("r7").run()
    sessions_table = next(d.value for d in at.dataframe if "result folder" in d.value.columns)
    assert len(sessions_table) == 3
    compare_table = next(d.value for d in at.dataframe if "verdict" in d.value.columns)
    assert compare_table.set_index("metric").loc["cadence_spm", "change"] == "+16.0 steps/min"
    at.selectbox(key="runner-metric").set_value("cadence_spm").run()
    trend_table = next(d.value for d in at.dataframe if "change from first" in d.value.columns)
    assert list(trend_table["median"]) == ["150.0 steps/min", "158.0 steps/min", "166.0 steps/min"]
    assert any("a change counts beyond" in c.value for c in at.caption)


def test_opening_a_past_session_shows_it_without_reanalysis(store_env):
    _, sessions = store_env
    at = runner_page()
    at.selectbox(key="runner").set_value("r7").run()
    at.selectbox(key="runner-session").set_value(runners.session_label(sessions[0])).run()
    at.button(key="open-session").click().run()
    assert not at.exception, at.exception
    assert at.session_state["current"]["dir"] == sessions[0].result_dir
    assert any("no re-analysis" in s.value for s in at.success)
    assert any(h.value == "What we found" for h in at.subheader)


def test_page_without_a_store_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("GAITLAB_STORE", str(tmp_path / "none.sqlite"))
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    at = runner_page()
    assert not at.exception
    assert any("No result store yet" in i.value for i in at.info)
    assert not (tmp_path / "none.sqlite").exists()


# ---------------------------------------------------------------------- saving a result
def analysed_page(synthetic_result: Path):
    """The page after an analysis: the synthetic run's result in the session's temp folder.

    Copying a real result folder (written by ``write_outputs``) into the workspace stands
    in for pressing Analyse: the save control needs a result, not pose inference.
    """
    at = runner_page()
    out = at.session_state["workspace"].result_dir("synth_side")
    shutil.copytree(synthetic_result, out, dirs_exist_ok=True)
    at.session_state["current"] = {"dir": str(out), "label": "synth_side.mp4", "clip": "gone.mp4"}
    return at.run(), out


def test_saving_an_analysis_into_a_new_runners_history(
    synthetic_result: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    data = tmp_path / "data"
    monkeypatch.setenv("GAITLAB_STORE", str(data / "store.sqlite"))  # no store yet
    monkeypatch.delenv("GAITLAB_SESSIONS_DIR", raising=False)
    monkeypatch.setenv("GAITLAB_DASHBOARD_VIDEO", "0")
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    at, temp = analysed_page(synthetic_result)
    assert not at.exception, at.exception
    assert at.selectbox(key="save-runner").options == [runners.NEW_RUNNER]
    at.button(key="save-history").click().run()  # no code typed
    assert any("type the new runner's code" in e.value for e in at.error)
    assert not (data / "sessions").exists()

    at.text_input(key="save-code").input("../r 9").run()
    at.number_input(key="save-height").set_value(181.0).run()
    at.button(key="save-history").click().run()
    assert not at.exception, at.exception
    with open_store(str(data / "store.sqlite")) as db:
        (session,) = db.sessions("../r 9")
        assert db.runner("../r 9").height_cm == 181.0
    copy = Path(session.result_dir)
    # Under the data folder (next to the store), in a sanitised runner folder.
    assert copy.parent.parent == (data / "sessions").resolve()
    assert copy.parent.name.startswith("r_9-")
    assert sorted(p.name for p in copy.iterdir()) == sorted(p.name for p in temp.iterdir())
    # The page says where it went, and shows the kept copy from now on.
    said = next(s.value for s in at.success if "Saved as session" in s.value)
    assert f"#{session.id}" in said and str(copy) in said and "runner delete" in said
    assert at.session_state["current"]["dir"] == str(copy)
    assert any(f"session #{session.id} of runner ../r 9" in c.value for c in at.caption)
    # Same numbers in the history as in the saved result.json.
    metrics = json.loads((copy / "result.json").read_text())["kinematics"]["metrics"]
    assert {m.metric: (m.median, m.spread_iqr, m.n_strides) for m in session.metrics} == {
        k: (v["median"], v["iqr"], v["n"]) for k, v in metrics.items()
    }
    assert metrics["cadence_spm"]["median"] is not None

    # Notes saved now go to the copy and to the store's session.
    at.text_area(key=f"notes-{copy.name}").input("L pelvic drop; glute med block").run()
    at.button(key="save-notes").click().run()
    assert any(f"history (session #{session.id})" in s.value for s in at.success)
    with open_store(str(data / "store.sqlite")) as db:
        assert db.session(session.id).physio_notes == "L pelvic drop; glute med block"
    assert notes.load_notes(copy) == "L pelvic drop; glute med block"

    # The session's end deletes the temporary folder, not the copy; the runner's deletion
    # deletes the copy and the runner's folder.
    at.session_state["workspace"].cleanup()
    assert not temp.exists() and (copy / "result.json").is_file()
    assert main(["runner", "delete", "../r 9", "--yes"]) == 0
    assert not copy.parent.exists() and list((data / "sessions").iterdir()) == []


def test_a_reopened_session_saves_its_notes_to_the_store(store_env):
    url, sessions = store_env
    at = runner_page()
    at.selectbox(key="runner").set_value("r7").run()
    at.selectbox(key="runner-session").set_value(runners.session_label(sessions[1])).run()
    at.button(key="open-session").click().run()
    folder = Path(sessions[1].result_dir)
    assert at.session_state["current"]["dir"] == str(folder)
    assert at.get("expander") and not any(
        e.label == "Save to a runner's history" for e in at.expander
    )  # already in a history: nothing to save
    at.text_area(key=f"notes-{folder.name}").input("week 2: cadence up").run()
    at.button(key="save-notes").click().run()
    assert not at.exception, at.exception
    with open_store(url) as db:
        assert db.session(sessions[1].id).physio_notes == "week 2: cadence up"
    assert notes.load_notes(folder) == "week 2: cadence up"
    sessions_table = next(d.value for d in at.dataframe if "result folder" in d.value.columns)
    assert list(sessions_table["notes"]) == ["", "week 2: cadence up", ""]


def test_deleting_a_runner_from_the_page(store_env, tmp_path: Path, monkeypatch):
    url, sessions = store_env
    monkeypatch.setenv("GAITLAB_CACHE_DIR", str(tmp_path / "pose-cache"))
    at = runner_page()
    at.selectbox(key="runner").set_value("r7").run()
    # The button stays disabled until the runner's code is typed.
    assert at.button(key="delete-runner").disabled
    at.text_input(key="delete-confirm").input("r").run()
    assert at.button(key="delete-runner").disabled
    at.text_input(key="delete-confirm").input("r7").run()
    assert not at.button(key="delete-runner").disabled
    at.button(key="delete-runner").click().run()
    assert not at.exception, at.exception
    assert any("Deleted runner r7: 3 sessions" in s.value for s in at.success)
    assert at.selectbox(key="runner").options == ["other"]
    assert not any(Path(s.result_dir).exists() for s in sessions)
    with open_store(url) as db:
        assert [r.code for r in db.runners()] == ["other"]
        assert db.session_counts() == {"other": 0}
