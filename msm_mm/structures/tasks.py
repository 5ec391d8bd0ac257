"""The dense prediction tasks this project knows: one :class:`TaskSpec` each.

A task's spec is the one place that says how the task differs from the
others. The pipeline, the model, the metric, the prediction writer and the
visualiser ask it instead of testing task names. Adding a task is adding a
:class:`TaskSpec` to :data:`TASKS`; what remains is a dataset loader for its
files and its head in the model config (``decode_head.tasks`` and
``decode_head.losses``); ``docs/model.md`` ("Tasks") has the details.

Every ground-truth map is a tensor of shape ``(C, H, W)`` inside a
:class:`~mmengine.structures.PixelData`. Pixels equal to the kind's
``ignore_value`` (for all channels) carry no supervision and are left out of
every metric. Padding with a task's ``ignore_value`` therefore never adds
supervision.
"""
from dataclasses import dataclass
from enum import Enum
from typing import Tuple

import torch
import torch.nn.functional as F
from torch import Tensor


class MapKind(Enum):
    """What a task's maps hold; it fixes how they are stored and predicted.

    ===============  ======================  ============  =======================
    kind             ground truth            ignore value  prediction
    ===============  ======================  ============  =======================
    ``LABELS``       class ids (long)        255           argmax class id (long)
    ``PROBABILITY``  0 / 1 (long)            255           foreground probability
    ``SCALAR``       values >= 0 (float32)   0 (invalid)   logits clamped at 0
    ``VECTOR``       unit vectors (float32)  zero vector   logits normalised
    ===============  ======================  ============  =======================

    A ``PROBABILITY`` task's logits are one channel (sigmoid) or two
    (softmax, the foreground channel kept). The higher layers map the kind to
    a colour map (:mod:`msm_mm.visualization.colorize`) and a file layout
    (:mod:`msm_mm.evaluation.metrics.prediction_writer`).
    """

    LABELS = ('labels', torch.long, 255)
    PROBABILITY = ('probability', torch.long, 255)
    SCALAR = ('scalar', torch.float32, 0.0)
    VECTOR = ('vector', torch.float32, 0.0)

    def __init__(self, label: str, gt_dtype: torch.dtype, ignore_value: float) -> None:
        # ``label`` only keeps the values of kinds stored alike distinct
        self.gt_dtype = gt_dtype
        self.ignore_value = ignore_value

    def to_prediction(self, logits: Tensor) -> Tensor:
        """One image's logits ``(C, H, W)`` -> its prediction (see the table)."""
        if self is MapKind.LABELS:
            return logits.argmax(0, keepdim=True)
        if self is MapKind.PROBABILITY:
            if logits.shape[0] == 1:
                return logits.sigmoid()
            return logits.softmax(0)[1:2]
        if self is MapKind.SCALAR:
            return logits.clamp(min=0)
        return F.normalize(logits, dim=0)


@dataclass(frozen=True)
class TaskSpec:
    """Everything that differs between tasks.

    Args:
        name (str): Task name, also the suffix of the data-sample fields
            (``gt_<name>``, ``pred_<name>``) and the folder of its written
            predictions.
        kind (MapKind): What its maps hold: the ground truth's dtype and
            ignore value, how logits become the prediction, how maps are
            coloured and written.
        metric (str): Name of its metric class in
            :mod:`msm_mm.evaluation.metrics` (e.g. ``'DepthError'``), which
            ``MultiTaskMetric`` builds with its options.
        gt_channels (int): Channels of the ground-truth map. Defaults to 1.
        flip_negated_channels (tuple[int]): Channels whose sign changes when
            the image is flipped left-right (the x component of a vector).
            Defaults to () (values kept).
        rescale_divides_values (bool): A rescale by ``s`` divides the values
            by ``s`` (depth: a scene magnified ``s`` times looks ``s`` times
            closer). Every map is resized with nearest neighbour. Defaults to
            False (values kept).
        unit (str): Unit of the values, shown in the visualiser's titles of
            scalar maps. Defaults to ''.
        class_names_key (str): Key of the class names in the dataset
            metainfo (``LABELS`` tasks; the metric reports per-class IoU
            under them). Defaults to ''.
        palette_key (str): Key of the palette in the dataset metainfo
            (``LABELS`` tasks; the colour maps use it). Defaults to ''.
    """
    name: str
    kind: MapKind
    metric: str
    gt_channels: int = 1
    flip_negated_channels: Tuple[int, ...] = ()
    rescale_divides_values: bool = False
    unit: str = ''
    class_names_key: str = ''
    palette_key: str = ''

    @property
    def gt_dtype(self) -> torch.dtype:
        """dtype of the ground-truth map."""
        return self.kind.gt_dtype

    @property
    def ignore_value(self) -> float:
        """Value marking ground-truth pixels without supervision."""
        return self.kind.ignore_value


#: semseg / human_parts: class ids; sal / edge: {0, 1}; depth: metres;
#: normals: unit vectors (x, y, z).
TASKS = {
    spec.name: spec
    for spec in (
        TaskSpec('semseg', MapKind.LABELS, 'SegmentationIoU', class_names_key='classes',
                 palette_key='palette'),
        TaskSpec('human_parts', MapKind.LABELS, 'SegmentationIoU',
                 class_names_key='part_classes', palette_key='part_palette'),
        TaskSpec('sal', MapKind.PROBABILITY, 'SaliencyMaxF'),
        TaskSpec('edge', MapKind.PROBABILITY, 'BoundaryODSF'),
        TaskSpec('depth', MapKind.SCALAR, 'DepthError', rescale_divides_values=True, unit='m'),
        TaskSpec('normals', MapKind.VECTOR, 'NormalError', gt_channels=3,
                 flip_negated_channels=(0, )),
    )
}


def get_task(name: str) -> TaskSpec:
    """Look a task up by name, with an error that lists the known ones."""
    if name not in TASKS:
        raise KeyError(f'unknown task {name!r}; known tasks: {sorted(TASKS)}')
    return TASKS[name]
