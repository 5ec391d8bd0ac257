from .msm_head import MSMDecodeHead, resize_to_batch_input

__all__ = ['MSMDecodeHead', 'resize_to_batch_input']
