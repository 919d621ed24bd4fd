#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
#
# Virtual capture devices for the usermediasrc tests: a private PipeWire
# daemon, WirePlumber and pipewire-pulse, hosting virtual cameras (vdev-cam)
# and a virtual microphone, as seen by pipewiredeviceprovider and
# pulsedeviceprovider. See tests/vdev/README.md.
#
#   eval "$(tests/vdev/vdev.sh start)"   # prints export lines on stdout
#   tests/vdev/vdev.sh start --watch-pid PID   # also stop when process PID exits
#   tests/vdev/vdev.sh status | selftest | env
#   tests/vdev/vdev.sh kill-camera NAME | start-camera NAME
#   tests/vdev/vdev.sh stop
#
# Exit status: 0 ok, 1 failure, 2 usage error / not running,
# 3 a required program or GStreamer element is missing (skip the tests).
#
# Settings (environment):
#   VDEV_DIR       the instance to act on (set by `eval "$(... start)"`)
#   VDEV_TMPDIR    where `start` creates the instance dir (default: $TMPDIR or /tmp)
#   VDEV_TIMEOUT   seconds to wait for the devices to appear (default 15)
#   VDEV_CAM_BIN   use this prebuilt vdev-cam binary instead of compiling it
#   VDEV_KEEP_FAILED=1  keep the instance dir when `start` fails
#   VDEV_WATCH_PID the same as `start --watch-pid PID`

set -u
export LC_ALL=C

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VDEV_TIMEOUT=${VDEV_TIMEOUT:-15}
SELFTEST_TIMEOUT=${VDEV_SELFTEST_TIMEOUT:-15}
STOP_TIMEOUT=5

# ---- device table -----------------------------------------------------------

CAMERAS="vdev-cam-720p vdev-cam-1080p60 vdev-cam-vga vdev-cam-multi"
MICS="vdev-mic"
GROUP_ID="vdev-group-1"

# cam_spec NAME: sets CAM_DESC, CAM_MODES (array), CAM_PROPS (array of KEY=VALUE), CAM_MEMORY
# (vdev-cam -m: memfd, fd-backed buffers as a v4l2 camera node exports them; memptr, buffers
# PipeWire allocates, which consumers see as pointers into its mapping)
cam_spec() {
    CAM_PROPS=()
    CAM_MEMORY=memfd
    case "$1" in
    vdev-cam-720p)
        CAM_DESC="Virtual Camera 720p"
        CAM_MODES=(YUY2:1280x720@30)
        CAM_PROPS=(priority.session=1000 api.libcamera.location=front "vdev.group-id=$GROUP_ID")
        ;;
    vdev-cam-1080p60)
        CAM_DESC="Virtual Camera 1080p60"
        CAM_MODES=(NV12:1920x1080@60)
        CAM_PROPS=(priority.session=900)
        ;;
    vdev-cam-vga)
        CAM_DESC="Virtual Camera VGA"
        CAM_MODES=(I420:640x480@30)
        CAM_PROPS=(priority.session=800)
        CAM_MEMORY=memptr
        ;;
    vdev-cam-multi)
        CAM_DESC="Virtual Camera Multi-Format"
        CAM_MODES=(YUY2:1280x720@30 YUY2:640x480@30 NV12:1920x1080@60 I420:320x240@15)
        CAM_PROPS=(priority.session=700)
        ;;
    *) return 1 ;;
    esac
}

mic_props() { # NAME -> SPA-JSON for PIPEWIRE_PROPS
    case "$1" in
    vdev-mic)
        printf '{ "media.class": "Audio/Source", "node.name": "vdev-mic", "node.description": "Virtual Microphone", "vdev.group-id": "%s" }' "$GROUP_ID"
        ;;
    *) return 1 ;;
    esac
}

is_camera() { case " $CAMERAS " in *" $1 "*) return 0 ;; esac; return 1; }
is_mic() { case " $MICS " in *" $1 "*) return 0 ;; esac; return 1; }

# ---- helpers ----------------------------------------------------------------

log() { printf 'vdev: %s\n' "$*" >&2; }
die() { printf 'vdev: error: %s\n' "$*" >&2; exit "${2:-1}"; }

now_ms() {
    if [ -n "${EPOCHREALTIME:-}" ]; then
        local t=${EPOCHREALTIME/[.,]/}
        echo $((t / 1000))
    else
        date +%s%3N
    fi
}

