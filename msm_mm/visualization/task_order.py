from typing import Iterable, List, Optional

from msm_mm.structures import TASKS


def sorted_tasks(tasks: Iterable[str], dataset_meta: Optional[dict] = None) -> List[str]:
    """Tasks in display order: that of ``dataset_meta['tasks']``, then that
    of :data:`~msm_mm.structures.TASKS` (data samples keep no field order).

    Args:
        tasks (Iterable[str]): Task names.
        dataset_meta (dict, optional): Dataset metainfo. Defaults to None.

    Returns:
        list[str]: The distinct tasks, sorted.
    """
    order = list((dataset_meta or {}).get('tasks', ())) + list(TASKS)
    return sorted(set(tasks), key=order.index)
