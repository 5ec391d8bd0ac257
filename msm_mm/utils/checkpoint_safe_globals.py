"""Let torch's safe (weights-only) loader read the checkpoints mmengine writes.

torch >= 2.6 loads checkpoints with ``weights_only=True``, which refuses every
class not on its allow-list; mmengine 0.10.7 stores its message hub
(:class:`HistoryBuffer` of numpy arrays and scalars) in every checkpoint, so
``load_checkpoint`` and ``resume`` fail. Allow-listing exactly those classes
keeps the safe loader on: loading a checkpoint still never runs arbitrary code.
"""
import builtins

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer


def _numpy_reconstructors():
    """numpy's pickle helpers, named by both their numpy 2 and numpy 1 paths
    (a checkpoint written under either numpy must load under the other)."""
    try:
        from numpy._core import multiarray
    except ImportError:  # numpy 1
        from numpy.core import multiarray
    return [(fn, f'{path}.{fn.__name__}') for fn in (multiarray._reconstruct, multiarray.scalar)
            for path in ('numpy._core.multiarray', 'numpy.core.multiarray')]


def register_checkpoint_safe_globals() -> None:
    """Add the classes of mmengine's checkpoints to torch's safe globals."""
    if not hasattr(torch.serialization, 'add_safe_globals'):  # torch < 2.4: nothing to do
        return
    dtype_classes = [type(np.dtype(t)) for t in np.sctypeDict.values()]
    torch.serialization.add_safe_globals([
        HistoryBuffer, np.ndarray, np.dtype, builtins.getattr, *_numpy_reconstructors(),
        *set(dtype_classes)
    ])
