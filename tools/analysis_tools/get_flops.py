"""Count the parameters and FLOPs of a model config, FLOPs split as in the MSM
paper's Table 6: FLOPs^m (selective scan) and FLOPs^o (everything else).

FLOPs are counted fvcore-style (one multiply-add = one FLOP) by mmengine's
FlopAnalyzer; the selective scan gets its own handle,
``9 * B * L * D * N + B * D * L``.

Example:
    python tools/analysis_tools/get_flops.py configs/msm/msm_swin-l_nyud.py --shape 448 576
"""
import argparse
import time

import torch
import torch.nn as nn
from mmengine.analysis import FlopAnalyzer
from mmengine.analysis.jit_handles import get_shape
from mmengine.config import DictAction
from mmseg.registry import MODELS

from msm_mm.models.ops import selective_scan_flops
from msm_mm.utils import load_config

#: How the selective scan shows up in a traced graph, per backend.
SCAN_OPS = ('prim::PythonOp.SelectiveScanTorch', 'prim::PythonOp.SelectiveScanFn')


def scan_flop_handle(inputs, outputs) -> int:
    """FLOP handle for a traced selective scan: inputs are (u, delta, A, ...)."""
    batch, dim, length = get_shape(inputs[0])
    d_state = get_shape(inputs[2])[1]
    return selective_scan_flops(batch, dim, length, d_state)


class TaskOutputs(nn.Module):
    """Wrap a multi-task model so that tracing sees a tuple of tensors."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, x):
        return tuple(self.model(x, mode='tensor').values())


def count(model: nn.Module, shape, device='cpu') -> dict:
    """Parameters, scan FLOPs and other FLOPs of ``model`` on one image."""
    inputs = torch.randn(1, 3, *shape, device=device)
    analyzer = FlopAnalyzer(TaskOutputs(model), inputs)
    analyzer.set_op_handle(**{op: scan_flop_handle for op in SCAN_OPS})
    analyzer.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
    total = analyzer.total()
    scan = sum(v for k, v in analyzer.by_operator().items() if 'SelectiveScan' in k)
    return dict(params=sum(p.numel() for p in model.parameters()), flops_scan=scan,
                flops_other=total - scan, flops=total)


def parse_args():
    parser = argparse.ArgumentParser(description='Parameters and FLOPs of a model config')
    parser.add_argument('config', help='config file path')
    parser.add_argument('--shape', type=int, nargs=2, default=None, metavar=('H', 'W'),
                        help="input size; defaults to the config's crop_size")
    parser.add_argument('--device', default='cpu', help="where to trace, e.g. 'cuda'")
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings in the config, key=value')
    return parser.parse_args()


def main():
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options, also_read=['crop_size'])
    shape = args.shape or cfg.get('crop_size')
    if shape is None:
        raise SystemExit(f'{args.config} has no crop_size: pass --shape H W')
    # The scan runs on PyTorch here; the count does not depend on the backend.
    cfg.model.decode_head.scan_backend = 'torch'
    model = MODELS.build(cfg.model).to(args.device).eval()
    start = time.time()
    with torch.no_grad():
        result = count(model, tuple(shape), args.device)
    print(f'config:      {args.config}')
    print(f'input:       1x3x{shape[0]}x{shape[1]}')
    print(f'parameters:  {result["params"]:,}')
    print(f'FLOPs^m:     {result["flops_scan"] / 1e9:.2f} G (selective scan)')
    print(f'FLOPs^o:     {result["flops_other"] / 1e9:.2f} G (everything else)')
    print(f'FLOPs:       {result["flops"] / 1e9:.2f} G')
    print(f'(counted in {time.time() - start:.0f} s)')


if __name__ == '__main__':
    main()
