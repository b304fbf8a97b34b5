#!/usr/bin/env bash
# deploy-jar-ec2 release script. Runs on the target host: over SSH as the deploy user (the jar
# arrives on stdin), or through SSM Run Command as root (the jar is fetched from a presigned URL).
# Every value arrives as a `--name value` argument (the presigned URL of the SSM transport as the
# environment variable DEPLOY_JAR_SOURCE_URL, so it never shows in a process list); nothing is
# ever pasted into this text.
# It prints `::deploy:: <key> <value>` lines that the action reads; everything else is for people.
#
# Exit codes: 0 deployed or unchanged, 3 rolled back, 4 failed and could not be rolled back,
# 1 failed before anything was switched (nothing changed), 2 bad arguments.
#
# With `--check-only 1` (`--source none`) it only reads: it reports `status unchanged` when the
# current release has the jar's sha256, else `check changed`, and changes nothing on the host. The
# SSM transport runs it first so that an identical jar is never uploaded to the artifact bucket.
set -euo pipefail
umask 022
export LC_ALL=C

say() { printf '%s\n' "$*" 2>/dev/null || true; }
mark() { say "::deploy:: $*"; }
fail() { mark "error $1"; exit "${2:-1}"; }
now_ms() { date +%s%3N; }
PHASE_START=$(now_ms)
phase_done() { local t; t=$(now_ms); mark "time $1 $((t - PHASE_START))"; PHASE_START=$t; }

APP_DIR='' SERVICE='' RELEASE_ID='' SHA256='' SIZE='' HEALTH_URL='' HEALTH_TIMEOUT=60 KEEP=5
FORCE=0 SOURCE=stdin SOURCE_URL=${DEPLOY_JAR_SOURCE_URL:-} LOCK_TIMEOUT=600 LOG_LINES=30 CHECK=0
unset DEPLOY_JAR_SOURCE_URL
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || fail "argument $1 has no value" 2
  case "$1" in
    --app-dir) APP_DIR=$2 ;;
    --service) SERVICE=$2 ;;
    --release-id) RELEASE_ID=$2 ;;
    --sha256) SHA256=$2 ;;
    --size) SIZE=$2 ;;
    --health-url) HEALTH_URL=$2 ;;
    --health-timeout) HEALTH_TIMEOUT=$2 ;;
    --keep-releases) KEEP=$2 ;;
    --force) FORCE=$2 ;;
    --source) SOURCE=$2 ;;
    --lock-timeout) LOCK_TIMEOUT=$2 ;;
    --log-lines) LOG_LINES=$2 ;;
    --check-only) CHECK=$2 ;;
    *) fail "unknown argument $1" 2 ;;
  esac
  shift 2
done

