"""Colour maps of every task's labels and predictions (RGB ``uint8``).

Shared by the visualizer, the image demo and ``tools/misc/browse_dataset.py``
so that a label looks the same everywhere. A map is coloured by its task's
kind (:class:`~msm_mm.structures.MapKind`):

- LABELS (semseg, human_parts): the dataset palette (``palette``,
  ``part_palette`` of the dataset metainfo; the VOC colour map when the
  metainfo has none);
- SCALAR (depth): magma from 0 (black) to ``max_value`` (light), invalid (0)
  black;
- VECTOR (normals): ``(n + 1) / 2`` as RGB, invalid (the zero vector) black;
- PROBABILITY (edge, sal): labels white on black, probabilities as grey
  levels.
"""
from typing import Optional, Sequence, Tuple

import numpy as np
from matplotlib import colormaps

from msm_mm.datasets.palettes import voc_palette
from msm_mm.structures import MapKind, get_task

Color = Sequence[int]

#: Default colours of ignored pixels (255) in class and binary label maps.
CLASS_IGNORE_COLOR = (255, 255, 255)
BINARY_IGNORE_COLOR = (128, 128, 128)


def color_classes(label: np.ndarray,
                  palette: Sequence[Color],
                  ignore_color: Color = CLASS_IGNORE_COLOR) -> np.ndarray:
    """``(H, W)`` class ids -> RGB with ``palette``.

    Args:
        label (np.ndarray): Integer class ids, 255 = ignore.
        palette (Sequence): One RGB triple per class.
        ignore_color (Sequence[int]): Colour of 255. Defaults to white.

    Returns:
        np.ndarray: ``(H, W, 3)`` uint8.
    """
    lut = np.zeros((256, 3), np.uint8)
    lut[:len(palette)] = palette
    lut[255] = ignore_color
    return lut[label]


def color_depth(depth: np.ndarray, max_depth: Optional[float] = None) -> np.ndarray:
    """Depth in metres (or any SCALAR map) -> RGB (magma, near dark); 0
    (invalid) black.

    Args:
        depth (np.ndarray): ``(H, W)`` depth in metres.
        max_depth (float, optional): Depth of the lightest colour; give the
            same value to maps that are compared (:func:`shared_scale`).
            Defaults to the largest depth of the map.

    Returns:
        np.ndarray: ``(H, W, 3)`` uint8.
    """
    valid = depth > 0
    if max_depth is None:
        max_depth = depth[valid].max() if valid.any() else 1.0
    rgb = (colormaps['magma'](depth / max(max_depth, 1e-6))[..., :3] * 255).astype(np.uint8)
    rgb[~valid] = 0
    return rgb


def color_normals(normals: np.ndarray) -> np.ndarray:
    """``(3, H, W)`` unit vectors -> RGB ``(n + 1) / 2``; zero vectors black."""
    rgb = ((normals.transpose(1, 2, 0) + 1) * 127.5).clip(0, 255).astype(np.uint8)
    rgb[(normals == 0).all(0)] = 0
    return rgb


def color_binary(label: np.ndarray, ignore_color: Color = BINARY_IGNORE_COLOR) -> np.ndarray:
    """``(H, W)`` labels in {0, 1} -> black / white; 255 ``ignore_color``
    (defaults to grey)."""
    lut = np.zeros((256, 3), np.uint8)
    lut[1] = 255
    lut[255] = ignore_color
    return lut[label]


def color_probability(prob: np.ndarray) -> np.ndarray:
    """``(H, W)`` probabilities in [0, 1] -> grey levels (1 white)."""
    grey = (prob.clip(0, 1) * 255).round().astype(np.uint8)
    return np.repeat(grey[..., None], 3, axis=2)


def task_palette(task: str, dataset_meta: Optional[dict]) -> list:
    """The palette of a LABELS task: the dataset's, else the VOC colours.

    Args:
        task (str): 'semseg' or 'human_parts'.
        dataset_meta (dict, optional): Dataset metainfo.

    Returns:
        list[list[int]]: RGB triples, one per class.
    """
    palette = (dataset_meta or {}).get(get_task(task).palette_key)
    return list(palette) if palette is not None else voc_palette(255)


def shared_scale(task: str, maps: Sequence[Optional[np.ndarray]]) -> Tuple[Optional[float], str]:
    """The colour scale that the maps of one image share for a SCALAR task,
    so that predictions and ground truth compare: 0 to their largest value.

    Args:
        task (str): Task name.
        maps (Sequence[np.ndarray | None]): The maps of the task; None
            entries are skipped.

    Returns:
        tuple[float | None, str]: ``max_value`` for :func:`color_label` and
        :func:`color_prediction`, and a title suffix that states the range
        (``' (0-4.2 m)'``); ``(None, '')`` for the other kinds.
    """
    spec = get_task(task)
    if spec.kind is not MapKind.SCALAR:
        return None, ''
    max_value = max([float(m.max()) for m in maps if m is not None] + [1e-6])
    unit = f' {spec.unit}' if spec.unit else ''
    return max_value, f' (0-{max_value:.1f}{unit})'


def color_label(task: str,
                label: np.ndarray,
                dataset_meta: Optional[dict] = None,
                ignore_color: Optional[Color] = None,
                max_value: Optional[float] = None) -> np.ndarray:
    """Colour one ground-truth map ``gt_<task>``.

    Args:
        task (str): Task name.
        label (np.ndarray): ``(C, H, W)`` map as stored in the data sample.
        dataset_meta (dict, optional): Dataset metainfo with the palettes.
            Defaults to None (VOC colours).
        ignore_color (Sequence[int], optional): Colour of ignored pixels of
            LABELS and PROBABILITY maps. Defaults to None: white for class
            maps, grey for edge and sal. SCALAR and VECTOR maps draw theirs
            black.
        max_value (float, optional): See :func:`color_depth`. Defaults to
            None.

    Returns:
        np.ndarray: ``(H, W, 3)`` uint8.
    """
    kind = get_task(task).kind
    if kind is MapKind.PROBABILITY:
        return color_binary(label[0], ignore_color or BINARY_IGNORE_COLOR)
    return _color_values(task, kind, label, dataset_meta, ignore_color or CLASS_IGNORE_COLOR,
                         max_value)


def color_prediction(task: str,
                     pred: np.ndarray,
                     dataset_meta: Optional[dict] = None,
                     max_value: Optional[float] = None) -> np.ndarray:
    """Colour one prediction ``pred_<task>`` (see
    :class:`~msm_mm.structures.MapKind` for its encoding).

    Args:
        task (str): Task name.
        pred (np.ndarray): ``(C, H, W)`` prediction.
        dataset_meta (dict, optional): Dataset metainfo with the palettes.
            Defaults to None (VOC colours).
        max_value (float, optional): See :func:`color_depth`. Defaults to
            None.

    Returns:
        np.ndarray: ``(H, W, 3)`` uint8.
    """
    kind = get_task(task).kind
    if kind is MapKind.PROBABILITY:
        return color_probability(pred[0])
    return _color_values(task, kind, pred, dataset_meta, CLASS_IGNORE_COLOR, max_value)


def _color_values(task: str, kind: MapKind, data: np.ndarray, dataset_meta: Optional[dict],
                  ignore_color: Color, max_value: Optional[float]) -> np.ndarray:
    """Colour a LABELS, SCALAR or VECTOR map, coloured alike as ground truth
    and as prediction."""
    if kind is MapKind.LABELS:
        return color_classes(data[0], task_palette(task, dataset_meta), ignore_color)
    if kind is MapKind.SCALAR:
        return color_depth(data[0], max_value)
    return color_normals(data)
