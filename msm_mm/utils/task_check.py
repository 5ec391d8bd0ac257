"""The model's tasks against the tasks its datasets load, checked before a
run starts."""
import inspect
from typing import Optional, Tuple

from mmengine.config import Config
from mmengine.model import is_model_wrapper
from mmseg.registry import DATASETS

_LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def _dataset_tasks(dataset_cfg: dict) -> Optional[Tuple[str, ...]]:
    """The tasks a dataset config loads: its ``tasks``, else its class's
    default; None for a dataset class without tasks."""
    if 'tasks' in dataset_cfg:
        return tuple(dataset_cfg['tasks'])
    dataset_cls = DATASETS.get(dataset_cfg.get('type'))
    if dataset_cls is None:
        return None
    tasks = inspect.signature(dataset_cls.__init__).parameters.get('tasks')
    if tasks is None or tasks.default is inspect.Parameter.empty:
        return None
    return tuple(tasks.default)


def check_tasks_match(model, cfg: Config) -> None:
    """Check that every dataloader's dataset loads exactly the model's tasks.

    A model predicting a task its data has no labels for fails inside the
    head at the first iteration (``expected Tensor ... got NoneType``); a
    dataset loading tasks the model lacks is evaluated against missing
    predictions.

    Args:
        model (nn.Module): The built model (a wrapper is unwrapped); a model
            without ``tasks`` is not checked.
        cfg (Config): The config of the run.

    Raises:
        ValueError: Naming both lists and the options that set them.
    """
    model = model.module if is_model_wrapper(model) else model
    model_tasks = getattr(model, 'tasks', None)
    if model_tasks is None:
        return
    for loader in _LOADERS:
        dataset_cfg = (cfg.get(loader) or {}).get('dataset')
        if not dataset_cfg:
            continue
        tasks = _dataset_tasks(dataset_cfg)
        if tasks is not None and set(tasks) != set(model_tasks):
            raise ValueError(
                f'the model predicts {list(model_tasks)} (model.decode_head.tasks) but '
                f'{loader}.dataset ({dataset_cfg.get("type")}) loads {list(tasks)} '
                f'({loader}.dataset.tasks): they must be the same tasks')