# The action validated all of this already; the host checks again so the script is safe on its own.
ULID='^[0-9A-HJKMNP-TV-Z]{26}$'
[[ $APP_DIR =~ ^/[A-Za-z0-9._/-]+$ && $APP_DIR != *..* && $APP_DIR != *//* ]] || fail "invalid --app-dir" 2
[[ $SERVICE =~ ^[A-Za-z0-9][A-Za-z0-9_.@-]*$ ]] || fail "invalid --service" 2
[[ $RELEASE_ID =~ $ULID ]] || fail "invalid --release-id" 2
[[ $SHA256 =~ ^[0-9a-f]{64}$ ]] || fail "invalid --sha256" 2
[[ $SIZE =~ ^[0-9]+$ && $HEALTH_TIMEOUT =~ ^[0-9]+$ && $KEEP =~ ^[0-9]+$ ]] || fail "invalid number" 2
[[ $LOCK_TIMEOUT =~ ^[0-9]+$ && $LOG_LINES =~ ^[0-9]+$ && $FORCE =~ ^[01]$ && $CHECK =~ ^[01]$ ]] ||
  fail "invalid number" 2
[[ $SOURCE == stdin || ($SOURCE == url && $SOURCE_URL =~ ^https?://[^[:space:]\"]+$) ||
  ($SOURCE == none && $CHECK == 1) ]] ||
  fail "invalid --source (url needs DEPLOY_JAR_SOURCE_URL, none only with --check-only 1)" 2
[[ -z $HEALTH_URL || $HEALTH_URL =~ ^https?://[^[:space:]\'\"\`]+$ ]] || fail "invalid --health-url" 2
UNIT=${SERVICE%.service}

for tool in flock sha256sum readlink mv ln df; do
  command -v "$tool" >/dev/null || fail "the host lacks '$tool' (coreutils/util-linux)"
done
if [ -n "$HEALTH_URL" ] || [ "$SOURCE" = url ]; then
  command -v curl >/dev/null || fail "the host lacks curl, needed for the health check and downloads"
fi
# The lock's descriptor (9) is closed for systemctl: a service started from here must not inherit
# the lock (sudo closes it anyway; as root, nothing else would).
if [ "$(id -u)" -eq 0 ]; then
  svc() { systemctl "$@" 9<&-; }
else
  svc() { sudo -n systemctl "$@" 9<&-; }
  # Check the sudo rules before anything is uploaded: restart and is-active for every deploy, stop
  # for a failed first deploy (nothing to roll back to, so the service is stopped).
  missing=()
  for verb in restart is-active stop; do
    sudo -n -l systemctl "$verb" "$SERVICE" >/dev/null 2>&1 || missing+=("'sudo systemctl $verb $SERVICE'")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    fail "user $(id -un) may not run ${missing[*]} without a password; add a sudoers rule such as: $(id -un) ALL=(root) NOPASSWD: /usr/bin/systemctl restart $SERVICE, /usr/bin/systemctl is-active $SERVICE, /usr/bin/systemctl stop $SERVICE"
  fi
fi
# When run as root (SSM), what the script creates belongs to the app directory's owner.
own() { if [ "$(id -u)" -eq 0 ]; then chown -h --reference="$APP_DIR" -- "$@"; fi; }

[ -d "$APP_DIR" ] || fail "app-dir $APP_DIR does not exist on the host (create it, owned by the deploy user)"
cd -- "$APP_DIR"
changed() { # check-only: the jar differs from the current release (or there is none)
  mark "check changed"
  say "The current release differs from this jar (or there is none): a deploy is needed."
  exit 0
}
if [ ! -d releases ]; then
  [ "$CHECK" = 0 ] || changed
  mkdir releases 2>/dev/null || fail "cannot create $APP_DIR/releases as $(id -un)"
  own releases
fi

# --- 1. Lock: two deploys of the same app never interleave ------------------------------------
# (A check waits for a deploy in progress too, so it reads the release that deploy leaves behind.)
LOCK=.deploy.lock
if [ ! -e "$LOCK" ]; then
  [ "$CHECK" = 0 ] || changed
  : >"$LOCK"
  own "$LOCK"
fi
exec 9<"$LOCK"
if ! flock -n 9; then
  mark "waiting-for-lock $APP_DIR/$LOCK"
  say "Another deploy of $APP_DIR holds the lock; waiting up to ${LOCK_TIMEOUT}s."
  flock -w "$LOCK_TIMEOUT" 9 || fail "timed out after ${LOCK_TIMEOUT}s waiting for the deploy lock $APP_DIR/$LOCK"
fi
phase_done lock

# A previous deploy cut off mid-upload may have left a .part behind: we hold the lock, so it is stale.
if [ "$CHECK" = 0 ]; then rm -f -- releases/*.jar.part releases/*.jar.part.sum; fi

release_of() { # release id a link points to, or nothing
  local target
  target=$(readlink -- "$1" 2>/dev/null) || return 0
  target=${target##*/}
  printf '%s' "${target%.jar}"
}
switch_link() { # atomically point link $1 at release $2 (rename(2) of a fresh symlink over it)
  ln -sfn -- "releases/$2.jar" "$1.new"
  own "$1.new"
  mv -fT -- "$1.new" "$1"
}

# A current.jar copied in place by an older deploy method becomes release 000...0 (epoch 0).
if [ -e current.jar ] && [ ! -L current.jar ]; then
  [ "$CHECK" = 0 ] || changed
  LEGACY=00000000000000000000000000
  cp -p -- current.jar "releases/$LEGACY.jar"
  own "releases/$LEGACY.jar"
  switch_link current.jar "$LEGACY"
  say "Adopted the existing $APP_DIR/current.jar as release $LEGACY."
fi

CURRENT=$(release_of current.jar)
PREVIOUS=$(release_of previous.jar)
CURRENT_SHA=''
if [ -n "$CURRENT" ] && [ -f "releases/$CURRENT.jar" ]; then
  if [ -s "releases/$CURRENT.jar.sha256" ]; then
    read -r CURRENT_SHA _ <"releases/$CURRENT.jar.sha256" || true
  else
    CURRENT_SHA=$(sha256sum <"releases/$CURRENT.jar" | cut -d' ' -f1)
  fi
fi
mark "current ${CURRENT:--}"
mark "current-previous ${PREVIOUS:--}"

probe() { # prints the HTTP status of the health URL (000 when nothing answers)
  curl -s -o /dev/null -w '%{http_code}' --max-time 5 -- "$HEALTH_URL" 2>/dev/null || true
}
is_2xx() { [[ $1 =~ ^2[0-9][0-9]$ ]]; }

HEALTH=''
wait_healthy() { # waits until the unit is active and the health URL answers 2xx; sets HEALTH
  local deadline state code stable=0 tries=0
  deadline=$(($(date +%s) + HEALTH_TIMEOUT))
  while :; do
    state=$(svc is-active "$SERVICE" 2>/dev/null || true)
    state=${state%%$'\n'*}
    if [ "$state" = active ]; then
      if [ -n "$HEALTH_URL" ]; then
        code=$(probe)
        if is_2xx "$code"; then HEALTH="HTTP $code"; return 0; fi
        HEALTH="HTTP $code"
        [ "$code" = 000 ] && HEALTH='no answer'
      else
        stable=$((stable + 1))
        HEALTH='active'
        [ "$stable" -ge 15 ] && return 0
      fi
    else
      stable=0
      HEALTH="unit ${state:-unknown}"
      [ "$state" = failed ] && return 1
    fi
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    # Poll briskly while a JVM typically comes up, then every half second.
    tries=$((tries + 1))
    if [ "$tries" -lt 30 ]; then sleep 0.1; else sleep 0.5; fi
  done
}

service_log() { # the last lines of the service's log: journald, else the unit's log file
  local out='' source='' file="/var/log/journal/$UNIT.service.log"
  if command -v journalctl >/dev/null; then
    out=$(journalctl -u "$UNIT" -n "$LOG_LINES" --no-pager -o short-iso 2>/dev/null || true)
    source="journalctl -u $UNIT"
    [ "$out" = '-- No entries --' ] && out=''
  fi
  if [ -z "$out" ] && [ -r "$file" ]; then
    out=$(tail -n "$LOG_LINES" -- "$file" || true)
    source=$file
  fi
  if [ -z "$out" ]; then
    mark "log-begin none"
    say "(no log found for $UNIT: neither journalctl -u $UNIT nor $file has entries)"
  else
    mark "log-begin $source"
    # Each line cut to 400 characters: the whole report stays far below the 24,000 characters of
    # stdout that SSM's GetCommandInvocation returns (a Java stack trace has very long lines).
    printf '%s\n' "$out" | awk '{ if (length($0) > 400) $0 = substr($0, 1, 400) " [...]"; print "  | " $0 }' 2>/dev/null || true
  fi
  mark "log-end"
}

phase_done inspect

# --- 2. Unchanged: same bytes as the current release -> nothing uploaded, nothing restarted ----
if [ -n "$CURRENT_SHA" ] && [ "$CURRENT_SHA" = "$SHA256" ] && [ "$FORCE" = 0 ]; then
  mark "release $CURRENT"
  mark "previous ${PREVIOUS:--}"
  if [ -n "$HEALTH_URL" ]; then
    code=$(probe)
    mark "health HTTP $code"
    is_2xx "$code" || say "warning: the unchanged release $CURRENT answers HTTP $code on $HEALTH_URL"
  else
    mark "health $(svc is-active "$SERVICE" 2>/dev/null || true)"
  fi
  mark "status unchanged"
  exit 0
fi
[ "$CHECK" = 0 ] || changed

# --- 3. Upload to releases/<id>.jar.part, verify, rename --------------------------------------
PART="releases/$RELEASE_ID.jar.part"
[ ! -e "releases/$RELEASE_ID.jar" ] || fail "release $RELEASE_ID already exists on the host"
avail=$(df -P -k releases | awk 'NR == 2 { print $4 }')
if [ -n "$avail" ] && [ $((avail * 1024)) -lt $((SIZE + 1048576)) ]; then
  fail "not enough space in $APP_DIR/releases: $((avail / 1024)) MiB free, the jar needs $((SIZE / 1048576 + 1)) MiB"
fi
remove_part() { rm -f -- "$APP_DIR/$PART" "$APP_DIR/$PART.sum"; }
trap 'remove_part' EXIT
trap 'remove_part; exit 129' HUP
trap 'remove_part; exit 141' PIPE
trap 'remove_part; exit 143' TERM INT
SUM_FILE="releases/$RELEASE_ID.jar.part.sum"
if [ "$SOURCE" = stdin ]; then
  mark "send $SIZE"
  # Hash while receiving: the bytes are checked as they land, not read a second time.
  head -c "$SIZE" | tee -- "$PART" | sha256sum | cut -d' ' -f1 >"$SUM_FILE"
else
  mark "download"
  # The URL reaches curl through its config on stdin, not argv.
  printf 'url = "%s"\n' "$SOURCE_URL" | curl -fsS --retry 3 --max-time 900 -K - -o "$PART" ||
    fail "could not download the jar from the artifact bucket"
fi
received=$(stat -c %s -- "$PART")
[ "$received" = "$SIZE" ] || fail "upload incomplete: received $received of $SIZE bytes; nothing was switched"
if [ "$SOURCE" = url ]; then phase_done download; else phase_done upload; fi
if [ -s "$SUM_FILE" ]; then read -r sum <"$SUM_FILE"; else sum=$(sha256sum <"$PART" | cut -d' ' -f1); fi
rm -f -- "$SUM_FILE"
[ "$sum" = "$SHA256" ] || fail "checksum mismatch on the host: expected $SHA256, got $sum; nothing was switched"
printf '%s\n' "$SHA256" >"releases/$RELEASE_ID.jar.sha256"
mv -f -- "$PART" "releases/$RELEASE_ID.jar"
own "releases/$RELEASE_ID.jar" "releases/$RELEASE_ID.jar.sha256"
trap - EXIT HUP PIPE TERM INT
phase_done verify

# From here on the release completes (or rolls back) even if the runner goes away.
trap '' HUP PIPE

# --- 4. Switch current.jar atomically, restart, check health ----------------------------------
rollback() { # $1: why the new release failed
  trap - ERR
  set +E
  mark "cause $1"
  service_log
  if [ -z "$CURRENT" ]; then
    rm -f -- current.jar
    svc stop "$SERVICE" >/dev/null 2>&1 || true
    rm -f -- "releases/$RELEASE_ID.jar" "releases/$RELEASE_ID.jar.sha256"
    mark "status failed"
    fail "$1; there is no previous release to roll back to, so the service was stopped" 4
  fi
  say "Rolling back to $CURRENT."
  switch_link current.jar "$CURRENT"
  if [ -n "$PREVIOUS" ]; then switch_link previous.jar "$PREVIOUS"; else rm -f -- previous.jar; fi
  rm -f -- "releases/$RELEASE_ID.jar" "releases/$RELEASE_ID.jar.sha256"
  if svc restart "$SERVICE" && wait_healthy; then
    phase_done rollback
    mark "rollback-health $HEALTH"
    mark "status rolled-back"
    mark "error $1; rolled back to $CURRENT, which is healthy ($HEALTH)"
    exit 3
  fi
  phase_done rollback
  mark "rollback-health $HEALTH"
  mark "status failed"
  fail "$1; the rollback to $CURRENT is not healthy either ($HEALTH)" 4
}

# Any command that fails from the switch on (under set -e) takes the rollback path: the ERR trap
# (inherited by functions through set -E) is installed before the switch and removed once the
# release is done, or as soon as the rollback starts.
on_error() { # $1: exit code, $2: line, $3: the failed command
  trap - ERR
  set +E
  rollback "command failed after the switch (exit $1, line $2): ${3//$'\n'/ }"
}
set -E
trap 'on_error "$?" "$LINENO" "$BASH_COMMAND"' ERR
switch_link current.jar "$RELEASE_ID"
mark "switched $RELEASE_ID"
if [ -n "$CURRENT" ]; then switch_link previous.jar "$CURRENT"; fi
mark "release $RELEASE_ID"
mark "previous ${CURRENT:--}"
phase_done switch

if ! restart_out=$(svc restart "$SERVICE" 2>&1); then
  phase_done restart
  rollback "systemctl restart $SERVICE failed: ${restart_out//$'\n'/ }"
fi
phase_done restart
if ! wait_healthy; then
  phase_done health
  mark "health $HEALTH"
  rollback "release $RELEASE_ID did not become healthy within ${HEALTH_TIMEOUT}s (last: $HEALTH)"
fi
phase_done health
mark "health $HEALTH"

# --- 5. Prune beyond keep-releases, never the current or the previous release -----------------
# The new release and the previous one (the rollback target) always stay and take their slots first.
kept=1
if [ -n "$CURRENT" ] && [ "$CURRENT" != "$RELEASE_ID" ] && [ -f "releases/$CURRENT.jar" ]; then kept=2; fi
pruned=()
while IFS= read -r name; do
  id=${name%.jar}
  if [ "$id" = "$RELEASE_ID" ] || [ "$id" = "$CURRENT" ]; then
    continue
  elif [ "$kept" -lt "$KEEP" ]; then
    kept=$((kept + 1))
  else
    if rm -f -- "releases/$name" "releases/$name.sha256"; then
      pruned+=("$id")
    else
      say "warning: could not remove the old release $APP_DIR/releases/$name"
    fi
  fi
done < <(find releases -maxdepth 1 -type f -name '*.jar' -printf '%f\n' | grep -E '^[0-9A-HJKMNP-TV-Z]{26}\.jar$' | sort -r)
mark "pruned ${pruned[*]:--}"
phase_done prune
trap - ERR
set +E
mark "status deployed"
