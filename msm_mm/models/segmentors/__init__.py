from .cuda_graph_trunk import CudaGraphTrunk
from .multi_task_segmentor import MultiTaskSegmentor

__all__ = ['CudaGraphTrunk', 'MultiTaskSegmentor']
