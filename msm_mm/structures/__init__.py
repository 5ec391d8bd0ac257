from .multi_task_data_sample import MultiTaskDataSample
from .tasks import TASKS, TaskSpec, get_task

__all__ = ['MultiTaskDataSample', 'TASKS', 'TaskSpec', 'get_task']
