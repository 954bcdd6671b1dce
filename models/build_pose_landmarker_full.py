#!/usr/bin/env python3
"""Rebuild ``models/pose_landmarker_full.task`` reproducibly, byte for byte.

mediapipe 1.2.2 ships no model weights, and its Tasks ``PoseLandmarker`` reads a ``.task``
bundle: an uncompressed zip holding ``pose_detector.tflite`` and
``pose_landmarks_detector.tflite``. This script makes that bundle from the BlazePose GHUM 3D
*full* models shipped in the ``mediapipe==0.10.21`` wheel on PyPI (Apache-2.0):

1. create a throwaway venv in a temporary folder and ``pip install --no-deps`` exactly
   ``mediapipe==0.10.21``, ``flatbuffers`` and ``numpy`` (pinned below: the complete set of
   code that reads and writes the bytes);
2. inside that venv (this file re-runs itself with ``--inner``), check the sha256 of the two
   source ``.tflite`` files against the values pinned below (the same values MediaPipe pins in
   its ``third_party/external_files.bzl``), then add TFLite metadata to the landmark model
   with 0.10.21's ``MetadataWriter`` (1.2.2's cannot write it): an RGB image input normalised
   with mean 0 and std 255 (the legacy graph feeds the model [0, 1] floats) and the five
   outputs in the model's own order (landmarks, pose flag, segmentation, heatmap, world
   landmarks), which is the order the Tasks ``PoseLandmarksDetectorGraph`` splits them in.
   The detector already carries the metadata the Tasks graph needs and is copied unchanged;
3. back in the calling Python, write the zip with fixed timestamps and attributes, every
   member's data aligned to 64 bytes (mediapipe 1.2.2 memory-maps aligned members and warns
   and copies otherwise), and print its sha256.

Usage::

    python models/build_pose_landmarker_full.py            # writes models/pose_landmarker_full.task
    python models/build_pose_landmarker_full.py --out x.task
    python models/build_pose_landmarker_full.py --check    # rebuild in a temp dir, compare sha256
    python models/build_pose_landmarker_full.py --wheel mediapipe-0.10.21-....whl  # offline wheel

Needs network access to a Python package index (or ``--wheel`` plus a reachable
``flatbuffers``), and a Python for which a mediapipe 0.10.21 wheel exists (3.9 to 3.12;
verified with CPython 3.11 on Linux x86_64).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import struct
import subprocess
import sys
import tempfile
import venv
import zipfile
import zlib
from pathlib import Path

MEDIAPIPE_VERSION = "0.10.21"
#: ``flatbuffers`` serialises the metadata: pinned so the output bytes cannot drift.
FLATBUFFERS_VERSION = "25.12.19"
#: The metadata reader hands buffers over as numpy arrays (mediapipe 0.10.21 needs numpy<2).
NUMPY_VERSION = "1.26.4"

#: Bundle member -> (path inside the mediapipe wheel, sha256 of that file). The sha256 values
#: equal those MediaPipe pins for the same files in ``third_party/external_files.bzl``
#: (``com_google_mediapipe_pose_detection_tflite``, ``..._pose_landmark_full_tflite``).
SOURCES: dict[str, tuple[str, str]] = {
    "pose_detector.tflite": (
        "mediapipe/modules/pose_detection/pose_detection.tflite",
        "9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c",
    ),
    "pose_landmarks_detector.tflite": (
        "mediapipe/modules/pose_landmark/pose_landmark_full.tflite",
        "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f",
    ),
}

DEFAULT_OUT = Path(__file__).resolve().parent / "pose_landmarker_full.task"

#: Every member's data starts at a multiple of this many bytes in the zip.
ALIGNMENT = 64
#: Zip extra-field id used for the padding (the one Android's ``zipalign`` uses).
_ALIGN_EXTRA_ID = 0xD935
#: 1980-01-01 00:00:00, the earliest DOS timestamp: no build time leaks into the file.
_DOS_TIME, _DOS_DATE = 0, (0 << 9) | (1 << 5) | 1
_ZIP_VERSION = 20  # 2.0, the version Python's zipfile writes for stored members
_UNIX_FILE_MODE = 0o100644

LANDMARK_MODEL_NAME = "BlazePose GHUM 3D full: pose landmarks detector"
LANDMARK_MODEL_DESCRIPTION = (
    "MediaPipe pose_landmark_full.tflite (mediapipe==0.10.21 wheel) with TFLite metadata "
    "added for the Tasks PoseLandmarker: 33 pose landmarks plus 6 auxiliary ones, a person "
    "segmentation mask and metric world landmarks from a 256x256 RGB crop."
)
#: (name, description) of the five outputs, in the model's output-tensor order.
LANDMARK_OUTPUTS: tuple[tuple[str, str], ...] = (
    ("landmarks", "1x195: 39 landmarks x (x, y, z, visibility, presence) in crop pixels."),
    ("pose_flag", "1x1: probability that a pose is present in the crop."),
    ("segmentation", "1x256x256x1: person segmentation logits."),
    ("heatmap", "1x64x64x39: landmark heatmaps, used to refine the landmarks."),
    ("world_landmarks", "1x117: 39 landmarks x (x, y, z) in metres, origin at the hips."),
)
_EXPECTED_OUTPUT_SHAPES = ((1, 195), (1, 1), (1, 256, 256, 1), (1, 64, 64, 39), (1, 117))


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --------------------------------------------------------------------------------------------
# Inner step: runs inside the throwaway venv that has mediapipe 0.10.21.
# --------------------------------------------------------------------------------------------


def _import_metadata_writer():
    """Import 0.10.21's metadata writer without running ``mediapipe/__init__.py``.

    The package ``__init__`` modules load the whole framework (OpenCV, matplotlib, jax, ...);
    the metadata writer itself needs only ``flatbuffers``, ``numpy`` and two small extensions.
    Registering bare package objects for ``mediapipe`` and ``mediapipe.tasks.python`` lets us
    install mediapipe with ``--no-deps`` and pin the complete set of code that writes the
    bytes.
    """
    import importlib.util
    import types

    spec = importlib.util.find_spec("mediapipe")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("mediapipe is not installed in the build venv")
    root = Path(next(iter(spec.submodule_search_locations)))
    for name, folder in (
        ("mediapipe", root),
        ("mediapipe.tasks.python", root / "tasks" / "python"),
    ):
        package = types.ModuleType(name)
        package.__path__ = [str(folder)]
        sys.modules[name] = package

    from mediapipe.tasks.metadata import metadata_schema_py_generated as metadata_fb
    from mediapipe.tasks.metadata import schema_py_generated as schema_fb
    from mediapipe.tasks.python.metadata import metadata
    from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer

    return root, metadata_writer, metadata_fb, schema_fb, metadata


def _output_shapes(model: bytes, schema_fb) -> tuple[tuple[int, ...], ...]:
    graph = schema_fb.Model.GetRootAsModel(model, 0).Subgraphs(0)
    return tuple(
        tuple(int(d) for d in graph.Tensors(graph.Outputs(i)).ShapeAsNumpy())
        for i in range(graph.OutputsLength())
    )


def inner_main(workdir: Path) -> None:
    """Verify the sources and write the two bundle members into ``workdir``."""
    from importlib.metadata import version

    for dist, wanted in (
        ("mediapipe", MEDIAPIPE_VERSION),
        ("flatbuffers", FLATBUFFERS_VERSION),
        ("numpy", NUMPY_VERSION),
    ):
        if version(dist) != wanted:
            raise SystemExit(f"build venv has {dist} {version(dist)}, expected {wanted}")
    root, metadata_writer, metadata_fb, schema_fb, metadata = _import_metadata_writer()

    sources: dict[str, bytes] = {}
    for member, (wheel_path, wanted_sha) in SOURCES.items():
        data = (root.parent / wheel_path).read_bytes()
        got = sha256_bytes(data)
        if got != wanted_sha:
            raise SystemExit(f"{wheel_path}: sha256 {got}, expected {wanted_sha}")
        sources[member] = data

    detector = sources["pose_detector.tflite"]
    displayer = metadata.MetadataDisplayer.with_model_buffer(detector)
    if "NormalizationOptions" not in displayer.get_metadata_json():
        raise SystemExit("pose_detection.tflite lost its input normalisation metadata")

    landmarks = sources["pose_landmarks_detector.tflite"]
    shapes = _output_shapes(landmarks, schema_fb)
    if shapes != _EXPECTED_OUTPUT_SHAPES:
        raise SystemExit(f"unexpected landmark model outputs {shapes}")
    writer = metadata_writer.MetadataWriter.create(bytearray(landmarks))
    writer.add_general_info(LANDMARK_MODEL_NAME, LANDMARK_MODEL_DESCRIPTION)
    writer.add_image_input(
        norm_mean=[0.0], norm_std=[255.0], color_space_type=metadata_fb.ColorSpaceType.RGB
    )
    for name, description in LANDMARK_OUTPUTS:
        writer.add_feature_output(name=name, description=description)
    landmarks_with_metadata, metadata_json = writer.populate()
    if _output_shapes(bytes(landmarks_with_metadata), schema_fb) != _EXPECTED_OUTPUT_SHAPES:
        raise SystemExit("metadata writer changed the landmark model's outputs")

    (workdir / "pose_detector.tflite").write_bytes(detector)
    (workdir / "pose_landmarks_detector.tflite").write_bytes(bytes(landmarks_with_metadata))
    (workdir / "pose_landmarks_detector.metadata.json").write_text(metadata_json)


# --------------------------------------------------------------------------------------------
# Outer step: any Python; makes the venv, runs the inner step, writes the zip.
# --------------------------------------------------------------------------------------------


def aligned_stored_zip(members: list[tuple[str, bytes]], alignment: int = ALIGNMENT) -> bytes:
    """Serialise ``members`` as a deterministic, uncompressed zip with aligned member data.

    Written by hand rather than with :mod:`zipfile` so that the bytes depend on nothing but
    the inputs (no timestamps, no host OS, no Python version). Each member's local header
    carries a padding extra field so that its data starts at a multiple of ``alignment``;
    the central directory repeats the same extra field, as Python's zipfile does.
    """
    out = bytearray()
    central = bytearray()
    for name, data in members:
        encoded = name.encode("ascii")
        offset = len(out)
        fixed = 30 + len(encoded) + 6  # local header + name + extra id/size/alignment fields
        pad = (-(offset + fixed)) % alignment
        extra = struct.pack("<HHH", _ALIGN_EXTRA_ID, 2 + pad, alignment) + b"\0" * pad
        crc = zlib.crc32(data) & 0xFFFFFFFF
        out += struct.pack(
            "<IHHHHHIIIHH",
            0x04034B50,
            _ZIP_VERSION,
            0,  # flags
            0,  # method: stored
            _DOS_TIME,
            _DOS_DATE,
            crc,
            len(data),
            len(data),
            len(encoded),
            len(extra),
        )
        out += encoded + extra
        assert len(out) % alignment == 0
        out += data
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            (3 << 8) | _ZIP_VERSION,  # made by: Unix
            _ZIP_VERSION,
            0,
            0,
            _DOS_TIME,
            _DOS_DATE,
            crc,
            len(data),
            len(data),
            len(encoded),
            len(extra),
            0,  # comment length
            0,  # disk number
            0,  # internal attributes
            _UNIX_FILE_MODE << 16,
            offset,
        )
        central += encoded + extra
    central_offset = len(out)
    out += central
    out += struct.pack(
        "<IHHHHIIH",
        0x06054B50,
        0,
        0,
        len(members),
        len(members),
        len(central),
        central_offset,
        0,
    )
    return bytes(out)


def verify_bundle(bundle: bytes, members: list[tuple[str, bytes]]) -> None:
    """Re-read the zip with :mod:`zipfile` and check names, contents and alignment."""
    import io

    with zipfile.ZipFile(io.BytesIO(bundle)) as zf:
        if zf.testzip() is not None:
            raise SystemExit("the written bundle fails its CRC check")
        infos = zf.infolist()
        if [i.filename for i in infos] != [name for name, _ in members]:
            raise SystemExit("the written bundle has unexpected members")
        for info, (_, data) in zip(infos, members, strict=True):
            if info.compress_type != zipfile.ZIP_STORED or zf.read(info) != data:
                raise SystemExit(f"{info.filename}: member differs from its source")
            name_len, extra_len = struct.unpack_from("<HH", bundle, info.header_offset + 26)
            if (info.header_offset + 30 + name_len + extra_len) % ALIGNMENT:
                raise SystemExit(f"{info.filename}: data is not {ALIGNMENT}-byte aligned")


def _venv_python(env_dir: Path) -> Path:
    if os.name == "nt":
        return env_dir / "Scripts" / "python.exe"
    return env_dir / "bin" / "python"


def build(wheel: Path | None) -> tuple[bytes, list[tuple[str, bytes]], str]:
    """Build the bundle in a throwaway venv; return (bundle, members, metadata JSON)."""
    with tempfile.TemporaryDirectory(prefix="gaitlab-model-build-") as tmp:
        tmp_path = Path(tmp)
        env_dir = tmp_path / "venv"
        print(f"creating build venv in {env_dir}", file=sys.stderr)
        venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
        python = _venv_python(env_dir)
        mediapipe_req = str(wheel.resolve()) if wheel else f"mediapipe=={MEDIAPIPE_VERSION}"
        pip = [str(python), "-m", "pip", "--disable-pip-version-check", "--no-input"]
        subprocess.run(
            [
                *pip,
                "install",
                "--quiet",
                "--no-deps",
                "--only-binary=:all:",
                mediapipe_req,
                f"flatbuffers=={FLATBUFFERS_VERSION}",
                f"numpy=={NUMPY_VERSION}",
            ],
            check=True,
        )
        workdir = tmp_path / "out"
        workdir.mkdir()
        subprocess.run(
            [str(python), str(Path(__file__).resolve()), "--inner", str(workdir)],
            check=True,
        )
        members = [(name, (workdir / name).read_bytes()) for name in sorted(SOURCES)]
        metadata_json = (workdir / "pose_landmarks_detector.metadata.json").read_text()
    bundle = aligned_stored_zip(members)
    verify_bundle(bundle, members)
    return bundle, members, metadata_json


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"bundle to write (default {DEFAULT_OUT})"
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="rebuild without writing and compare with the sha256 of --out; exit 1 if different",
    )
    parser.add_argument(
        "--wheel", type=Path, help="install mediapipe from this local 0.10.21 wheel file"
    )
    parser.add_argument(
        "--print-metadata", action="store_true", help="also print the landmark model metadata"
    )
    parser.add_argument("--inner", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.inner is not None:
        inner_main(args.inner)
        return 0
    if not (3, 9) <= sys.version_info[:2] <= (3, 12):
        parser.error("mediapipe 0.10.21 has wheels for CPython 3.9 to 3.12 only")

    bundle, members, metadata_json = build(args.wheel)
    digest = sha256_bytes(bundle)
    for name, data in members:
        print(f"  {name}: {len(data)} bytes, sha256 {sha256_bytes(data)}")
    if args.print_metadata:
        print(metadata_json)

    if args.check:
        if not args.out.is_file():
            print(f"FAIL: {args.out} does not exist (built sha256 {digest})")
            return 1
        committed = sha256_file(args.out)
        if committed != digest:
            print(f"FAIL: rebuilt sha256 {digest} != {args.out} sha256 {committed}")
            return 1
        print(f"OK: rebuilt bundle is byte-identical to {args.out} (sha256 {digest})")
        return 0

    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = args.out.with_name(args.out.name + ".part")
    tmp_out.write_bytes(bundle)
    os.replace(tmp_out, args.out)
    print(f"wrote {args.out}: {len(bundle)} bytes, sha256 {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
