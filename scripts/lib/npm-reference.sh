# Sourced by scripts/install-ort.sh and scripts/install-tokenizers.sh: installs
# one pinned npm package, a reference implementation the tests compare against,
# into a private prefix under .deps (git-ignored), and smoke-tests it.
# Idempotent: nothing is installed when the pinned version is present and its
# smoke test passes.
#
# The caller sets
#   tool         the message prefix (the script's name)
#   package      the npm package
#   version      its pinned version
#   dest         the install prefix
#   description  the "description" of the prefix's package.json
#   npm_env      (optional array) VAR=value settings for `npm install`
# defines smoke_test (loads the package from $dest and runs it on a tiny
# input; its output is printed) and calls npm_reference_main "$@":
#
#   SCRIPT            install if needed, then smoke-test
#   SCRIPT --check    only report whether it is usable (exit 1 if not)
#   SCRIPT --force    reinstall even if present

npm_reference_installed_version() {
  local pkg="$dest/node_modules/$package/package.json"
  [ -f "$pkg" ] && node -e 'console.log(require(process.argv[1]).version)' "$pkg" 2>/dev/null || true
}

npm_reference_main() {
  local mode=install
  case "${1:-}" in
    --check) mode=check ;;
    --force) mode=force ;;
    "") ;;
    *) echo "usage: $0 [--check|--force]" >&2; exit 2 ;;
  esac

  command -v node >/dev/null || { echo "$tool: node not found (need node >= 18)" >&2; exit 1; }
  command -v npm >/dev/null || { echo "$tool: npm not found" >&2; exit 1; }

  local have
  have="$(npm_reference_installed_version)"
  if [ "$mode" = check ]; then
    if [ "$have" = "$version" ] && smoke_test; then exit 0; fi
    echo "$tool: $package $version not usable in $dest (found: ${have:-none}); run scripts/$tool.sh" >&2
    exit 1
  fi

  if [ "$mode" = install ] && [ "$have" = "$version" ]; then
    echo "$tool: $package $version already installed in $dest"
  else
    echo "$tool: installing $package@$version into $dest (found: ${have:-none})"
    mkdir -p "$dest"
    if [ ! -f "$dest/package.json" ]; then
      printf '{\n  "name": "sinkc-%s-deps",\n  "private": true,\n  "description": "%s"\n}\n' \
        "$package" "$description" > "$dest/package.json"
    fi
    if ! env "${npm_env[@]}" npm install --prefix "$dest" --save-exact \
          --no-audit --no-fund --loglevel=error "$package@$version"; then
      echo "$tool: npm install of $package@$version failed" >&2
      exit 1
    fi
    have="$(npm_reference_installed_version)"
    if [ "$have" != "$version" ]; then
      echo "$tool: after npm install found version '${have:-none}', expected $version" >&2
      exit 1
    fi
    echo "$tool: installed $package $have"
  fi

  if ! smoke_test; then
    echo "$tool: $package $version is installed but its smoke test failed (it does not load or gives a wrong result)" >&2
    exit 1
  fi
}
