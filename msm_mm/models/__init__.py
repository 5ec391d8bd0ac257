from .backbones import CheckedSwinTransformer
from .data_preprocessor import MultiTaskDataPreProcessor
from .decode_heads import MSMDecodeHead
from .losses import BalancedBCELoss, MaskedL1Loss, NormalL1Loss, PixelCrossEntropyLoss
from .segmentors import MultiTaskSegmentor

__all__ = [
    'CheckedSwinTransformer', 'MultiTaskDataPreProcessor',
    'MSMDecodeHead', 'BalancedBCELoss', 'MaskedL1Loss', 'NormalL1Loss', 'PixelCrossEntropyLoss',
    'MultiTaskSegmentor'
]
