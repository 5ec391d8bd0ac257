#!/usr/bin/env bash
# Installs msm_mm and its OpenMMLab stack into the current Python environment.
#
# Usage:
#     bash tools/install.sh            # CPU set-up (any machine)
#     bash tools/install.sh --cuda     # also mamba-ssm's CUDA selective scan (needs nvcc)
#
# Idempotent: each step checks first and says what it does. mmcv 2.1.0 has no wheel for
# this torch, so it is built once from its sdist (about 10 minutes on 2 cores) and the
# built wheel is cached in $MSM_MM_CACHE (default ~/.cache/msm_mm) for later installs.
set -euo pipefail

PY=${PYTHON:-python3}
CACHE=${MSM_MM_CACHE:-$HOME/.cache/msm_mm}
WHEELS=$CACHE/wheels
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CUDA=0
for arg in "$@"; do
  case $arg in
    --cuda) CUDA=1 ;;
    *) echo "install.sh: unknown option '$arg' (expected --cuda)" >&2; exit 2 ;;
  esac
done
say() { echo "[install] $*"; }
pip_install() { "$PY" -m pip install --disable-pip-version-check -q "$@"; }
have() { "$PY" -c "$1" >/dev/null 2>&1; }
mkdir -p "$WHEELS"

say "python: $("$PY" --version 2>&1) at $(command -v "$PY")"

if have "import torch, torchvision; assert torch.__version__.startswith('2.14.1') and torchvision.__version__.startswith('0.29.1')"; then
  say "torch 2.14.1 / torchvision 0.29.1 already installed"
else
  say "installing torch 2.14.1 + torchvision 0.29.1"
  pip_install torch==2.14.1 torchvision==0.29.1
fi

# mmcv's setup.py imports pkg_resources (gone in setuptools 81) and needs wheel.
pip_install "setuptools<81" wheel ninja

if have "import mmcv, mmcv.ops; assert mmcv.__version__ == '2.1.0'"; then
  say "mmcv 2.1.0 with compiled ops already installed"
else
  wheel=$(ls "$WHEELS"/mmcv-2.1.0-*.whl 2>/dev/null | head -n 1 || true)
  if [ -z "$wheel" ]; then
    say "building mmcv 2.1.0 with ops from source (once; ~10 min on 2 cores, log in $CACHE/mmcv_build.log)"
    src=$(mktemp -d)
    "$PY" -m pip download --disable-pip-version-check -q --no-deps --no-binary :all: mmcv==2.1.0 -d "$src"
    tar xzf "$src"/mmcv-2.1.0.tar.gz -C "$src"
    # torch >= 2.14 headers need C++20; mmcv 2.1.0 hard-codes C++17.
    sed -i 's/-std=c++17/-std=c++20/g' "$src"/mmcv-2.1.0/setup.py
    pip_install mmengine==0.10.7 addict yapf opencv-python-headless
    if ! (cd "$src"/mmcv-2.1.0 && MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)} FORCE_CUDA=0 CUDA_VISIBLE_DEVICES= \
          "$PY" -m pip wheel --disable-pip-version-check -q --no-build-isolation --no-deps -w "$src"/dist . \
          > "$CACHE"/mmcv_build.log 2>&1); then
      tail -n 30 "$CACHE"/mmcv_build.log >&2
      echo "install.sh: mmcv build failed, full log: $CACHE/mmcv_build.log" >&2
      exit 1
    fi
    # Debug symbols make the wheel 32 MB; stripped it is ~1.4 MB.
    (cd "$src"/dist && mkdir x && cd x && "$PY" -m wheel unpack ../mmcv-2.1.0-*.whl >/dev/null \
      && find . -name '*.so' -exec strip --strip-debug {} + && "$PY" -m wheel pack -d "$WHEELS" mmcv-2.1.0 >/dev/null)
    rm -rf "$src"
    wheel=$(ls "$WHEELS"/mmcv-2.1.0-*.whl | head -n 1)
    say "cached $wheel"
  else
    say "using cached mmcv wheel $wheel"
  fi
  pip_install --no-deps --force-reinstall "$wheel"
fi

say "installing mmengine, mmsegmentation, mmpretrain and msm_mm (editable)"
pip_install -e "$ROOT[tests]"

if [ "$CUDA" = 1 ]; then
  if have "import mamba_ssm.ops.selective_scan_interface as s; s.selective_scan_cuda"; then
    say "mamba-ssm with CUDA kernel already installed"
  else
    say "building mamba-ssm 2.3.2.post1 with its CUDA kernel (needs nvcc; several minutes)"
    MAMBA_FORCE_BUILD=TRUE pip_install --no-build-isolation mamba-ssm==2.3.2.post1
  fi
fi

"$PY" - <<'PYEOF'
import mmcv, mmcv.ops, mmengine, mmseg, mmpretrain, torch
import msm_mm
print(f'[install] ready: torch {torch.__version__}, mmcv {mmcv.__version__} (ops), '
      f'mmengine {mmengine.__version__}, mmseg {mmseg.__version__}, '
      f'mmpretrain {mmpretrain.__version__}, msm_mm {msm_mm.__version__}')
PYEOF
