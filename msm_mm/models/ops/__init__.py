import functools
import hashlib
import os.path as osp

from .selective_scan import (SCAN_BACKENDS, mamba_ssm_available, selective_scan,
                             selective_scan_flops, selective_scan_reference)

# the modules that register custom operators (torch.library)
OPERATOR_MODULES = ('cross_selective_scan.py', )


@functools.lru_cache(maxsize=None)
def operators_digest() -> str:
    """A digest of the source of the modules in :data:`OPERATOR_MODULES`:
    their kernels, fake implementations and autograd formulas, which compile
    caches do not see (a compiled graph names an operator only)."""
    digest = hashlib.sha256()
    for name in OPERATOR_MODULES:
        with open(osp.join(osp.dirname(__file__), name), 'rb') as f:
            digest.update(f.read())
    return digest.hexdigest()[:16]


__all__ = [
    'SCAN_BACKENDS', 'mamba_ssm_available', 'selective_scan', 'selective_scan_flops',
    'selective_scan_reference', 'OPERATOR_MODULES', 'operators_digest'
]
