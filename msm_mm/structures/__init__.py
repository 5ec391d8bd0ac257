from .multi_task_data_sample import MultiTaskDataSample, sample_name
from .tasks import TASKS, MapKind, TaskSpec, get_task

__all__ = ['MultiTaskDataSample', 'sample_name', 'MapKind', 'TASKS', 'TaskSpec', 'get_task']
