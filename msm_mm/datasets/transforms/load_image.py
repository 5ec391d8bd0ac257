from typing import Optional

from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS

from ..file_io import read_image


@TRANSFORMS.register_module()
class LoadRGBImageFromFile(BaseTransform):
    """Load a sample's image as an RGB ``uint8`` array.

    Unlike mmcv's ``LoadImageFromFile`` (BGR), the image keeps the RGB
    order of the file, which is the order of the ImageNet mean and std used
    by the pipelines, and a missing or broken file names the sample.

    Required Keys:

    - img_path
    - sample_id

    Added Keys:

    - img (np.uint8, ``(H, W, 3)``, RGB)
    - img_shape (``(H, W)``)
    - ori_shape (``(H, W)``)

    Args:
        backend_args (dict, optional): Arguments to instantiate the file
            backend, see :func:`mmengine.fileio.get`. Defaults to None.
    """

    def __init__(self, backend_args: Optional[dict] = None) -> None:
        self.backend_args = backend_args

    def transform(self, results: dict) -> dict:
        """Read ``results['img_path']``.

        Args:
            results (dict): Result dict from the dataset.

        Returns:
            dict: The dict with the image and its shapes.
        """
        img = read_image(results['img_path'], results['sample_id'], 'color', self.backend_args)
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(backend_args={self.backend_args})'
