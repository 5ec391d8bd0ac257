import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS


@TRANSFORMS.register_module()
class RGBPhotoMetricDistortion(BaseTransform):
    """Random brightness, contrast, saturation and hue of an RGB image.

    The same distortions as mmseg's ``PhotoMetricDistortion``, for an RGB
    ``uint8`` image (mmseg's assumes BGR, which turns its hue shift the
    wrong way). Each step happens with probability 0.5, in this order:

    1. brightness: add ``U(-brightness_delta, brightness_delta)``;
    2. contrast, here or after 4 (one of the two at random): multiply by
       ``U(*contrast_range)``;
    3. saturation: multiply HSV saturation by ``U(*saturation_range)``;
    4. hue: shift HSV hue by ``randint(-hue_delta, hue_delta)`` (OpenCV's
       hue unit, 2 degrees).

    Values are clipped to [0, 255] after each step. Task maps are untouched.

    Required Keys:

    - img (np.uint8, RGB)

    Modified Keys:

    - img

    Args:
        brightness_delta (int): Largest brightness shift. Defaults to 32.
        contrast_range (tuple[float, float]): Contrast factor range.
            Defaults to (0.5, 1.5).
        saturation_range (tuple[float, float]): Saturation factor range.
            Defaults to (0.5, 1.5).
        hue_delta (int): Largest hue shift. Defaults to 18.
    """

    def __init__(self,
                 brightness_delta: int = 32,
                 contrast_range: tuple = (0.5, 1.5),
                 saturation_range: tuple = (0.5, 1.5),
                 hue_delta: int = 18) -> None:
        self.brightness_delta = brightness_delta
        self.contrast_range = tuple(contrast_range)
        self.saturation_range = tuple(saturation_range)
        self.hue_delta = hue_delta

    @staticmethod
    def _affine(img: np.ndarray, alpha: float = 1.0, beta: float = 0.0) -> np.ndarray:
        """``clip(img * alpha + beta)`` as uint8."""
        return np.clip(img.astype(np.float32) * alpha + beta, 0, 255).astype(np.uint8)

    def _contrast(self, img: np.ndarray) -> np.ndarray:
        """Random contrast with probability 0.5."""
        if np.random.randint(2):
            return self._affine(img, alpha=np.random.uniform(*self.contrast_range))
        return img

    def transform(self, results: dict) -> dict:
        """Distort ``results['img']``.

        Args:
            results (dict): Result dict.

        Returns:
            dict: The result dict with the distorted image.
        """
        img = results['img']
        if img.dtype != np.uint8:
            raise TypeError(f'{self.__class__.__name__} expects a uint8 image, got {img.dtype}; '
                            'put it before Normalize')
        if np.random.randint(2):
            img = self._affine(img, beta=np.random.uniform(-self.brightness_delta,
                                                           self.brightness_delta))
        contrast_first = np.random.randint(2)
        if contrast_first:
            img = self._contrast(img)
        if np.random.randint(2):
            hsv = cv2.cvtColor(img, cv2.COLOR_RGB2HSV)
            hsv[..., 1] = self._affine(hsv[..., 1],
                                       alpha=np.random.uniform(*self.saturation_range))
            img = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)
        if np.random.randint(2):
            hsv = cv2.cvtColor(img, cv2.COLOR_RGB2HSV)
            shift = np.random.randint(-self.hue_delta, self.hue_delta + 1)
            hsv[..., 0] = (hsv[..., 0].astype(np.int16) + shift) % 180
            img = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)
        if not contrast_first:
            img = self._contrast(img)
        results['img'] = img
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(brightness_delta={self.brightness_delta}, '
                f'contrast_range={self.contrast_range}, '
                f'saturation_range={self.saturation_range}, hue_delta={self.hue_delta})')