# proc_starttime PID: prints the start time (field 22 of /proc/PID/stat) of a
# live process; fails if there is no such process or it is a zombie.
proc_starttime() {
    local s f
    s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    s=${s##*) }
    read -ra f <<<"$s"
    case "${f[0]}" in Z | X | x) return 1 ;; esac
    echo "${f[19]}"
}

# record_alive TAG: true if the process recorded under TAG is still the one we started
record_alive() {
    local file="$VDEV_DIR/pids/$1" pid st cur
    [ -f "$file" ] || return 1
    read -r pid st _ <"$file" || return 1
    cur=$(proc_starttime "$pid") || return 1
    [ "$cur" = "$st" ]
}

record_pid() { # TAG PID
    local st
    st=$(proc_starttime "$2") || st=gone
    echo "$2 $st" >"$VDEV_DIR/pids/$1"
}

# spawn TAG LOGFILE CMD...: start CMD in its own session, record it
spawn() {
    local tag=$1 logf=$2
    shift 2
    setsid "$@" </dev/null >>"$logf" 2>&1 &
    record_pid "$tag" $!
}

# stop_tag TAG: SIGTERM the recorded process (only if its start time still
# matches), wait, SIGKILL after STOP_TIMEOUT, forget the record.
stop_tag() {
    local tag=$1 file="$VDEV_DIR/pids/$1" pid st deadline
    [ -f "$file" ] || return 0
    read -r pid st _ <"$file" || { rm -f "$file"; return 0; }
    if record_alive "$tag"; then
        kill -TERM "$pid" 2>/dev/null
        deadline=$(($(now_ms) + STOP_TIMEOUT * 1000))
        while record_alive "$tag" && [ "$(now_ms)" -lt "$deadline" ]; do sleep 0.05; done
        if record_alive "$tag"; then
            log "$tag (pid $pid) ignored SIGTERM, sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null
            deadline=$(($(now_ms) + 2000))
            while record_alive "$tag" && [ "$(now_ms)" -lt "$deadline" ]; do sleep 0.05; done
        fi
        record_alive "$tag" && log "warning: $tag (pid $pid) is still alive"
    fi
    # reap it if it is our own child (only while `start` cleans up)
    wait "$pid" 2>/dev/null
    rm -f "$file"
}

# Environment of the daemons: everything private to VDEV_DIR, nothing
# inherited that could point them at another session. Sets DAEMON_ENV.
set_daemon_env() {
    DAEMON_ENV=(env -u DBUS_SESSION_BUS_ADDRESS -u DISPLAY -u WAYLAND_DISPLAY
        -u PIPEWIRE_REMOTE -u PIPEWIRE_PROPS -u PIPEWIRE_CONFIG_DIR -u PIPEWIRE_CONFIG_NAME
        -u PULSE_SERVER -u PULSE_RUNTIME_PATH -u PULSE_CONFIG_PATH -u PULSE_STATE_PATH
        -u WIREPLUMBER_CONFIG_DIR -u WIREPLUMBER_DATA_DIR -u WIREPLUMBER_MODULE_DIR
        XDG_RUNTIME_DIR="$VDEV_DIR/run" PIPEWIRE_RUNTIME_DIR="$VDEV_DIR/run"
        HOME="$VDEV_DIR/home" XDG_CONFIG_HOME="$VDEV_DIR/config"
        XDG_STATE_HOME="$VDEV_DIR/state" XDG_DATA_HOME="$VDEV_DIR/data"
        XDG_CACHE_HOME="$VDEV_DIR/cache")
}

# Environment of the device processes and of the clients (gst-launch etc.).
# HOME and the cache dir are left alone so the GStreamer registry is shared.
client_env() {
    env -u PIPEWIRE_REMOTE -u PIPEWIRE_PROPS -u PULSE_RUNTIME_PATH \
        XDG_RUNTIME_DIR="$VDEV_DIR/run" PIPEWIRE_RUNTIME_DIR="$VDEV_DIR/run" \
        PULSE_SERVER="unix:$VDEV_DIR/run/pulse/native" "$@"
}

# pw_node_names: node.name of every node, one per line
pw_node_names() {
    client_env timeout -k 1 5 pw-cli ls Node 2>/dev/null |
        sed -n 's/^[[:space:]]*node\.name = "\(.*\)"[[:space:]]*$/\1/p'
}

