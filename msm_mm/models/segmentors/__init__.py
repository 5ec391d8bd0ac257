from .cuda_graph_trunk import CudaGraphTrunk
from .multi_task_segmentor import MultiTaskSegmentor, logits_to_prediction

__all__ = ['CudaGraphTrunk', 'MultiTaskSegmentor', 'logits_to_prediction']
