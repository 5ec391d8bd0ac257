from .hooks import (AtomicCheckpointHook, MultiTaskVisualizationHook, NonFiniteLossHook,
                    StrictCheckpointLoadHook)

__all__ = [
    'AtomicCheckpointHook', 'MultiTaskVisualizationHook', 'NonFiniteLossHook',
    'StrictCheckpointLoadHook'
]
