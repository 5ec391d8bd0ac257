from .balanced_bce_loss import BalancedBCELoss
from .masked_l1_loss import MaskedL1Loss
from .normal_l1_loss import NormalL1Loss
from .pixel_cross_entropy_loss import PixelCrossEntropyLoss

__all__ = ['BalancedBCELoss', 'MaskedL1Loss', 'NormalL1Loss', 'PixelCrossEntropyLoss']
