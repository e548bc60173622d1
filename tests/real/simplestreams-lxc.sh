#!/bin/sh
# tests/real/simplestreams-lxc.sh: a real simplestreams client reads what
# `vzpkg publish --simplestreams` writes.
# The client is LXD's `lxc` command (Debian 12 package lxd-client; Incus is not
# in Debian 12). It needs no daemon to list, inspect and export images of a
# simplestreams remote: it parses streams/v1/index.json and images.json
# itself, downloads the metadata and rootfs items and checks their sha256.
# Simplestreams remotes must be HTTPS: the published tree is served by a
# small HTTPS server on 127.0.0.1 with a certificate made here, trusted through
# SSL_CERT_FILE; LXD_CONF is a temp dir (the host's client config is untouched).
#   1. a tiny root tarball -> vzpkg import -> vzpkg publish --simplestreams
#   2. lxc remote add; lxc image list / info: alias, fingerprint (= the
#      combined sha256 of images.json), architecture, type root.tar.xz
#   3. lxc image export: the two files are the published ones, their combined
#      sha256 is the fingerprint, the rootfs holds the tree
#   4. one flipped byte in root.tar.xz on the server: export is refused
# Not covered: an LXD/Incus daemon creating a container from the image.
# Exit 0 pass, 1 a failed check, 2 a missing tool.
set -u
VZPKG=${VZPKG:-${VZ_BUILD:-build}/bin/vzpkg}
T=debian-12-x86_64-tiny
die() { echo "simplestreams-lxc: $*" >&2; exit 2; }
[ -x "$VZPKG" ] || die "$VZPKG not built (run make)"
command -v lxc >/dev/null 2>&1 || die "lxc (LXD client) is missing: apt-get install lxd-client"
command -v openssl >/dev/null 2>&1 || die "openssl is missing"
command -v python3 >/dev/null 2>&1 || die "python3 is missing (serves HTTPS on 127.0.0.1)"
command -v xz >/dev/null 2>&1 || die "xz is missing"

work=$(mktemp -d /tmp/vzr-sstream-XXXXXX) || die "mktemp failed"
srv_pid=""
cleanup() {
    [ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT INT TERM
export VZ_ROOT="$work/vzroot" LXD_CONF="$work/lxdconf" HOME="$work"
export SSL_CERT_FILE="$work/cert.pem"
mkdir -p "$VZ_ROOT" "$LXD_CONF" "$work/tree/etc" "$work/tree/var/lib/dpkg" "$work/pub"

fail=0
ok() { echo "  ok    $1"; }
bad() { echo "  FAIL  $1"; fail=1; }

# 1. a tiny root, imported and published
echo tiny >"$work/tree/etc/hostname"
printf 'Package: base-files\nStatus: install ok installed\nVersion: 12.4\nArchitecture: amd64\n\n' \
    >"$work/tree/var/lib/dpkg/status"
tar -C "$work/tree" -cf "$work/tiny.tar" . || die "tar failed"
"$VZPKG" -q import "$work/tiny.tar" --name "$T" >/dev/null || { bad "vzpkg import"; exit 1; }
"$VZPKG" -q publish --simplestreams "$work/pub" >/dev/null || { bad "vzpkg publish --simplestreams"; exit 1; }
fp=$(python3 -c 'import json,sys
p = json.load(open(sys.argv[1]))["products"]["debian:12:amd64:tiny"]
v = p["versions"][sorted(p["versions"])[-1]]["items"]
print(v["incus.tar.xz"]["combined_sha256"], v["root.tar.xz"]["path"], v["incus.tar.xz"]["path"])' \
    "$work/pub/streams/v1/images.json") || { bad "images.json has no debian:12:amd64:tiny"; exit 1; }
set -- $fp
fp=$1 root_rel=$2 meta_rel=$3
ok "published; fingerprint $fp"

# HTTPS on 127.0.0.1: a certificate for the address, a threaded file server
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$work/key.pem" -out "$work/cert.pem" >/dev/null 2>&1 || die "openssl req failed"
cat >"$work/srv.py" <<'EOF'
import functools, http.server, ssl, sys
h = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), h)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[2], sys.argv[3])
s.socket = ctx.wrap_socket(s.socket, server_side=True)
print(s.server_address[1], flush=True)
s.serve_forever()
EOF
python3 "$work/srv.py" "$work/pub" "$work/cert.pem" "$work/key.pem" >"$work/port" 2>"$work/srv.log" &
srv_pid=$!
i=0
while [ ! -s "$work/port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
port=$(cat "$work/port")
[ -n "$port" ] || die "the HTTPS server did not start: $(cat "$work/srv.log")"

# 2. the client lists and describes the image
out=$(lxc remote add vzt "https://127.0.0.1:$port" --protocol=simplestreams --public 2>&1) ||
    { bad "lxc remote add: $out"; exit 1; }
out=$(lxc image list vzt: --format csv -c lfat 2>&1)
case "$out" in
*"debian/12/tiny"*",${fp%"${fp#????????????}"},"*"x86_64,CONTAINER"*) ok "lxc image list: $out" ;;
*) bad "lxc image list: $out" ;;
esac
out=$(lxc image info "vzt:$T" 2>&1)
echo "$out" | grep -q "^Fingerprint: $fp\$" && ok "lxc image info $T: fingerprint = combined_sha256" ||
    bad "lxc image info: $out"
echo "$out" | grep -q "^ *type: root.tar.xz\$" && echo "$out" | grep -q "^Architecture: x86_64\$" &&
    ok "lxc image info: type root.tar.xz, architecture x86_64" || bad "lxc image info: $out"
# the tiny tree has no /sbin/init: what LXD shows of the image says it cannot boot
echo "$out" | grep -q "^ *description: .*no init: not bootable" &&
    ok "lxc image info: the description says 'no init: not bootable'" ||
    bad "lxc image info does not show the no-init mark: $out"
out=$(lxc image list vzt: --format csv -c ld 2>&1)
case "$out" in
*"no init: not bootable"*) ok "lxc image list: $out" ;;
*) bad "lxc image list shows no no-init mark: $out" ;;
esac

