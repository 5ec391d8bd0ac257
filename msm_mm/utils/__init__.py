from .checkpoint_safe_globals import register_checkpoint_safe_globals
from .tool_config import add_common_arguments, load_tool_config

__all__ = ['register_checkpoint_safe_globals', 'add_common_arguments', 'load_tool_config']
