"""Read local checkpoint files with torch's weights-only loader, with errors
that name the file.

Registered as mmengine's loader of local paths, so ``tools/test.py``,
``load_from``, ``resume`` and :func:`msm_mm.apis.init_model` all read
checkpoints here: ``weights_only=True`` is passed explicitly (the
environment variable ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD`` cannot turn it
off), and what the unpickler may build is the allow-list of
:mod:`msm_mm.utils.checkpoint_safe_globals`.
"""
import argparse
import os.path as osp
import pickle
import zipfile
from typing import Dict, Optional

import torch
from mmengine.runner import CheckpointLoader

# The first bytes of torch's two checkpoint formats: a zip archive (torch >= 1.6)
# or a pickle (protocol 2, the legacy format).
_ZIP_MAGIC = b'PK\x03\x04'
_PICKLE_MAGIC = b'\x80'
# torch marks a refused file by this opening of its message, and advises
# allow-listing what was refused, which is left out of the error here.
_REFUSAL_OPENING = 'Weights only load failed'
_ALLOW_LIST_ADVICE = ' Please use `torch.serialization.add_safe_globals'


def checkpoint_file_problem(filename: str) -> Optional[str]:
    """What makes ``filename`` unreadable as a checkpoint, found cheaply.

    Checks that the file exists, is not empty, starts like a torch
    checkpoint and, for the zip format, is complete (a file cut off while
    being written has no zip directory). The objects inside are not read.

    Args:
        filename (str): The checkpoint file.

    Returns:
        str | None: The problem in words, None when the file looks complete.
    """
    if not osp.isfile(filename):
        return 'the file does not exist'
    if osp.getsize(filename) == 0:
        return 'the file is empty (0 bytes)'
    with open(filename, 'rb') as f:
        head = f.read(len(_ZIP_MAGIC))
    if head == _ZIP_MAGIC:
        try:
            with zipfile.ZipFile(filename) as archive:
                archive.infolist()
        except zipfile.BadZipFile:
            return 'the file is truncated (its zip directory is missing)'
        return None
    if not head.startswith(_PICKLE_MAGIC):
        return f'the file is not a torch checkpoint (it starts with {head!r})'
    return None


def _refusal_reason(error: pickle.UnpicklingError) -> str:
    """The unpickler's reason for refusing a file: the error torch's message
    wraps (with its advice to load the file unsafely), without the advice to
    allow-list what was refused."""
    reason = str(error.__context__ or error)
    return reason.split(_ALLOW_LIST_ADVICE)[0].strip().rstrip('.') + '.'


def load_from_local_weights_only(filename: str, map_location=None) -> dict:
    """Load a local checkpoint without running code stored in it.

    Args:
        filename (str): The checkpoint file (``~`` is expanded).
        map_location: As in :func:`torch.load`. Defaults to None.

    Returns:
        dict: The loaded checkpoint.

    Raises:
        FileNotFoundError: When the file does not exist.
        ValueError: When it is empty, truncated or not a torch checkpoint.
        pickle.UnpicklingError: When it holds anything but tensors, plain
            containers and the numpy / mmengine values of mmengine's
            checkpoints (such a file asks to run code: it is refused).
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint not found: {filename}')
    expected = 'expected a complete checkpoint written by torch.save'
    problem = checkpoint_file_problem(filename)
    if problem is not None:
        raise ValueError(f'cannot read checkpoint {filename}: {problem}; {expected}')
    try:
        return torch.load(filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as e:
        if _REFUSAL_OPENING not in str(e):
            raise ValueError(f'cannot read checkpoint {filename}: {e}; {expected}') from None
        raise pickle.UnpicklingError(
            f'refused checkpoint {filename}: {_refusal_reason(e)} A checkpoint may only '
            'hold tensors, plain containers and the numpy / mmengine values of mmengine '
            'checkpoints; nothing in the file was run.') from None
    except (EOFError, KeyError) as e:
        raise ValueError(f'cannot read checkpoint {filename}: the file is truncated or not a '
                         f'checkpoint ({type(e).__name__}: {e}); {expected}') from None


def add_unsafe_load_argument(parser: argparse.ArgumentParser) -> None:
    """Add the model converters' ``--unsafe-load`` flag (``args.unsafe_load``),
    which makes :func:`checkpoint_state_dict` load without the safe loader."""
    parser.add_argument(
        '--unsafe-load', action='store_true',
        help='load SRC with weights_only=False (runs code stored in the file: only for files '
        'from a source you trust, when the safe loader refuses SRC)')


def checkpoint_state_dict(path: str, weights_only: bool = True) -> Dict[str, torch.Tensor]:
    """The state dict of a checkpoint file, for the model converters: its
    ``model`` / ``state_dict`` entry, or the file itself.

    Args:
        path (str): The checkpoint file.
        weights_only (bool): Load with torch's safe loader. False runs code
            stored in the file: only for files from a trusted source.
            Defaults to True.
    """
    checkpoint = torch.load(path, map_location='cpu', weights_only=weights_only)
    for entry in ('model', 'state_dict'):
        if isinstance(checkpoint, dict) and entry in checkpoint:
            return checkpoint[entry]
    return checkpoint


def register_safe_checkpoint_loader() -> None:
    """Make :func:`load_from_local_weights_only` mmengine's loader of local
    files (mmengine logs it as the ``local_weights_only`` backend)."""
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_from_local_weights_only, force=True)
