import os
import shutil

import cv2
import numpy as np
import pytest
import scipy.io
from skimage.morphology import thin as skimage_thin

from msm_mm.datasets import PascalContextMultiTaskDataset
from msm_mm.datasets.transforms import LoadPascalContextAnnotations
from msm_mm.datasets.transforms.load_pascal_context_annotations import (NORMALS_VALID_CONTEXT_IDS,
                                                                        PART_GROUPS,
                                                                        edge_from_context)

LOAD = [dict(type='LoadRGBImageFromFile'), dict(type='LoadPascalContextAnnotations')]
ALL_TASKS = ('semseg', 'human_parts', 'sal', 'normals', 'edge')


def build(root, split='train', **kwargs):
    return PascalContextMultiTaskDataset(data_root=root,
                                         ann_file=f'ImageSets/Context/{split}.txt',
                                         pipeline=LOAD, **kwargs)


@pytest.fixture
def pascal_copy(pascal_root, tmp_path):
    """A private copy of the tiny PASCAL-Context dataset, to corrupt."""
    return shutil.copytree(pascal_root, tmp_path / 'PASCALContext')


def first_id(root):
    return open(root / 'ImageSets' / 'Context' / 'train.txt').read().split()[0]


def test_constants():
    assert len(NORMALS_VALID_CONTEXT_IDS) == len(set(NORMALS_VALID_CONTEXT_IDS)) == 170
    assert sorted(set(PART_GROUPS.values())) == [1, 2, 3, 4, 5, 6] and len(PART_GROUPS) == 24


def test_data_list_and_metainfo(pascal_root):
    dataset = build(pascal_root)
    assert len(dataset) == 3
    assert dataset.metainfo['tasks'] == ALL_TASKS
    assert len(dataset.metainfo['classes']) == 21 and len(dataset.metainfo['part_classes']) == 7
    info = dataset.get_data_info(0)
    assert set(info['ann_paths']) == {'semseg', 'human_parts', 'sal', 'normals', 'context'}
    assert build(pascal_root, tasks=('sal', )).get_data_info(0)['ann_paths'].keys() == {'sal'}
    assert build(pascal_root, tasks=('edge', )).get_data_info(0)['ann_paths'].keys() == {
        'context'}


def test_decoding_matches_the_generator(pascal_synthetic):
    labels = pascal_synthetic.labels
    semseg_dirs = set()
    for split in ('train', 'val'):
        dataset = build(pascal_synthetic.root, split)
        for index in range(len(dataset)):
            results = dataset[index]
            expected = labels[results['sample_id']]
            semseg_dirs.add(results['ann_paths']['semseg'].split(os.sep)[-2])
            assert results['gt_tasks'] == list(ALL_TASKS)
            for task in ('semseg', 'human_parts', 'sal', 'edge'):
                assert results[f'gt_{task}'].dtype == np.uint8
                np.testing.assert_array_equal(results[f'gt_{task}'], expected[task], err_msg=task)
            np.testing.assert_allclose(results['gt_normals'], expected['normals'],
                                       atol=1 / 255 + 1e-6)
            # The masked normals are exactly zero vectors.
            invalid = (expected['normals'] == 0).all(-1)
            assert (results['gt_normals'][invalid] == 0).all()
    assert semseg_dirs == {'VOC12', 'pascal-context'}


def test_edge_is_thin_laplacian():
    label_map = np.zeros((9, 9), np.uint16)
    label_map[3:6, 3:6] = 7
    edge = edge_from_context(label_map)
    # The 4-neighbour Laplacian marks both sides of the boundary; thinning
    # leaves a one-pixel ring.
    assert edge.dtype == np.uint8 and edge[4, 4] == 0 and edge.sum() > 0
    assert set(np.unique(edge)) == {0, 1}
    assert edge[0].sum() == 0


