from .cross_scan import CrossScanCore
from .cross_task_block import CrossTaskBlock
from .mfr_stage import MFRStage
from .multi_scale_scan import MultiScaleScan
from .patch_expand import PatchExpand
from .ss2d import SS2D
from .task_head import TaskHead
from .task_specific_block import TaskSpecificBlock

__all__ = [
    'CrossScanCore', 'CrossTaskBlock', 'MFRStage',
    'MultiScaleScan', 'PatchExpand', 'SS2D', 'TaskHead', 'TaskSpecificBlock'
]
