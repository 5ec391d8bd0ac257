"""One metric for every task of a multi-task dense prediction dataset."""
import logging
import os.path as osp
from concurrent.futures import Future
from functools import partial
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log
from mmengine.structures import BaseDataElement
from mmseg.registry import METRICS

from msm_mm.structures import get_task, sample_name
from .boundary_odsf import BoundaryODSF
from .depth_error import DepthError
from .multi_task_gain import multi_task_gain, resolve_baseline
from .normal_error import NormalError
from .prediction_writer import save_prediction
from .saliency_maxf import SaliencyMaxF
from .segmentation_iou import SegmentationIoU
from .task_metric import TaskMetric


@METRICS.register_module()
class MultiTaskMetric(BaseMetric):
    """Evaluate every task of a multi-task sample with the community's metrics.

    Each task is evaluated with the metric its
    :class:`~msm_mm.structures.TaskSpec` names. Each metric lives in its own
    module and keeps per-image sufficient statistics (counts, sums,
    histograms; never maps), which are what mmengine gathers across ranks;
    the dataset-wide values are computed once at the end. Results are named
    ``<task>/<metric>``:

    - ``semseg/mIoU``, ``human_parts/mIoU`` (:class:`SegmentationIoU`);
    - ``depth/rmse``, ``depth/abs_rel``, ``depth/log_rmse`` (:class:`DepthError`);
    - ``normals/mean``, ``normals/median``, ``normals/11.25``,
      ``normals/22.5``, ``normals/30`` (:class:`NormalError`);
    - ``sal/maxF`` (:class:`SaliencyMaxF`);
    - ``edge/odsF`` (:class:`BoundaryODSF`, the SEISM protocol);
    - ``multi_task/delta_m`` when ``single_task_results`` is given.

    The data samples are :class:`~msm_mm.structures.MultiTaskDataSample`
    (or their ``to_dict()``, as mmengine's Evaluator passes them) with
    ``pred_<task>`` and ``gt_<task>`` for each task; a sample without
    ``gt_<task>`` does not count for that task.

    odsF costs about half a second of CPU per image: set ``compute_odsf=False``
    in ``val_evaluator`` so that validation during training stays fast, and
    keep it on in ``test_evaluator``.

    Args:
        tasks (Sequence[str], optional): Tasks to evaluate. Defaults to None
            (the dataset's ``metainfo['tasks']``).
        num_classes (dict[str, int], optional): Classes of 'semseg' /
            'human_parts'. Defaults to None (the length of the dataset's
            ``classes`` / ``part_classes``).
        edge_max_dist (float, optional): Boundary matching tolerance as a
            fraction of the image diagonal; required for odsF: 0.011 NYUD-v2,
            0.0075 PASCAL-Context. Defaults to None.
        compute_odsf (bool): Whether to compute ``edge/odsF``. Defaults to True.
        edge_eval_ids (str, optional): A text file of sample ids, one per
            line: odsF is computed on those images only (PASCAL-Context's
            published numbers use SEISM's 'test_new' list of 2,498 val ids).
            The log names the file and the number of images. Defaults to None
            (every image).
        edge_gt_is_boundary (bool): ``gt_edge`` already is SEISM's 1-pixel
            ground-truth boundary (PASCAL-Context's test pipeline,
            ``LoadPascalContextAnnotations(edge_gt='seism')``); False reads it
            as a segmentation and builds ``thin(seg2bmap(gt_edge))`` (NYUD-v2's
            edge maps). Defaults to False.
        edge_matching (str): Pixel correspondence of odsF: 'exact' (a
            maximum matching) or 'bsds' (BSDS ``correspondPixels``'
            assignment, seeded: what SEISM computes, slower). Defaults to
            'exact'.
        nproc (int): Worker processes for odsF. Defaults to 1.
        sal_sigmoid_quirk (bool): Reproduce the sigmoid that InvPT/MTMamba's
            code applied to saliency probabilities (for comparison with
            published numbers only). Defaults to False.
        normals_median_bin_width (float): Histogram bin width (degrees) of the
            normals median, which is within half of it. Defaults to 0.05.
        single_task_results (str | dict, optional): Single-task results for
            ``multi_task/delta_m``: a preset name ('nyud_swin_l', the MSM
            paper's NYUD Swin-L single-task row) or metric name -> value.
            Defaults to None (no delta_m).
        output_dir (str, optional): Also write each prediction to
            ``<output_dir>/<task>/<sample_id>.{png,mat}`` (see
            :mod:`.prediction_writer`; the edge PNGs are SEISM's input).
            Defaults to None.
        format_only (bool): Only write the predictions, compute nothing
            (for splits without labels). Defaults to False.
        collect_device (str): Device for gathering results across ranks,
            'cpu' or 'gpu'. Defaults to 'cpu'.
        prefix (str, optional): Prefix added to every metric name. Defaults
            to None (none).
        collect_dir (str, optional): Folder for gathering on 'cpu'.
            Defaults to None.
    """

    default_prefix = ''

    def __init__(self,
                 tasks: Optional[Sequence[str]] = None,
                 num_classes: Optional[Dict[str, int]] = None,
                 edge_max_dist: Optional[float] = None,
                 compute_odsf: bool = True,
                 edge_eval_ids: Optional[str] = None,
                 edge_gt_is_boundary: bool = False,
                 edge_matching: str = 'exact',
                 nproc: int = 1,
                 sal_sigmoid_quirk: bool = False,
                 normals_median_bin_width: float = 0.05,
                 single_task_results: Union[None, str, Mapping[str, float]] = None,
                 output_dir: Optional[str] = None,
                 format_only: bool = False,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None,
                 collect_dir: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix, collect_dir=collect_dir)
        if tasks is not None:
            tasks = tuple(tasks)
            for task in tasks:
                get_task(task)
            if not tasks or len(set(tasks)) != len(tasks):
                raise ValueError(f'tasks must be distinct task names, got {list(tasks)}')
        if format_only and output_dir is None:
            raise ValueError('format_only=True needs output_dir (where to write predictions)')
        self.configured_tasks = tasks
        self.num_classes = dict(num_classes or {})
        self.edge_max_dist = edge_max_dist
        self.compute_odsf = compute_odsf
        self.edge_eval_ids = edge_eval_ids
        self.edge_gt_is_boundary = edge_gt_is_boundary
        self.edge_matching = edge_matching
        self._edge_ids: Optional[frozenset] = None
        self.nproc = nproc
        self.sal_sigmoid_quirk = sal_sigmoid_quirk
        self.normals_median_bin_width = normals_median_bin_width
        self.single_task_results = (None if single_task_results is None else
                                    resolve_baseline(single_task_results))
        self.output_dir = output_dir
        self.format_only = format_only
        self._task_metrics: Optional[Dict[str, TaskMetric]] = None

    @property
    def dataset_meta(self) -> Optional[dict]:
        """Meta information of the dataset (tasks, class names)."""
        return self._dataset_meta

    @dataset_meta.setter
    def dataset_meta(self, dataset_meta: dict) -> None:
        """Set the dataset meta; the task metrics are rebuilt from it."""
        self._dataset_meta = dataset_meta
        self._task_metrics = None

    @property
    def tasks(self) -> tuple:
        """The tasks evaluated: configured, else the dataset's."""
        if self.configured_tasks is not None:
            return self.configured_tasks
        tasks = (self.dataset_meta or {}).get('tasks')
        if not tasks:
            raise ValueError('MultiTaskMetric: set `tasks`, or evaluate a dataset whose '
                             "metainfo has 'tasks'")
        return tuple(tasks)

    @property
    def task_metrics(self) -> Dict[str, TaskMetric]:
        """Task -> its metric, built on first use (it needs the dataset meta)."""
        if self._task_metrics is None:
            metrics = {task: self._build(task) for task in self.tasks}
            self._task_metrics = {task: m for task, m in metrics.items() if m is not None}
        return self._task_metrics

    def _build(self, task: str) -> Optional[TaskMetric]:
        """The metric the task's spec names, from this metric's options;
        None for odsF with ``compute_odsf=False``."""
        builders = dict(
            SegmentationIoU=self._segmentation_iou,
            DepthError=DepthError,
            NormalError=partial(NormalError, median_bin_width=self.normals_median_bin_width),
            SaliencyMaxF=partial(SaliencyMaxF, sigmoid_quirk=self.sal_sigmoid_quirk),
            BoundaryODSF=self._boundary_odsf)
        metric = get_task(task).metric
        if metric not in builders:
            raise ValueError(f'MultiTaskMetric: task {task!r} names the metric {metric!r}; '
                             f'known metrics: {sorted(builders)}')
        return builders[metric](task)

    def _segmentation_iou(self, task: str) -> SegmentationIoU:
        """mIoU, with the class count and names of the options or the dataset."""
        key = get_task(task).class_names_key
        names = (self.dataset_meta or {}).get(key)
        num = self.num_classes.get(task, len(names) if names else None)
        if num is None:
            raise ValueError(f"MultiTaskMetric: number of {task} classes unknown; set "
                             f"num_classes=dict({task}=...) or use a dataset whose metainfo "
                             f"has '{key}'")
        return SegmentationIoU(task, num, names if names and len(names) == num else None)

    def _boundary_odsf(self, task: str) -> Optional[BoundaryODSF]:
        """odsF with the ``edge_*`` options; None with ``compute_odsf=False``."""
        if not self.compute_odsf:
            return None
        subset = (None if self.edge_eval_ids is None else
                  f'{osp.basename(self.edge_eval_ids)} (edge_eval_ids)')
        return BoundaryODSF(task, self.edge_max_dist, self.nproc,
                            gt_is_boundary=self.edge_gt_is_boundary, sample_ids=self.edge_ids,
                            subset_name=subset, matching=self.edge_matching)

    @property
    def edge_ids(self) -> Optional[frozenset]:
        """The ids of ``edge_eval_ids`` (read on first use), or None."""
        if self.edge_eval_ids is None:
            return None
        if self._edge_ids is None:
            if not osp.isfile(self.edge_eval_ids):
                raise FileNotFoundError(
                    f'MultiTaskMetric: edge_eval_ids {self.edge_eval_ids!r} does not exist. It '
                    'lists the sample ids on which odsF is computed, one per line; for '
                    "PASCAL-Context, SEISM's 'test_new' list (2,498 of the 5,105 val ids) on "
                    'which published numbers are computed (docs/metrics.md). Put the file '
                    'there, or set edge_eval_ids=None (--cfg-options '
                    'test_evaluator.edge_eval_ids=None) to compute odsF on every image.')
            with open(self.edge_eval_ids) as f:
                ids = frozenset(line.strip() for line in f if line.strip())
            if not ids:
                raise ValueError(f'MultiTaskMetric: edge_eval_ids {self.edge_eval_ids!r} '
                                 'lists no sample id (expected one id per line)')
            self._edge_ids = ids
        return self._edge_ids

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        """Store the statistics of each sample (and write predictions).

        Args:
            data_batch (Any): A batch from the dataloader (unused).
            data_samples (Sequence): Data samples with predictions, as
                :class:`MultiTaskDataSample` or dicts.
        """
        metrics = {} if self.format_only else self.task_metrics
        for index, sample in enumerate(data_samples):
            if isinstance(sample, BaseDataElement):
                sample = sample.to_dict()
            sample_id = sample_name(sample) or f'#{index}'
            result = {}
            for task in self.tasks:
                pred = _field(sample, f'pred_{task}')
                if pred is None:
                    raise ValueError(f'sample {sample_id!r}: no prediction pred_{task} for task '
                                     f'{task!r} (evaluated tasks: {list(self.tasks)})')
                if self.output_dir is not None:
                    save_prediction(task, pred, self.output_dir, sample_id)
                gt = _field(sample, f'gt_{task}')
                metric = metrics.get(task)
                if metric is not None and gt is not None and metric.evaluates(sample_id):
                    result[task] = metric.process(pred, gt, sample_id)
            self.results.append(result)

    def evaluate(self, size: int) -> dict:
        """Wait for odsF workers, then gather and compute as mmengine does.

        Args:
            size (int): Length of the dataset.

        Returns:
            dict: Metric name -> value.
        """
        try:
            for result in self.results:
                for task, stats in result.items():
                    if isinstance(stats, Future):
                        result[task] = stats.result()
        finally:
            for metric in (self._task_metrics or {}).values():
                metric.close()
        return super().evaluate(size)

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Dataset-wide metrics from the gathered per-image statistics.

        Args:
            results (list[dict]): Per image, task -> statistics.

        Returns:
            dict[str, float]: ``<task>/<metric>`` -> value, and
            ``multi_task/delta_m`` when single-task results are set.
        """
        if self.format_only:
            print_log(f'predictions written to {osp.abspath(self.output_dir)}', logger='current')
            return {}
        metrics: Dict[str, float] = {}
        lower_is_better: Dict[str, bool] = {}
        for task, metric in self.task_metrics.items():
            stats = [result[task] for result in results if task in result]
            if not stats:
                print_log(f'{task}: no sample has ground truth; not evaluated',
                          logger='current', level=logging.WARNING)
                continue
            if metric.sample_ids is not None and len(stats) != len(metric.sample_ids):
                print_log(f'{task}: {len(stats)} of the {len(metric.sample_ids)} ids of '
                          f'{metric.subset_name} were evaluated; the result is not that set\'s',
                          logger='current', level=logging.WARNING)
            for name, value in metric.compute(stats).items():
                metrics[f'{task}/{name}'] = value
                lower_is_better[f'{task}/{name}'] = metric.lower_is_better[name]
        if self.single_task_results is not None:
            missing = [name for name in self.single_task_results if name not in metrics]
            if missing:
                print_log(f'multi_task/delta_m not computed: no {missing} in this evaluation '
                          '(compute_odsf=False or a task not evaluated)', logger='current')
            else:
                metrics['multi_task/delta_m'] = multi_task_gain(
                    metrics, self.single_task_results, lower_is_better)
        return metrics


def _field(sample: dict, key: str) -> Optional[np.ndarray]:
    """A ``(C, H, W)`` numpy map from a data-sample field, or None."""
    value = sample.get(key)
    if value is None:
        return None
    if isinstance(value, dict):  # PixelData.to_dict()
        value = value['data']
    elif isinstance(value, BaseDataElement):
        value = value.data
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    value = np.asarray(value)
    return value[None] if value.ndim == 2 else value
