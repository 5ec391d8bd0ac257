"""Colour palettes of the datasets' class maps (RGB)."""
from typing import List


def voc_palette(num_classes: int, offset: int = 0) -> List[List[int]]:
    """The PASCAL VOC colour map (bits of the index spread over R, G, B).

    Args:
        num_classes (int): Number of colours.
        offset (int): Index of the first colour; 1 skips VOC's black.
            Defaults to 0.

    Returns:
        list[list[int]]: ``num_classes`` RGB triples.
    """
    palette = []
    for index in range(offset, offset + num_classes):
        rgb = [0, 0, 0]
        for shift in range(8):
            for channel in range(3):
                rgb[channel] |= ((index >> (3 * shift + channel)) & 1) << (7 - shift)
        palette.append(rgb)
    return palette
