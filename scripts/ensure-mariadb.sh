#!/usr/bin/env bash
# Installs Debian's MariaDB server when it is missing (the masking tests and benchmark start
# throwaway servers of their own; nothing is started here).
set -euo pipefail
if command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "MariaDB server is not installed: run 'sudo apt-get install mariadb-server' (Debian/Ubuntu)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends mariadb-server >/dev/null
# The package may start a system server; the project never uses it.
(service mariadb stop || true) >/dev/null 2>&1
