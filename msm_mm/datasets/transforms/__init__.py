from .center_pad import MultiTaskCenterPad
from .formatting import PackMultiTaskInputs
from .load_image import LoadRGBImageFromFile
from .load_nyud_annotations import LoadNYUDAnnotations
from .load_pascal_context_annotations import LoadPascalContextAnnotations
from .photometric_distortion import RGBPhotoMetricDistortion
from .random_crop import MultiTaskRandomCrop
from .random_flip import MultiTaskRandomFlip
from .random_scale import MultiTaskRandomScale

__all__ = [
    'LoadRGBImageFromFile', 'LoadNYUDAnnotations', 'LoadPascalContextAnnotations',
    'MultiTaskRandomScale', 'MultiTaskRandomCrop', 'MultiTaskRandomFlip',
    'RGBPhotoMetricDistortion', 'MultiTaskCenterPad', 'PackMultiTaskInputs'
]
