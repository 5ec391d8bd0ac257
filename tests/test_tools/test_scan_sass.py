"""tools/analysis_tools/scan_sass.py: the Triton cross-scan kernels compiled
for sm_90 on the CPU, and their machine code counted."""
import json
import os
import os.path as osp
import subprocess
import sys

import pytest

triton = pytest.importorskip('triton')
ROOT = osp.join(osp.dirname(__file__), '..', '..')
SCRIPT = osp.join(ROOT, 'tools', 'analysis_tools', 'scan_sass.py')
CUOBJDUMP = osp.join(osp.dirname(triton.__file__), 'backends', 'nvidia', 'bin', 'cuobjdump')


needs_cuobjdump = pytest.mark.skipif(not os.access(CUOBJDUMP, os.X_OK),
                                     reason='Triton without cuobjdump')


def counted_kernels(out, *options):
    """The tool's kernels at 192 channels on a 40x36 map: the sequence splits
    into segments of 9 chunks, so that every kernel variant runs, each with
    its chunk loop."""
    env = {k: v for k, v in os.environ.items() if k != 'TRITON_INTERPRET'}
    result = subprocess.run(
        [sys.executable, SCRIPT, '--height', '40', '--width', '36', '--out', str(out), *options],
        capture_output=True, text=True, env=dict(env, OMP_NUM_THREADS='1'))
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(out.read_text())['kernels']


@needs_cuobjdump
def test_every_kernel_variant_is_compiled_and_counted(tmp_path):
    kernels = counted_kernels(tmp_path / 'sass.json')
    variants = {(k['kernel'], k['constexprs'].get('SUMMARY'), k['constexprs'].get('WRITE_Y'),
                 k['constexprs'].get('WRITE_STATES')): k for k in kernels}
    forward_loops = []
    for key in [('_cross_scan_fwd_kernel', True, False, False),
                ('_cross_scan_fwd_kernel', False, True, False),
                ('_cross_scan_fwd_kernel', False, False, True),
                ('_cross_scan_bwd_kernel', True, None, None)]:
        counts = variants.pop(key)
        assert 0 < counts['registers'] <= 255 and counts['mufu'] > 0
        assert 0 < counts['loop_instructions'] < counts['instructions']
        assert sum(counts['loop_opcodes'].values()) == counts['loop_instructions']
        forward_loops.append(counts['loop_instructions'])
    gradients = variants.pop(('_cross_scan_bwd_kernel', False, None, None))
    assert variants == {}
    # the gradient kernel's chunk does the most work, and it sums over channels
    # (dB) across lanes
    assert gradients['loop_instructions'] > max(forward_loops)
    assert gradients['shuffles'] > 0
    # the loop's opcodes: its shuffles and exponentials are among the kernel's
    opcodes = gradients['loop_opcodes']
    assert sum(opcodes.values()) == gradients['loop_instructions']
    assert 0 < opcodes['SHFL'] <= gradients['shuffles'] and 0 < opcodes['MUFU'] <= gradients['mufu']
    per_chunk = 8 * 16 * 8  # BLOCK_T * N * BLOCK_D state updates
    assert gradients['loop_per_32_updates'] == pytest.approx(
        gradients['loop_instructions'] * gradients['num_warps'] * 32 / per_chunk, abs=0.01)


@needs_cuobjdump
def test_tile_options_reach_the_kernels(tmp_path):
    kernels = counted_kernels(tmp_path / 'sass.json', '--bwd-tiles', '4', '1', '1')
    # the backward's passes, its states pass (a forward kernel) included, take its tiles
    channels = {(k['kernel'], bool(k['constexprs'].get('WRITE_STATES')),
                 k['constexprs']['BLOCK_D']) for k in kernels}
    assert channels == {('_cross_scan_fwd_kernel', False, 8), ('_cross_scan_fwd_kernel', True, 4),
                        ('_cross_scan_bwd_kernel', False, 4)}