def test_seism_edge_ground_truth(pascal_root):
    """edge_gt='seism' gives SEISM's thin(seg2bmap(LabelMap)): offset towards
    the origin and one pixel wide, unlike the training edge map."""
    label_map = np.zeros((9, 9), np.uint16)
    label_map[3:6, 3:6] = 7
    # seg2bmap marks pixels whose east, south or south-east neighbour differs:
    # the ring of rows / columns 2..5, half a pixel towards the origin.
    ring = np.zeros((9, 9), bool)
    ring[2:6, 2:6] = True
    ring[3:5, 3:5] = False
    expected = skimage_thin(ring)
    np.testing.assert_array_equal(
        LoadPascalContextAnnotations.EDGE_GTS['seism'](label_map), expected)
    assert not np.array_equal(edge_from_context(label_map), expected)
    load = [dict(type='LoadRGBImageFromFile'),
            dict(type='LoadPascalContextAnnotations', edge_gt='seism')]
    dataset = PascalContextMultiTaskDataset(data_root=pascal_root, tasks=('edge', ),
                                            ann_file='ImageSets/Context/val.txt', pipeline=load)
    sample = dataset[0]
    mat = scipy.io.loadmat(os.path.join(pascal_root, 'pascal-context', 'trainval',
                                        f'{sample["sample_id"]}.mat'))
    np.testing.assert_array_equal(
        sample['gt_edge'], LoadPascalContextAnnotations.EDGE_GTS['seism'](mat['LabelMap']))
    assert sample['gt_edge'].dtype == np.uint8
    assert "edge_gt='seism'" in repr(LoadPascalContextAnnotations(edge_gt='seism'))
    with pytest.raises(ValueError, match="edge_gt must be one of"):
        LoadPascalContextAnnotations(edge_gt='canny')


def test_nothing_written(pascal_root):
    before = {(d, tuple(sorted(f))) for d, _, f in os.walk(pascal_root)}
    dataset = build(pascal_root)
    for index in range(len(dataset)):
        dataset[index]
    assert {(d, tuple(sorted(f))) for d, _, f in os.walk(pascal_root)} == before


def test_semseg_missing_in_both_folders(pascal_copy):
    sample_id = first_id(pascal_copy)
    for folder in ('VOC12', 'pascal-context'):
        path = pascal_copy / 'semseg' / folder / f'{sample_id}.png'
        if path.exists():
            os.remove(path)
    with pytest.raises(FileNotFoundError) as e:
        build(str(pascal_copy))
    assert ('semseg (1 of 3 missing, expected semseg/VOC12/<id>.png or '
            f"semseg/pascal-context/<id>.png): sample '{sample_id}'") in str(e.value)


def test_split_lists_ids_without_images(pascal_copy):
    with open(pascal_copy / 'ImageSets' / 'Context' / 'train.txt', 'a') as f:
        f.write('2012_999999\n')
    with pytest.raises(FileNotFoundError, match='1 of the 4 ids .*: 2012_999999$'):
        build(str(pascal_copy))


def save_anno(path, objects):
    """Write a PASCAL-Part file: objects = [(class_ind, mask, [(part, mask)])]."""
    objs = np.zeros((1, len(objects)), [('class', 'O'), ('class_ind', 'O'), ('mask', 'O'),
                                        ('parts', 'O')])
    for j, (class_ind, mask, parts) in enumerate(objects):
        part_array = np.zeros((0, 0))
        if parts:
            part_array = np.zeros((1, len(parts)), [('part_name', 'O'), ('mask', 'O')])
            for k, (name, part_mask) in enumerate(parts):
                part_array['part_name'][0, k] = name
                part_array['mask'][0, k] = part_mask.astype(np.uint8)
        objs['class'][0, j] = 'person' if class_ind == 15 else 'cow'
        objs['class_ind'][0, j] = np.array([[class_ind]], np.uint8)
        objs['mask'][0, j] = mask.astype(np.uint8)
        objs['parts'][0, j] = part_array
    anno = np.zeros((1, 1), [('imname', 'O'), ('objects', 'O')])
    anno['imname'][0, 0] = 'x'
    anno['objects'][0, 0] = objs
    scipy.io.savemat(path, dict(anno=anno))


def load_parts(root, sample_id):
    dataset = build(str(root), tasks=('human_parts', ))
    index = [dataset.get_data_info(i)['sample_id'] for i in range(len(dataset))].index(sample_id)
    return dataset[index]['gt_human_parts']


