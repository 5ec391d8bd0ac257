"""msm_mm: Multi-Scale Mamba (MSM) and MTMamba for multi-task dense prediction.

Importing the package registers its datasets, transforms, models and metrics
in mmseg's registries (configs use ``custom_imports = dict(imports=['msm_mm'])``).
"""
from . import datasets, evaluation, models, structures  # noqa: F401  (registration)
from .version import __version__

__all__ = ['__version__']
