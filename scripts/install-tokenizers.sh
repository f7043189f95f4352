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

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/npm-reference.sh
source "$repo/scripts/lib/npm-reference.sh"

tool=install-tokenizers
package=tokenizers
version=0.23.2
description="Hugging Face tokenizers reference for sinkc, installed by scripts/install-tokenizers.sh"
dest="${SINKC_TOKENIZERS_DIR:-$repo/.deps/tokenizers}"
# The package carries its native binaries for every platform (no
# per-platform optional packages, no postinstall download).
npm_env=()

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

npm_reference_main "$@"
