#!/usr/bin/env bash
# Installs what the demo and the tests need, once: npm dependencies (which bring Node 24), the
# Debian packages of the sample stack, and the sample host's user, service manager and sudo rule.
# Safe to run again: every step checks first and does nothing when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*"; }

# --- npm dependencies (Node 24 is the devDependency `node`) --------------------------------
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -x node_modules/.bin/node ] || [ "$(cat node_modules/.setup-lock-hash 2>/dev/null)" != "$lock_hash" ]; then
  log "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > node_modules/.setup-lock-hash
fi
node_version=$(node_modules/.bin/node --version)
case "$node_version" in v24.*) ;; *) echo "node_modules/.bin/node is $node_version, expected v24" >&2; exit 1 ;; esac

# --- Debian packages ---------------------------------------------------------------------------
if [ "$(id -u)" -ne 0 ]; then
  echo "The sample stack needs root (sshd, a deploy user, sudo rules). Run as root." >&2
  exit 1
fi
packages=(openssh-server openssh-client sudo python3)
if [ "${SETUP_BENCH:-}" = 1 ]; then packages+=(awscli); fi
# --- deploy-jar-ec2: the release script on the sample host (health check, SSM download: curl;
# the host lock: flock from util-linux).
packages+=(curl util-linux)
# --- terraform-plan-comment's benchmark: jq (the side-by-side one-liner) and GNU time (its peak RSS)
if [ "${SETUP_BENCH:-}" = 1 ]; then packages+=(jq time); fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Install without starting services: the stack starts its own sshd on a loopback port.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  rm -f /usr/sbin/policy-rc.d
fi

# --- build-push-ai-image: Docker engine, OCI registry, base image (issue 6) ----------------------
# Debian's docker.io brings dockerd (the stack starts its own on a private socket; the package's
# service is never started). docker.io conflicts with Docker CE (docker-ce, docker-ce-cli,
# containerd.io): installing it would REMOVE them. So: a working dockerd and docker client already on
# PATH (Docker CE, or docker.io from an earlier run) are used as they are; Docker CE's client without
# its engine is refused (install docker-ce, or remove docker-ce-cli); otherwise docker.io is installed.
docker_packages=(docker-registry apache2-utils mmdebstrap)
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
if command -v dockerd >/dev/null && dockerd --version >/dev/null 2>&1 \
  && command -v docker >/dev/null && docker --version >/dev/null 2>&1; then
  log "Docker engine already here: $(command -v dockerd) ($(dockerd --version)), client $(command -v docker)"
elif installed docker-ce || installed docker-ce-cli || installed containerd.io; then
  cat >&2 <<'MSG'
[setup] Docker CE packages are installed (docker-ce / docker-ce-cli / containerd.io) but there is no
[setup] working `dockerd` and `docker` on PATH. Debian's docker.io, which the sample stack would
[setup] otherwise install, conflicts with them and would remove them, so setup stops here.
[setup] Either install Docker CE's engine (apt-get install docker-ce containerd.io) and rerun, or
[setup] remove the Docker CE packages (apt-get remove docker-ce-cli ...) and rerun to get docker.io.
MSG
  exit 1
else
  docker_packages=(docker.io "${docker_packages[@]}")
fi
docker_missing=()
for p in "${docker_packages[@]}"; do
  installed "$p" || docker_missing+=("$p")
done
if [ ${#docker_missing[@]} -gt 0 ]; then
  log "apt-get install ${docker_missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  apt-get install -y -qq --no-install-recommends "${docker_missing[@]}" >/dev/null
  rm -f /usr/sbin/policy-rc.d
fi
# No registry can be reached: the sample AI image's Python base is a Debian rootfs built from the
# machine's own apt sources, once per machine; each fresh dockerd of the stack imports it.
base_tar=/var/cache/sample-stack/python-base.tar
if [ ! -s "$base_tar" ]; then
  log "building the Python base image rootfs ($base_tar, mmdebstrap)"
  mkdir -p "$(dirname "$base_tar")"
  mmdebstrap --quiet --variant=essential --include=python3 \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*' \
    --format=tar bookworm "$base_tar.tmp"
  mv "$base_tar.tmp" "$base_tar"
fi

# --- The sample host's service manager -----------------------------------------------------
# systemd cannot run here. Debian's `systemctl` package (a daemonless systemctl that reads real
# unit files) would remove systemd if installed, so it is only extracted, under /opt/sample-stack.
if [ ! -x /opt/sample-stack/bin/systemctl ]; then
  log "extracting the daemonless systemctl to /opt/sample-stack/bin"
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download -qq systemctl 2>/dev/null && dpkg -x systemctl_*.deb root)
  install -D -m 0755 "$tmp/root/usr/bin/systemctl" /opt/sample-stack/bin/systemctl
  rm -rf "$tmp"
fi

# --- The deploy user and its sudo rule -----------------------------------------------------------
if ! id deploy >/dev/null 2>&1; then
  log "creating user deploy"
  useradd --create-home --shell /bin/bash deploy
fi
# No password, but not a locked account (sshd refuses locked accounts when PAM is off).
usermod -p '*' deploy
sudoers=/etc/sudoers.d/sample-stack-deploy
want=$(cat <<'SUDO'
# The sample EC2 host: the deploy user may manage the sample services and nothing else.
Defaults:deploy secure_path="/opt/sample-stack/bin:/usr/sbin:/usr/bin:/sbin:/bin"
deploy ALL=(root) NOPASSWD: /opt/sample-stack/bin/systemctl start sample-api*, /opt/sample-stack/bin/systemctl stop sample-api*, /opt/sample-stack/bin/systemctl restart sample-api*, /opt/sample-stack/bin/systemctl is-active sample-api*, /opt/sample-stack/bin/systemctl status sample-api*, /opt/sample-stack/bin/systemctl show sample-api*
SUDO
)
if [ "$(cat "$sudoers" 2>/dev/null)" != "$want" ]; then
  log "writing $sudoers"
  printf '%s\n' "$want" > "$sudoers.tmp"
  chmod 0440 "$sudoers.tmp"
  visudo -cf "$sudoers.tmp" >/dev/null
  mv "$sudoers.tmp" "$sudoers"
fi
log "ready (node $node_version)"
