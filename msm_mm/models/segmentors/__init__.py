from .cuda_graph_trunk import CudaGraphTrunk
from .multi_task_segmentor import MultiTaskSegmentor, logits_to_prediction
from .trunk_accelerator import TrunkAccelerator

__all__ = ['CudaGraphTrunk', 'MultiTaskSegmentor', 'TrunkAccelerator', 'logits_to_prediction']
