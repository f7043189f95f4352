#!/usr/bin/env bash
# Installs every Debian package sinkc needs to build, test and benchmark.
# Idempotent: apt-get skips what is already installed. LLVM/MLIR 22 comes from
# bookworm-security; never install LLVM 19 packages next to it (they remove 22).
set -euo pipefail

packages=(
  clang-22 lld-22 llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools
  libzstd-dev ninja-build cmake
  libonnx-dev libprotobuf-dev protobuf-compiler python3-onnx python3-numpy
  flatbuffers-compiler libflatbuffers-dev python3-flatbuffers
  libgtest-dev libgmock-dev libonnx-testdata clang-format-22
  # The tokenizer library (runtime/tokenizer, docs/tokenizers.md): Unicode
  # normalization and properties, Unicode-aware regexes, JSON.
  libicu-dev libpcre2-dev nlohmann-json3-dev
  # Cross-compiling (sinkc --target): clang and lld link against Debian's
  # cross C and C++ libraries, and the tests run the executables under qemu.
  # The cross GCC compilers (crossbuild-essential-*) are not needed.
  libc6-dev-arm64-cross libstdc++-12-dev-arm64-cross
  libc6-dev-armhf-cross libstdc++-12-dev-armhf-cross
  libc6-dev-riscv64-cross libstdc++-12-dev-riscv64-cross
  qemu-user-static
  # The HTML report test (sink-trace report) renders the page in headless
  # Chromium and checks the screenshot and the console.
  chromium
  # Trace.to_dataframe() of the Python reader, tested against sink-trace csv.
  python3-pandas python3-venv
  # docs/examples/recv_heatmap.py, the notebook-style example of the Python reader.
  python3-matplotlib
  # sink-trace plot --png renders the SVG figures with rsvg-convert.
  librsvg2-bin
  # tools/sink-batch's tests (test/e2e/cluster) start a throw-away Slurm
  # cluster on localhost: controller, node daemon, client commands, munge.
  # The tests use their own slurm.conf and munge key, never the system's.
  slurmctld slurmd slurm-client munge
)

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y "${missing[@]}"
else
  echo "install-deps: all Debian packages present"
fi