def test_human_parts_rules(pascal_copy):
    sample_id = first_id(pascal_copy)
    shape = cv2.imread(str(pascal_copy / 'JPEGImages' / f'{sample_id}.jpg')).shape[:2]
    path = pascal_copy / 'human_parts' / f'{sample_id}.mat'
    a, b, c = (np.zeros(shape, bool) for _ in range(3))
    a[:5], b[5:10], c[10:15] = True, True, True
    # A cow with parts, a person without parts, and a person with parts.
    save_anno(path, [(10, a, [('head', a)]), (15, b, []),
                     (15, b | c, [('hair', b), ('rfoot', c)])])
    parts = load_parts(pascal_copy, sample_id)
    assert (parts[:5] == 0).all() and (parts[5:10] == 1).all() and (parts[10:15] == 6).all()
    assert (parts[15:] == 0).all()
    # Only objects that are not persons with parts: ignored for this task.
    save_anno(path, [(10, a, [('head', a)]), (15, b, [])])
    assert (load_parts(pascal_copy, sample_id) == 255).all()
    # A person whose parts are all empty masks: no part pixel, ignored too.
    save_anno(path, [(15, b, [('hair', np.zeros(shape, bool))])])
    assert (load_parts(pascal_copy, sample_id) == 255).all()


@pytest.mark.parametrize('objects,message', [
    ([(15, 'MASK', [('tail', 'MASK')])], "person part 'tail'; expected one of"),
    ([(15, 'MASK', [('head', 'SMALL')])], 'is 10x10 but its image is'),
])
def test_bad_human_parts(pascal_copy, objects, message):
    sample_id = first_id(pascal_copy)
    shape = cv2.imread(str(pascal_copy / 'JPEGImages' / f'{sample_id}.jpg')).shape[:2]
    masks = dict(MASK=np.ones(shape, bool), SMALL=np.ones((10, 10), bool))
    objects = [(c, masks[m], [(n, masks[pm]) for n, pm in parts]) for c, m, parts in objects]
    save_anno(pascal_copy / 'human_parts' / f'{sample_id}.mat', objects)
    with pytest.raises(ValueError, match=message):
        load_parts(pascal_copy, sample_id)


def test_not_a_part_file(pascal_copy):
    sample_id = first_id(pascal_copy)
    scipy.io.savemat(pascal_copy / 'human_parts' / f'{sample_id}.mat', dict(x=np.zeros(2)))
    with pytest.raises(ValueError, match='is not a PASCAL-Part annotation'):
        load_parts(pascal_copy, sample_id)


@pytest.mark.parametrize('make,message', [
    (lambda s: dict(LabelMap=np.zeros(s, np.float64)), 'dtype float64, expected an integer type'),
    (lambda s: dict(LabelMap=np.full(s, 460, np.uint16)), r'ids 460..460; expected 0..459'),
    (lambda s: dict(LabelMap=np.zeros((s[0] + 1, s[1]), np.uint16)), 'but its image is'),
    (lambda s: dict(Labels=np.zeros(s, np.uint16)), r"has no LabelMap \(keys: \['Labels'\]\)"),
])
def test_bad_label_map(pascal_copy, make, message):
    sample_id = first_id(pascal_copy)
    shape = cv2.imread(str(pascal_copy / 'JPEGImages' / f'{sample_id}.jpg')).shape[:2]
    scipy.io.savemat(pascal_copy / 'pascal-context' / 'trainval' / f'{sample_id}.mat',
                     make(shape))
    dataset = build(str(pascal_copy), tasks=('edge', ))
    with pytest.raises(ValueError, match=message) as e:
        dataset[0]
    assert f"sample '{sample_id}'" in str(e.value)


def test_bad_semseg_and_sal(pascal_copy):
    sample_id = first_id(pascal_copy)
    shape = cv2.imread(str(pascal_copy / 'JPEGImages' / f'{sample_id}.jpg')).shape[:2]
    semseg = [p for p in (pascal_copy / 'semseg').glob(f'*/{sample_id}.png')][0]
    cv2.imwrite(str(semseg), np.full(shape, 30, np.uint8))
    with pytest.raises(ValueError, match=r'holds values \[30\].*expected 0..20'):
        build(str(pascal_copy), tasks=('semseg', ))[0]
    cv2.imwrite(str(pascal_copy / 'sal_distill' / f'{sample_id}.png'),
                np.zeros(shape + (3, ), np.uint8))
    with pytest.raises(ValueError, match=r'expected \(H, W\)'):
        build(str(pascal_copy), tasks=('sal', ))[0]


def test_loader_refuses_other_tasks():
    results = dict(sample_id='x', ori_shape=(2, 2), tasks=('depth', ), ann_paths={})
    with pytest.raises(KeyError, match=r"not \['depth'\]; use the loader of the dataset"):
        LoadPascalContextAnnotations()(results)
