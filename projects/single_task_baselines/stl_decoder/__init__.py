from .swin_stl_head import SwinSTLHead

__all__ = ['SwinSTLHead']
