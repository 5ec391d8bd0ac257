from .msm_head import MSMDecodeHead

__all__ = ['MSMDecodeHead']
