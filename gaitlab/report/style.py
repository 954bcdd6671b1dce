"""Colours and sizes shared by every drawing, plot and report, so left and right never swap.

Left is vermillion and right is blue (Okabe-Ito palette: distinguishable with the common
colour-vision deficiencies) in the annotated video, the key frames, the plots and the HTML/PDF
tables alike. Colours are RGB tuples (frames are RGB, as :func:`gaitlab.io.video.iter_frames`
yields them) with hex twins for matplotlib and CSS.
"""

from __future__ import annotations

RGB = tuple[int, int, int]

#: Left side of the body (vermillion).
LEFT_RGB: RGB = (213, 94, 0)
#: Right side of the body (blue).
RIGHT_RGB: RGB = (0, 114, 178)
#: Midline segments (trunk, shoulders, pelvis, face).
CENTRE_RGB: RGB = (240, 240, 240)
#: Trunk and pelvis angle arcs (yellow).
TRUNK_RGB: RGB = (240, 228, 66)
#: Back contour (bluish green).
CONTOUR_RGB: RGB = (0, 158, 115)
#: Reference lines (vertical, horizontal, trunk continued).
REFERENCE_RGB: RGB = (200, 200, 200)
#: Outline drawn under lines and text so they read on any background.
SHADOW_RGB: RGB = (20, 20, 20)


def side_rgb(side: str | None) -> RGB:
    """Colour of a body side: ``"left"``, ``"right"``, or anything else for the midline."""
    if side == "left":
        return LEFT_RGB
    if side == "right":
        return RIGHT_RGB
    return CENTRE_RGB


def hex_colour(rgb: RGB) -> str:
    """``#rrggbb`` of an RGB tuple (for matplotlib and CSS)."""
    return "#{:02x}{:02x}{:02x}".format(*rgb)


LEFT_HEX = hex_colour(LEFT_RGB)
RIGHT_HEX = hex_colour(RIGHT_RGB)
TRUNK_HEX = "#b8a600"  # a darker yellow than TRUNK_RGB: readable on white paper


def side_hex(side: str | None) -> str:
    """Hex colour of a body side (midline: dark grey, for white backgrounds)."""
    if side == "left":
        return LEFT_HEX
    if side == "right":
        return RIGHT_HEX
    return "#444444"
