"""A reviewer's corrections to a saved result: stored, re-applied, undone, exported.

:mod:`gaitlab.kinematics.corrections` holds the edits and applies them (pure maths); this
package is what a result folder and the apps need around it:

- :func:`load_corrections` / :func:`save_corrections`: ``corrections.json`` beside
  result.json (the edits, in order, so the last one can be undone);
- :func:`apply_corrections`: re-run kinematics and findings on the saved pose series with
  the edits (no pose inference), rewrite result.json, the plots, exports and reports, and
  save the edits;
- :func:`labels_document`: the result's events in the benchmark's labels format
  (``benchmarks/labels/<clip>.json``), so a reviewed clip can become ground truth.

Those live in :mod:`gaitlab.corrections.folder`; ``gaitlab correct`` is
:mod:`gaitlab.corrections.cli` (the package imports nothing itself, so the ``gaitlab``
command starts without the analysis stack).
"""
