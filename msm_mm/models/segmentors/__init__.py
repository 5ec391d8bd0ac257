from .cuda_graph_trunk import CudaGraphTrunk
from .multi_task_segmentor import MultiTaskSegmentor
from .trunk_accelerator import TrunkAccelerator

__all__ = ['CudaGraphTrunk', 'MultiTaskSegmentor', 'TrunkAccelerator']
