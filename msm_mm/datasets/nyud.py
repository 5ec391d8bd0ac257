from typing import Dict, List

import mmengine.fileio as fileio
from mmseg.registry import DATASETS

from .multi_task_dataset import MultiTaskDataset
from .palettes import voc_palette

NYU40_CLASSES = ('wall', 'floor', 'cabinet', 'bed', 'chair', 'sofa', 'table', 'door', 'window',
                 'bookshelf', 'picture', 'counter', 'blinds', 'desk', 'shelves', 'curtain',
                 'dresser', 'pillow', 'mirror', 'floor mat', 'clothes', 'ceiling', 'books',
                 'refridgerator', 'television', 'paper', 'towel', 'shower curtain', 'box',
                 'whiteboard', 'person', 'night stand', 'toilet', 'sink', 'lamp', 'bathtub',
                 'bag', 'otherstructure', 'otherfurniture', 'otherprop')

# The expected files, and the signatures of the other NYUD distributions.
_FILES = dict(semseg='segmentation/{}.png', depth='depth/{}.npy', normals='normals/{}.png',
              edge='edge/{}.png')
_EXPECTED = ('the InvPT / TaskPrompter distribution: images/<id>.png (425x560 RGB), '
             'segmentation/<id>.png, depth/<id>.npy, normals/<id>.png, edge/<id>.png')
_FOREIGN_LAYOUTS = (
    ("ASTMT's distribution (labels in .mat files, normals as .jpg)",
     dict(segmentation='.mat', depth='.mat', normals='.jpg', edge='.mat')),
    ("MTI-Net's distribution (480x640, images/*.jpg, edge and normals as .npy)",
     dict(images='.jpg', edge='.npy', normals='.npy')),
)


@DATASETS.register_module()
class NYUDv2Dataset(MultiTaskDataset):
    """NYUD-v2 multi-task dataset (795 train / 654 val images, 425x560).

    Reads the distribution of InvPT / TaskPrompter / MTMamba:

    .. code-block:: none

        NYUDv2/
        ├── gt_sets/{train,val}.txt   one 4-digit 1-based id per line
        ├── images/<id>.png           RGB uint8
        ├── segmentation/<id>.png     uint8, 0 = void, 1..40 NYU-40 classes
        ├── depth/<id>.npy            float32 metres, 0 = invalid
        ├── normals/<id>.png          RGB uint8, (R, G, B) = (x, y, z)
        └── edge/<id>.png             uint8 0 / 255

    Labels are decoded by ``LoadNYUDAnnotations``. The other public
    distributions, MTI-Net's (``images/*.jpg``, ``edge/*.npy``,
    ``normals/*.npy``, 480x640) and ASTMT's (``*.mat`` labels,
    ``normals/*.jpg``), are recognised and refused with a message that
    names the layout found and the one expected, rather than misread.

    Args:
        tasks (Sequence[str]): Tasks to load, among 'semseg', 'depth',
            'normals', 'edge'. Defaults to all four.
        ann_file (str): The split file. Defaults to 'gt_sets/train.txt'.
        **kwargs: Other arguments of :class:`MultiTaskDataset`.
    """

    METAINFO = dict(classes=NYU40_CLASSES, palette=voc_palette(len(NYU40_CLASSES), offset=1))
    AVAILABLE_TASKS = ('semseg', 'depth', 'normals', 'edge')

    def __init__(self,
                 tasks=('semseg', 'depth', 'normals', 'edge'),
                 ann_file: str = 'gt_sets/train.txt',
                 **kwargs) -> None:
        super().__init__(tasks=tasks, ann_file=ann_file, **kwargs)

    def img_file(self, sample_id: str) -> str:
        """Path of the image of ``sample_id``."""
        return self.join('images', f'{sample_id}.png')

    def ann_files(self, sample_id: str) -> Dict[str, str]:
        """Label file of each task: task -> path."""
        return {task: self.join(_FILES[task].format(sample_id)) for task in self.tasks}

    def ann_file_patterns(self) -> Dict[str, str]:
        """Each task's label path pattern, for messages."""
        return {task: _FILES[task].format('<id>') for task in self.tasks}

    def _suffixes(self, folder: str) -> List[str]:
        """File suffixes found in ``data_root/folder`` (empty if absent)."""
        path = self.join(folder)
        if not fileio.isdir(path, backend_args=self.backend_args):
            return []
        names = fileio.list_dir_or_file(path, list_dir=False, backend_args=self.backend_args)
        return sorted({'.' + n.rsplit('.', 1)[-1].lower() for n in names if '.' in n})

    def check_layout(self) -> None:
        """Refuse the other NYUD distributions with a clear message.

        Raises:
            ValueError: when the folder holds files of MTI-Net's or ASTMT's
                layout.
        """
        found = {folder: self._suffixes(folder)
                 for folder in ('images', 'segmentation', 'depth', 'normals', 'edge')}
        for name, signature in _FOREIGN_LAYOUTS:
            hits = [f'{folder}/*{suffix}' for folder, suffix in signature.items()
                    if suffix in found[folder]]
            if hits:
                raise ValueError(f'{self.__class__.__name__}: {self.data_root} looks like '
                                 f'{name}: found {", ".join(hits)}. This loader reads {_EXPECTED}; '
                                 'convert the data or use that distribution.')

    def load_data_list(self) -> List[dict]:
        """Check the layout, then read the split (see
        :meth:`MultiTaskDataset.load_data_list`)."""
        self.check_layout()
        return super().load_data_list()
