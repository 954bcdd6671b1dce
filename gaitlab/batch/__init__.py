"""Batch scoring: folders of clips on one machine, or on a Ray cluster.

Every clip goes through the single-clip path (:func:`gaitlab.pipeline.analyze_clip` and
:func:`gaitlab.pipeline.write_result`) inside one per-clip function, :func:`score_clip`, which
both executors run. Finished clips are recorded in the batch's record store as they finish,
so a batch can be killed and re-run without losing or repeating work; the cohort tables
(``scores.csv``, ``scores.parquet``) and ``summary.html`` are rebuilt from the records.

Modules: :mod:`~gaitlab.batch.inputs` (files, folders, manifests), :mod:`~gaitlab.batch.plan`
(hashes, keys, ``batch.json``), :mod:`~gaitlab.batch.task` (the per-clip function),
:mod:`~gaitlab.batch.row` (a clip's outcome), :mod:`~gaitlab.batch.records` (where the
outcomes are kept), :mod:`~gaitlab.batch.executors` (local processes, Ray),
:mod:`~gaitlab.batch.orchestrate` (the loop), :mod:`~gaitlab.batch.flatten`,
:mod:`~gaitlab.batch.tables` and :mod:`~gaitlab.batch.cohort` (outputs),
:mod:`~gaitlab.batch.progress` and :mod:`~gaitlab.batch.cli` (the command).
"""

from __future__ import annotations

from gaitlab.lazy import lazy_exports

#: Public names and the submodule defining each. They are imported on first use (PEP 562):
#: the ``gaitlab`` command builds its parser from :mod:`gaitlab.batch.cli` without loading the
#: analysis stack (seconds of imports) until a batch actually runs.
_EXPORTS = {
    "add_batch_parser": "cli",
    "run_batch_cli": "cli",
    "BatchInputError": "inputs",
    "ClipInput": "inputs",
    "collect_inputs": "inputs",
    "read_manifest": "inputs",
    "BatchReport": "orchestrate",
    "BatchSettings": "orchestrate",
    "rebuild_outputs": "orchestrate",
    "run_batch": "orchestrate",
    "FileStore": "records",
    "RecordStore": "records",
    "ClipRow": "row",
    "ClipTask": "task",
    "score_clip": "task",
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports("gaitlab.batch", _EXPORTS, globals())
