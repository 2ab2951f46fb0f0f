#!/bin/bash
# Build mimic's x86_64 test guest from Debian packages only: the cloud kernel's
# bzImage and a busybox initramfs whose /init is scripts/guest/init.
#
# Nothing is installed: the packages are fetched with `apt-get download` and
# unpacked with `dpkg-deb -x` in a temporary directory. The result is cached in
#     ${MIMIC_CACHE:-$HOME/.cache/mimic}/x86_64/{bzImage,initramfs.cpio.gz}
# next to a stamp holding the hash of this script and of the init and the package
# versions used; a second run with the same script and init only prints the paths.
#
# Usage: scripts/build-x86-guest.sh [--print] [--force]
#   --print   print only the two paths (kernel, then initramfs), one per line
#   --force   rebuild even when the cache is current (also picks up a newer kernel)
# Progress and errors go to stderr. Boot it with, e.g.
#   qemu-system-x86_64 -accel tcg -m 512 -nographic -no-reboot -kernel bzImage \
#       -initrd initramfs.cpio.gz -append 'console=ttyS0 mimic.cmd="uname -a"'
# (see scripts/guest/init for the mimic.cmd convention).
set -euo pipefail

KERNEL_META=linux-image-cloud-amd64
BUSYBOX_PKG=busybox-static
# Modules to load at boot; their dependencies are added and ordered automatically.
GUEST_MODULES="virtio virtio_ring virtio_pci virtio_pci_modern_dev virtio_pci_legacy_dev
virtio_blk virtio_net failover net_failover virtio_rng"

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
init_src="$here/guest/init"
dhcp_src="$here/guest/udhcpc.script"
cache_dir="${MIMIC_CACHE:-$HOME/.cache/mimic}/x86_64"
kernel_out="$cache_dir/bzImage"
initrd_out="$cache_dir/initramfs.cpio.gz"
stamp="$cache_dir/stamp"

print_only=0
force=0
for arg in "$@"; do
    case "$arg" in
    --print) print_only=1 ;;
    --force) force=1 ;;
    -h | --help)
        sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
        exit 0
        ;;
    *)
        echo "build-x86-guest: unknown option '$arg' (try --help)" >&2
        exit 2
        ;;
    esac
done

step="starting"
msg() { echo "build-x86-guest: $*" >&2; }
die() {
    msg "error: $*"
    exit 1
}
work=""
on_exit() {
    local rc=$?
    [ -z "$work" ] || rm -rf "$work"
    [ $rc -eq 0 ] || msg "failed during: $step (exit $rc)"
}
trap on_exit EXIT

report() {
    if [ $print_only -eq 1 ]; then
        printf '%s\n%s\n' "$kernel_out" "$initrd_out"
    else
        echo "kernel: $kernel_out"
        echo "initrd: $initrd_out"
        echo "append: console=ttyS0 [mimic.cmd=\"<command>\"]"
    fi
}

# --- tools -----------------------------------------------------------------
step="checking host tools"
missing=""
for t in apt-get:apt apt-cache:apt dpkg-deb:dpkg cpio:cpio gzip:gzip sha256sum:coreutils; do
    command -v "${t%%:*}" >/dev/null 2>&1 || missing="$missing ${t%%:*}(${t#*:})"
done
[ -r "$init_src" ] || die "missing $init_src"
[ -r "$dhcp_src" ] || die "missing $dhcp_src"

# --- cache check -----------------------------------------------------------
# One build at a time per cache: a second caller (parallel tests, another
# checkout) waits here and then finds the cache current.
mkdir -p "$cache_dir"
exec 9>"$cache_dir/.lock"
flock 9
# The stamp's first line names the hash of this script and of the init; the
# cache stays current until either changes (or --force). It does not follow the
# mirror to a newer kernel by itself: tests keep booting the kernel they were
# written against until someone asks for a rebuild.
self_hash=$(cat "${BASH_SOURCE[0]}" "$init_src" "$dhcp_src" | sha256sum | cut -d' ' -f1)
if [ $force -eq 0 ] && [ -s "$kernel_out" ] && [ -s "$initrd_out" ] &&
    [ "$(head -n1 "$stamp" 2>/dev/null)" = "build=$self_hash" ]; then
    report
    exit 0
