"""What every benchmark record says about its run: the command that repeats
it (under ``torch.distributed.run`` when it ran there, after the GPUs it was
restricted to), the card, the CPUs it could use (compilation time depends on
them), the torch and Triton versions and the UTC day."""
import os
import os.path as osp
import sys
from datetime import datetime, timezone

import torch


def run_header(device: torch.device) -> dict:
    """The fields of a record that describe its run on ``device``."""
    launcher = osp.basename(sys.executable)
    if int(os.environ.get('WORLD_SIZE', 1)) > 1:
        per_node = os.environ.get('LOCAL_WORLD_SIZE', os.environ['WORLD_SIZE'])
        launcher += f' -m torch.distributed.run --nproc_per_node={per_node}'
    visible = os.environ.get('CUDA_VISIBLE_DEVICES')
    if visible is not None:
        launcher = f'CUDA_VISIBLE_DEVICES={visible} {launcher}'
    try:
        import triton
        triton_version = triton.__version__
    except ImportError:
        triton_version = None
    return dict(
        command=' '.join([launcher] + sys.argv),
        device=torch.cuda.get_device_name(device) if device.type == 'cuda' else 'cpu',
        cpus=len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count(),
        torch=torch.__version__, triton=triton_version,
        date=datetime.now(timezone.utc).date().isoformat())
