from .checkpoint_safe_globals import register_checkpoint_safe_globals
from .distributed_run import end_distributed_run
from .resume_checkpoint import complete_checkpoints, find_resume_checkpoint
from .safe_checkpoint_loader import (add_unsafe_load_argument, checkpoint_file_problem,
                                     checkpoint_state_dict, load_from_local_weights_only,
                                     register_safe_checkpoint_loader)
from .task_check import check_tasks_match
from .tool_config import add_common_arguments, load_config, load_tool_config

__all__ = [
    'register_checkpoint_safe_globals', 'register_safe_checkpoint_loader',
    'add_unsafe_load_argument', 'checkpoint_file_problem', 'checkpoint_state_dict',
    'load_from_local_weights_only',
    'complete_checkpoints',
    'find_resume_checkpoint', 'check_tasks_match', 'add_common_arguments', 'load_config',
    'load_tool_config', 'end_distributed_run'
]
