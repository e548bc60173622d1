#!/bin/sh
# tests/real/rpm-distros.sh: the rpm family's shipped distributions (AlmaLinux 9,
# Rocky Linux 9, CentOS Stream 9, Fedora 45) against a real mirror.
#
# Their mirrors are not reachable from the machines this project is tested on,
# so by default every template is SKIPPED, saying so; what the synthetic tests
# cover instead is in docs/family-rpm.md. Where an admin does have a mirror,
# VZ_MIRROR_<NAME> (ALMALINUX, ROCKY, CENTOS_STREAM, FEDORA) turns its entry on,
# and so does VZ_MIRROR_<NAME>_METALINK (CentOS Stream, Fedora) or
# VZ_MIRROR_<NAME>_MIRRORLIST (AlmaLinux, Rocky) naming the distribution's service:
# the minimal template is built and judged with rpm's own tools (`rpm -Va`
# clean, `rpm -qa` lists every package of the manifest).
#
# Exit 0 when every template passed or was skipped, 1 on a failed check, 2 when
# a tool is missing.
set -u
VZPKG=${VZPKG:-${VZ_BUILD:-build}/bin/vzpkg}
die() { echo "rpm-distros: $*" >&2; exit 2; }
[ -x "$VZPKG" ] || die "$VZPKG not built (run make)"
work=$(mktemp -d /tmp/vzr-rpm-XXXXXX) || die "mktemp failed"
trap 'rm -rf "$work"' EXIT INT TERM
export VZ_ROOT="$work/vzroot"
mkdir -p "$VZ_ROOT"

fail=0
for entry in almalinux:ALMALINUX:almalinux-9-x86_64-minimal:/var/lib/rpm \
             rocky:ROCKY:rocky-9-x86_64-minimal:/var/lib/rpm \
             centos_stream:CENTOS_STREAM:centos_stream-9-x86_64-minimal:/var/lib/rpm \
             fedora:FEDORA:fedora-45-x86_64-minimal:/usr/lib/sysimage/rpm; do
    IFS=: read -r name var tmpl db <<ENTRY
$entry
ENTRY
    # the metadata loads and names its key whether or not a mirror is there
    if ! "$VZPKG" -q info "$tmpl" repositories --mirror http://127.0.0.1:9/unused >/dev/null; then
        echo "rpm-distros: $tmpl: vzpkg info failed"; fail=1; continue
    fi
    # a mirror, or the distribution's metalink or mirrorlist service
    eval "m=\${VZ_MIRROR_$var:-}\${VZ_MIRROR_${var}_METALINK:-}\${VZ_MIRROR_${var}_MIRRORLIST:-}"
    if [ -z "$m" ]; then
        echo "rpm-distros: $tmpl: SKIPPED: no $name mirror is reachable from this machine" \
             "(set VZ_MIRROR_$var, or its metalink or mirrorlist service as the YAML" \
             "file says, to build it; docs/family-rpm.md)"
        continue
    fi
    if ! "$VZPKG" create-cache "$tmpl"; then
        echo "rpm-distros: $tmpl: create-cache failed"; fail=1; continue
    fi
    root="$work/$tmpl"
    mkdir -p "$root"
    tar -I zstd -xpf "$VZ_ROOT/vz/template/cache/$tmpl.tar.zst" -C "$root" || { fail=1; continue; }
    if ! rpm --root "$root" --dbpath "$db" -Va; then
        echo "rpm-distros: $tmpl: rpm -Va is not clean"; fail=1
    fi
    n=$(rpm --root "$root" --dbpath "$db" -qa | grep -vc '^gpg-pubkey-')
    echo "rpm-distros: $tmpl: $n packages, rpm -Va clean"
done
exit $fail
