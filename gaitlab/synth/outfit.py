"""The runner's kit and colours: named colours, skin tones, the outfit, a loose hem's motion.

Used by :mod:`gaitlab.synth.figure` (which builds the meshes) and by the population draw.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

RGB = tuple[float, float, float]

#: Named colours accepted on the command line (linear 0-1 RGB).
COLOURS: dict[str, RGB] = {
    "red": (0.78, 0.12, 0.12),
    "blue": (0.12, 0.30, 0.75),
    "navy": (0.08, 0.10, 0.25),
    "black": (0.06, 0.06, 0.07),
    "white": (0.92, 0.92, 0.90),
    "grey": (0.50, 0.50, 0.52),
    "green": (0.15, 0.55, 0.25),
    "yellow": (0.90, 0.78, 0.15),
    "orange": (0.95, 0.50, 0.10),
    "teal": (0.10, 0.55, 0.55),
    "purple": (0.45, 0.20, 0.60),
    "pink": (0.90, 0.45, 0.60),
}

#: Skin tones (a light-to-dark range), selectable by name.
SKIN_TONES: dict[str, RGB] = {
    "light": (0.92, 0.76, 0.65),
    "medium": (0.80, 0.60, 0.45),
    "tan": (0.66, 0.46, 0.32),
    "dark": (0.42, 0.28, 0.20),
}


def parse_colour(text: str) -> RGB:
    """Parse a colour name from ``COLOURS``/``SKIN_TONES`` or ``#rrggbb``.

    Raises
    ------
    ValueError
        If the text is neither.
    """
    key = text.strip().lower()
    if key in COLOURS:
        return COLOURS[key]
    if key in SKIN_TONES:
        return SKIN_TONES[key]
    if key.startswith("#") and len(key) == 7:
        try:
            return tuple(int(key[i : i + 2], 16) / 255.0 for i in (1, 3, 5))  # type: ignore[return-value]
        except ValueError:
            pass
    raise ValueError(f"unknown colour {text!r}: use one of {sorted(COLOURS)} or #rrggbb")


#: Top patterns: ``plain``; ``stripes`` (horizontal bands of ``accent`` round the chest);
#: ``block`` (chest in ``accent``, waist in ``shirt``: a second horizontal edge above the
#: waistband).
TOP_PATTERNS: tuple[str, ...] = ("plain", "stripes", "block")
#: Bottoms: fitted ``shorts``; ``long_shorts`` down to mid-thigh; ``tights`` to the ankle.
BOTTOMS: tuple[str, ...] = ("shorts", "long_shorts", "tights")
#: How the top is worn: ``tucked`` (the shorts' waistband is the visible edge) or
#: ``untucked`` (a loose hem hangs over the shorts and flaps, see :func:`hem_motion`).
TOP_FITS: tuple[str, ...] = ("tucked", "untucked")


@dataclass(frozen=True)
class Outfit:
    """Colours and cut of the figure (colours 0-1 RGB).

    Attributes
    ----------
    shirt, shorts, skin, hair, shoes, soles
        Colours.
    accent
        Second colour of a patterned top.
    top_pattern
        One of :data:`TOP_PATTERNS`.
    bottoms
        One of :data:`BOTTOMS`.
    top_fit
        One of :data:`TOP_FITS`.
    waistband_curve_m
        How much lower the shorts' top edge is at the middle of the back and front than at
        the sides (m; negative = higher): seen from behind, a curved waistband.
    girth_scale
        Multiplies the width and depth of the trunk and limbs (not lengths: the skeleton,
        and so every true joint centre, is the same).
    hem_bounce_m, hem_sway_deg
        Amplitudes of the untucked hem's motion against the trunk (:func:`hem_motion`).
    """

    shirt: RGB = COLOURS["red"]
    shorts: RGB = COLOURS["navy"]
    skin: RGB = SKIN_TONES["medium"]
    hair: RGB = (0.16, 0.10, 0.06)
    shoes: RGB = (0.20, 0.22, 0.30)
    soles: RGB = (0.95, 0.95, 0.95)
    accent: RGB = (0.92, 0.92, 0.90)
    top_pattern: str = "plain"
    bottoms: str = "shorts"
    top_fit: str = "tucked"
    waistband_curve_m: float = 0.0
    girth_scale: float = 1.0
    hem_bounce_m: float = 0.02
    hem_sway_deg: float = 6.0

    def __post_init__(self) -> None:
        for name, value, allowed in (
            ("top_pattern", self.top_pattern, TOP_PATTERNS),
            ("bottoms", self.bottoms, BOTTOMS),
            ("top_fit", self.top_fit, TOP_FITS),
        ):
            if value not in allowed:
                raise ValueError(f"{name} must be one of {allowed}, got {value!r}")
        if abs(self.waistband_curve_m) > 0.03:
            raise ValueError("waistband_curve_m must be within +-0.03 m (the shirt's hem)")
        if not 0.8 <= self.girth_scale <= 1.3:
            raise ValueError("girth_scale must be within 0.8-1.3")


def hem_motion(
    phase: NDArray[np.float64], outfit: Outfit, seed: int = 0
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Motion of an untucked hem against the trunk, per stride phase.

    A loose hem lags the trunk's bounce (once per step, twice per stride) and swings from
    side to side with the legs (once per stride). Both are sinusoids with seeded phase lags;
    zero for a tucked top.

    Parameters
    ----------
    phase
        ``(n,)`` stride phase.
    outfit
        Gives the fit and the amplitudes.
    seed
        Seeds the phase lags.

    Returns
    -------
    dz_m, roll_deg
        ``(n,)`` vertical offset (m, + up) and roll about the trunk's forward axis (deg).
    """
    phase = np.asarray(phase, dtype=np.float64)
    if outfit.top_fit != "untucked":
        return np.zeros_like(phase), np.zeros_like(phase)
    lag_z, lag_r = np.random.default_rng(seed).uniform(0.0, 2.0 * np.pi, 2)
    dz = outfit.hem_bounce_m * np.sin(4.0 * np.pi * phase + lag_z)
    roll = outfit.hem_sway_deg * np.sin(2.0 * np.pi * phase + lag_r)
    return dz, roll