fi

[ -z "$missing" ] || die "missing host tools:$missing (scripts/install-deps.sh installs them)"

# --- what to build ---------------------------------------------------------
step="resolving $KERNEL_META"
kernel_pkg=$(apt-cache depends "$KERNEL_META" 2>/dev/null |
    awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }') || true
[ -n "$kernel_pkg" ] ||
    die "apt-cache depends $KERNEL_META names no linux-image-* package (run apt-get update?)"
pkg_version() {
    apt-cache show --no-all-versions "$1" 2>/dev/null | awk '$1 == "Version:" { print $2; exit }'
}
kernel_ver=$(pkg_version "$kernel_pkg")
busybox_ver=$(pkg_version "$BUSYBOX_PKG")
[ -n "$kernel_ver" ] || die "apt-cache show $kernel_pkg: no version"
[ -n "$busybox_ver" ] || die "apt-cache show $BUSYBOX_PKG: no version (run apt-get update?)"

# --- fetch and unpack ------------------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/mimic-guest.XXXXXX")
apt_opts=(-q)
# As root apt would hand the download to the _apt user, who cannot enter $work.
[ "$(id -u)" -eq 0 ] && apt_opts+=(-o APT::Sandbox::User=root)

for pkg in "$kernel_pkg" "$BUSYBOX_PKG"; do
    step="downloading $pkg"
    msg "downloading $pkg"
    (cd "$work" && apt-get download "${apt_opts[@]}" "$pkg" >/dev/null) ||
        die "apt-get download $pkg failed"
done
step="unpacking $kernel_pkg"
dpkg-deb -x "$work/${kernel_pkg}_"*.deb "$work/kernel" || die "dpkg-deb -x $kernel_pkg failed"
step="unpacking $BUSYBOX_PKG"
dpkg-deb -x "$work/${BUSYBOX_PKG}_"*.deb "$work/busybox" || die "dpkg-deb -x $BUSYBOX_PKG failed"

step="locating the kernel image in $kernel_pkg"
images=("$work/kernel/boot/"vmlinuz-*)
vmlinuz=${images[0]}
[ -f "$vmlinuz" ] || die "$kernel_pkg has no /boot/vmlinuz-*"
kver=${vmlinuz##*/vmlinuz-}
modsrc="$work/kernel/lib/modules/$kver"
[ -d "$modsrc" ] || die "$kernel_pkg has no /lib/modules/$kver"

# --- initramfs tree --------------------------------------------------------
root="$work/root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc/mimic,proc,sys,dev,tmp,run,root,lib/modules/"$kver"}

step="installing busybox from $BUSYBOX_PKG"
bb="$work/busybox/bin/busybox"
[ -x "$bb" ] || die "$BUSYBOX_PKG has no /bin/busybox"
cp "$bb" "$root/bin/busybox"
# busybox --install needs /proc of the target; make the applet links ourselves.
applets=$("$bb" --list-full) || die "cannot run $BUSYBOX_PKG's busybox to list its applets"
for applet in $applets; do
    [ "$applet" = bin/busybox ] && continue
    mkdir -p "$root/$(dirname "$applet")"
    ln -sf /bin/busybox "$root/$applet"
done
[ -L "$root/bin/sh" ] || die "busybox has no sh applet"

step="copying virtio modules from $kernel_pkg"
# Map module names (dashes read as underscores, as the kernel does) to files.
declare -A mod_path
while IFS= read -r f; do
    name=${f##*/}
    name=${name%%.ko*}
    mod_path[${name//-/_}]=${f#"$modsrc"/}
done < <(find "$modsrc/kernel" -name '*.ko' -o -name '*.ko.xz' -o -name '*.ko.zst' -o -name '*.ko.gz')

# Write the module decompressed (busybox insmod reads plain ELF only) and print
# its dependencies, read from its .modinfo like depmod does: Debian's package
# carries no modules.dep (the postinst's depmod makes it).
install_module() {
    local rel=$1 out
    out="$root/lib/modules/$kver/${rel%.ko*}.ko"
    mkdir -p "$(dirname "$out")"
    case "$rel" in
    *.ko) cp "$modsrc/$rel" "$out" ;;
    *.ko.xz) need xz xz-utils && xz -dc "$modsrc/$rel" >"$out" ;;
    *.ko.zst) need zstd zstd && zstd -qdc "$modsrc/$rel" >"$out" ;;
    *.ko.gz) gzip -dc "$modsrc/$rel" >"$out" ;;
    esac
    tr '\0' '\n' <"$out" | sed -n 's/^depends=//p' | head -n1 | tr ',' ' '
}

