"""Empty, truncated and odd files, and split files with a byte-order mark or
repeated ids: each error names the file and what was expected."""
import shutil

import numpy as np
import pytest
import scipy.io

from msm_mm.datasets import NYUDv2Dataset, PascalContextMultiTaskDataset

NYUD_LOAD = [dict(type='LoadRGBImageFromFile'), dict(type='LoadNYUDAnnotations')]
PASCAL_LOAD = [dict(type='LoadRGBImageFromFile'), dict(type='LoadPascalContextAnnotations')]


@pytest.fixture
def nyud_copy(nyud_root, tmp_path):
    return shutil.copytree(nyud_root, tmp_path / 'NYUDv2')


@pytest.fixture
def pascal_copy(pascal_root, tmp_path):
    return shutil.copytree(pascal_root, tmp_path / 'PASCALContext')


def nyud(root, **kwargs):
    return NYUDv2Dataset(data_root=str(root), ann_file='gt_sets/train.txt', pipeline=NYUD_LOAD,
                         **kwargs)


def first_id(split_file):
    return split_file.read_text().split()[0]


@pytest.mark.parametrize('folder, suffix', [('images', '.png'), ('segmentation', '.png')])
def test_empty_image_is_named(nyud_copy, folder, suffix):
    path = nyud_copy / folder / f'{first_id(nyud_copy / "gt_sets" / "train.txt")}{suffix}'
    path.write_bytes(b'')
    with pytest.raises(ValueError, match=f'image file {path} is empty \\(0 bytes\\); expected a '
                       'PNG or JPEG image'):
        nyud(nyud_copy)[0]


def test_depth_in_millimetres_is_refused(nyud_copy):
    path = nyud_copy / 'depth' / f'{first_id(nyud_copy / "gt_sets" / "train.txt")}.npy'
    np.save(path, np.load(path) * 1000)
    with pytest.raises(ValueError, match=f'{path} holds depths up to .*; expected metres, 0 to 20 '
                       r'\(millimetres\? divide by 1000\)'):
        nyud(nyud_copy)[0]


def test_split_with_byte_order_mark(nyud_copy):
    split = nyud_copy / 'gt_sets' / 'train.txt'
    ids = split.read_text().split()
    split.write_text('\n'.join(ids) + '\n', encoding='utf-8-sig')
    assert split.read_bytes().startswith(b'\xef\xbb\xbf')
    dataset = nyud(nyud_copy)
    assert [dataset.get_data_info(i)['sample_id'] for i in range(len(dataset))] == ids


def test_split_with_repeated_ids_is_refused(nyud_copy):
    split = nyud_copy / 'gt_sets' / 'val.txt'
    ids = split.read_text().split()
    split.write_text('\n'.join(ids + ids[:1]) + '\n')
    with pytest.raises(ValueError, match=f'split file {split} lists 1 ids more than once: '
                       f'{ids[0]}; expected each sample once'):
        NYUDv2Dataset(data_root=str(nyud_copy), ann_file='gt_sets/val.txt', pipeline=NYUD_LOAD)


def parts_file(root):
    return root / 'human_parts' / f'{first_id(root / "ImageSets" / "Context" / "train.txt")}.mat'


def without_parts_field(path):
    objects = np.zeros((1, 1), [('class', 'O'), ('class_ind', 'O'), ('mask', 'O')])
    objects['class'][0, 0], objects['class_ind'][0, 0] = 'person', np.array([[15]], np.uint8)
    objects['mask'][0, 0] = np.zeros((2, 2), np.uint8)
    anno = np.zeros((1, 1), [('imname', 'O'), ('objects', 'O')])
    anno['imname'][0, 0], anno['objects'][0, 0] = 'x', objects
    scipy.io.savemat(path, dict(anno=anno))


def truncated(path):
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])


@pytest.mark.parametrize('corrupt, message', [
    (without_parts_field, r'object list has fields \(.class., .class_ind., .mask.\), expected '
     r"\('class', 'class_ind', 'mask', 'parts'\)"),
    (lambda p: p.write_text('not a mat file\n'), 'cannot read .mat file .*expected a MATLAB'),
    (truncated, 'cannot read .mat file .*expected a MATLAB'),
    (lambda p: p.write_bytes(b''), 'cannot read .mat file .*expected a MATLAB'),
])
def test_bad_part_file_is_named(pascal_copy, corrupt, message):
    path = parts_file(pascal_copy)
    corrupt(path)
    dataset = PascalContextMultiTaskDataset(
        data_root=str(pascal_copy), ann_file='ImageSets/Context/train.txt', pipeline=PASCAL_LOAD,
        tasks=('human_parts', ))
    with pytest.raises(ValueError, match=message) as err:
        dataset[0]
    assert str(path) in str(err.value)
