from typing import Optional

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS

from msm_mm.utils.binary_thinning import thin
from msm_mm.utils.boundary_maps import seism_boundary
from ..file_io import check_label, check_values, read_image, read_mat, read_pascal_part_mat

NUM_CONTEXT_IDS = 459  # LabelMap ids 1..459, 0 = unlabeled
PERSON_CLASS_INDEX = 15  # PASCAL-Part class index of 'person'

#: LabelMap ids on which the distilled normals are kept: the NYU classes
#: present in PASCAL-Context, plus tvmonitor (170 ids).
NORMALS_VALID_CONTEXT_IDS = (
    3, 4, 6, 9, 10, 11, 13, 15, 17, 18, 22, 23, 29, 30, 33, 34, 36, 37, 38, 39, 41, 43, 46, 49, 50,
    51, 53, 55, 56, 59, 61, 62, 65, 66, 68, 69, 72, 73, 78, 83, 84, 85, 87, 88, 95, 96, 101, 104,
    105, 107, 111, 113, 115, 122, 124, 135, 141, 142, 143, 146, 150, 154, 157, 158, 159, 165, 172,
    174, 181, 183, 184, 191, 193, 195, 197, 199, 202, 213, 215, 216, 219, 220, 223, 225, 228, 230,
    232, 233, 238, 239, 242, 243, 246, 250, 251, 252, 255, 260, 261, 263, 269, 272, 273, 275, 281,
    283, 284, 285, 286, 287, 288, 290, 291, 292, 293, 295, 304, 307, 309, 310, 314, 315, 319, 323,
    329, 330, 331, 336, 342, 345, 349, 350, 351, 352, 355, 357, 368, 370, 371, 374, 379, 380, 383,
    384, 397, 401, 403, 405, 407, 408, 411, 412, 413, 414, 417, 419, 421, 423, 427, 429, 430, 432,
    440, 441, 442, 443, 444, 446, 454, 457)

#: PASCAL-Part person part name -> human-parts class (0 = background).
PART_GROUPS = {
    **dict.fromkeys(('hair', 'head', 'lear', 'rear', 'lebrow', 'rebrow', 'leye', 'reye',
                     'mouth', 'nose'), 1),
    **dict.fromkeys(('neck', 'torso'), 2),
    **dict.fromkeys(('luarm', 'ruarm'), 3),
    **dict.fromkeys(('llarm', 'rlarm', 'lhand', 'rhand'), 4),
    **dict.fromkeys(('luleg', 'ruleg'), 5),
    **dict.fromkeys(('llleg', 'rlleg', 'lfoot', 'rfoot'), 6),
}

_NORMALS_VALID = np.zeros(NUM_CONTEXT_IDS + 1, bool)
_NORMALS_VALID[list(NORMALS_VALID_CONTEXT_IDS)] = True
# uint8 values allowed in the semseg PNGs: 0 background, 1..20 VOC, 255.
_SEMSEG_VALUES = (np.arange(256) <= 20) | (np.arange(256) == 255)


def decode_semseg(path: str, sample_id: str, shape: tuple,
                  backend_args: Optional[dict] = None) -> np.ndarray:
    """VOC ``uint8`` PNG, 0..20 and 255 = ignore, kept as is."""
    raw = read_image(path, sample_id, backend_args=backend_args)
    check_label(raw, path, sample_id, shape, np.uint8)
    check_values(raw, _SEMSEG_VALUES, path, sample_id, '0..20 (VOC classes) or 255 (ignore)')
    return raw


def decode_context(path: str, sample_id: str, shape: tuple,
                   backend_args: Optional[dict] = None) -> np.ndarray:
    """PASCAL-Context ``LabelMap`` (459-class ids, 0 = unlabeled) -> uint16."""
    mat = read_mat(path, sample_id, backend_args)
    if 'LabelMap' not in mat:
        keys = sorted(k for k in mat if not k.startswith('__'))
        raise ValueError(f'sample {sample_id!r}: {path} has no LabelMap (keys: {keys})')
    label_map = mat['LabelMap']
    check_label(label_map, path, sample_id, shape, 'integer')
    if label_map.min() < 0 or label_map.max() > NUM_CONTEXT_IDS:
        raise ValueError(f'sample {sample_id!r}: {path} LabelMap holds ids '
                         f'{label_map.min()}..{label_map.max()}; expected 0..{NUM_CONTEXT_IDS}')
    return label_map.astype(np.uint16)


