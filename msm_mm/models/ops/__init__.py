from .selective_scan import (SCAN_BACKENDS, mamba_ssm_available, selective_scan,
                             selective_scan_flops, selective_scan_reference)

__all__ = [
    'SCAN_BACKENDS', 'mamba_ssm_available', 'selective_scan', 'selective_scan_flops',
    'selective_scan_reference'
]
