#!/bin/sh
# tests/e2e/rpmrepo.sh OUT: synthetic signed rpm-md repositories for the rpm
# family's tests (tests/e2e/test_rpm.c), built at test time with the field's
# own tools: rpmbuild (noarch packages, shell and Lua scriptlets,
# Requires(post), a file conflict, a static busybox as /bin/sh), rpmsign,
# createrepo_c with a comps group, gpg for repomd.xml.asc.
#   OUT/good/       every package signed by the test key, repomd.xml signed
#   OUT/badpkg/     the same, but app-t signed by another key (metadata and
#                   repomd.xml signature in order: only the header says so)
#   OUT/extra/      a second repository: extra-t alone (it requires base-t)
#   OUT/RPM-GPG-KEY-test   the test key (armored), what a YAML gpgkey names
# A private GNUPGHOME under OUT, its agent stopped at the end.
set -eu
out=$1
mkdir -p "$out"
out=$(cd "$out" && pwd)
export GNUPGHOME="$out/gnupg"
mkdir -m 700 -p "$GNUPGHOME"
trap 'gpgconf --kill all >/dev/null 2>&1 || true' EXIT
gpg --batch -q --passphrase '' --quick-gen-key 'vzforge rpm test <rpm-test@invalid>' rsa2048 sign never
gpg --batch -q --passphrase '' --quick-gen-key 'vzforge other <rpm-other@invalid>' rsa2048 sign never
gpg --batch -q --armor --export 'rpm-test@invalid' > "$out/RPM-GPG-KEY-test"

top="$out/rpmbuild"
mkdir -p "$top/SPECS" "$top/SOURCES"
cp /bin/busybox "$top/SOURCES/busybox"

# spec NAME VERSION "extra header lines" "%install body" "%files body" "scriptlets"
spec() {
    cat > "$top/SPECS/$1-$2.spec" <<SPEC
Name: $1
Version: $2
Release: 1
Summary: vzforge test package $1
License: none
BuildArch: noarch
AutoReqProv: no
$3

%description
Synthetic package $1 for vzforge's rpm tests.

%install
mkdir -p %{buildroot}
$4

%files
$5

$6
SPEC
}

spec filesystem-t 1.0 "" \
    'mkdir -p %{buildroot}/bin %{buildroot}/etc/yum.repos.d %{buildroot}/usr/bin %{buildroot}/var/lib %{buildroot}/tmp' \
    '%dir /bin
%dir /etc
%dir /etc/yum.repos.d
%dir /usr
%dir /usr/bin
%dir /var
%dir /var/lib
%attr(1777,root,root) %dir /tmp' ''
spec busybox-sh 1.35 'Requires: filesystem-t
Provides: /bin/sh' \
    'install -D -m 0755 %{_sourcedir}/busybox %{buildroot}/bin/busybox
for a in sh cat echo mkdir ls rm cp; do ln -s busybox %{buildroot}/bin/$a; done' \
    '/bin/busybox
/bin/sh
/bin/cat
/bin/echo
/bin/mkdir
/bin/ls
/bin/rm
/bin/cp' ''
spec setup-t 1.0 'Requires: filesystem-t' \
    'mkdir -p %{buildroot}/etc
printf "root:x:0:0:root:/root:/bin/sh\n" > %{buildroot}/etc/passwd
printf "root:x:0:\n" > %{buildroot}/etc/group' \
    '%config(noreplace) /etc/passwd
%config(noreplace) /etc/group' ''
spec base-t 1.0 'Requires: setup-t
Requires(post): /bin/sh
Requires(pre): busybox-sh' \
    'mkdir -p %{buildroot}/etc; echo base > %{buildroot}/etc/base-t.conf' \
    '%config /etc/base-t.conf' \
    '%pre
echo "pre $1" > /etc/base-t.pre

%post
# a shell scriptlet in the chroot: the root'"'"'s /bin/sh, /dev/null usable
echo "post $1 $(cat /etc/base-t.conf)" > /etc/base-t.post
echo discard > /dev/null
# /dev as a scriptlet needs it: character devices, not files (a write to a
# regular file /dev/null would succeed too), that read as devices do
for n in null zero random urandom tty; do
    if test -c /dev/$n; then echo "$n c"; else echo "$n NOT a character device"; fi
