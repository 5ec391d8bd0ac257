from .multi_task_dataset import MultiTaskDataset
from .nyud import NYUDv2Dataset
from .pascal_context import PascalContextMultiTaskDataset
from .transforms import *  # noqa: F401,F403  (registration)

__all__ = ['MultiTaskDataset', 'NYUDv2Dataset', 'PascalContextMultiTaskDataset']
