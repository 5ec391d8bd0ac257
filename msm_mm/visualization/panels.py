"""Lay titled pictures out side by side."""
from typing import Sequence, Tuple

import cv2
import numpy as np

#: Height of the title bar above each picture and the gap between pictures.
TITLE_HEIGHT = 24
GAP = 4
FONT = cv2.FONT_HERSHEY_SIMPLEX
FONT_SCALE = 0.5


def titled_row(tiles: Sequence[Tuple[str, np.ndarray]]) -> np.ndarray:
    """Put RGB pictures in one row, each under its title, on white.

    Pictures of different heights are top-aligned. The row is
    ``max(h) + TITLE_HEIGHT`` high and ``sum(w) + GAP * (n - 1)`` wide. A
    title wider than its picture is written smaller.

    Args:
        tiles (Sequence[tuple[str, np.ndarray]]): ``(title, (H, W, 3)
            uint8)`` pairs, left to right.

    Returns:
        np.ndarray: ``(H, W, 3)`` uint8 RGB.
    """
    if not tiles:
        raise ValueError('titled_row needs at least one picture')
    h = max(tile.shape[0] for _, tile in tiles)
    row = []
    for title, tile in tiles:
        canvas = np.full((h + TITLE_HEIGHT, tile.shape[1], 3), 255, np.uint8)
        canvas[TITLE_HEIGHT:TITLE_HEIGHT + tile.shape[0]] = tile
        text_width = cv2.getTextSize(title, FONT, FONT_SCALE, 1)[0][0]
        scale = FONT_SCALE * min(1., (tile.shape[1] - 8) / max(text_width, 1))
        cv2.putText(canvas, title, (4, 17), FONT, scale, (0, 0, 0), 1, cv2.LINE_AA)
        row += [canvas, np.full((h + TITLE_HEIGHT, GAP, 3), 255, np.uint8)]
    return np.concatenate(row[:-1], axis=1)
