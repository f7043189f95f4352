#!/usr/bin/env bash
# Installs the Hugging Face tokenizers reference (npm package `tokenizers`, its
# Node binding with the prebuilt CPU binaries inside the package) into
# <repo>/.deps/tokenizers (git-ignored), for the tokenizer tests and
# bench/tokenizers.sh. Idempotent: does nothing when the pinned version is
# installed and loads.
#
#   scripts/install-tokenizers.sh            install if needed, then smoke-test
#   scripts/install-tokenizers.sh --check    only report whether it is usable
#   scripts/install-tokenizers.sh --force    reinstall even if present
set -euo pipefail

TOKENIZERS_VERSION=0.23.2
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="${SINKC_TOKENIZERS_DIR:-$repo/.deps/tokenizers}"
pkg="$dest/node_modules/tokenizers/package.json"

mode=install
case "${1:-}" in
  --check) mode=check ;;
  --force) mode=force ;;
  "") ;;
  *) echo "usage: $0 [--check|--force]" >&2; exit 2 ;;
esac

command -v node >/dev/null || { echo "install-tokenizers: node not found (need node >= 18)" >&2; exit 1; }
command -v npm >/dev/null || { echo "install-tokenizers: npm not found" >&2; exit 1; }

installed_version() {
  [ -f "$pkg" ] && node -e 'console.log(require(process.argv[1]).version)' "$pkg" 2>/dev/null || true
}

# Loads the native binding and encodes with a two-merge byte-level BPE.
smoke_test() {
  (cd "$dest" && node -e '
    const tk = require("tokenizers");
    const json = {version: "1.0", added_tokens: [], normalizer: null,
      pre_tokenizer: {type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true},
      post_processor: null,
      decoder: {type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true},
      model: {type: "BPE", vocab: {"a": 0, "b": 1, "ab": 2, "Ġ": 3, "Ġab": 4},
              merges: [["a", "b"], ["Ġ", "ab"]]}};
    tk.Tokenizer.fromString(JSON.stringify(json)).encode("ab ab").then((e) => {
      const ids = e.getIds().join(",");
      if (ids !== "2,4") { console.error("bad ids " + ids); process.exit(1); }
      console.log("tokenizers " + require("tokenizers/package.json").version + " ok (ids " + ids + ")");
    });
  ')
}

have="$(installed_version)"
if [ "$mode" = check ]; then
  if [ "$have" = "$TOKENIZERS_VERSION" ] && smoke_test; then exit 0; fi
  echo "install-tokenizers: tokenizers $TOKENIZERS_VERSION not usable in $dest (found: ${have:-none}); run scripts/install-tokenizers.sh" >&2
  exit 1
fi

if [ "$mode" = install ] && [ "$have" = "$TOKENIZERS_VERSION" ]; then
  echo "install-tokenizers: tokenizers $TOKENIZERS_VERSION already installed in $dest"
else
  echo "install-tokenizers: installing tokenizers@$TOKENIZERS_VERSION into $dest (found: ${have:-none})"
  mkdir -p "$dest"
  if [ ! -f "$dest/package.json" ]; then
    printf '{\n  "name": "sinkc-tokenizers-deps",\n  "private": true,\n  "description": "Hugging Face tokenizers reference for sinkc, installed by scripts/install-tokenizers.sh"\n}\n' > "$dest/package.json"
  fi
  # The package carries its native binaries for every platform (no
  # per-platform optional packages, no postinstall download).
  if ! npm install --prefix "$dest" --save-exact --no-audit --no-fund \
        --loglevel=error "tokenizers@$TOKENIZERS_VERSION"; then
    echo "install-tokenizers: npm install of tokenizers@$TOKENIZERS_VERSION failed" >&2
    exit 1
  fi
  have="$(installed_version)"
  if [ "$have" != "$TOKENIZERS_VERSION" ]; then
    echo "install-tokenizers: after npm install found version '${have:-none}', expected $TOKENIZERS_VERSION" >&2
    exit 1
  fi
  echo "install-tokenizers: installed tokenizers $have"
fi

if ! smoke_test; then
  echo "install-tokenizers: tokenizers $TOKENIZERS_VERSION is installed but does not load or encode" >&2
  exit 1
fi
