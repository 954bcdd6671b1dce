"""Pose model registry: where the ``.task`` bundles live, and their sha256 checks.

Three MediaPipe ``PoseLandmarker`` bundles are known by name:

``full``
    BlazePose GHUM 3D *full*, bundled in the repository's ``models/`` folder. It is built
    reproducibly from the ``mediapipe==0.10.21`` wheel by ``models/build_pose_landmarker_full.py``
    (provenance and licence in ``models/README.md``). Always available, never downloaded.
``lite``, ``heavy``
    Google's official bundles, downloaded on request with ``gaitlab models download NAME``
    into the user models folder. Nothing is ever downloaded during an analysis.

Every bundle is verified against the sha256 pinned here each time it is resolved. Hashing a
9 MB file takes about 10 ms, so the check is not cached.

Folders searched, in order: the repository's ``models/`` folder (next to the ``gaitlab``
package), then the user models folder: ``$GAITLAB_MODELS_DIR`` if set, otherwise the
platform's data folder (``~/.local/share/gaitlab/models`` on Linux).
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from gaitlab.errors import ModelError
from gaitlab.files import atomic_path
from gaitlab.hashing import file_sha256

logger = logging.getLogger(__name__)

#: Environment variable naming the folder for downloaded models.
MODELS_DIR_ENV = "GAITLAB_MODELS_DIR"

#: sha256 of ``models/pose_landmarker_full.task`` as built by
#: ``models/build_pose_landmarker_full.py`` (byte-for-byte reproducible).
FULL_SHA256 = "9264761af1ba72830d3093ef50ebea67d93d69907bba62b4b87bc8e8dfb040d0"
#: sha256 of Google's official lite and heavy bundles. Not pinned yet: they could not be
#: downloaded where this registry was written, and no trustworthy public record of them was
#: found. Until a maintainer pins them (download once, ``sha256sum``, paste here), gaitlab
#: refuses to download or use these models rather than run an unverified file.
LITE_SHA256: str | None = None
HEAVY_SHA256: str | None = None

_GOOGLE_MODELS = "https://storage.googleapis.com/mediapipe-models/pose_landmarker"

#: A download larger than this is not a pose bundle (heavy is about 30 MB): stop reading.
MAX_DOWNLOAD_BYTES = 256 * 1024 * 1024
_CHUNK_BYTES = 1 << 20


@dataclass(frozen=True)
class ModelSpec:
    """One known pose model bundle.

    Attributes
    ----------
    name
        Registry name used on the command line (``full``, ``lite``, ``heavy``).
    filename
        File name of the bundle in a models folder.
    sha256
        Expected lowercase hex sha256 of the file; ``None`` if not pinned (then the model can
        be neither downloaded nor used).
    url
        Official download address, or ``None`` for a bundle shipped with gaitlab.
    description
        One line for ``gaitlab models list``.
    """

    name: str
    filename: str
    sha256: str | None
    url: str | None
    description: str


@dataclass(frozen=True)
class ModelStatus:
    """Installation state of one registry model.

    Attributes
    ----------
    name
        Registry name.
    path
        Where the file was found, or where it would be installed if it is missing.
    installed
        Whether the file exists.
    sha_ok
        Whether the file exists and its sha256 equals the pinned value.
    size
        File size in bytes, or ``None`` if not installed.
    """

    name: str
    path: Path
    installed: bool
    sha_ok: bool
    size: int | None


#: The registry, by name. Read-only: tests swap the whole mapping.
MODELS: Mapping[str, ModelSpec] = MappingProxyType(
    {
        "full": ModelSpec(
            name="full",
            filename="pose_landmarker_full.task",
            sha256=FULL_SHA256,
            url=None,
            description="BlazePose GHUM 3D full (bundled, built from mediapipe 0.10.21)",
        ),
        "lite": ModelSpec(
            name="lite",
            filename="pose_landmarker_lite.task",
            sha256=LITE_SHA256,
            url=f"{_GOOGLE_MODELS}/pose_landmarker_lite/float16/latest/pose_landmarker_lite.task",
            description="Google's official lite bundle (fastest, least accurate)",
        ),
        "heavy": ModelSpec(
            name="heavy",
            filename="pose_landmarker_heavy.task",
            sha256=HEAVY_SHA256,
            url=f"{_GOOGLE_MODELS}/pose_landmarker_heavy/float16/latest/pose_landmarker_heavy.task",
            description="Google's official heavy bundle (slowest, most accurate)",
        ),
    }
)


#: Where a wheel install puts the bundled model (``[tool.setuptools.data-files]``).
INSTALLED_MODELS_SUBDIR = ("share", "gaitlab", "models")


def bundled_models_dir(module_file: str | None = None, prefix: str | None = None) -> Path:
    """Return the folder that holds the bundled ``full`` model.

    A source checkout or an editable install uses the repository's ``models/``; a wheel
    install has no repository, and finds the model under ``<prefix>/share/gaitlab/models``.

    Parameters
    ----------
    module_file, prefix
        This module's file and the environment's prefix (default: ``__file__`` and
        ``sys.prefix``); parameters only so that both layouts can be tested.
    """
    repo = Path(module_file or __file__).resolve().parents[2] / "models"
    installed = Path(prefix or sys.prefix).joinpath(*INSTALLED_MODELS_SUBDIR)
    return installed if not repo.is_dir() and installed.is_dir() else repo


def user_models_dir() -> Path:
    """Return the folder for downloaded models.

    Returns
    -------
    Path
        ``$GAITLAB_MODELS_DIR`` if set and non-empty, otherwise ``<user data dir>/models``
        (``~/.local/share/gaitlab/models`` on Linux). The folder may not exist yet.
    """
    override = os.environ.get(MODELS_DIR_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    # Imported here so that resolving the bundled model needs no third-party package.
    import platformdirs

    return Path(platformdirs.user_data_dir("gaitlab", appauthor=False)) / "models"


def _spec(name: str) -> ModelSpec:
    try:
        return MODELS[name]
    except KeyError:
        known = ", ".join(sorted(MODELS))
        raise ModelError(f"unknown pose model '{name}'; choose one of: {known}") from None


def _candidates(spec: ModelSpec) -> list[Path]:
    """Paths where ``spec`` may be installed, in search order."""
    return [bundled_models_dir() / spec.filename, user_models_dir() / spec.filename]


def _install_path(spec: ModelSpec) -> Path:
    """Where ``spec`` belongs when it is not installed."""
    folder = bundled_models_dir() if spec.url is None else user_models_dir()
    return folder / spec.filename


def _find(spec: ModelSpec) -> Path | None:
    return next((p for p in _candidates(spec) if p.is_file()), None)


def _no_pinned_sha(spec: ModelSpec) -> ModelError:
    return ModelError(
        f"model '{spec.name}' has no pinned sha256 in this gaitlab version, so it cannot be "
        "verified; use the bundled 'full' model"
    )


def resolve_model(name: str = "full") -> Path:
    """Return the path of a verified model bundle.

    Parameters
    ----------
    name
        Registry name: ``full`` (bundled), ``lite`` or ``heavy`` (downloaded).

    Returns
    -------
    Path
        Absolute path of a file whose sha256 equals the pinned value.

    Raises
    ------
    ModelError
        The name is unknown, the file is missing, no sha256 is pinned for it, or its sha256
        does not match (the message gives the expected and the actual value).
    """
    spec = _spec(name)
    path = _find(spec)
    if path is None:
        if spec.url is None:
            raise ModelError(
                f"bundled model file {_install_path(spec)} is missing; reinstall gaitlab or "
                "rebuild it with `python models/build_pose_landmarker_full.py`"
            )
        raise ModelError(
            f"model '{name}' is not installed; run `gaitlab models download {name}` while online"
        )
    if spec.sha256 is None:
        raise _no_pinned_sha(spec)
    got = file_sha256(path)
    if got != spec.sha256:
        remedy = (
            "restore it from the repository"
            if spec.url is None
            else f"run `gaitlab models download {name}` again"
        )
        raise ModelError(
            f"model file {path} is corrupt or a different version: sha256 {got}, "
            f"expected {spec.sha256}; {remedy}"
        )
    return path


#: The face detector of ``--blur-faces``: MediaPipe's BlazeFace *short range*, bundled in
#: ``models/`` unchanged from the ``mediapipe==0.10.21`` wheel by
#: ``models/build_face_detector.py`` (provenance in ``models/README.md``).
FACE_DETECTOR_FILE = "face_detection_short_range.tflite"
FACE_DETECTOR_SHA256 = "bbff11cebd1eb27a1e004cae0b0e63ec8c551cbf34a4451148b4908b8db3eca8"


def resolve_face_detector(models_dir: Path | None = None) -> Path:
    """Return the path of the bundled face-detector model after checking its sha256.

    Parameters
    ----------
    models_dir
        Folder to look in (default :func:`bundled_models_dir`); a parameter for tests.

    Returns
    -------
    Path
        The ``.tflite`` file, whose sha256 equals :data:`FACE_DETECTOR_SHA256`.

    Raises
    ------
    ModelError
        The file is missing or its sha256 differs (the message gives both values).
    """
    path = (models_dir or bundled_models_dir()) / FACE_DETECTOR_FILE
    if not path.is_file():
        raise ModelError(
            f"face-detector model {path} is missing; reinstall gaitlab or rebuild it with "
            "`python models/build_face_detector.py`"
        )
    got = file_sha256(path)
    if got != FACE_DETECTOR_SHA256:
        raise ModelError(
            f"face-detector model {path} is corrupt or a different version: sha256 {got}, "
            f"expected {FACE_DETECTOR_SHA256}; restore it from the repository"
        )
    return path


def list_models() -> list[ModelStatus]:
    """Return the installation state of every registry model, in registry order.

    Returns
    -------
    list of ModelStatus
        One entry per model; hashing each installed file (about 10 ms per 10 MB).
    """
    statuses = []
    for spec in MODELS.values():
        path = _find(spec)
        if path is None:
            statuses.append(ModelStatus(spec.name, _install_path(spec), False, False, None))
            continue
        sha_ok = spec.sha256 is not None and file_sha256(path) == spec.sha256
        statuses.append(ModelStatus(spec.name, path, True, sha_ok, path.stat().st_size))
    return statuses


def download_model(
    name: str,
    *,
    dest_dir: Path | str | None = None,
    base_url: str | None = None,
    timeout_s: float = 60.0,
) -> Path:
    """Download a model bundle, verify its sha256, and install it atomically.

    The file is streamed into a temporary file in the destination folder, hashed on the way,
    and renamed into place only if the sha256 matches; on any failure nothing is left behind.
    An installed file that already verifies is kept and not downloaded again.

    Parameters
    ----------
    name
        Registry name (``lite`` or ``heavy``).
    dest_dir
        Destination folder; default :func:`user_models_dir`.
    base_url
        Download from ``<base_url>/<filename>`` instead of the official address (for mirrors
        and tests).
    timeout_s
        Socket timeout in seconds for connecting and for each read.

    Returns
    -------
    Path
        The installed, verified file.

    Raises
    ------
    ModelError
        Unknown name, a bundled model without ``base_url``, no pinned sha256, a network or
        disk error, an oversized download, or a sha256 mismatch.
    """
    spec = _spec(name)
    if spec.url is None and base_url is None:
        raise ModelError(f"model '{name}' is bundled with gaitlab; there is nothing to download")
    if spec.sha256 is None:
        raise _no_pinned_sha(spec)
    url = f"{base_url.rstrip('/')}/{spec.filename}" if base_url is not None else str(spec.url)
    if not url.startswith(("https://", "http://")):
        raise ModelError(f"refusing to download model '{name}' from non-HTTP address {url}")

    dest = Path(dest_dir) if dest_dir is not None else user_models_dir()
    target = dest / spec.filename
    if target.is_file() and file_sha256(target) == spec.sha256:
        logger.info("model %s already installed at %s", name, target)
        return target
    # The download lands in a hidden temporary file that replaces the model only once its
    # hash is right: a failed or wrong download leaves nothing behind.
    with atomic_path(target) as tmp:
        try:
            dest.mkdir(parents=True, exist_ok=True)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except OSError as exc:
            raise ModelError(f"cannot write to models folder {dest}: {exc}") from exc
        logger.info("downloading model %s from %s", name, url)
        got = _stream_to(fd, url, timeout_s, name)
        if got != spec.sha256:
            raise ModelError(
                f"downloaded model '{name}' from {url} has sha256 {got}, expected "
                f"{spec.sha256}; nothing was installed"
            )
    return target


def _stream_to(fd: int, url: str, timeout_s: float, name: str) -> str:
    """Copy ``url`` into the open file ``fd`` (which is closed) and return its sha256."""
    digest = hashlib.sha256()
    size = 0
    with os.fdopen(fd, "wb") as fh:
        try:
            with urllib.request.urlopen(url, timeout=timeout_s) as response:
                while chunk := response.read(_CHUNK_BYTES):
                    size += len(chunk)
                    if size > MAX_DOWNLOAD_BYTES:
                        raise ModelError(
                            f"download of model '{name}' from {url} exceeds "
                            f"{MAX_DOWNLOAD_BYTES // 2**20} MiB; nothing was installed"
                        )
                    digest.update(chunk)
                    fh.write(chunk)
        except urllib.error.URLError as exc:
            detail = str(exc) if isinstance(exc, urllib.error.HTTPError) else str(exc.reason)
            raise ModelError(f"could not download model '{name}' from {url}: {detail}") from exc
        except (OSError, TimeoutError) as exc:
            raise ModelError(f"could not download model '{name}' from {url}: {exc}") from exc
    return digest.hexdigest()


def _status_text(status: ModelStatus) -> str:
    if not status.installed:
        return "not installed"
    if status.sha_ok:
        return "ok"
    spec = MODELS.get(status.name)
    if spec is not None and spec.sha256 is None:
        return "no pinned sha256"
    return "SHA256 MISMATCH"


def format_model_table(statuses: Iterable[ModelStatus]) -> str:
    """Render model states as a plain-text table for ``gaitlab models list``.

    Parameters
    ----------
    statuses
        As returned by :func:`list_models`.

    Returns
    -------
    str
        One header line and one line per model (name, status, size in MB, path), without a
        trailing newline.
    """
    rows = [("name", "status", "size", "path")]
    for status in statuses:
        size = "-" if status.size is None else f"{status.size / 1e6:.1f} MB"
        rows.append((status.name, _status_text(status), size, str(status.path)))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True))
        + "  "
        + row[3]
        for row in rows
    )
