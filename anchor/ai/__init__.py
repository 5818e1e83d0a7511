"""AI copy for profiles: validated bio and album lines from the offline writer or Bedrock."""
from .copy import Copy, CopyFailed, data_for_prompt, write_copy
from .validate import lines_from_tool, validate_copy

__all__ = ["Copy", "CopyFailed", "data_for_prompt", "lines_from_tool", "validate_copy",
           "write_copy"]