def edge_from_context(label_map: np.ndarray) -> np.ndarray:
    """Boundaries of a LabelMap: 4-neighbour Laplacian != 0, thinned to 1 px
    (``bwmorph 'thin'``, see :mod:`msm_mm.utils.binary_thinning`).

    Args:
        label_map (np.ndarray): uint16 ``(H, W)`` context ids (cv2's
            Laplacian takes uint16, not int32).

    Returns:
        np.ndarray: uint8 ``(H, W)`` in {0, 1}.
    """
    laplacian = cv2.Laplacian(label_map, cv2.CV_64F)  # ksize 1: 4-neighbour kernel
    return thin(laplacian != 0).astype(np.uint8)


def decode_normals(path: str, sample_id: str, shape: tuple, label_map: np.ndarray,
                   backend_args: Optional[dict] = None) -> np.ndarray:
    """Distilled RGB ``uint8`` normals -> ``2 * v / 255 - 1``, zero vectors
    outside the 170 valid context classes."""
    raw = read_image(path, sample_id, backend_args=backend_args)
    check_label(raw, path, sample_id, shape, np.uint8, channels=3)
    normals = raw.astype(np.float32) * (2 / 255) - 1
    normals *= _NORMALS_VALID[label_map][..., None]  # (H, W, 1): zero vectors where invalid
    return normals


def decode_sal(path: str, sample_id: str, shape: tuple,
               backend_args: Optional[dict] = None) -> np.ndarray:
    """Distilled ``uint8`` saliency -> ``v / 255 > 0.5`` in {0, 1}."""
    raw = read_image(path, sample_id, backend_args=backend_args)
    check_label(raw, path, sample_id, shape, np.uint8)
    return (raw > 127.5).astype(np.uint8)


def decode_human_parts(path: str, sample_id: str, shape: tuple,
                       backend_args: Optional[dict] = None) -> np.ndarray:
    """PASCAL-Part ``anno`` struct -> 7 classes; all 255 without a part pixel.

    Only objects of class index 15 (person) that have parts count; each part
    is painted with its group (:data:`PART_GROUPS`) in file order. A map
    without any part pixel (no person with parts, or only empty part masks)
    is not supervised at all, as in the MTMamba release.
    """
    mat = read_pascal_part_mat(path, sample_id, backend_args)
    try:
        objects = mat['anno'][0][0][1][0]
    except (KeyError, IndexError, ValueError) as e:
        raise ValueError(f'sample {sample_id!r}: {path} is not a PASCAL-Part annotation '
                         f"(expected loadmat(f)['anno'][0][0][1][0] to be the object list): "
                         f'{e!r}') from None
    label = None
    for obj in objects:
        is_person = np.asarray(obj[1]).ravel()[0] == PERSON_CLASS_INDEX
        parts = obj[3]
        if not is_person or parts.size == 0:
            continue
        if label is None:
            label = np.zeros(shape[:2], np.uint8)
        for part in parts[0]:
            name = str(part[0][0])
            if name not in PART_GROUPS:
                raise ValueError(f'sample {sample_id!r}: {path} has a person part {name!r}; '
                                 f'expected one of {sorted(PART_GROUPS)}')
            mask = part[1]
            check_label(mask, path, sample_id, shape, 'integer')
            label[mask.astype(bool)] = PART_GROUPS[name]
    if label is None or not label.any():  # no part pixel: the task has no label here
        label = np.full(shape[:2], 255, np.uint8)
    return label


