from typing import Dict

import mmengine.fileio as fileio
from mmseg.registry import DATASETS

from .multi_task_dataset import MultiTaskDataset
from .palettes import voc_palette

VOC_CLASSES = ('background', 'aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat',
               'chair', 'cow', 'diningtable', 'dog', 'horse', 'motorbike', 'person',
               'pottedplant', 'sheep', 'sofa', 'train', 'tvmonitor')
HUMAN_PART_CLASSES = ('background', 'head', 'torso', 'upper arm', 'lower arm', 'upper leg',
                      'lower leg')

# File of each role (the context LabelMap serves edge and normals).
_FILES = dict(semseg_voc='semseg/VOC12/{}.png', semseg_context='semseg/pascal-context/{}.png',
              context='pascal-context/trainval/{}.mat', normals='normals_distill/{}.png',
              sal='sal_distill/{}.png', human_parts='human_parts/{}.mat')


@DATASETS.register_module()
class PascalContextMultiTaskDataset(MultiTaskDataset):
    """PASCAL-Context multi-task dataset (4,998 train / 5,105 val images).

    (mmseg's ``PascalContextDataset`` is the 59/60-class segmentation
    benchmark, hence the longer name.)

    Reads the distribution of ASTMT / InvPT / MTMamba:

    .. code-block:: none

        PASCALContext/
        ├── ImageSets/Context/{train,val}.txt   ids like 2008_000002
        ├── JPEGImages/<id>.jpg                 up to 500 px a side
        ├── semseg/VOC12/<id>.png               tried first, else
        ├── semseg/pascal-context/<id>.png      uint8 0..20, 255 = ignore
        ├── pascal-context/trainval/<id>.mat    'LabelMap' (edge, normals mask)
        ├── human_parts/<id>.mat                PASCAL-Part 'anno' struct
        ├── normals_distill/<id>.png            RGB uint8
        └── sal_distill/<id>.png                uint8

    Labels are decoded by ``LoadPascalContextAnnotations``.

    Args:
        tasks (Sequence[str]): Tasks to load, among 'semseg', 'human_parts',
            'sal', 'normals', 'edge'. Defaults to all five.
        ann_file (str): The split file. Defaults to
            'ImageSets/Context/train.txt'.
        **kwargs: Other arguments of :class:`MultiTaskDataset`.
    """

    METAINFO = dict(classes=VOC_CLASSES, palette=voc_palette(len(VOC_CLASSES)),
                    part_classes=HUMAN_PART_CLASSES,
                    part_palette=voc_palette(len(HUMAN_PART_CLASSES)))
    AVAILABLE_TASKS = ('semseg', 'human_parts', 'sal', 'normals', 'edge')

    def __init__(self,
                 tasks=('semseg', 'human_parts', 'sal', 'normals', 'edge'),
                 ann_file: str = 'ImageSets/Context/train.txt',
                 **kwargs) -> None:
        super().__init__(tasks=tasks, ann_file=ann_file, **kwargs)

    def img_file(self, sample_id: str) -> str:
        """Path of the image of ``sample_id``."""
        return self.join('JPEGImages', f'{sample_id}.jpg')

    def _roles(self) -> tuple:
        """The file roles the tasks need."""
        roles = [t for t in self.tasks if t != 'edge']
        if 'edge' in self.tasks or 'normals' in self.tasks:
            roles.append('context')
        return tuple(roles)

    def ann_files(self, sample_id: str) -> Dict[str, str]:
        """Label file of each role: role -> path (see ``_FILES``)."""
        paths = {}
        for role in self._roles():
            if role == 'semseg':
                path = self.join(_FILES['semseg_voc'].format(sample_id))
                if not fileio.exists(path, backend_args=self.backend_args):
                    path = self.join(_FILES['semseg_context'].format(sample_id))
            else:
                path = self.join(_FILES[role].format(sample_id))
            paths[role] = path
        return paths

    def ann_file_patterns(self) -> Dict[str, str]:
        """Each role's label path pattern, for messages."""
        return {
            role: (_FILES['semseg_voc'].format('<id>') + ' or ' +
                   _FILES['semseg_context'].format('<id>'))
            if role == 'semseg' else _FILES[role].format('<id>')
            for role in self._roles()
        }
