"""The plots, exports and reports of one clip, written beside the video or after it.

:func:`write_documents` writes the plots and the CSV/TRC/MOT exports; :func:`write_reports`
the HTML and PDF reports, which need the key frames. :class:`DocumentsProcess` runs both in
a second process while the annotated video renders in the first: rendering keeps about 1.7
cores busy (decoding, drawing, encoding in their own threads), but the plots and the PDF are
pure Python and take turns with the drawing for the interpreter lock, so threads do not
overlap them (docs/performance.md); a process does. The files are the same either way.

The process is forked (Linux only: :func:`fork_context`), so it starts in milliseconds with
the analysis already in memory, shared until written. It uses matplotlib, fpdf2, jinja2 and
the image codecs only, never the pose model or the video decoder, whose threads a fork does
not copy.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import multiprocessing.connection
import pickle
import sys
import time
import traceback
from multiprocessing.context import BaseContext
from pathlib import Path

from gaitlab.report.content import build_content
from gaitlab.report.data import ReportData
from gaitlab.report.exports import write_exports

HTML_FILE = "report.html"
PDF_FILE = "report.pdf"

Timings = dict[str, float]


def write_documents(
    data: ReportData, out: Path, *, plots: bool = True
) -> tuple[dict[str, Path], Timings]:
    """Write the plots (``plot_*.png``) and the exports; return their paths and timings.

    ``plots=False`` writes the exports only: the plots are the reports' figures, and
    drawing them (matplotlib included) costs more than everything else a numbers-only
    analysis writes.
    """
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


def fork_context() -> BaseContext | None:
    """The fork context of multiprocessing where forking is safe and cheap (Linux), else None."""
    if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return None


class DocumentsProcess:
    """Writes the plots and exports at once, and the reports when the key frames are there.

    Parameters
    ----------
    context
        A fork context (:func:`fork_context`).
    data, out
        The clip's report data and result folder.
    reports
        Also write the HTML and PDF reports (after :meth:`keyframes_ready`).
    video
        The annotated video the reports name, or None.

    Call :meth:`keyframes_ready` once (``render_clip``'s ``on_keyframes``), then
    :meth:`result`; or :meth:`cancel` if rendering failed.
    """

    def __init__(
        self,
        context: BaseContext,
        data: ReportData,
        out: Path,
        *,
        reports: bool,
        video: Path | None,
    ) -> None:
        self._conn, child_conn = context.Pipe()
        self._sent = False
        self._process = context.Process(
            target=_child,
            args=(child_conn, data, out, reports, video),
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

    def cancel(self) -> None:
        """Stop waiting for key frames and end the process (after a failed render)."""
        with contextlib.suppress(OSError, ValueError):
            if not self._sent:
                self._sent = True
                self._conn.send(None)
            self._conn.close()
        self._process.join(timeout=5.0)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join()


def _child(
    conn: multiprocessing.connection.Connection,
    data: ReportData,
    out: Path,
    reports: bool,
    video: Path | None,
) -> None:
    try:
        paths, timings = write_documents(data, out, plots=reports)
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
