"""msm_mm: Multi-Scale Mamba (MSM) and MTMamba for multi-task dense prediction.

Importing the package registers its datasets, transforms, models, metrics,
hooks and visualizer in mmseg's registries (configs use
``custom_imports = dict(imports=['msm_mm'])``) and makes mmengine read local
checkpoints with torch's safe (weights-only) loader, which runs no code
from the file.
"""
from . import (datasets, engine, evaluation, models, structures,  # noqa: F401  (registration)
               visualization)
from .utils import register_checkpoint_safe_globals, register_safe_checkpoint_loader
from .version import __version__

register_checkpoint_safe_globals()
register_safe_checkpoint_loader()

__all__ = ['__version__']
