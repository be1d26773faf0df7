#!/usr/bin/env bash
# Builds Accord's container image with podman (Debian's): the static
# binary first (CGO_ENABLED=0), then the image FROM scratch around it
# (Containerfile), so nothing is pulled from a registry. Prints the image
# id. Usage: deploy/build-image.sh [TAG]   (default accord:VERSION)
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(git describe --tags --always --dirty 2>/dev/null || echo dev)
commit=$(git rev-parse HEAD 2>/dev/null || echo unknown)
tag=${1:-accord:${version//[^A-Za-z0-9_.-]/-}}
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT

CGO_ENABLED=0 GOOS=linux go build -trimpath \
	-ldflags "-s -w -X main.version=$version -X main.commit=$commit" \
	-o "$ctx/accord" ./cmd/accord
# A static binary: no dynamic section, nothing for the empty base to lack.
if readelf -d "$ctx/accord" 2>/dev/null | grep -q NEEDED; then
	echo "build-image: accord is not static" >&2
	exit 1
fi
mkdir -p "$ctx/rootfs/data" "$ctx/rootfs/etc/ssl/certs" "$ctx/rootfs/tmp"
if [[ -f /etc/ssl/certs/ca-certificates.crt ]]; then
	cp /etc/ssl/certs/ca-certificates.crt "$ctx/rootfs/etc/ssl/certs/"
fi
podman build --quiet -f Containerfile --build-arg "VERSION=$version" --build-arg "COMMIT=$commit" -t "$tag" "$ctx"
