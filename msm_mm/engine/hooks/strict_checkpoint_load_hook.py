import re
from typing import Sequence, Tuple

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmseg.registry import HOOKS

from ...utils.key_report import mis_shaped_keys, state_dict_report


@HOOKS.register_module()
class StrictCheckpointLoadHook(Hook):
    """Fail when a checkpoint loaded by the Runner does not match the model.

    mmengine's Runner loads ``load_from``, ``resume`` and the checkpoint of
    ``tools/test.py`` with ``strict=False``: keys that do not match are only
    logged, and the model silently keeps random weights for them. This hook
    compares the checkpoint's ``state_dict`` (after the Runner's own key
    revision, which strips a leading ``module.``) with the model's before
    anything is copied, and raises a ``RuntimeError`` listing the keys the
    checkpoint lacks, the keys the model lacks and the tensors whose shapes
    differ.

    To fine-tune from a checkpoint of another model on purpose (other tasks,
    another head), remove the hook (``custom_hooks`` of the config) or
    convert the checkpoint first.

    Args:
        revise_keys (Sequence[tuple[str, str]]): ``(pattern, replacement)``
            regular expressions applied to the checkpoint keys, as the
            Runner does. Defaults to ``((r'^module\\.', ''), )``.
    """

    priority = 'VERY_HIGH'

    def __init__(self, revise_keys: Sequence[Tuple[str, str]] = ((r'^module\.', ''), )) -> None:
        self.revise_keys = [tuple(r) for r in revise_keys]

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Compare the checkpoint's state dict with the model's.

        Args:
            runner (Runner): The runner loading the checkpoint.
            checkpoint (dict): The loaded checkpoint, not yet in the model.

        Raises:
            RuntimeError: When keys are missing or unexpected or shapes differ.
        """
        state = checkpoint.get('state_dict', checkpoint)
        for pattern, replacement in self.revise_keys:
            state = {re.sub(pattern, replacement, k): v for k, v in state.items()}
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        own = model.state_dict()
        report = state_dict_report([k for k in own if k not in state],
                                   [k for k in state if k not in own], mis_shaped_keys(own, state))
        if not report:
            return
        raise RuntimeError(
            f'the checkpoint does not match the model built from the config '
            f'({type(model).__name__}, {len(own)} tensors; checkpoint {len(state)}):\n' +
            report + '\nCheck that the checkpoint was trained with this config (tasks, '
            'backbone, scales). To load it partially on purpose, remove StrictCheckpointLoadHook '
            'from custom_hooks.')
