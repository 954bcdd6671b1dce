"""The plots, exports and reports of one clip, written beside the video or after it.

:func:`write_documents` writes the plots and the CSV/TRC/MOT exports; :func:`write_reports`
the HTML and PDF reports, which need the key frames. :class:`DocumentsProcess` runs both in
a second process while the annotated video renders in the first: rendering keeps about 1.7
cores busy (decoding, drawing, encoding in their own threads), but the plots and the PDF are
pure Python and take turns with the drawing for the interpreter lock, so threads do not
overlap them (docs/performance.md); a process does. The files are the same either way.

The process is forked (Linux only: :func:`fork_context`), so it starts in milliseconds. It
is forked either once the analysis exists (it then has the analysis in memory, shared until
written) or ahead of the analysis (:meth:`DocumentsProcess.ahead`), before the pose model
is loaded: it then loads matplotlib and fpdf2 and lays out a first figure and PDF
(:func:`warm_up`) on the second core while the model runs on the first, and receives the
report data (pickled) when the numbers exist. It uses matplotlib, fpdf2, jinja2 and the
image codecs only, never the pose model or the video decoder, whose threads a fork does not
copy.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import multiprocessing.connection
import os
import pickle
import sys
import time
import traceback
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gaitlab.report.data import ReportData

HTML_FILE = "report.html"
PDF_FILE = "report.pdf"

Timings = dict[str, float]

#: Longest clip (frames) whose plots and reports a process started ahead writes beside the
#: video. Beyond it the video's rendering dominates, the overlap slows it by about what it
#: hides, and the second process's memory would take a 60 s 1080p clip past 600 MB
#: (docs/performance.md).
PARALLEL_MAX_FRAMES = 900


def write_documents(
    data: ReportData, out: Path, *, plots: bool = True
) -> tuple[dict[str, Path], Timings]:
    """Write the plots (``plot_*.png``) and the exports; return their paths and timings.

    ``plots=False`` writes the exports only: the plots are the reports' figures, and
    drawing them (matplotlib included) costs more than everything else a numbers-only
    analysis writes.
    """
    # The report data's modules (SciPy, the findings) load where the documents are written:
    # this module stays light enough to fork a process from before the pose model runs.
    from gaitlab.report.exports import write_exports

    paths: dict[str, Path] = {}
    timings: Timings = {}
    if plots:
        # matplotlib loads in the process that draws the plots (the second one, --workers 2).
        from gaitlab.report.plots import all_plots, save_png

        t = time.perf_counter()
        for name, fig in all_plots(data).items():
            paths[name] = save_png(fig, out / f"{name}.png")
        timings["plots"] = time.perf_counter() - t
    t = time.perf_counter()
    paths.update(write_exports(data, out))
    timings["exports"] = time.perf_counter() - t
    return paths, timings


def write_reports(
    data: ReportData, out: Path, images: dict[str, Path], video: Path | None
) -> tuple[dict[str, Path], Timings]:
    """Write ``report.html`` and ``report.pdf`` showing ``images`` (key frames, plots)."""
    # jinja2 and fpdf2 load in the process that writes the reports.
    from gaitlab.report.content import build_content
    from gaitlab.report.html import write_html
    from gaitlab.report.pdf import write_pdf

    t = time.perf_counter()
    content = build_content(data, images, video)
    html = write_html(content, out / HTML_FILE)
    pdf = write_pdf(content, out / PDF_FILE)
    return {"html": html, "pdf": pdf}, {"reports": time.perf_counter() - t}


def plot_images(paths: dict[str, Path]) -> dict[str, Path]:
    """The plot PNGs among ``paths`` (what the reports show beside the key frames)."""
    return {name: path for name, path in paths.items() if name.startswith("plot_")}


def warm_up() -> None:
    """Load the plotting and PDF libraries and lay out a first figure and page (no files).

    What the first plot and the first PDF of a process cost beyond later ones (imports,
    font files, layout modules): about 1 CPU-s on the 2-core x86_64 sandbox
    (docs/performance.md), paid by a process started ahead while the model runs.
    """
    import gaitlab.report.html  # noqa: F401 - jinja2 and the report template's loader
    from gaitlab.report.pdf import warm_up as warm_up_pdf
    from gaitlab.report.plots import warm_up as warm_up_plots

    warm_up_plots()
    warm_up_pdf()


def fork_context() -> BaseContext | None:
    """The fork context of multiprocessing where forking is safe and cheap (Linux), else None."""
    if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return None


def documents_ahead(*, video: bool, keyframes: bool, reports: bool) -> DocumentsProcess | None:
    """Start the process that will write the plots, exports and reports, before the analysis.

    For ``gaitlab analyze``: call it before the pose model is loaded and pass the result to
    :func:`gaitlab.report.outputs.write_outputs` (``documents=``). None (all is then written
    in one process) when nothing is drawn beside which the documents could be written (no
    video, no key frames), when forking is not available (not Linux) or when one core is
    all there is. Importing this module loads none of the report's drawing or data modules,
    so the first frame reaches the model as soon as without it (docs/performance.md).
    """
    context = fork_context()  # Linux only, as sched_getaffinity
    if context is None or not (video or keyframes) or len(os.sched_getaffinity(0)) < 2:
        return None
    return DocumentsProcess.ahead(context)


def end_if_long(documents: DocumentsProcess | None, n_frames: int) -> None:
    """End a process started ahead as soon as the clip turns out longer than it serves.

    For the pose stage's progress callback (it does not block): a long clip then does not
    hold the second process's memory beside the model's (:data:`PARALLEL_MAX_FRAMES`).
    """
    if documents is not None and not documents.ended and n_frames > PARALLEL_MAX_FRAMES:
        documents.cancel(wait=False)


class DocumentsProcess:
    """Writes the plots and exports at once, and the reports when the key frames are there.

    Parameters
    ----------
    context
        A fork context (:func:`fork_context`).
    data, out
        The clip's report data and result folder; None for a process started ahead (see
        :meth:`ahead`), which is given them by :meth:`assign`.
    reports
        Also write the HTML and PDF reports (after :meth:`keyframes_ready`).
    video
        The annotated video the reports name, or None.

    Call :meth:`keyframes_ready` once (``render_clip``'s ``on_keyframes``), then
    :meth:`result`; or :meth:`cancel` if rendering failed (or the process is not needed).
    """

    def __init__(
        self,
        context: BaseContext,
        data: ReportData | None = None,
        out: Path | None = None,
        *,
        reports: bool = True,
        video: Path | None = None,
    ) -> None:
        self._conn, child_conn = context.Pipe()
        self._sent = False
        #: Told to end (:meth:`cancel`): it writes nothing more.
        self.ended = False
        self.assigned = data is not None and out is not None
        job = (data, out, reports, video) if self.assigned else None
        self._process = context.Process(
            target=_child,
            args=(child_conn, self._conn, job),
            name="gaitlab-documents",
            daemon=True,
        )
        # The child's garbage collector would otherwise write to every object it inherited,
        # copying nearly every page of the parent's heap (CPython's gc.freeze advice).
        gc.freeze()
        try:
            self._process.start()
        finally:
            gc.unfreeze()
        child_conn.close()

    @classmethod
    def ahead(cls, context: BaseContext) -> DocumentsProcess:
        """A process started before the analysis: it warms up, then waits for :meth:`assign`.

        Start it before the pose model is loaded (a fork copies no model and no decoder
        thread, and a small heap); :meth:`cancel` it when it is not used.
        """
        return cls(context)

    def assign(self, data: ReportData, out: Path, *, reports: bool, video: Path | None) -> None:
        """Give a process started :meth:`ahead` the clip's report data and result folder."""
        if self.assigned:
            raise RuntimeError("this process already has its clip")
        self.assigned = True
        # A process that has died is reported by result().
        with contextlib.suppress(OSError):
            self._conn.send((data, out, reports, video))

    def keyframes_ready(self, keyframes: dict[str, Path]) -> None:
        """Hand over the key frames written (name -> path): the reports can start."""
        if not self._sent:
            self._sent = True
            # A process that has died is reported by result(), not in the middle of the render.
            with contextlib.suppress(OSError):
                self._conn.send(keyframes)

    def result(self) -> tuple[dict[str, Path], Timings]:
        """Wait for the process; its paths and timings, or its exception raised here."""
        self.keyframes_ready({})  # in case the render never announced them
        try:
            message = self._conn.recv()
        except EOFError:
            self._process.join()
            raise RuntimeError(
                f"the process writing the plots and reports exited with code "
                f"{self._process.exitcode} before finishing"
            ) from None
        finally:
            self._conn.close()
        self._process.join()
        if message[0] == "error":
            raise message[1]
        return message[1], message[2]

    def cancel(self, *, wait: bool = True) -> None:
        """End the process: after a failed render, or a process started ahead and not used.

        With ``wait=False`` (from a progress callback, which must not block) the process is
        only told to end; a later :meth:`cancel` waits for it.
        """
        self.ended = True
        with contextlib.suppress(OSError, ValueError):
            if not self._sent:
                # None ends the child whether it waits for its clip or for the key frames.
                self._sent = True
                self._conn.send(None)
            self._conn.close()
        if not wait:
            return
        self._process.join(timeout=5.0)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join()


Job = tuple["ReportData", Path, bool, Path | None]


def _child(
    conn: multiprocessing.connection.Connection,
    parent_end: multiprocessing.connection.Connection,
    job: Job | None,
) -> None:
    # The fork copied the parent's end too: closed, a parent that dies ends recv() here with
    # EOFError instead of leaving this process waiting forever.
    parent_end.close()
    try:
        timings: Timings = {}
        if job is None:
            t = time.perf_counter()
            warm_up()
            timings["warm_up (ahead)"] = time.perf_counter() - t
            job = conn.recv()
            if job is None:
                return  # not needed after all
        data, out, reports, video = job
        paths, more = write_documents(data, out, plots=reports)
        timings.update(more)
        keyframes = conn.recv()
        if keyframes is None:
            return  # the render failed: the parent raises its own error
        if reports:
            report_paths, report_timings = write_reports(
                data, out, {**keyframes, **plot_images(paths)}, video
            )
            paths.update(report_paths)
            timings.update(report_timings)
        conn.send(("ok", paths, timings))
    except EOFError:
        return  # the parent has gone (killed): nobody to write for
    except BaseException as exc:  # raised again in the parent
        conn.send(("error", _portable(exc)))
    finally:
        conn.close()


def _portable(exc: BaseException) -> BaseException:
    """``exc`` if it survives pickling, else a RuntimeError with its text; with the trace."""
    trace = "".join(traceback.format_exception(exc))
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        exc = RuntimeError(f"{type(exc).__name__}: {exc}")
    exc.add_note(f"in the process writing the plots and reports:\n{trace}")
    return exc
