from .atomic_checkpoint_hook import AtomicCheckpointHook
from .non_finite_loss_hook import NonFiniteLossHook
from .strict_checkpoint_load_hook import StrictCheckpointLoadHook
from .visualization_hook import MultiTaskVisualizationHook

__all__ = [
    'AtomicCheckpointHook', 'MultiTaskVisualizationHook', 'NonFiniteLossHook',
    'StrictCheckpointLoadHook'
]