done > /etc/base-t.dev
echo "urandom $(/bin/busybox head -c 32 /dev/urandom | /bin/busybox wc -c)" >> /etc/base-t.dev
echo "zero $(/bin/busybox head -c 8 /dev/zero | /bin/busybox od -An -tx1 | /bin/busybox tr -d " ")" >> /etc/base-t.dev
echo "null $(/bin/busybox wc -c < /dev/null)" >> /etc/base-t.dev'
spec lua-t 1.0 'Requires: filesystem-t' \
    'mkdir -p %{buildroot}/usr/share/lua-t; echo data > %{buildroot}/usr/share/lua-t/data' \
    '/usr/share/lua-t' \
    '%post -p <lua>
local f = io.open("/etc/lua-t.post", "w")
f:write("lua post " .. tostring(arg[2]) .. "\n")
f:close()'
spec lib-t 1.0 'Requires: filesystem-t' \
    'mkdir -p %{buildroot}/usr/lib; echo 1.0 > %{buildroot}/usr/lib/lib-t.so' '/usr/lib/lib-t.so' ''
spec lib-t 1.1 'Requires: filesystem-t' \
    'mkdir -p %{buildroot}/usr/lib; echo 1.1 > %{buildroot}/usr/lib/lib-t.so' '/usr/lib/lib-t.so' ''
spec app-t 2.0 'Requires: lib-t >= 1.1
Requires: base-t' \
    'mkdir -p %{buildroot}/usr/bin; printf "#!/bin/sh\necho app\n" > %{buildroot}/usr/bin/app-t' \
    '%attr(0755,root,root) /usr/bin/app-t' ''
spec unused-t 1.0 '' 'mkdir -p %{buildroot}/etc; echo x > %{buildroot}/etc/unused-t' '/etc/unused-t' ''
spec extra-t 1.0 'Requires: base-t' 'mkdir -p %{buildroot}/etc; echo extra > %{buildroot}/etc/extra-t' \
    '/etc/extra-t' ''
spec broken-t 1.0 'Requires: not-there-t >= 2' 'mkdir -p %{buildroot}/etc; echo x > %{buildroot}/etc/broken-t' \
    '/etc/broken-t' ''
spec confl-a 1.0 'Requires: filesystem-t' 'mkdir -p %{buildroot}/etc; echo a > %{buildroot}/etc/confl.conf' \
    '/etc/confl.conf' ''
spec confl-b 1.0 'Requires: filesystem-t' 'mkdir -p %{buildroot}/etc; echo b > %{buildroot}/etc/confl.conf' \
    '/etc/confl.conf' ''

for s in "$top"/SPECS/*.spec; do
    rpmbuild -bb --quiet --define "_topdir $top" --define '_build_id_links none' \
        --define '__os_install_post %{nil}' --define 'debug_package %{nil}' \
        --define '_binary_payload w9.gzdio' \
        --define '_binaries_in_noarch_packages_terminate_build 0' "$s" >/dev/null
done

cat > "$out/comps.xml" <<'COMPS'
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE comps PUBLIC "-//Red Hat, Inc.//DTD Comps info//EN" "comps.dtd">
<comps>
  <group>
    <id>core</id>
    <name>Core</name>
    <description>The test system's minimal set</description>
    <default>false</default>
    <uservisible>false</uservisible>
    <packagelist>
      <packagereq type="mandatory">base-t</packagereq>
      <packagereq type="mandatory">busybox-sh</packagereq>
      <packagereq type="default">lua-t</packagereq>
      <packagereq type="optional">unused-t</packagereq>
    </packagelist>
  </group>
</comps>
COMPS

# repo DIR KEY-FOR-app-t [GLOB]: the packages matching GLOB (all but extra-t)
repo() {
    mkdir -p "$1/Packages"
    for f in "$top"/RPMS/noarch/${3:-*}.rpm; do
        case $f in */extra-t-*) [ -n "${3:-}" ] || continue ;; esac
        cp "$f" "$1/Packages/"
    done
    for f in "$1"/Packages/*.rpm; do
        case $f in
        */app-t-*) k=$2 ;;
        *) k=rpm-test@invalid ;;
        esac
        rpmsign --addsign --define "_gpg_name $k" --define "_gpg_path $GNUPGHOME" \
            --define "__gpg $(command -v gpg)" "$f" >/dev/null 2>&1
    done
    createrepo_c -q -g "$out/comps.xml" --checksum sha256 "$1" >/dev/null
    gpg --batch -q --yes -u rpm-test@invalid --armor --detach-sign "$1/repodata/repomd.xml"
}
repo "$out/good" rpm-test@invalid
repo "$out/badpkg" rpm-other@invalid
repo "$out/extra" rpm-test@invalid 'extra-t-*'
