"""Reading the files of a sample, with errors that name the file and the sample.

Every reader goes through :func:`mmengine.fileio.get`, so datasets stored on
other backends work with ``backend_args`` as in mmseg. Nothing here writes.
"""
import io
from typing import Optional, Union

import cv2
import mmengine.fileio as fileio
import numpy as np
import scipy.io
from scipy.io.matlab import MatReadError


def read_bytes(path: str, sample_id: str, backend_args: Optional[dict] = None) -> bytes:
    """Read a file of sample ``sample_id``.

    Raises:
        FileNotFoundError: naming the file and the sample when it is missing.
    """
    try:
        return fileio.get(path, backend_args=backend_args)
    except FileNotFoundError:
        raise FileNotFoundError(f'sample {sample_id!r}: file not found: {path}') from None


def read_image(path: str,
               sample_id: str,
               flag: str = 'unchanged',
               backend_args: Optional[dict] = None) -> np.ndarray:
    """Decode a PNG or JPEG file of sample ``sample_id``.

    Args:
        path (str): The file.
        sample_id (str): The sample, for error messages.
        flag (str): ``'color'`` for a 3-channel RGB image, ``'unchanged'``
            to keep the stored channels and bit depth. Defaults to
            'unchanged'.
        backend_args (dict, optional): File backend arguments. Defaults to
            None.

    Returns:
        np.ndarray: ``(H, W)`` or ``(H, W, C)``; colour images in RGB order.
    """
    buf = np.frombuffer(read_bytes(path, sample_id, backend_args), np.uint8)
    if buf.size == 0:
        raise ValueError(f'sample {sample_id!r}: image file {path} is empty (0 bytes); expected '
                         'a PNG or JPEG image')
    cv2_flag = cv2.IMREAD_COLOR if flag == 'color' else cv2.IMREAD_UNCHANGED
    img = cv2.imdecode(buf, cv2_flag)
    if img is None:
        raise ValueError(f'sample {sample_id!r}: cannot decode image file {path}')
    if img.ndim == 3:
        # OpenCV decodes to BGR(A); the datasets store RGB.
        img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB if img.shape[2] == 3 else cv2.COLOR_BGRA2RGBA)
    return img


def read_npy(path: str, sample_id: str, backend_args: Optional[dict] = None) -> np.ndarray:
    """Load a ``.npy`` array of sample ``sample_id`` (no pickles)."""
    try:
        return np.load(io.BytesIO(read_bytes(path, sample_id, backend_args)), allow_pickle=False)
    except ValueError as e:
        raise ValueError(f'sample {sample_id!r}: cannot read .npy file {path}: {e}') from None


def read_mat(path: str, sample_id: str, backend_args: Optional[dict] = None) -> dict:
    """Load a MATLAB ``.mat`` file of sample ``sample_id`` into a dict."""
    try:
        return scipy.io.loadmat(io.BytesIO(read_bytes(path, sample_id, backend_args)))
    except (ValueError, TypeError, NotImplementedError, MatReadError, OSError, EOFError) as e:
        raise ValueError(f'sample {sample_id!r}: cannot read .mat file {path} ({e}); expected '
                         'a MATLAB (v5 to v7.2) file written by savemat') from None


#: Fields of the PASCAL-Part ``anno`` struct, of its objects and of their parts.
PASCAL_PART_FIELDS = dict(
    anno=('imname', 'objects'),
    object=('class', 'class_ind', 'mask', 'parts'),
    part=('part_name', 'mask'))


