# -*- Python -*-
import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "SINKC"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test", ".onnxtxt"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.sinkc_obj_root, "test")
# Excludes match a directory name at any depth: "models" here once hid
# test/e2e/models as well as the model files; test/models has a
# lit.local.cfg that finds no tests instead.
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "unit",
                   "lib", "Inputs"]

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.sinkc_tools_dir, append_path=True)

tools = [ToolSubst("sinkc-opt", unresolved="fatal")]
for optional_tool in ["sinkc", "sink-trace", "sink-batch"]:
    tools.append(ToolSubst(optional_tool, unresolved="ignore"))
llvm_config.add_tool_substitutions(tools, [config.sinkc_tools_dir,
                                           config.llvm_tools_dir])

# Test helpers: the Debian python has onnx and numpy; the first python3 on
# PATH may not.
config.substitutions.append(("%python", config.python_executable))
config.substitutions.append(("%models", os.path.join(config.sinkc_src_root,
                                                     "test", "models")))
config.substitutions.append(("%testlib", os.path.join(config.sinkc_src_root,
                                                      "test", "lib")))
