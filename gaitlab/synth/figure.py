"""The runner's looks: a human-like body built from lofted meshes on the skeleton's segments.

DeepMimic's stock figure (spheres, capsules and boxes in one colour) is found by MediaPipe in
only about three quarters of rear-view frames. This figure has a tapered torso with a chest,
waist and buttocks, a head with hair, ears and a face (eyes, nose, mouth), a tucked-in shirt,
fitted shorts whose waistband contrasts with the shirt (the edge gaitlab uses for pelvic
drop, docs/metrics.md), skin-coloured limbs tapering from thigh to ankle and arm to wrist,
hands, and shoes with a white sole.

Every part is a closed triangle mesh in its segment's local frame (see
:mod:`gaitlab.synth.skeleton`: at rest the local frame is the world frame, +X forward, +Y
left, +Z up), so it moves rigidly with the segment. Limb and trunk parts are *lofts*: a
sequence of elliptical cross-sections along the local Z axis. The shoe's sole is the box
whose lowest face holds the sole contact points locked to the floor, so what the camera sees
touching the floor is what the ground truth calls contact.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from gaitlab.synth.outfit import (  # noqa: F401  (re-exported: callers import them here)
    COLOURS,
    RGB,
    SKIN_TONES,
    Outfit,
    hem_motion,
    parse_colour,
)
from gaitlab.synth.skeleton import (
    FOOT_HALF_WIDTH_M,
    FOOT_HEEL_X_M,
    FOOT_SOLE_Z_M,
    FOOT_TOE_X_M,
    OFFSET_M,
    SEG,
)


@dataclass(frozen=True)
class Part:
    """One rigid, single-coloured mesh attached to a segment.

    Attributes
    ----------
    name
        Human-readable name (``'thigh_l_skin'``).
    segment
        Skeleton segment it moves with.
    vertices_m
        ``(v, 3)`` vertex positions in the segment's local frame.
    triangles
        ``(t, 3)`` vertex indices, counter-clockwise seen from outside.
    rgb
        Colour.
    """

    name: str
    segment: str
    vertices_m: NDArray[np.float64]
    triangles: NDArray[np.int32]
    rgb: RGB
    normals: NDArray[np.float64] = field(default_factory=lambda: np.zeros((0, 3)))
    #: Moves against its segment by :func:`hem_motion` (an untucked hem).
    flap: bool = False


def _vertex_normals(v: NDArray[np.float64], tri: NDArray[np.int32]) -> NDArray[np.float64]:
    """Area-weighted vertex normals (smooth shading)."""
    fn = np.cross(v[tri[:, 1]] - v[tri[:, 0]], v[tri[:, 2]] - v[tri[:, 0]])
    vn = np.zeros_like(v)
    for k in range(3):
        np.add.at(vn, tri[:, k], fn)
    norm = np.linalg.norm(vn, axis=1, keepdims=True)
    return vn / np.where(norm > 0, norm, 1.0)


def _part(name: str, segment: str, v: NDArray, tri: NDArray, rgb: RGB) -> Part:
    v = np.asarray(v, dtype=np.float64)
    tri = np.asarray(tri, dtype=np.int32)
    return Part(name, segment, v, tri, rgb, _vertex_normals(v, tri))


def loft(
    sections: list[tuple[float, float, float, float]],
    n_around: int = 18,
    cap_bottom: bool = True,
    cap_top: bool = True,
    power: float = 2.0,
) -> tuple[NDArray[np.float64], NDArray[np.int32]]:
    """A closed tube through elliptical cross-sections along local Z.

    Parameters
    ----------
    sections
        ``(z_m, half_depth_x_m, half_width_y_m, centre_x_m)`` from bottom to top.
    n_around
        Vertices per cross-section.
    cap_bottom, cap_top
        Close the ends with a fan to a centre vertex.
    power
        Superellipse exponent of the cross-section (2 = ellipse, larger = boxier).

    Returns
    -------
    vertices_m, triangles
    """
    ang = 2.0 * np.pi * np.arange(n_around) / n_around
    c, s = np.cos(ang), np.sin(ang)
    # Superellipse: |x|^p + |y|^p = 1.
    cx_unit = np.sign(c) * np.abs(c) ** (2.0 / power)
    sy_unit = np.sign(s) * np.abs(s) ** (2.0 / power)
    verts = []
    for z, rx, ry, cx in sections:
        verts.append(np.column_stack([cx + rx * cx_unit, ry * sy_unit, np.full(n_around, z)]))
    v = np.concatenate(verts)
    tris = []
    for i in range(len(sections) - 1):
        for j in range(n_around):
            a = i * n_around + j
            b = i * n_around + (j + 1) % n_around
            cc = a + n_around
            d = b + n_around
            tris += [(a, b, d), (a, d, cc)]
    extra = []
    if cap_bottom:
        z0, _, _, cx0 = sections[0]
        idx = len(v) + len(extra)
        extra.append([cx0, 0.0, z0])
        tris += [(idx, (j + 1) % n_around, j) for j in range(n_around)]
    if cap_top:
        z1, _, _, cx1 = sections[-1]
        idx = len(v) + len(extra)
        extra.append([cx1, 0.0, z1])
        base = (len(sections) - 1) * n_around
        tris += [(idx, base + j, base + (j + 1) % n_around) for j in range(n_around)]
    if extra:
        v = np.concatenate([v, np.asarray(extra)])
    return v, np.asarray(tris, dtype=np.int32)


def ellipsoid(
    centre_m: tuple[float, float, float],
    radii_m: tuple[float, float, float],
    n_around: int = 18,
    n_rings: int = 10,
) -> tuple[NDArray[np.float64], NDArray[np.int32]]:
    """An ellipsoid as a loft of rings (poles closed by the caps)."""
    th = np.linspace(0.0, np.pi, n_rings + 1)[1:-1]
    sections = [
        (centre_m[2] - radii_m[2] * np.cos(t), radii_m[0] * np.sin(t), radii_m[1] * np.sin(t), 0.0)
        for t in th
    ]
    v, tri = loft(sections, n_around=n_around)
    # The caps' centre vertices sit on the end rings' plane; move them to the poles.
    v[-2] = [0.0, 0.0, centre_m[2] - radii_m[2]]
    v[-1] = [0.0, 0.0, centre_m[2] + radii_m[2]]
    v[:, 0] += centre_m[0]
    v[:, 1] += centre_m[1]
    return v, tri


def _box(lo: tuple[float, float, float], hi: tuple[float, float, float]) -> tuple[NDArray, NDArray]:
    x0, y0, z0 = lo
    x1, y1, z1 = hi
    v = np.array(
        [[x, y, z] for z in (z0, z1) for y in (y0, y1) for x in (x0, x1)], dtype=np.float64
    )
    faces = [
        (0, 2, 3, 1),  # bottom
        (4, 5, 7, 6),  # top
        (0, 1, 5, 4),  # -y
        (2, 6, 7, 3),  # +y
        (0, 4, 6, 2),  # -x
        (1, 3, 7, 5),  # +x
    ]
    tri = [t for a, b, c, d in faces for t in ((a, b, c), (a, c, d))]
    return v, np.asarray(tri, dtype=np.int32)


def _mirror_y(v: NDArray[np.float64], tri: NDArray[np.int32]) -> tuple[NDArray, NDArray]:
    """Mirror a mesh left<->right (flip Y and the winding)."""
    m = v.copy()
    m[:, 1] *= -1.0
    return m, tri[:, ::-1].copy()


def _merge(*meshes: tuple[NDArray, NDArray]) -> tuple[NDArray, NDArray]:
    vs, ts, off = [], [], 0
    for v, t in meshes:
        vs.append(v)
        ts.append(t + off)
        off += len(v)
    return np.concatenate(vs), np.concatenate(ts)


def build_figure(outfit: Outfit | None = None) -> list[Part]:
    """All parts of the runner for an outfit.

    Proportions follow the DeepMimic skeleton (1.62 m tall, hip centres 0.88 m above the
    floor); girths are those of a slim adult runner.

    Parameters
    ----------
    outfit
        Colours; default :class:`Outfit`.

    Returns
    -------
    list of Part
    """
    o = outfit or Outfit()
    parts: list[Part] = []
    add = parts.append

    # Pelvis (origin: mid-hip; waist/lumbar joint at z = 0.10). Shorts with a rear bulge for
    # the buttocks: a backward arch of the low back shows as a deeper hollow above it.
    shorts_v, shorts_t = loft(
        [
            (-0.10, 0.085, 0.150, -0.010),
            (-0.05, 0.110, 0.168, -0.022),
            (0.00, 0.112, 0.165, -0.018),
            (0.05, 0.100, 0.150, -0.006),
            (0.105, 0.094, 0.143, 0.000),
        ],
        power=2.3,
    )
    if o.waistband_curve_m:
        # Lower the top ring (and its cap centre) most at the middle of back and front.
        top = shorts_v[:, 2] > 0.1
        across = np.clip(shorts_v[top, 1] / 0.143, -1.0, 1.0)
        shorts_v[top, 2] -= o.waistband_curve_m * (1.0 - across**2)
    add(_part("pelvis_shorts", "pelvis", shorts_v, shorts_t, o.shorts))
    # Abdomen (origin: lumbar joint, 0.10 above mid-hip; chest joint at +0.136). Tucked-in
    # shirt: its lower edge sits inside the shorts so the visible waistband is the shorts'.
    add(
        _part(
            "abdomen_shirt",
            "abdomen",
            *loft(
                [
                    (-0.030, 0.086, 0.136, 0.000),
                    (0.030, 0.088, 0.134, 0.004),
                    (0.090, 0.092, 0.140, 0.008),
                    (0.150, 0.097, 0.148, 0.008),
                ],
                power=2.3,
            ),
            o.shirt,
        )
    )
    if o.top_fit == "untucked":
        # A loose hem hanging over the shorts to just below the hip joints, flaring out.
        add(
            dataclasses.replace(
                _part(
                    "hem_shirt",
                    "abdomen",
                    *loft(
                        [
                            (-0.150, 0.140, 0.186, -0.010),
                            (-0.080, 0.132, 0.181, -0.010),
                            (-0.020, 0.112, 0.166, 0.000),
                            (0.030, 0.095, 0.142, 0.004),
                        ],
                        power=2.3,
                    ),
                    o.shirt,
                ),
                flap=True,
            )
        )
    # Chest (origin: chest joint; shoulders at z = 0.2435, y = +-0.183; neck at z = 0.224).
    chest_sections = [
        (-0.040, 0.096, 0.146, 0.008),
        (0.040, 0.104, 0.158, 0.012),
        (0.110, 0.108, 0.170, 0.006),
        (0.180, 0.098, 0.182, -0.010),
        (0.225, 0.078, 0.170, -0.018),
        (0.255, 0.050, 0.090, -0.018),
    ]
    upper = o.accent if o.top_pattern == "block" else o.shirt
    add(_part("chest_shirt", "chest", *loft(chest_sections, power=2.4), upper))
    if o.top_pattern == "stripes":
        cs = np.asarray(chest_sections)
        for k, (z0, z1) in enumerate(((-0.02, 0.01), (0.05, 0.08), (0.12, 0.15))):
            rings = [
                (z, *(float(np.interp(z, cs[:, 0], cs[:, c])) + 0.004 for c in (1, 2)), 0.0)
                for z in (z0, z1)
            ]
            rings = [(z, rx, ry, float(np.interp(z, cs[:, 0], cs[:, 3]))) for z, rx, ry, _ in rings]
            add(_part(f"stripe_{k}_shirt", "chest", *loft(rings, power=2.4), o.accent))
    for side, sgn in (("l", 1.0), ("r", -1.0)):
        sh = OFFSET_M[SEG[f"upperarm_{side}"]]
        add(
            _part(
                f"deltoid_{side}",
                "chest",
                *ellipsoid((sh[0], sgn * 0.178, sh[2] - 0.012), (0.058, 0.056, 0.055)),
                upper,
            )
        )
    # Head (origin: neck joint). Neck, skull, hair cap, ears, face.
    skull_c = (0.012, 0.0, 0.165)
    add(
        _part(
            "neck_skin",
            "head",
            *loft([(-0.05, 0.048, 0.050, 0.0), (0.10, 0.045, 0.046, 0.008)]),
            o.skin,
        )
    )
    add(_part("head_skin", "head", *ellipsoid(skull_c, (0.097, 0.078, 0.115), 22, 12), o.skin))
    add(
        _part(
            "hair",
            "head",
            *ellipsoid((-0.012, 0.0, 0.192), (0.100, 0.084, 0.102), 22, 12),
            o.hair,
        )
    )
    ear = ellipsoid((0.0, 0.078, 0.160), (0.020, 0.010, 0.030), 10, 6)
    add(_part("ears", "head", *_merge(ear, _mirror_y(*ear)), o.skin))
    eye_white = ellipsoid((0.090, 0.034, 0.180), (0.012, 0.015, 0.009), 10, 6)
    add(_part("eye_whites", "head", *_merge(eye_white, _mirror_y(*eye_white)), (0.96,) * 3))
    pupil = ellipsoid((0.100, 0.034, 0.180), (0.005, 0.007, 0.007), 8, 5)
    add(_part("pupils", "head", *_merge(pupil, _mirror_y(*pupil)), (0.08, 0.06, 0.05)))
    brow = ellipsoid((0.096, 0.035, 0.198), (0.008, 0.020, 0.004), 8, 4)
    add(_part("brows", "head", *_merge(brow, _mirror_y(*brow)), o.hair))
    nose_rgb = tuple(0.9 * c for c in o.skin)
    add(
        _part(
            "nose", "head", *ellipsoid((0.104, 0.0, 0.158), (0.018, 0.012, 0.022), 10, 6), nose_rgb
        )
    )  # type: ignore[arg-type]
    add(
        _part(
            "mouth",
            "head",
            *ellipsoid((0.098, 0.0, 0.125), (0.008, 0.024, 0.006), 10, 5),
            (0.60, 0.22, 0.22),
        )
    )

    for side in ("l", "r"):
        # Arms: short sleeve, then skin; forearm, fist.
        add(
            _part(
                f"sleeve_{side}",
                f"upperarm_{side}",
                *loft([(-0.115, 0.050, 0.050, 0.0), (0.035, 0.060, 0.058, 0.0)]),
                upper,
            )
        )
        add(
            _part(
                f"upperarm_{side}_skin",
                f"upperarm_{side}",
                *loft(
                    [
                        (-0.285, 0.038, 0.038, 0.0),
                        (-0.20, 0.043, 0.043, 0.0),
                        (-0.10, 0.046, 0.046, 0.0),
                    ]
                ),
                o.skin,
            )
        )
        add(
            _part(
                f"forearm_{side}_skin",
                f"forearm_{side}",
                *loft(
                    [
                        (-0.250, 0.026, 0.030, 0.0),
                        (-0.15, 0.032, 0.036, 0.0),
                        (-0.06, 0.038, 0.040, 0.0),
                        (0.01, 0.037, 0.037, 0.0),
                    ]
                ),
                o.skin,
            )
        )
        add(
            _part(
                f"hand_{side}",
                f"forearm_{side}",
                *ellipsoid((0.008, 0.0, -0.300), (0.036, 0.030, 0.055), 12, 8),
                o.skin,
            )
        )
        # Legs: shorts over the upper thigh, then skin to the knee.
        add(
            _part(
                f"thigh_{side}_shorts",
                f"thigh_{side}",
                *loft(
                    [
                        (-0.200, 0.084, 0.084, 0.0),
                        (-0.10, 0.090, 0.090, 0.0),
                        (0.02, 0.094, 0.094, -0.006),
                        (0.07, 0.085, 0.085, -0.01),
                    ]
                ),
                o.shorts,
            )
        )
        if o.bottoms == "long_shorts":
            add(
                _part(
                    f"thigh_{side}_long_shorts",
                    f"thigh_{side}",
                    *loft(
                        [
                            (-0.340, 0.064, 0.064, 0.004),
                            (-0.25, 0.078, 0.076, 0.0),
                            (-0.18, 0.085, 0.085, 0.0),
                        ]
                    ),
                    o.shorts,
                )
            )
        legs = o.shorts if o.bottoms == "tights" else o.skin
        add(
            _part(
                f"thigh_{side}_skin",
                f"thigh_{side}",
                *loft(
                    [
                        (-0.430, 0.050, 0.052, 0.004),
                        (-0.35, 0.060, 0.060, 0.004),
                        (-0.25, 0.074, 0.072, 0.0),
                        (-0.17, 0.080, 0.078, 0.0),
                    ]
                ),
                legs,
            )
        )
        add(
            _part(
                f"shank_{side}_skin",
                f"shank_{side}",
                *loft(
                    [
                        (-0.420, 0.030, 0.030, 0.0),
                        (-0.33, 0.036, 0.034, -0.004),
                        (-0.20, 0.052, 0.046, -0.014),
                        (-0.10, 0.056, 0.050, -0.014),
                        (0.00, 0.050, 0.050, 0.0),
                        (0.03, 0.048, 0.048, 0.0),
                    ]
                ),
                legs,
            )
        )
        # Shoe: white sole box holding the contact points, coloured upper around the ankle.
        heel, toe = FOOT_HEEL_X_M, FOOT_TOE_X_M
        add(
            _part(
                f"sole_{side}",
                f"foot_{side}",
                *_box(
                    (heel, -FOOT_HALF_WIDTH_M, FOOT_SOLE_Z_M),
                    (toe, FOOT_HALF_WIDTH_M, FOOT_SOLE_Z_M + 0.016),
                ),
                o.soles,
            )
        )
        mid_x, half_len = 0.5 * (heel + toe), 0.5 * (toe - heel)
        sole_top = FOOT_SOLE_Z_M + 0.016
        upper_v, upper_t = loft(
            [
                (sole_top - 0.002, half_len - 0.002, FOOT_HALF_WIDTH_M - 0.002, mid_x),
                (sole_top + 0.022, half_len - 0.006, FOOT_HALF_WIDTH_M - 0.003, mid_x - 0.004),
                (sole_top + 0.042, 0.065, 0.041, mid_x - 0.022),
                (sole_top + 0.068, 0.046, 0.039, mid_x - 0.040),
            ],
            n_around=20,
            power=3.0,
        )
        add(_part(f"shoe_{side}", f"foot_{side}", upper_v, upper_t, o.shoes))
    if o.girth_scale != 1.0:
        parts = [_girth(p, o.girth_scale) for p in parts]
    return parts


#: Parts whose width and depth follow ``Outfit.girth_scale`` (head, hands and shoes do not).
_GIRTH_PREFIXES: tuple[str, ...] = (
    "pelvis_",
    "abdomen_",
    "chest_",
    "hem_",
    "stripe_",
    "deltoid_",
    "sleeve_",
    "upperarm_",
    "forearm_",
    "thigh_",
    "shank_",
)


def _girth(part: Part, scale: float) -> Part:
    """The part widened about its segment's long axis (lengths kept)."""
    if not part.name.startswith(_GIRTH_PREFIXES):
        return part
    v = part.vertices_m.copy()
    v[:, :2] *= scale
    return dataclasses.replace(part, vertices_m=v, normals=_vertex_normals(v, part.triangles))
