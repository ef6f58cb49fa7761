#!/usr/bin/env bash
# The approach git-dbsync replaces, re-created for the benchmark (bench/bench.ts runs it).
#
# The old container polled a CRC32 checksum over four InvoicePlane tables every POLL_INTERVAL
# seconds and, when it changed, dumped the whole database with mariadb-dump into one file,
# `git add` + `git commit`. The checksum here is the representative form of that poll: one
# query joining the four tables in full,
#   SELECT COUNT(*), SUM(CRC32(CONCAT_WS('|', <invoice, client, amount and item columns>)))
#   FROM ip_invoices JOIN ip_clients LEFT JOIN ip_invoice_amounts LEFT JOIN ip_invoice_items
# (a SUM of per-row CRC32s rather than CRC32(GROUP_CONCAT(...)), which group_concat_max_len
# would silently truncate). CHECKSUM_QUERY replaces it.
#
# usage: old-approach.sh watch      poll every POLL_INTERVAL s; dump + commit on change (first poll always commits)
#        old-approach.sh once       one poll (state in $PROJECT_DIR/.git/old-approach-checksum)
#        old-approach.sh snapshot   dump + add + commit now (what a poll does on a change)
# environment: DB_SOCKET or DB_HOST/DB_PORT, DB_USER, DB_PASSWORD (optional), DB_NAME, PROJECT_DIR,
#        POLL_INTERVAL (default 30), CHECKSUM_QUERY; git identity from GIT_AUTHOR_* / GIT_COMMITTER_*.
# stdout: one line per poll ("poll <checksum>") and per commit ("committed <sha>"), for the benchmark.
set -uo pipefail

: "${DB_NAME:?DB_NAME is required}" "${PROJECT_DIR:?PROJECT_DIR is required}"
POLL_INTERVAL=${POLL_INTERVAL:-30}
conn=(--no-defaults --user="${DB_USER:-root}")
if [ -n "${DB_SOCKET:-}" ]; then
  conn+=(--socket="$DB_SOCKET")
else
  conn+=(--host="${DB_HOST:-127.0.0.1}" --port="${DB_PORT:-3306}")
fi
# The password reaches the clients through the environment, not their command line.
if [ -n "${DB_PASSWORD:-}" ]; then export MYSQL_PWD="$DB_PASSWORD"; fi

CHECKSUM_QUERY=${CHECKSUM_QUERY:-"SELECT COUNT(*), COALESCE(SUM(CRC32(CONCAT_WS('|',
    i.invoice_id, i.invoice_status_id, i.invoice_date_modified, i.invoice_number, i.invoice_url_key,
    c.client_id, c.client_date_modified, c.client_name, c.client_email,
    a.invoice_total, a.invoice_paid, a.invoice_balance,
    it.item_id, it.item_name, it.item_quantity, it.item_price))), 0)
  FROM ip_invoices i
  JOIN ip_clients c ON c.client_id = i.client_id
  LEFT JOIN ip_invoice_amounts a ON a.invoice_id = i.invoice_id
  LEFT JOIN ip_invoice_items it ON it.invoice_id = i.invoice_id"}

mkdir -p "$PROJECT_DIR"
cd "$PROJECT_DIR" || exit 1
[ -d .git ] || git init -q .
state=.git/old-approach-checksum

checksum() {
  mariadb "${conn[@]}" --batch --skip-column-names -e "$CHECKSUM_QUERY" "$DB_NAME"
}

snapshot() {
  mkdir -p database
  mariadb-dump "${conn[@]}" --single-transaction --routines --triggers "$DB_NAME" > database/dump.sql || return 1
  git add database/dump.sql || return 1
  git commit -q -m "Database snapshot $(date -u +%Y-%m-%dT%H:%M:%SZ)" || return 1
  echo "committed $(git rev-parse HEAD)"
}

poll() {
  local sum last=""
  sum=$(checksum) || { echo "checksum query failed" >&2; return 1; }
  sum=${sum//$'\t'/ }
  echo "poll $sum"
  [ -f "$state" ] && last=$(cat "$state")
  if [ "$sum" != "$last" ]; then
    snapshot && printf '%s\n' "$sum" > "$state"
  fi
}

case "${1:-watch}" in
  watch)
    trap 'exit 0' TERM INT
    while :; do
      poll
      sleep "$POLL_INTERVAL" & wait $!
    done
    ;;
  once) poll ;;
  snapshot) snapshot ;;
  *) echo "usage: $0 watch|once|snapshot" >&2; exit 2 ;;
esac
