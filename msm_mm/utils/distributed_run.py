"""The end of a run started by ``torch.distributed.run``."""
import torch.distributed as dist


def end_distributed_run() -> None:
    """Destroy the default process group, if one was initialised, so that
    its backend's threads stop before the interpreter exits (PyTorch asks
    runs to do so; NCCL warns otherwise)."""
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
