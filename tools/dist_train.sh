#!/usr/bin/env bash
# Train on GPUS processes of this machine (or of several, with NNODES/NODE_RANK/MASTER_ADDR)
# through torch.distributed. Usage: bash tools/dist_train.sh CONFIG GPUS [train.py options]
# On a machine without GPUs the processes use the gloo backend on the CPU.
CONFIG=$1
GPUS=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}
if [ -z "$CONFIG" ] || [ -z "$GPUS" ]; then
  echo "usage: bash $0 CONFIG GPUS [train.py options]" >&2; exit 2
fi
PYTHONPATH="$(dirname "$0")/..":$PYTHONPATH \
python -m torch.distributed.run \
    --nnodes=$NNODES --node_rank=$NODE_RANK --master_addr=$MASTER_ADDR \
    --nproc_per_node=$GPUS --master_port=$PORT \
    "$(dirname "$0")/train.py" "$CONFIG" --launcher pytorch "${@:3}"
