from .checked_swin import CheckedSwinTransformer

__all__ = ['CheckedSwinTransformer']