# pw_node_table: "node.name object.serial object.id" per node
pw_node_table() {
    client_env timeout -k 1 5 pw-cli ls Node 2>/dev/null | awk '
        /^[[:space:]]*id [0-9]+, type/ { if (name != "") print name, serial, id; id = $2; sub(",", "", id); name = ""; serial = "-" }
        /^[[:space:]]*object\.serial = / { serial = $3; gsub("\"", "", serial) }
        /^[[:space:]]*node\.name = / { name = $0; sub(/^[^"]*"/, "", name); sub(/"[[:space:]]*$/, "", name) }
        END { if (name != "") print name, serial, id }'
}

device_monitor() {
    client_env timeout -k 1 10 gst-device-monitor-1.0 Video/Source Audio/Source 2>/dev/null
}

# missing_devices NAME...: prints the names not (yet) visible the way tests
# see them: every camera and mic through pipewiredeviceprovider (node.name
# property), every mic also through pulsedeviceprovider (pulsesrc device=NAME).
missing_devices() {
    local out name missing=""
    out=$(device_monitor) || out=""
    for name in "$@"; do
        if ! grep -q "node\.name = $name\$" <<<"$out"; then
            missing+=" $name(pipewire)"
        elif is_mic "$name" && ! grep -q "pulsesrc device=$name " <<<"$out"; then
            missing+=" $name(pulse)"
        fi
    done
    echo "${missing# }"
}

# wait_devices NAME...: until all are visible, or VDEV_TIMEOUT
wait_devices() {
    local deadline missing
    deadline=$(($(now_ms) + VDEV_TIMEOUT * 1000))
    while :; do
        missing=$(missing_devices "$@")
        [ -z "$missing" ] && return 0
        if [ "$(now_ms)" -ge "$deadline" ]; then
            log "timed out after ${VDEV_TIMEOUT}s waiting for: $missing"
            return 1
        fi
        sleep 0.1
    done
}

# wait_gone NAME: until no PipeWire node has this node.name
wait_gone() {
    local deadline
    deadline=$(($(now_ms) + VDEV_TIMEOUT * 1000))
    while pw_node_names | grep -qx -- "$1"; do
        if [ "$(now_ms)" -ge "$deadline" ]; then
            log "timed out waiting for node $1 to disappear"
            return 1
        fi
        sleep 0.05
    done
}

check_instance() {
    [ -n "${VDEV_DIR:-}" ] || die "VDEV_DIR is not set (run: eval \"\$($0 start)\")" 2
    [ -f "$VDEV_DIR/.vdev" ] || die "$VDEV_DIR is not a running vdev instance" 2
}

# ---- requirements -----------------------------------------------------------

check_requirements() {
    local missing=() prog pkg el
    local progs="pipewire:pipewire-bin wireplumber:wireplumber pipewire-pulse:pipewire-pulse
        pw-cli:pipewire-bin gst-launch-1.0:gstreamer1.0-tools gst-inspect-1.0:gstreamer1.0-tools
        gst-device-monitor-1.0:gstreamer1.0-plugins-base-apps setsid:util-linux timeout:coreutils
        mktemp:coreutils awk:mawk sed:sed grep:grep"
    if [ -z "${VDEV_CAM_BIN:-}" ]; then
        progs+=" cc:gcc pkg-config:pkg-config"
    fi
    for prog in $progs; do
        pkg=${prog#*:}
        prog=${prog%%:*}
        command -v "$prog" >/dev/null 2>&1 || missing+=("program $prog (Debian package $pkg)")
    done
    if [ -n "${VDEV_CAM_BIN:-}" ]; then
        [ -x "$VDEV_CAM_BIN" ] || missing+=("VDEV_CAM_BIN=$VDEV_CAM_BIN (not executable)")
    elif command -v pkg-config >/dev/null 2>&1 && ! pkg-config --exists libpipewire-0.3; then
        missing+=("pkg-config module libpipewire-0.3 (Debian package libpipewire-0.3-dev)")
    fi
    if command -v gst-inspect-1.0 >/dev/null 2>&1; then
        for el in pipewiresrc:gstreamer1.0-pipewire pipewiresink:gstreamer1.0-pipewire \
            pulsesrc:gstreamer1.0-plugins-good audiotestsrc:gstreamer1.0-plugins-base \
            identity:libgstreamer1.0-0 fakesink:libgstreamer1.0-0; do
            pkg=${el#*:}
            el=${el%%:*}
            gst-inspect-1.0 --exists --atleast-version=0.0 "$el" 2>/dev/null || missing+=("GStreamer element $el (Debian package $pkg)")
        done
    fi
    if [ ${#missing[@]} -gt 0 ]; then
        printf 'vdev: missing: %s\n' "${missing[@]}" >&2
        exit 3
    fi
}

# ---- devices ----------------------------------------------------------------

start_device() { # NAME
    local name=$1 props
    if is_camera "$name"; then
        cam_spec "$name"
        local args=(-n "$name" -d "$CAM_DESC" -m "$CAM_MEMORY") p
        for p in "${CAM_PROPS[@]}"; do args+=(-p "$p"); done
        spawn "dev-$name" "$VDEV_DIR/logs/$name.log" \
            env -u PIPEWIRE_PROPS XDG_RUNTIME_DIR="$VDEV_DIR/run" PIPEWIRE_RUNTIME_DIR="$VDEV_DIR/run" \
            "$VDEV_DIR/bin/vdev-cam" "${args[@]}" "${CAM_MODES[@]}"
    elif is_mic "$name"; then
        props=$(mic_props "$name")
        spawn "dev-$name" "$VDEV_DIR/logs/$name.log" \
            env XDG_RUNTIME_DIR="$VDEV_DIR/run" PIPEWIRE_RUNTIME_DIR="$VDEV_DIR/run" \
            PIPEWIRE_PROPS="$props" \
            gst-launch-1.0 audiotestsrc is-live=true wave=sine \
            ! audio/x-raw,format=S16LE,rate=48000,channels=1 \
            ! identity drop-allocation=true \
            ! pipewiresink mode=render
    else
        return 1
    fi
}

# stop everything recorded: devices first, then the daemons in reverse order
stop_all() {
    local f tag jobs=()
    # The watcher first, so that it cannot start a second `stop` meanwhile. When the
    # watcher itself is stopping the instance, it only forgets its own record.
    if [ "${VDEV_IS_WATCHER:-0}" = 1 ]; then
        rm -f "$VDEV_DIR/pids/watcher"
    else
        stop_tag watcher
    fi
    for f in "$VDEV_DIR"/pids/dev-*; do
        [ -e "$f" ] || continue
        tag=${f##*/}
        stop_tag "$tag" &
        jobs+=($!)
    done
    [ ${#jobs[@]} -gt 0 ] && wait "${jobs[@]}"
    for tag in pipewire-pulse wireplumber pipewire; do
        stop_tag "$tag"
    done
}

write_wireplumber_config() {
    mkdir -p "$VDEV_DIR/config/wireplumber/main.lua.d" "$VDEV_DIR/config/wireplumber/bluetooth.lua.d"
    cat >"$VDEV_DIR/config/wireplumber/main.lua.d/60-vdev.lua" <<'EOF'
-- Written by tests/vdev/vdev.sh. Runs WirePlumber without D-Bus and without
-- hardware monitors, and with no stream target restore between tests.
default_access.properties["enable-flatpak-portal"] = false
alsa_monitor.properties["alsa.reserve"] = false
alsa_monitor.enabled = false
v4l2_monitor.enabled = false
libcamera_monitor.enabled = false
stream_defaults.enabled = false
EOF
    cat >"$VDEV_DIR/config/wireplumber/bluetooth.lua.d/60-vdev.lua" <<'EOF'
-- Written by tests/vdev/vdev.sh: no BlueZ (needs the system bus).
bluez_monitor.enabled = false
EOF
}

print_env() {
    cat <<EOF
export XDG_RUNTIME_DIR='$VDEV_DIR/run'
export PIPEWIRE_RUNTIME_DIR='$VDEV_DIR/run'
export PULSE_SERVER='unix:$VDEV_DIR/run/pulse/native'
export VDEV_DIR='$VDEV_DIR'
export VDEV_CAMERAS='$CAMERAS'
export VDEV_MICS='$MICS'
EOF
}

show_logs() {
    local f
    for f in "$VDEV_DIR"/logs/*.log; do
        [ -s "$f" ] || continue
        printf '%s\n' "----- ${f##*/} (last 20 lines) -----" >&2
        tail -n 20 "$f" >&2
    done
}

# wait_for_file PATH SECONDS
wait_for_file() {
    local deadline
    deadline=$(($(now_ms) + $2 * 1000))
    while [ ! -e "$1" ]; do
        [ "$(now_ms)" -ge "$deadline" ] && return 1
        sleep 0.05
    done
}

start_failed() {
    START_DONE=1
    trap - INT TERM HUP EXIT
    log "start failed: $*"
    show_logs
    stop_all
    if [ "${VDEV_KEEP_FAILED:-0}" = 1 ]; then
        log "kept $VDEV_DIR"
    else
        rm -rf "$VDEV_DIR"
    fi
    exit 1
}

# ---- subcommands ------------------------------------------------------------

cmd_start() {
    local t0 name watch_pid=${VDEV_WATCH_PID:-} watch_start=""
    t0=$(now_ms)
    while [ $# -gt 0 ]; do
        case "$1" in
        --watch-pid)
            [ $# -ge 2 ] || die "usage: $0 start [--watch-pid PID]" 2
            watch_pid=$2
            shift 2
            ;;
        --watch-pid=*)
            watch_pid=${1#--watch-pid=}
            shift
            ;;
        *) die "usage: $0 start [--watch-pid PID]" 2 ;;
        esac
    done
    if [ -n "$watch_pid" ]; then
        case "$watch_pid" in *[!0-9]*) die "--watch-pid: '$watch_pid' is not a PID" 2 ;; esac
        watch_start=$(proc_starttime "$watch_pid") || die "--watch-pid: no process $watch_pid" 2
    fi
    if [ -n "${VDEV_DIR:-}" ] && [ -f "$VDEV_DIR/.vdev" ]; then
        local f alive=0
        for f in "$VDEV_DIR"/pids/*; do
            [ -e "$f" ] && record_alive "${f##*/}" && alive=1
        done
        [ $alive = 1 ] && die "an instance is already running in $VDEV_DIR; run '$0 stop' first"
    fi
    check_requirements

    VDEV_DIR=$(mktemp -d "${VDEV_TMPDIR:-${TMPDIR:-/tmp}}/vdev.XXXXXX") || die "mktemp failed"
    chmod 0700 "$VDEV_DIR"
    mkdir -p "$VDEV_DIR"/{run,pids,logs,bin,home,config,state,data,cache}
    chmod 0700 "$VDEV_DIR/run"
    echo "$$" >"$VDEV_DIR/.vdev"
    START_DONE=0
    trap 'start_failed "interrupted"' INT TERM HUP
    trap '[ "$START_DONE" = 1 ] || start_failed "unexpected exit"' EXIT

    # the camera binary
    if [ -n "${VDEV_CAM_BIN:-}" ]; then
        cp "$VDEV_CAM_BIN" "$VDEV_DIR/bin/vdev-cam" || start_failed "cannot copy $VDEV_CAM_BIN"
    else
        # shellcheck disable=SC2046
        timeout 120 cc -O2 -Wall -o "$VDEV_DIR/bin/vdev-cam" "$SCRIPT_DIR/vdev-cam.c" \
            $(pkg-config --cflags --libs libpipewire-0.3) >"$VDEV_DIR/logs/build.log" 2>&1 ||
            start_failed "building vdev-cam failed"
    fi

    write_wireplumber_config

    set_daemon_env
    spawn pipewire "$VDEV_DIR/logs/pipewire.log" "${DAEMON_ENV[@]}" pipewire
    wait_for_file "$VDEV_DIR/run/pipewire-0" "$VDEV_TIMEOUT" ||
        start_failed "pipewire did not create its socket"
    spawn wireplumber "$VDEV_DIR/logs/wireplumber.log" "${DAEMON_ENV[@]}" wireplumber
    spawn pipewire-pulse "$VDEV_DIR/logs/pipewire-pulse.log" "${DAEMON_ENV[@]}" pipewire-pulse

    for name in $CAMERAS $MICS; do
        start_device "$name"
    done

    wait_for_file "$VDEV_DIR/run/pulse/native" "$VDEV_TIMEOUT" ||
        start_failed "pipewire-pulse did not create its socket"
    wait_devices $CAMERAS $MICS || start_failed "devices did not appear"
    # A daemon that died during the wait (e.g. WirePlumber without D-Bus) is fatal.
    local f
    for f in "$VDEV_DIR"/pids/*; do
        record_alive "${f##*/}" || start_failed "${f##*/} exited"
    done

    if [ -n "$watch_pid" ]; then
        spawn watcher "$VDEV_DIR/logs/watcher.log" \
            env VDEV_DIR="$VDEV_DIR" VDEV_IS_WATCHER=1 \
            bash "$SCRIPT_DIR/vdev.sh" watch "$watch_pid" "$watch_start"
        record_alive watcher || start_failed "the watcher did not start"
    fi

    print_env >"$VDEV_DIR/env"
    START_DONE=1
    trap - INT TERM HUP EXIT
    log "started in $(($(now_ms) - t0)) ms: $VDEV_DIR"
    print_env
}

cmd_stop() {
    local t0
    t0=$(now_ms)
    [ $# -gt 0 ] && VDEV_DIR=$1
    if [ -z "${VDEV_DIR:-}" ] || [ ! -d "$VDEV_DIR" ]; then
        log "nothing to stop"
        return 0
    fi
    [ -f "$VDEV_DIR/.vdev" ] || die "$VDEV_DIR does not look like a vdev instance; not touching it"
    stop_all
    rm -rf "$VDEV_DIR"
    log "stopped in $(($(now_ms) - t0)) ms"
}

# watch PID STARTTIME: runs in the background (spawned by `start --watch-pid`);
# stops the instance once the process PID (with that start time) is gone.
cmd_watch() {
    local pid=${1:-} st=${2:-} cur
    [ -n "$pid" ] && [ -n "$st" ] || die "usage: $0 watch PID STARTTIME" 2
    check_instance
    while :; do
        cur=$(proc_starttime "$pid") || break
        [ "$cur" = "$st" ] || break
        [ -f "$VDEV_DIR/.vdev" ] || exit 0 # stopped by someone else
        sleep 0.2
    done
    log "process $pid exited; stopping $VDEV_DIR"
    cmd_stop
}

cmd_status() {
    local f tag pid st rc=0
    check_instance
    echo "VDEV_DIR=$VDEV_DIR"
    for f in "$VDEV_DIR"/pids/*; do
        [ -e "$f" ] || continue
        tag=${f##*/}
        read -r pid st _ <"$f"
        if record_alive "$tag"; then
            printf '  %-22s pid %-7s running\n' "$tag" "$pid"
        else
            printf '  %-22s pid %-7s DEAD\n' "$tag" "$pid"
            rc=1
        fi
    done
    echo "PipeWire nodes (node.name object.serial object.id):"
    pw_node_table | sed 's/^/  /'
    return $rc
}

cmd_env() {
    check_instance
    [ -f "$VDEV_DIR/env" ] || die "instance not fully started"
    cat "$VDEV_DIR/env"
}

# run_test NAME EXPECT_REGEX -- gst-launch arguments...
ST_PASS=0
ST_FAIL=0
run_test() {
    local name=$1 expect=$2 t0 rc logf
    shift 3
    logf="$VDEV_DIR/logs/selftest/$name.log"
    t0=$(now_ms)
    client_env timeout -k 2 "$SELFTEST_TIMEOUT" gst-launch-1.0 "$@" >"$logf" 2>&1
    rc=$?
    if [ $rc -eq 0 ] && ! grep -q "Got EOS" "$logf"; then
        rc=1
    fi
    if [ $rc -eq 0 ] && [ -n "$expect" ] && ! grep -Eq -- "$expect" "$logf"; then
        rc=1
        echo "FAIL $name: output does not match /$expect/ (log: $logf)"
    fi
    if [ $rc -eq 0 ]; then
        ST_PASS=$((ST_PASS + 1))
        echo "PASS $name ($(($(now_ms) - t0)) ms)"
    else
        ST_FAIL=$((ST_FAIL + 1))
        [ $rc -eq 124 ] && echo "FAIL $name: timeout after ${SELFTEST_TIMEOUT}s (log: $logf)" ||
            echo "FAIL $name: rc=$rc (log: $logf)"
        tail -n 5 "$logf" | sed 's/^/    /'
    fi
}

# check_pts NAME PERIOD_MS: the buffers of an identity silent=false log have
# increasing PTS about PERIOD_MS apart
check_pts() {
    local logf="$VDEV_DIR/logs/selftest/$1.log"
    grep -o 'pts: [0-9:.]*' "$logf" | awk -v period="$2" '
        { split($2, t, ":"); ns = ((t[1] * 60 + t[2]) * 60 + t[3]) * 1e9; n++
          if (n > 1) { d = (ns - prev) / 1e6; if (d < period * 0.8 || d > period * 1.2) bad++ }
          prev = ns }
        END { if (n < 5 || bad > 0) { printf "    pts check: %d buffers, %d bad intervals\n", n, bad; exit 1 } }'
}

cmd_selftest() {
    check_instance
    mkdir -p "$VDEV_DIR/logs/selftest"
    local cam mic
    for cam in $CAMERAS; do
        run_test "$cam" "" -- pipewiresrc target-object="$cam" num-buffers=30 ! video/x-raw ! fakesink
    done
    # the multi-format camera: the caps filter picks the mode
    run_test vdev-cam-multi-nv12 'NV12, width=\(int\)1920, height=\(int\)1080, .*framerate=\(fraction\)60/1' -- \
        -v pipewiresrc target-object=vdev-cam-multi num-buffers=10 ! video/x-raw,format=NV12 ! fakesink
    run_test vdev-cam-multi-15fps 'I420, width=\(int\)320, height=\(int\)240, .*framerate=\(fraction\)15/1' -- \
        -v pipewiresrc target-object=vdev-cam-multi num-buffers=5 ! video/x-raw,framerate=15/1 ! fakesink
    # timestamps: CLOCK_MONOTONIC-based PTS, one frame period apart
    run_test vdev-cam-vga-pts 'pts: ' -- \
        -v pipewiresrc target-object=vdev-cam-vga num-buffers=10 ! video/x-raw ! identity silent=false ! fakesink
    if ! check_pts vdev-cam-vga-pts 33.33; then
        ST_PASS=$((ST_PASS - 1))
        ST_FAIL=$((ST_FAIL + 1))
        echo "FAIL vdev-cam-vga-pts: PTS not ~33 ms apart"
    fi
    for mic in $MICS; do
        run_test "$mic-pipewire" "" -- \
            pipewiresrc target-object="$mic" num-buffers=30 ! audio/x-raw,format=S16LE ! fakesink
        run_test "$mic-pulse" "" -- pulsesrc device="$mic" num-buffers=30 ! fakesink
    done
    echo "$ST_PASS passed, $ST_FAIL failed"
    [ $ST_FAIL -eq 0 ]
}

cmd_kill_device() {
    local name=${1:-}
    [ -n "$name" ] || die "usage: $0 kill-camera NAME" 2
    check_instance
    is_camera "$name" || is_mic "$name" || die "unknown device '$name' (known: $CAMERAS $MICS)" 2
    if ! record_alive "dev-$name"; then
        log "$name is not running"
        rm -f "$VDEV_DIR/pids/dev-$name"
        return 0
    fi
    stop_tag "dev-$name"
    wait_gone "$name"
}

cmd_start_device() {
    local name=${1:-}
    [ -n "$name" ] || die "usage: $0 start-camera NAME" 2
    check_instance
    is_camera "$name" || is_mic "$name" || die "unknown device '$name' (known: $CAMERAS $MICS)" 2
    if record_alive "dev-$name"; then
        log "$name is already running"
        return 0
    fi
    start_device "$name"
    if ! wait_devices "$name"; then
        tail -n 20 "$VDEV_DIR/logs/$name.log" >&2
        return 1
    fi
}

usage() {
    cat >&2 <<EOF
usage: $0 COMMAND
  start [--watch-pid PID]
                      start daemons and devices; prints export lines:
                        eval "\$($0 start)"
                      with --watch-pid (or VDEV_WATCH_PID), a watcher process
                      runs 'stop' as soon as process PID exits
  stop [DIR]          stop everything started by 'start', remove \$VDEV_DIR
  status              recorded processes and PipeWire nodes
  env                 print the export lines again
  selftest            capture from every device; last line "N passed, M failed"
  kill-camera NAME    stop one device (camera or mic) for unplug tests
  start-camera NAME   start it again (new object.serial, same node.name)
devices: $CAMERAS $MICS
EOF
    exit 2
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
start) cmd_start "$@" ;;
stop) cmd_stop "$@" ;;
status) cmd_status "$@" ;;
env) cmd_env "$@" ;;
watch) cmd_watch "$@" ;;
selftest) cmd_selftest "$@" ;;
kill-camera | kill-device) cmd_kill_device "$@" ;;
start-camera | start-device) cmd_start_device "$@" ;;
*) usage ;;
esac
