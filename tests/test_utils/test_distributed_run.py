"""end_distributed_run: the default process group destroyed at the end of a run."""
import torch.distributed as dist

from msm_mm.utils import end_distributed_run


def test_the_process_group_is_destroyed_and_none_is_left_alone(tmp_path):
    end_distributed_run()  # no group: nothing to do
    dist.init_process_group('gloo', init_method=f'file://{tmp_path / "store"}', rank=0,
                            world_size=1)
    assert dist.is_initialized()
    end_distributed_run()
    assert not dist.is_initialized()
