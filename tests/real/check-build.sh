#!/bin/sh
# tests/real/check-build.sh: build real templates from the host's mirror with
# `vzpkg create-cache` and check each result the way Debian's own tools would:
#   - `dpkg --audit` prints nothing;
#   - `dpkg -l` shows every package of the manifest as "ii";
#   - `apt-get check` passes inside a sandbox (own namespaces, no network);
#   - `dpkg --verify` reports no missing file;
#   - after `apt-get update` (the only step given the network, on a scratch
#     copy with the host's resolv.conf), `apt-get install -s` of a further
#     package works.
# The mirror comes from the host's apt sources (or --mirror via $VZ_MIRROR_DEBIAN):
# never written here. A temporary VZ_ROOT keeps the host's caches untouched.
# Foreign architectures (debian-12-aarch64-minimal) work the same way when
# binfmt_misc runs their programs (tests/real/foreign-arch.sh sets that up).
#
# Usage: tests/real/check-build.sh [TEMPLATE...]
#        (default: debian-12-x86_64-minimal debian-13-x86_64-minimal debian-12-x86_64-default)
# Exit 0 when every template passes, 1 on a failed check, 2 when a tool is missing.
set -u
VZPKG=${VZPKG:-${VZ_BUILD:-build}/bin/vzpkg}
die() { echo "check-build: $*" >&2; exit 2; }
[ -x "$VZPKG" ] || die "$VZPKG not built (run make)"
command -v unshare >/dev/null 2>&1 || die "unshare (util-linux) is missing"
command -v zstd >/dev/null 2>&1 || die "zstd is missing"
[ "$(id -u)" = 0 ] || die "must run as root (chroot, namespaces)"

work=$(mktemp -d /tmp/vzr-check-XXXXXX) || die "mktemp failed"
trap 'rm -rf "$work"' EXIT INT TERM
# VZ_REAL_ROOT: build into this VZ_ROOT and keep it (tests/real/foreign-arch.sh
# starts a container from the cache afterwards).
export VZ_ROOT="${VZ_REAL_ROOT:-$work/vzroot}"
mkdir -p "$VZ_ROOT"

# Run a command inside DIR in new pid/mount/uts/ipc namespaces; with --net
# the network namespace is shared (for apt-get update only), else a new,
# empty one. /proc and a bind of the host's /dev die with the namespace.
inroot() {
    net=--net
    if [ "$1" = --with-network ]; then net=; shift; fi
    dir=$1; shift
    unshare --fork --pid --mount --uts --ipc $net --propagation private sh -c '
        d=$1; shift
        mount -t proc proc "$d/proc" && mount --rbind /dev "$d/dev" && exec chroot "$d" "$@"
    ' sh "$dir" "$@"
}

fail=0
check() { # NAME CONDITION-OUTPUT...
    what=$1; shift
    if [ "$1" = ok ]; then echo "  ok    $what"; else echo "  FAIL  $what"; fail=1; fi
}

for t in ${*:-debian-12-x86_64-minimal debian-13-x86_64-minimal debian-12-x86_64-default}; do
    echo "== $t"
    if ! "$VZPKG" create-cache "$t" --timings; then
        echo "  FAIL  create-cache $t"; fail=1; continue
    fi
    tarball=$(ls "$VZ_ROOT"/vz/template/cache/"$t".tar.* 2>/dev/null | head -1)
    manifest="$VZ_ROOT/vz/template/cache/$t.manifest"
    dir="$work/$t"
    mkdir -p "$dir"
    # bsdtar restores the LIBARCHIVE.xattr records (file capabilities) GNU tar ignores
    if command -v bsdtar >/dev/null 2>&1; then
        bsdtar -xpf "$tarball" -C "$dir" || { echo "  FAIL  unpack $tarball"; fail=1; continue; }
    else
        tar --zstd -xpf "$tarball" -C "$dir" 2>/dev/null || { echo "  FAIL  unpack $tarball"; fail=1; continue; }
    fi

    out=$(inroot "$dir" dpkg --audit 2>&1)
    [ -z "$out" ] && check "dpkg --audit prints nothing" ok || { check "dpkg --audit: $out" no; }

    want=$(sed -n '/"packages"/,/]/p' "$manifest" | grep -c '"name"')
    ii=$(inroot "$dir" dpkg -l | grep -c '^ii ')
    notii=$(inroot "$dir" dpkg -l | awk 'NR > 5 && $1 != "ii"' | head -5)
    [ "$ii" = "$want" ] && [ -z "$notii" ] && check "dpkg -l: all $want packages ii" ok ||
        check "dpkg -l: $ii of $want ii; not ii: $notii" no

    out=$(inroot "$dir" apt-get check 2>&1) && check "apt-get check (sandbox, no network)" ok ||
        check "apt-get check: $out" no

    missing=$(inroot "$dir" dpkg --verify 2>&1 | grep -c 'missing' || true)
    verify=$(inroot "$dir" dpkg --verify 2>&1 | wc -l)
    [ "$missing" = 0 ] && check "dpkg --verify: no missing file ($verify lines of changed files)" ok ||
        check "dpkg --verify: $missing missing files" no

    cp /etc/resolv.conf "$dir/etc/resolv.conf"
    extra=hello # in no shipped variant
    if inroot --with-network "$dir" apt-get -q update >"$work/update.log" 2>&1 &&
        out=$(inroot "$dir" apt-get install -s -y "$extra" 2>&1) &&
        echo "$out" | grep -q "^Inst $extra "; then
        check "apt-get install -s $extra" ok
    else
        check "apt-get install -s $extra: $(tail -5 "$work/update.log") ${out:-}" no
    fi
    : > "$dir/etc/resolv.conf"
done
[ $fail = 0 ] && echo "check-build: all checks passed" || echo "check-build: FAILED"
exit $fail
