import math
from typing import List, Optional, Union

import torch
from mmengine.hooks import Hook
from mmseg.registry import HOOKS

from msm_mm.structures import sample_name

DATA_BATCH = Optional[Union[dict, tuple, list]]


def loss_task(key: str) -> str:
    """The task of a logged loss: ``decode.loss_depth`` and ``decode.depth_raw``
    give ``depth``; other names are returned unchanged."""
    name = key.rsplit('.', 1)[-1]
    if name.startswith('loss_'):
        return name[len('loss_'):]
    if name.endswith('_raw'):
        return name[:-len('_raw')]
    return name


def batch_sample_ids(data_batch: DATA_BATCH) -> List[str]:
    """The name (:func:`~msm_mm.structures.sample_name`) of each data sample of a batch."""
    if not isinstance(data_batch, dict):
        return []
    return [sample_name(s.metainfo) or '?' for s in data_batch.get('data_samples') or []]


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Stop training at the first iteration whose loss is NaN or infinite.

    After every training iteration the hook reads the logged losses (the
    ``log_vars`` returned by ``train_step``: the total ``loss`` and one
    ``decode.loss_<task>`` per task) and raises a ``FloatingPointError``
    naming the iteration (1-based, as the logger counts it), every task whose
    loss is not finite, all loss values and the samples of the batch. It runs
    before the logger and the checkpoint hooks (priority ``ABOVE_NORMAL``),
    so no checkpoint of the broken iteration is written.

    The optimizer step of that iteration has already been taken, so the model
    in memory is spoilt; the last saved checkpoint is not. Under automatic
    mixed precision non-finite *gradients* are the loss scaler's business;
    this hook looks at the losses themselves.

    Example::

        custom_hooks = [dict(type='NonFiniteLossHook')]
    """

    priority = 'ABOVE_NORMAL'

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: DATA_BATCH = None,
                         outputs: Optional[dict] = None) -> None:
        """Raise if a logged loss of this iteration is not finite.

        Args:
            runner (Runner): The runner of the training process.
            batch_idx (int): Index of the batch in the loop.
            data_batch (dict or tuple or list, optional): The batch.
                Defaults to None.
            outputs (dict, optional): The logged losses of ``train_step``.
                Defaults to None.

        Raises:
            FloatingPointError: When a logged loss is NaN or infinite.
        """
        if not outputs:
            return
        values = {
            k: float(v.detach().float().mean()) if isinstance(v, torch.Tensor) else v
            for k, v in outputs.items()
        }
        bad = [k for k, v in values.items() if isinstance(v, float) and not math.isfinite(v)]
        if not bad:
            return
        tasks = sorted({loss_task(k) for k in bad if k != 'loss'}) or ['none (total loss only)']
        shown = ', '.join(f'{k}={v}' for k, v in values.items())
        samples = ', '.join(batch_sample_ids(data_batch)) or 'unknown'
        raise FloatingPointError(
            f'non-finite loss at iteration {runner.iter + 1} of {runner.max_iters}; '
            f'task(s): {", ".join(tasks)}. Losses: {shown}. Samples of the batch on this '
            f'process: {samples}. Training stopped; the checkpoints already in '
            f'{runner.work_dir} are not affected. Usual causes: a learning rate too high, '
            'labels outside the expected range, a task loss weight too large.')
