"""The end of a run started by ``torch.distributed.run``."""
import gc

# imported before any process group exists: importing it records the objects
# of torch's modules, a process group among them, for good
import torch._dynamo  # noqa: F401
import torch.distributed as dist


def end_distributed_run() -> None:
    """Destroy the default process group, if one was initialised, so that
    its backend's threads stop while the interpreter runs: a group still
    alive at interpreter exit is destroyed during finalization, where gloo's
    threads can abort the process. Callers drop what holds the group (a
    runner, its DistributedDataParallel model) first; this collects their
    reference cycles."""
    if dist.is_available() and dist.is_initialized():
        gc.collect()
        dist.destroy_process_group()
