from .hooks import MultiTaskVisualizationHook, NonFiniteLossHook, StrictCheckpointLoadHook

__all__ = ['MultiTaskVisualizationHook', 'NonFiniteLossHook', 'StrictCheckpointLoadHook']
