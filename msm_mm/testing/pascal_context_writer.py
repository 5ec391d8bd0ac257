"""A small synthetic PASCAL-Context dataset in the ASTMT / InvPT format."""
import os.path as osp
from typing import Dict, Optional

import cv2
import numpy as np
import scipy.io

from .dataset_files import (encode_normals, make_dataset_dirs, split_ids, write_png,
                            write_split_lists)
from .scene_renderer import (KIND_NAMES, KINDS, PASCAL_FURNITURE, Scene, label_boundaries,
                             render_scene)


def context_edges(label_map: np.ndarray) -> np.ndarray:
    """Thinned non-zero 4-neighbour Laplacian (border reflected without
    repeating the edge pixel, as OpenCV's default).

    The loader's training edge label, computed independently of it: numpy
    instead of OpenCV, scikit-image's ``thin`` instead of msm_mm's.
    """
    # scikit-image is a test dependency; only the labels returned to tests need it.
    from skimage.morphology import thin
    p = np.pad(label_map.astype(np.int64), 1, mode='reflect')
    lap = p[:-2, 1:-1] + p[2:, 1:-1] + p[1:-1, :-2] + p[1:-1, 2:] - 4 * p[1:-1, 1:-1]
    return thin(lap != 0).astype(np.uint8)


def _anno_struct(image_name: str, scene: Scene) -> np.ndarray:
    """The PASCAL-Part ``anno`` struct of a scene's people and furniture."""
    voc_names = {9: 'chair', 11: 'diningtable', 15: 'person', 16: 'pottedplant', 18: 'sofa',
                 20: 'tvmonitor'}
    entries = []
    for index, obj in enumerate(scene.objects, 1):
        voc = KINDS[obj['kind']].voc
        mask = scene.instance == index
        if voc == 0 or not mask.any():
            continue
        if obj['kind'] == 'person' and obj['has_parts']:
            parts = [(name, m) for name, _, m in obj['parts']]
        elif obj['kind'] == 'television':
            parts = [('screen', mask)]  # a non-person part: must be skipped
        else:
            parts = []
        part_array = np.zeros((0, 0))
        if parts:
            part_array = np.zeros((1, len(parts)), [('part_name', 'O'), ('mask', 'O')])
            for j, (name, m) in enumerate(parts):
                part_array['part_name'][0, j] = name
                part_array['mask'][0, j] = m.astype(np.uint8)
        entries.append((voc_names[voc], voc, mask.astype(np.uint8), part_array))
    objects = np.zeros((1, len(entries)), [('class', 'O'), ('class_ind', 'O'), ('mask', 'O'),
                                           ('parts', 'O')])
    for j, (name, voc, mask, part_array) in enumerate(entries):
        objects['class'][0, j] = name
        objects['class_ind'][0, j] = np.array([[voc]], np.uint8)
        objects['mask'][0, j] = mask
        objects['parts'][0, j] = part_array
    anno = np.zeros((1, 1), [('imname', 'O'), ('objects', 'O')])
    anno['imname'][0, 0] = image_name
    anno['objects'][0, 0] = objects
    return anno