need() { command -v "$1" >/dev/null 2>&1 || die "$2 is needed to decompress $kernel_pkg's modules"; }

declare -A mod_state # "" unvisited, 1 in progress, 2 done
load_order=()
deps_line=()
visit() {
    local name=${1//-/_} rel deps d line
    [ "${mod_state[$name]:-}" = 2 ] && return 0
    [ "${mod_state[$name]:-}" = 1 ] && die "module dependency cycle through $name"
    rel=${mod_path[$name]:-}
    [ -n "$rel" ] || die "$kernel_pkg has no module $name (built in, or renamed?)"
    mod_state[$name]=1
    deps=$(install_module "$rel")
    line="${rel%.ko*}.ko:"
    for d in $deps; do
        visit "$d"
        line="$line ${mod_path[${d//-/_}]%.ko*}.ko"
    done
    mod_state[$name]=2
    load_order+=("${rel%.ko*}.ko")
    deps_line+=("$line")
}
for m in $GUEST_MODULES; do visit "$m"; done
printf '%s\n' "${load_order[@]}" >"$root/etc/mimic/modules"
# For busybox modprobe in the interactive shell.
printf '%s\n' "${deps_line[@]}" >"$root/lib/modules/$kver/modules.dep"

step="installing /init"
cp "$init_src" "$root/init"
chmod 755 "$root/init"
mkdir -p "$root/usr/share/udhcpc"
cp "$dhcp_src" "$root/usr/share/udhcpc/default.script"
chmod 755 "$root/usr/share/udhcpc/default.script"
# With /dev/console in the archive the kernel hands init a console from the
# first instruction; only root can make the node (init copes without it).
[ "$(id -u)" -eq 0 ] && mknod -m 600 "$root/dev/console" c 5 1

step="packing the initramfs"
(cd "$root" && find . -print0 | LC_ALL=C sort -z |
    cpio --null -o -H newc -R 0:0 --quiet | gzip -9n) >"$work/initramfs.cpio.gz" ||
    die "cpio/gzip of the initramfs failed"

step="writing the cache in $cache_dir"
mkdir -p "$cache_dir"
rm -f "$stamp"
cp "$vmlinuz" "$kernel_out.tmp" && mv "$kernel_out.tmp" "$kernel_out"
cp "$work/initramfs.cpio.gz" "$initrd_out.tmp" && mv "$initrd_out.tmp" "$initrd_out"
printf 'build=%s\nkernel=%s %s (%s)\nbusybox=%s %s\n' "$self_hash" "$kernel_pkg" "$kernel_ver" "$kver" \
    "$BUSYBOX_PKG" "$busybox_ver" >"$stamp"
msg "built $kernel_pkg ($kver, $kernel_ver) with $BUSYBOX_PKG $busybox_ver," \
    "modules: ${load_order[*]##*/}"
report
