"""Let torch's safe (weights-only) loader read the checkpoints mmengine writes.

torch's weights-only unpickler refuses every class and function not on its
allow-list. mmengine 0.10.7 stores its message hub (:class:`HistoryBuffer`
of numpy arrays and scalars) in every checkpoint, so this module allow-lists
exactly what that content needs: ``HistoryBuffer``, ``numpy.ndarray``,
``numpy.dtype`` and its per-type classes, and numpy's two array / scalar
reconstructors.

A pickled ``HistoryBuffer`` also names its statistics methods as
``getattr(HistoryBuffer, 'mean')`` (and ``min``, ``max``, ``current``).
``builtins.getattr`` itself is NOT allow-listed: with it a pickle reaches
any attribute of any allowed object, and from there ``eval``. The name
``builtins.getattr`` is bound to :func:`history_buffer_statistic` instead,
which returns those four methods and refuses everything else.
"""
import pickle
from typing import Any

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer

#: The statistics methods a pickled ``HistoryBuffer`` refers to by name.
HISTORY_BUFFER_STATISTICS = ('min', 'max', 'current', 'mean')


def history_buffer_statistic(owner: Any, name: Any) -> Any:
    """What ``getattr`` may do inside a checkpoint: look up a built-in
    statistics method of :class:`HistoryBuffer`.

    Args:
        owner: The object the pickle asks an attribute of.
        name: The attribute's name.

    Returns:
        function: ``HistoryBuffer.<name>``.

    Raises:
        pickle.UnpicklingError: For any other object or name.
    """
    if owner is not HistoryBuffer or name not in HISTORY_BUFFER_STATISTICS:
        # the pickle's `getattr` is this function: name it as the pickle does
        owner = 'getattr' if owner is history_buffer_statistic else repr(owner)
        raise pickle.UnpicklingError(
            f'getattr({owner}, {name!r}) refused: a checkpoint may only look up the statistics '
            f'methods {HISTORY_BUFFER_STATISTICS} of HistoryBuffer.')
    return getattr(HistoryBuffer, name)


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
    """Add what mmengine's checkpoints hold to torch's safe globals."""
    dtype_classes = {type(np.dtype(t)) for t in np.sctypeDict.values()}
    torch.serialization.add_safe_globals([
        HistoryBuffer, np.ndarray, np.dtype, (history_buffer_statistic, 'builtins.getattr'),
        *_numpy_reconstructors(), *dtype_classes
    ])
