"""Which checkpoint of a work dir ``tools/train.py --resume`` continues from."""
import glob
import os.path as osp
import re
from typing import List, Optional, Tuple

from .safe_checkpoint_loader import checkpoint_file_problem

# The checkpoints CheckpointHook names by default: iter_<n>.pth / epoch_<n>.pth.
_CHECKPOINT_NAME = re.compile(r'^(iter|epoch)_(\d+)\.pth$')


def complete_checkpoints(folder: str) -> List[str]:
    """The complete ``iter_<n>.pth`` / ``epoch_<n>.pth`` files of ``folder``,
    newest (largest ``n``) first."""
    found = []
    for path in glob.glob(osp.join(folder, '*.pth')):
        match = _CHECKPOINT_NAME.match(osp.basename(path))
        if match and checkpoint_file_problem(path) is None:
            found.append((int(match.group(2)), path))
    return [path for _, path in sorted(found, reverse=True)]


def find_resume_checkpoint(work_dir: str) -> Tuple[Optional[str], Optional[str]]:
    """The checkpoint to resume from: the one ``last_checkpoint`` names, or
    when that one is missing or incomplete, the newest complete one.

    Args:
        work_dir (str): The work dir of the training.

    Returns:
        tuple[str | None, str | None]: The checkpoint (None when the work
        dir has no complete one) and, when it is not the one
        ``last_checkpoint`` names, why, in words (None otherwise).
    """
    pointer = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(pointer):
        with open(pointer) as f:
            latest = f.read().strip()
        problem = checkpoint_file_problem(latest)
        if problem is None:
            return latest, None
        why = f'the latest checkpoint {latest} (named by {pointer}) cannot be read: {problem}'
    else:
        why = f'{work_dir} has no last_checkpoint file'
    candidates = complete_checkpoints(work_dir)
    if not candidates:
        return None, f'{why}, and no complete checkpoint'
    return candidates[0], f'{why}; using {candidates[0]}, the newest complete checkpoint'
