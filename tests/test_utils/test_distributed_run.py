"""end_distributed_run: the default process group destroyed at the end of a run."""
import os
import subprocess
import sys

import torch.distributed as dist

from msm_mm.utils import end_distributed_run


def test_the_process_group_is_destroyed_and_none_is_left_alone(tmp_path):
    end_distributed_run()  # no group: nothing to do
    dist.init_process_group('gloo', init_method=f'file://{tmp_path / "store"}', rank=0,
                            world_size=1)
    assert dist.is_initialized()
    end_distributed_run()
    assert not dist.is_initialized()


# a fresh interpreter, as a run: the package imported before the group exists,
# then a DistributedDataParallel model dropped before the end of the run
FREED = r'''
import sys, weakref
import torch
import torch.distributed as dist
from msm_mm.utils import end_distributed_run
dist.init_process_group('gloo', init_method='file://' + sys.argv[1], rank=0, world_size=1)
group = weakref.ref(dist.group.WORLD)
model = torch.nn.parallel.DistributedDataParallel(torch.nn.Linear(2, 3))
model(torch.randn(4, 2)).sum().backward()
model.cycle = model  # a reference cycle, as a runner holds its model in
del model
end_distributed_run()
print('group freed' if group() is None else 'group alive')
'''


def test_the_process_group_is_freed_before_the_interpreter_exits(tmp_path):
    """Not left for interpreter finalization, where gloo's threads can abort
    the process."""
    result = subprocess.run([sys.executable, '-c', FREED, str(tmp_path / 'store')],
                            capture_output=True, text=True, timeout=300,
                            env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == 'group freed', result.stdout + result.stderr
