# shellcheck shell=bash
# start_redis DIR: start a private redis-server listening only on DIR/redis.sock (no TCP port,
# nothing saved to disk) and print its URI for Flask-Limiter (redis+unix://...).
# stop_redis DIR: stop the server started in DIR, by the pid it wrote there.

start_redis() {
    local dir="$1"
    mkdir -p "$dir" || return 1
    redis-server --port 0 --unixsocket "$dir/redis.sock" --unixsocketperm 700 \
        --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" \
        --dir "$dir" --save '' --appendonly no >/dev/null || return 1
    local _
    for _ in $(seq 1 50); do
        [ -S "$dir/redis.sock" ] && { printf 'redis+unix://%s/redis.sock\n' "$dir"; return 0; }
        sleep 0.1
    done
    echo "redis-server did not start (log: $dir/redis.log)" >&2
    return 1
}

stop_redis() {
    local dir="$1"
    if [ -f "$dir/redis.pid" ]; then
        kill "$(cat "$dir/redis.pid")" 2>/dev/null || true
        rm -f "$dir/redis.pid"
    fi
}