@TRANSFORMS.register_module()
class LoadPascalContextAnnotations(BaseTransform):
    """Load and decode PASCAL-Context multi-task labels (the ASTMT / InvPT
    distribution).

    Decoding, per task (see ``docs/datasets.md``):

    - semseg: ``semseg/VOC12/<id>.png`` or ``semseg/pascal-context/<id>.png``
      (uint8, 0..20, 255 = ignore), kept as is;
    - edge: from ``pascal-context/trainval/<id>.mat['LabelMap']``, in
      {0, 1}: with ``edge_gt='laplacian'`` (training, as the MTMamba release)
      the 4-neighbour Laplacian != 0, thinned to 1 px; with
      ``edge_gt='seism'`` (evaluation) SEISM's ground-truth boundary
      ``thin(seg2bmap(LabelMap))`` (its ``db_gt.m`` and ``edgesEvalImg.m``),
      which the odsF metric then takes as it is (``edge_gt_is_boundary``);
    - normals: ``normals_distill/<id>.png`` -> ``2 * v / 255 - 1``, set to
      the zero vector (ignored) where the LabelMap is not one of the 170
      :data:`NORMALS_VALID_CONTEXT_IDS`;
    - sal: ``sal_distill/<id>.png`` -> ``v / 255 > 0.5`` in {0, 1};
    - human_parts: ``human_parts/<id>.mat`` (PASCAL-Part ``anno``) -> 0
      background, 1..6 part groups (:data:`PART_GROUPS`); all 255 when the
      image has no part pixel (the crop applies the same rule to its window).

    Class maps are kept as ``uint8`` (H, W), normals as ``float32``
    (H, W, 3) until packing. A label whose size differs from the image,
    whose dtype is unexpected or which holds values out of range raises a
    ``ValueError`` naming the file and the sample.

    Required Keys:

    - sample_id
    - ori_shape
    - tasks (the tasks to load)
    - ann_paths (dict: file role -> file; roles are the tasks except
      edge, plus ``context`` for the LabelMap when edge or normals is loaded)

    Modified Keys:

    - gt_tasks (list of the task names with a ground-truth map)

    Added Keys:

    - gt_semseg, gt_edge, gt_normals, gt_sal, gt_human_parts (those in
      ``tasks``)

    Args:
        edge_gt (str): Boundary ground truth: 'laplacian' (training) or
            'seism' (evaluation). Defaults to 'laplacian'.
        backend_args (dict, optional): Arguments to instantiate the file
            backend, see :func:`mmengine.fileio.get`. Defaults to None.
    """

    TASKS = ('semseg', 'human_parts', 'sal', 'normals', 'edge')
    EDGE_GTS = dict(laplacian=edge_from_context, seism=seism_boundary)

    def __init__(self, edge_gt: str = 'laplacian', backend_args: Optional[dict] = None) -> None:
        if edge_gt not in self.EDGE_GTS:
            raise ValueError(f'{self.__class__.__name__}: edge_gt must be one of '
                             f'{list(self.EDGE_GTS)}, got {edge_gt!r}')
        self.edge_gt = edge_gt
        self.backend_args = backend_args

    def transform(self, results: dict) -> dict:
        """Decode the label of every task in ``results['tasks']``.

        Args:
            results (dict): Result dict with the image loaded.

        Returns:
            dict: The dict with a ``gt_<task>`` map per task.
        """
        tasks, paths = results['tasks'], results['ann_paths']
        unknown = [t for t in tasks if t not in self.TASKS]
        if unknown:
            raise KeyError(f'{self.__class__.__name__} decodes {list(self.TASKS)}, not '
                           f'{unknown}; use the loader of the dataset')
        sample_id, shape, args = results['sample_id'], results['ori_shape'], self.backend_args
        label_map = None
        if 'edge' in tasks or 'normals' in tasks:
            label_map = decode_context(paths['context'], sample_id, shape, args)
        gt_tasks = list(results.get('gt_tasks', []))
        for task in tasks:
            if task == 'edge':
                gt = self.EDGE_GTS[self.edge_gt](label_map).astype(np.uint8)
            elif task == 'normals':
                gt = decode_normals(paths['normals'], sample_id, shape, label_map, args)
            else:
                decode = dict(semseg=decode_semseg, sal=decode_sal,
                              human_parts=decode_human_parts)[task]
                gt = decode(paths[task], sample_id, shape, args)
            results[f'gt_{task}'] = gt
            gt_tasks.append(task)
        results['gt_tasks'] = gt_tasks
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(edge_gt={self.edge_gt!r}, '
                f'backend_args={self.backend_args})')
