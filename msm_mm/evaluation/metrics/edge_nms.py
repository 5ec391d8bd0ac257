"""Non-maximum suppression of edge maps, as the Structured Edge toolbox does it.

SEISM's boundary protocol (as InvPT and MTMamba run it) passes every
predicted edge map through the NMS of Dollar and Zitnick's Structured Edge
Detection toolbox (``edgesNmsMex``) before thresholding:

1. the orientation of each pixel comes from second derivatives of the map
   smoothed by a triangle filter of radius 4 (``convTri(E, 4)``, symmetric
   padding; derivatives as MATLAB's ``gradient``):
   ``O = mod(atan(Oyy * sign(-Oxy) / (Oxx + 1e-5)), pi)``;
2. a pixel is set to 0 when its value times ``multiplier`` is smaller than
   the bilinearly interpolated map at distance 1..``radius`` on either side
   along the orientation (sample positions clamped into the image);
3. values within ``border`` pixels of the image border are multiplied by
   ``d / border`` (``d`` the distance in pixels to the border, 0 on it).

Suppression decisions are taken in float32 as the MEX file does; the kept
values and the border ramp stay in the input's precision: SEISM reads the
prediction PNG with ``im2single``, so the benchmark passes float32 maps
(the ramp factor ``d / border`` is then a float32 division, as in the MEX
file).
"""
import numpy as np
from scipy import ndimage


def triangle_smooth(image: np.ndarray, radius: int) -> np.ndarray:
    """Separable triangle filter of integer ``radius`` with symmetric padding.

    The 1-D kernel is ``[1, 2, ..., r + 1, ..., 2, 1] / (r + 1) ** 2``.

    Args:
        image (np.ndarray): ``(H, W)`` float map.
        radius (int): Filter radius (>= 1).

    Returns:
        np.ndarray: The smoothed map, same shape and dtype.
    """
    kernel = np.concatenate([np.arange(1, radius + 2), np.arange(radius, 0, -1)])
    kernel = (kernel / (radius + 1) ** 2).astype(image.dtype)
    # scipy's 'reflect' repeats the edge pixel, as MATLAB's 'symmetric' padding.
    out = ndimage.correlate1d(image, kernel, axis=0, mode='reflect')
    return ndimage.correlate1d(out, kernel, axis=1, mode='reflect')


def edge_orientation(edge: np.ndarray) -> np.ndarray:
    """Orientation of an edge map in [0, pi), from its smoothed second derivatives.

    Args:
        edge (np.ndarray): ``(H, W)`` float32 edge strength.

    Returns:
        np.ndarray: ``(H, W)`` float32 angle; 0 = along the x axis (columns),
        pi / 2 = along the y axis (rows).
    """
    smooth = triangle_smooth(edge, 4)
    oy, ox = np.gradient(smooth)
    _, oxx = np.gradient(ox)
    oyy, oxy = np.gradient(oy)
    angle = np.arctan(oyy * np.sign(-oxy) / (oxx + np.float32(1e-5)))
    return np.mod(angle, np.float32(np.pi)).astype(np.float32)


def _bilinear(image: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Bilinear samples of ``image`` at (x = column, y = row), clamped inside."""
    height, width = image.shape
    x = np.clip(x, 0, np.float32(width - 1.001))
    y = np.clip(y, 0, np.float32(height - 1.001))
    x0 = x.astype(np.int64)
    y0 = y.astype(np.int64)
    dx0 = x - x0.astype(np.float32)
    dy0 = y - y0.astype(np.float32)
    dx1 = 1 - dx0
    dy1 = 1 - dy0
    return (image[y0, x0] * dx1 * dy1 + image[y0, x0 + 1] * dx0 * dy1 +
            image[y0 + 1, x0] * dx1 * dy0 + image[y0 + 1, x0 + 1] * dx0 * dy0)


def edge_nms(edge: np.ndarray,
             radius: int = 1,
             border: int = 5,
             multiplier: float = 1.01) -> np.ndarray:
    """Thin an edge map by non-maximum suppression along its orientation.

    Args:
        edge (np.ndarray): ``(H, W)`` float32 or float64 edge strength in [0, 1].
        radius (int): Distance (pixels) over which a pixel must be the
            maximum across the edge. Defaults to 1.
        border (int): Width of the border ramp that suppresses edges near
            the image border. Defaults to 5.
        multiplier (float): A pixel survives when ``value * multiplier`` is
            not smaller than its neighbours. Defaults to 1.01.

    Returns:
        np.ndarray: ``(H, W)`` map of the input's dtype: surviving values
        (border-scaled), 0 elsewhere.
    """
    edge = np.asarray(edge)
    out = np.array(edge, dtype=np.float64 if edge.dtype == np.float64 else np.float32)
    if out.ndim != 2:
        raise ValueError(f'edge_nms expects an (H, W) map, got shape {out.shape}')
    edge = out.astype(np.float32)
    height, width = edge.shape
    rows, cols = np.nonzero(edge)
    if len(rows):
        angle = edge_orientation(edge)[rows, cols].astype(np.float64)
        cos = np.cos(angle).astype(np.float32)
        sin = np.sin(angle).astype(np.float32)
        value = edge[rows, cols] * np.float32(multiplier)
        rows_f, cols_f = rows.astype(np.float32), cols.astype(np.float32)
        suppressed = np.zeros(len(rows), dtype=bool)
        for step in range(1, radius + 1):
            for sign in (-1, 1):
                d = np.float32(sign * step)
                neighbour = _bilinear(edge, cols_f + d * cos, rows_f + d * sin)
                suppressed |= value < neighbour
        out[rows[suppressed], cols[suppressed]] = 0
    # Ramp down to 0 at the border: columns first, then rows.
    border = min(border, width // 2, height // 2)
    dtype = out.dtype.type
    for d in range(border):
        scale = dtype(d) / dtype(border)
        out[:, d] *= scale
        out[:, width - 1 - d] *= scale
    for d in range(border):
        scale = dtype(d) / dtype(border)
        out[d, :] *= scale
        out[height - 1 - d, :] *= scale
    return out
