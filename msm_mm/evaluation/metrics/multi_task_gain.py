"""Multi-task gain: the average relative improvement over single-task models.

``delta_m = (1 / T) * sum_t (-1)^{l_t} (M_t - S_t) / S_t * 100`` (percent),
where ``M_t`` is the multi-task model's main metric of task ``t``, ``S_t``
that of the single-task model and ``l_t = 1`` when lower is better
(Vandenhende et al., "Multi-Task Learning for Dense Prediction Tasks: A
Survey", TPAMI 2021).
"""
from typing import Dict, Mapping, Union

#: Single-task results, by preset name, keyed by metric name.
SINGLE_TASK_BASELINES: Dict[str, Dict[str, float]] = {
    # MSM paper, Table 3, "STL Model" row (NYUD-v2, Swin-L).
    'nyud_swin_l': {
        'semseg/mIoU': 54.32,
        'depth/rmse': 0.5166,
        'normals/mean': 19.21,
        'edge/odsF': 77.30,
    },
}


def resolve_baseline(baseline: Union[str, Mapping[str, float]]) -> Dict[str, float]:
    """A preset name or a dict of single-task results, as a dict.

    Args:
        baseline (str | dict): Key of :data:`SINGLE_TASK_BASELINES`, or
            metric name (e.g. ``'depth/rmse'``) -> single-task value.

    Returns:
        dict[str, float]: Metric name -> single-task value.
    """
    if isinstance(baseline, str):
        if baseline not in SINGLE_TASK_BASELINES:
            raise KeyError(f'single_task_results: unknown preset {baseline!r}; presets: '
                           f'{sorted(SINGLE_TASK_BASELINES)} (or give a dict of metric name '
                           '-> single-task value)')
        return dict(SINGLE_TASK_BASELINES[baseline])
    baseline = dict(baseline)
    if not baseline:
        raise ValueError('single_task_results: empty dict')
    for name, value in baseline.items():
        if not value:
            raise ValueError(f'single_task_results: {name!r} is {value}; the gain divides by it')
    return baseline


def multi_task_gain(results: Mapping[str, float], baseline: Mapping[str, float],
                    lower_is_better: Mapping[str, bool]) -> float:
    """delta_m in percent.

    Args:
        results (dict): Metric name -> multi-task value; must hold every
            metric of ``baseline``.
        baseline (dict): Metric name -> single-task value.
        lower_is_better (dict): Metric name -> direction; must hold every
            metric of ``baseline``.

    Returns:
        float: The multi-task gain in percent (positive = better than the
        single-task models).
    """
    missing = [name for name in baseline if name not in results]
    if missing:
        raise KeyError(f'multi-task gain: no result for {missing}; results: {sorted(results)}')
    unknown = [name for name in baseline if name not in lower_is_better]
    if unknown:
        raise KeyError(f'multi-task gain: direction of {unknown} unknown; known metrics: '
                       f'{sorted(lower_is_better)}')
    total = 0.0
    for name, single in baseline.items():
        sign = -1.0 if lower_is_better[name] else 1.0
        total += sign * (results[name] - single) / single
    return 100.0 * total / len(baseline)
