from collections import Counter
from typing import Callable, Dict, List, Optional, Sequence, Union

import mmengine
import mmengine.fileio as fileio
from mmengine.dataset import BaseDataset

from msm_mm.structures import get_task
from msm_mm.utils.key_report import inline_listing


class MultiTaskDataset(BaseDataset):
    """Base class of the multi-task dense prediction datasets (abstract, not
    registered: use a subclass).

    A split file lists one sample id per line; every id has an image and,
    for each task, one or more label files whose paths subclasses give in
    :meth:`img_file` and :meth:`ann_files`. All files are checked when the
    dataset is built: a split that lists ids without images, or a missing
    label file, raises a ``FileNotFoundError`` that says how many are
    missing and which (file and sample id). Nothing is ever written under
    ``data_root``.

    Each data info holds ``img_path``, ``sample_id``, ``tasks`` (the tasks
    to load) and ``ann_paths`` (file role -> path), read by the dataset's
    annotation loader (e.g. ``LoadNYUDAnnotations``) which adds ``gt_tasks``
    and a ``gt_<task>`` map per task. The metainfo has ``tasks`` plus the
    subclass's ``classes`` / ``palette`` (and ``part_classes`` /
    ``part_palette`` for human parts).

    Args:
        tasks (Sequence[str]): Tasks to load, a subset of
            ``AVAILABLE_TASKS``.
        ann_file (str): The split file, relative to ``data_root`` unless
            absolute.
        data_root (str): The dataset folder.
        pipeline (list): Processing pipeline. Defaults to [].
        metainfo (dict, optional): Meta information overriding
            ``METAINFO``. Defaults to None.
        indices (int | Sequence[int], optional): Use only these samples (or
            the first ``indices``). Defaults to None.
        serialize_data (bool): Hold the data list serialised, shared by
            dataloader workers. Defaults to True.
        test_mode (bool): Whether this is a test dataset. Defaults to False.
        lazy_init (bool): Defer reading the split until first use. Defaults
            to False.
        max_refetch (int): Re-draws when the pipeline returns None. Defaults
            to 1000.
        backend_args (dict, optional): Arguments to instantiate the file
            backend, see :func:`mmengine.fileio.get`. Defaults to None.
    """

    METAINFO: dict = dict()
    #: Tasks this dataset has labels for; set by subclasses.
    AVAILABLE_TASKS: tuple = ()

    def __init__(self,
                 tasks: Sequence[str],
                 ann_file: str,
                 data_root: str,
                 pipeline: List[Union[dict, Callable]] = [],
                 metainfo: Optional[dict] = None,
                 indices: Optional[Union[int, Sequence[int]]] = None,
                 serialize_data: bool = True,
                 test_mode: bool = False,
                 lazy_init: bool = False,
                 max_refetch: int = 1000,
                 backend_args: Optional[dict] = None) -> None:
        tasks = tuple(tasks)
        for task in tasks:
            get_task(task)
        unavailable = [t for t in tasks if t not in self.AVAILABLE_TASKS]
        if not tasks or unavailable or len(set(tasks)) != len(tasks):
            raise ValueError(f'{self.__class__.__name__}: tasks must be distinct names among '
                             f'{list(self.AVAILABLE_TASKS)}, got {list(tasks)}')
        self.tasks = tasks
        self.backend_args = backend_args
        super().__init__(
            ann_file=ann_file,
            metainfo=metainfo,
            data_root=data_root,
            data_prefix=dict(),
            indices=indices,
            serialize_data=serialize_data,
            pipeline=pipeline,
            test_mode=test_mode,
            lazy_init=lazy_init,
            max_refetch=max_refetch)
        self._metainfo['tasks'] = self.tasks

    def img_file(self, sample_id: str) -> str:
        """Path of the image of ``sample_id``."""
        raise NotImplementedError

    def ann_files(self, sample_id: str) -> Dict[str, str]:
        """Label files of ``sample_id`` for ``self.tasks``: role -> path."""
        raise NotImplementedError

    def ann_file_patterns(self) -> Dict[str, str]:
        """Each file role's path pattern relative to the root, for messages."""
        raise NotImplementedError

    def join(self, *parts: str) -> str:
        """A path under ``data_root``."""
        return fileio.join_path(self.data_root, *parts)

    def read_split(self) -> List[str]:
        """The sample ids listed in ``ann_file`` (UTF-8, with or without a
        byte-order mark).

        Raises:
            FileNotFoundError: When the split file is missing.
            ValueError: When it lists no ids, or an id more than once (the
                sample would be trained on or evaluated twice).
        """
        if not fileio.exists(self.ann_file, backend_args=self.backend_args):
            raise FileNotFoundError(f'{self.__class__.__name__}: split file {self.ann_file} '
                                    f'not found (data_root={self.data_root!r})')
        ids = [line.strip() for line in mmengine.list_from_file(
            self.ann_file, encoding='utf-8-sig', backend_args=self.backend_args)]
        ids = [i for i in ids if i]
        if not ids:
            raise ValueError(f'{self.__class__.__name__}: split file {self.ann_file} lists no ids')
        repeated = [i for i, n in Counter(ids).items() if n > 1]
        if repeated:
            raise ValueError(f'{self.__class__.__name__}: split file {self.ann_file} lists '
                             f'{len(repeated)} ids more than once: {inline_listing(repeated)}; '
                             'expected each sample once')
        return ids

    def load_data_list(self) -> List[dict]:
        """Read the split and check that every file of every sample exists.

        Returns:
            list[dict]: One data info per sample id.
        """
        ids = self.read_split()

        def exists(path):
            return fileio.exists(path, backend_args=self.backend_args)

        no_image = [i for i in ids if not exists(self.img_file(i))]
        if no_image:
            raise FileNotFoundError(
                f'{self.__class__.__name__}: {len(no_image)} of the {len(ids)} ids listed in '
                f'{self.ann_file} have no image ({self.img_file("<id>")}): '
                f'{inline_listing(no_image)}')
        data_list, missing = [], {}
        for sample_id in ids:
            ann_paths = self.ann_files(sample_id)
            for role, path in ann_paths.items():
                if not exists(path):
                    missing.setdefault(role, []).append(f'sample {sample_id!r}: {path}')
            data_list.append(
                dict(img_path=self.img_file(sample_id), sample_id=sample_id, tasks=self.tasks,
                     ann_paths=ann_paths))
        if missing:
            patterns = self.ann_file_patterns()
            lines = [f'{role} ({len(files)} of {len(ids)} missing, expected {patterns[role]}): '
                     f'{inline_listing(files)}' for role, files in missing.items()]
            raise FileNotFoundError(f'{self.__class__.__name__}: label files missing under '
                                    f'{self.data_root}:\n  ' + '\n  '.join(lines))
        return data_list
