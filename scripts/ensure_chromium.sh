#!/usr/bin/env bash
# The end-to-end tests and the fiche's PDF (lib/fiche/as_pdf.py) drive Debian's Chromium through
# Playwright; install it when absent.
# (Playwright's own browser download is not used: only the package registries are reachable.)
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
echo "Installation de Chromium (Debian) pour les tests de bout en bout…"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
command -v chromium
