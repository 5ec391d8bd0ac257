from .multi_task_data_sample import MultiTaskDataSample
from .tasks import TASKS, MapKind, TaskSpec, get_task

__all__ = ['MultiTaskDataSample', 'MapKind', 'TASKS', 'TaskSpec', 'get_task']