def read_pascal_part_mat(path: str, sample_id: str, backend_args: Optional[dict] = None) -> dict:
    """Load a PASCAL-Part ``.mat`` file and check the layout of its ``anno``.

    ``loadmat(f)['anno'][0][0][1][0]`` must be the object list, each object
    a struct whose first fields are :data:`PASCAL_PART_FIELDS` ``['object']``
    and whose ``parts`` is empty or a struct array of ``['part']``.

    Returns:
        dict: The file's variables, as :func:`read_mat`.

    Raises:
        ValueError: Naming the file and the first field out of place.
    """
    mat = read_mat(path, sample_id, backend_args)

    def fields_of(array):
        return tuple(getattr(getattr(array, 'dtype', None), 'names', None) or ())

    def refuse(what: str, found) -> None:
        raise ValueError(f'sample {sample_id!r}: {path} is not a PASCAL-Part annotation: {what} '
                         f'has fields {found}, expected {PASCAL_PART_FIELDS[what.split()[0]]}')

    anno = mat.get('anno')
    if anno is None or anno.size != 1 or fields_of(anno)[:2] != PASCAL_PART_FIELDS['anno']:
        refuse('anno', fields_of(anno) if anno is not None else 'none (no anno variable)')
    objects = anno[0][0][1]
    if objects.size and fields_of(objects)[:4] != PASCAL_PART_FIELDS['object']:
        refuse('object list', fields_of(objects))
    for i, obj in enumerate(objects.ravel()):
        parts = obj[3]
        if parts.size and fields_of(parts)[:2] != PASCAL_PART_FIELDS['part']:
            refuse(f'part list of object {i}', fields_of(parts))
    return mat


def check_label(label: np.ndarray,
                path: str,
                sample_id: str,
                shape: tuple,
                dtype: Union[str, type],
                channels: Optional[int] = None) -> None:
    """Check a label array before it is interpreted.

    Args:
        label (np.ndarray): The array read from ``path``.
        path (str): The file, for error messages.
        sample_id (str): The sample, for error messages.
        shape (tuple): Expected ``(H, W)``: the size of the sample's image.
        dtype (str | type): The exact dtype (e.g. ``np.uint8``), or
            ``'float'`` / ``'integer'`` for any floating / integer type.
        channels (int, optional): Expected channels of an ``(H, W, C)``
            array; None for a single-channel ``(H, W)`` array. Defaults to
            None.

    Raises:
        ValueError: when the channels, size or dtype differ.
    """
    want_ndim = 2 if channels is None else 3
    if label.ndim != want_ndim or (channels is not None and label.shape[2] != channels):
        want = '(H, W)' if channels is None else f'(H, W, {channels})'
        raise ValueError(f'sample {sample_id!r}: {path} has shape {label.shape}, expected {want}')
    if label.shape[:2] != tuple(shape[:2]):
        raise ValueError(f'sample {sample_id!r}: {path} is {label.shape[0]}x{label.shape[1]} but '
                         f'its image is {shape[0]}x{shape[1]}')
    if isinstance(dtype, str):
        ok = np.issubdtype(label.dtype, {'float': np.floating, 'integer': np.integer}[dtype])
        want = {'float': 'a floating-point type', 'integer': 'an integer type'}[dtype]
    else:
        ok = label.dtype == dtype
        want = str(np.dtype(dtype))
    if not ok:
        raise ValueError(f'sample {sample_id!r}: {path} has dtype {label.dtype}, expected {want}')


def check_values(label: np.ndarray, allowed: np.ndarray, path: str, sample_id: str,
                 expected: str) -> None:
    """Check that a uint8 or uint16 label only holds ``allowed`` values.

    Args:
        label (np.ndarray): Unsigned integer label.
        allowed (np.ndarray): Boolean lookup table, ``allowed[v]`` is True
            for every valid value ``v``.
        path (str): The file, for error messages.
        sample_id (str): The sample, for error messages.
        expected (str): The valid values in words, for error messages.

    Raises:
        ValueError: naming the unexpected values.
    """
    counts = np.bincount(label.ravel(), minlength=len(allowed))
    bad = np.flatnonzero(counts[:len(allowed)] * ~allowed)
    bad = np.concatenate([bad, np.flatnonzero(counts[len(allowed):]) + len(allowed)])
    if bad.size:
        raise ValueError(f'sample {sample_id!r}: {path} holds values {bad[:10].tolist()} '
                         f'({int(counts[bad].sum())} pixels); expected {expected}')
