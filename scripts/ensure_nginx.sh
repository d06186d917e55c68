#!/usr/bin/env bash
# The scale-out (`make serve`, the load test behind a proxy, tests/test_load.py) puts Debian's
# nginx in front of several app processes; install it when absent. Only the binary is used:
# the service the package would start is kept from starting (our own nginx runs with its own
# configuration, on the port it is given).
set -euo pipefail
if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
  exit 0
fi
echo "Installation de nginx (Debian) pour la répartition de charge…"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
POLICY=/usr/sbin/policy-rc.d
OWN_POLICY=""
if [ ! -e "$POLICY" ]; then
  # Debian's documented way to keep a package's service from starting during installation.
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$POLICY" >/dev/null
  $SUDO chmod 755 "$POLICY"
  OWN_POLICY=1
fi
cleanup() { if [ -n "$OWN_POLICY" ]; then $SUDO rm -f "$POLICY"; fi; }
trap cleanup EXIT
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nginx >/dev/null
command -v nginx || ls /usr/sbin/nginx