# 3. export: the client downloads and checks both files
mkdir -p "$work/exp"
out=$(lxc image export "vzt:debian/12/tiny" "$work/exp/img" 2>&1) || bad "lxc image export: $out"
if [ -f "$work/exp/img" ] && [ -f "$work/exp/img.root" ]; then
    cmp -s "$work/exp/img" "$work/pub/$meta_rel" && cmp -s "$work/exp/img.root" "$work/pub/$root_rel" &&
        ok "exported files are the published incus.tar.xz and root.tar.xz" || bad "exported files differ"
    got=$(cat "$work/exp/img" "$work/exp/img.root" | sha256sum | cut -d' ' -f1)
    [ "$got" = "$fp" ] && ok "sha256(metadata + rootfs) = fingerprint" || bad "combined sha256 $got != $fp"
    xz -dc "$work/exp/img.root" | tar -xOf - ./etc/hostname 2>/dev/null | grep -qx tiny &&
        ok "the exported rootfs holds the tree" || bad "etc/hostname not in the exported rootfs"
    xz -dc "$work/exp/img" | tar -tf - | grep -qx metadata.yaml && ok "the metadata tarball has metadata.yaml" ||
        bad "no metadata.yaml in the metadata tarball"
    xz -dc "$work/exp/img" | tar -xOf - metadata.yaml | grep -q '^ *vzforge.init: "none"' &&
        ok "metadata.yaml marks the image: vzforge.init: none" || bad "metadata.yaml has no vzforge.init: none"
else
    bad "lxc image export wrote: $(ls "$work/exp")"
fi

# 4. a tampered rootfs is refused by the client
python3 -c 'import sys
f = open(sys.argv[1], "r+b"); f.seek(100); b = f.read(1); f.seek(100); f.write(bytes([b[0] ^ 1]))' \
    "$work/pub/$root_rel"
rm -rf "$work/exp2"
mkdir -p "$work/exp2"
if out=$(lxc image export "vzt:debian/12/tiny" "$work/exp2/img" 2>&1); then
    bad "a flipped byte in root.tar.xz was accepted by lxc image export"
else
    ok "a flipped byte in root.tar.xz is refused: $(echo "$out" | tr '\r' '\n' | grep -v '^ *$' | tail -1)"
fi
exit $fail
