#!/usr/bin/env bash
# Fails if any C++ source of the repository is not clang-format clean (LLVM
# style, .clang-format). ctest runs it as `clang-format`; fix with
#   git ls-files '*.cpp' '*.h' | xargs clang-format-22 -i
set -euo pipefail
cd "$(dirname "$0")/.."
CLANG_FORMAT=${CLANG_FORMAT:-clang-format-22}
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files '*.cpp' '*.h')
else
  mapfile -t files < <(find include lib runtime tools fuzz test bench \
    -name '*.cpp' -o -name '*.h' | sort)
fi
"$CLANG_FORMAT" --dry-run -Werror "${files[@]}"
echo "clang-format: ${#files[@]} files clean"
