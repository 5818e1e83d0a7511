"""AI copy for profiles: validated bio and album lines from the offline writer or Bedrock."""
from .copy import Copy, CopyFailed, ModelUnavailable
from .prompt import data_for_prompt
from .validate import lines_from_tool, validate_copy
from .writers import write_copy

__all__ = ["Copy", "CopyFailed", "ModelUnavailable", "data_for_prompt", "lines_from_tool", "validate_copy",
           "write_copy"]