def generate_pascal_context(root: str,
                            num_train: int = 10,
                            num_val: int = 4,
                            max_side: int = 160,
                            seed: int = 0,
                            return_labels: bool = False) -> Optional[Dict[str, dict]]:
    """Write a small PASCAL-Context dataset in the ASTMT / InvPT format.

    Images have ``max_side`` pixels on their long side (the real ones have
    up to 500) and a random aspect. Images show, in turn, one person, two,
    none, and one person without part masks (so no human-parts label);
    every third image has its semseg under ``semseg/pascal-context`` instead
    of ``semseg/VOC12``.

    Args:
        root (str): New (or empty) folder to write to.
        num_train (int): Training images. Defaults to 10.
        num_val (int): Validation images. Defaults to 4.
        max_side (int): Long side of the images. Defaults to 160.
        seed (int): Random seed. Defaults to 0.
        return_labels (bool): Return the decoded labels. Defaults to False.

    Returns:
        dict | None: With ``return_labels``, sample id -> dict of the labels
        as the loaders must decode them: ``semseg`` (uint8 0..20, 255),
        ``edge``, ``sal``, ``human_parts`` (uint8; all 255 without a person
        with parts), ``normals`` (float32 unit vectors before quantisation,
        zero outside the valid context ids), plus ``split``.
    """
    dirs = ('ImageSets/Context', 'JPEGImages', 'semseg/VOC12', 'semseg/pascal-context',
            'pascal-context/trainval', 'human_parts', 'normals_distill', 'sal_distill')
    make_dataset_dirs(root, dirs)
    rng = np.random.default_rng(seed)
    ids = [f'{2008 + i % 4}_{2 + 3 * i:06d}' for i in range(num_train + num_val)]
    train, val = split_ids(ids, num_train, rng)
    voc = np.array([KINDS[k].voc for k in KIND_NAMES], np.uint8)
    context = np.array([KINDS[k].context for k in KIND_NAMES], np.uint16)
    valid = np.array([KINDS[k].normals_valid for k in KIND_NAMES])
    labels = {}
    for index, sample_id in enumerate(ids):
        srng = np.random.default_rng([seed, index])
        short = int(srng.integers(int(0.65 * max_side), max_side + 1))
        h, w = (short, max_side) if srng.random() < 0.75 else (max_side, short)
        # Cycle through one person, two, none, and one without part masks.
        scene = render_scene(h, w, srng, PASCAL_FURNITURE, num_people=(1, 2, 0, 1)[index % 4],
                             with_parts=index % 4 != 3)
        semseg = voc[scene.kind]
        # VOC marks object outlines (about 2 px) as ignore.
        objects = np.where(semseg > 0, scene.instance, 0)
        semseg[cv2.dilate(label_boundaries(objects).astype(np.uint8), np.ones((2, 2))) > 0] = 255
        label_map = context[scene.kind]
        sal = _saliency(scene, srng)
        parts = np.full((h, w), 255, np.uint8)
        for obj in scene.objects:
            if obj['kind'] == 'person' and obj['has_parts']:
                parts[parts == 255] = 0
                for _, group, mask in obj['parts']:
                    parts[mask] = group
        semseg_dir = 'pascal-context' if index % 3 == 2 else 'VOC12'
        cv2.imwrite(osp.join(root, 'JPEGImages', f'{sample_id}.jpg'),
                    cv2.cvtColor(scene.image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 95])
        write_png(osp.join(root, 'semseg', semseg_dir, f'{sample_id}.png'), semseg)
        scipy.io.savemat(osp.join(root, 'pascal-context', 'trainval', f'{sample_id}.mat'),
                         dict(LabelMap=label_map))
        scipy.io.savemat(osp.join(root, 'human_parts', f'{sample_id}.mat'),
                         dict(anno=_anno_struct(sample_id, scene)))
        write_png(osp.join(root, 'normals_distill', f'{sample_id}.png'),
                  encode_normals(scene.normals))
        write_png(osp.join(root, 'sal_distill', f'{sample_id}.png'), sal)
        if return_labels:
            labels[sample_id] = dict(
                semseg=semseg, edge=context_edges(label_map), sal=(sal > 127).astype(np.uint8),
                human_parts=parts, normals=scene.normals * valid[scene.kind][..., None],
                split='train' if sample_id in train else 'val')
    write_split_lists(osp.join(root, 'ImageSets', 'Context'), train, val)
    return labels if return_labels else None


def _saliency(scene: Scene, rng: np.random.Generator) -> np.ndarray:
    """Soft uint8 saliency of the most prominent object (as distilled maps)."""
    areas = np.bincount(scene.instance.ravel(), minlength=len(scene.objects) + 1)
    people = [i for i, o in enumerate(scene.objects, 1) if o['kind'] == 'person' and areas[i]]
    target = max(people, key=lambda i: areas[i]) if people else int(areas[1:].argmax()) + 1
    soft = cv2.GaussianBlur((scene.instance == target).astype(np.float32), (5, 5), 0)
    noisy = 20 + 215 * soft + rng.normal(0, 4, soft.shape)
    return np.clip(np.round(noisy), 0, 255).astype(np.uint8)
