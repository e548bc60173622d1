#!/bin/sh
# tests/real/update-cache.sh: keeping a real cache fresh, from the host's mirror.
#   1. create-cache debian-12-x86_64-minimal, then update-cache right after it
#      is a no-op: "nothing to do", the tarball not replaced; status exits 0;
#      list --cached says "no" update.
#   2. a local override adds a package (less) to the template: status exits 2
#      and lists "added less ..." and the metadata change; update-cache
#      --incremental installs it with the cache's own dpkg inside the sandbox;
#      the new cache has less "ii" and `dpkg --audit` is silent; status then
#      exits 0.
# The mirror comes from the host's apt sources (or $VZ_MIRROR_DEBIAN): never
# written here. A temporary VZ_ROOT keeps the host's caches untouched.
# Exit 0 pass, 1 a failed check, 2 a missing tool.
set -u
VZPKG=${VZPKG:-${VZ_BUILD:-build}/bin/vzpkg}
SRC=${VZ_SRC:-.}
T=debian-12-x86_64-minimal
die() { echo "update-cache: $*" >&2; exit 2; }
[ -x "$VZPKG" ] || die "$VZPKG not built (run make)"
command -v zstd >/dev/null 2>&1 || die "zstd is missing"
command -v unshare >/dev/null 2>&1 || die "unshare (util-linux) is missing"
[ "$(id -u)" = 0 ] || die "must run as root"

work=$(mktemp -d /tmp/vzr-update-XXXXXX) || die "mktemp failed"
trap 'rm -rf "$work"' EXIT INT TERM
export VZ_ROOT="$work/vzroot"
mkdir -p "$VZ_ROOT"

fail=0
ok() { echo "  ok    $1"; }
bad() { echo "  FAIL  $1"; fail=1; }

"$VZPKG" -q create-cache "$T" || { echo "  FAIL  create-cache $T"; exit 1; }
tar=$(ls "$VZ_ROOT"/vz/template/cache/"$T".tar.* | head -1)
ino=$(stat -c %i "$tar")

out=$("$VZPKG" update-cache "$T" 2>&1)
case "$out" in
*"$T: up to date ("*"packages, metadata unchanged); nothing to do"*) ok "update-cache right after create-cache: nothing to do" ;;
*) bad "update-cache right after create-cache: $out" ;;
esac
[ "$(stat -c %i "$tar")" = "$ino" ] && ok "the cache was not replaced" || bad "the cache was replaced"
"$VZPKG" -q status "$T" >/dev/null 2>&1
rc=$?
[ "$rc" = 0 ] && ok "status exits 0" || bad "status exits $rc"
"$VZPKG" list --cached | grep -q "^$T .* no\$" && ok "list --cached: no update" ||
    bad "list --cached: $("$VZPKG" list --cached)"

mkdir -p "$VZ_ROOT/etc/vz/distros"
sed 's/^    packages: \[apt\]$/    packages: [apt, less]/' "$SRC/distros/debian-12.yaml" >"$VZ_ROOT/etc/vz/distros/debian-12.yaml"
grep -q 'packages: \[apt, less\]' "$VZ_ROOT/etc/vz/distros/debian-12.yaml" || die "could not edit the YAML"
out=$("$VZPKG" status "$T" 2>&1)
rc=$?
[ "$rc" = 2 ] && ok "status after adding less exits 2" || bad "status after adding less exits $rc: $out"
echo "$out" | grep -q "^  added less " && ok "status lists: $(echo "$out" | grep '^  added less ')" || bad "status: $out"
echo "$out" | grep -q "^  metadata changed (" && ok "status lists the metadata change" || bad "status: $out"

out=$("$VZPKG" update-cache "$T" --incremental 2>&1) || bad "update-cache --incremental: $out"
echo "$out" | grep -q "^added less " && ok "update-cache --incremental printed the change" || bad "update-cache --incremental: $out"
dir="$work/root"
mkdir -p "$dir"
tar --zstd -xpf "$tar" -C "$dir" || bad "unpack $tar"
st=$(chroot "$dir" dpkg-query -W -f '${db:Status-Abbrev}' less 2>&1)
[ "$st" = "ii " ] && ok "less is installed (ii) in the new cache" || bad "less: '$st'"
audit=$(unshare --fork --pid --mount --net --propagation private sh -c \
    'mount -t proc proc "$1/proc" && exec chroot "$1" dpkg --audit' sh "$dir" 2>&1)
[ -z "$audit" ] && ok "dpkg --audit is silent" || bad "dpkg --audit: $audit"
[ -z "$(ls "$dir/var/cache/apt/archives/"*.deb 2>/dev/null)" ] && ok "no .deb left in var/cache/apt/archives" ||
    bad "archives left: $(ls "$dir/var/cache/apt/archives/")"
"$VZPKG" -q status "$T" >/dev/null 2>&1
rc=$?
[ "$rc" = 0 ] && ok "status after the update exits 0" || bad "status after the update exits $rc"
exit $fail
