#!/bin/sh
# Entrypoint of the test's MariaDB stand-in image (see Containerfile).
set -eu
# Options only (`command: [--sql-mode=...]`): they are for mariadbd, as in the official image.
if [ "${1#-}" != "$1" ]; then set -- mariadbd "$@"; fi
if [ "$1" != mariadbd ]; then exec "$@"; fi

if [ -n "${MARIADB_PASSWORD_FILE:-}" ]; then MARIADB_PASSWORD=$(cat "$MARIADB_PASSWORD_FILE"); fi
mkdir -p /run/mysqld
chown mysql:mysql /run/mysqld /var/lib/mysql
if [ ! -d /var/lib/mysql/mysql ]; then
  mariadb-install-db --user=mysql --datadir=/var/lib/mysql --skip-test-db --auth-root-authentication-method=socket >/dev/null
  init=/run/mysqld/init.sql
  # Quotes in names or the password are not supported by this stand-in.
  {
    echo "CREATE DATABASE IF NOT EXISTS \`${MARIADB_DATABASE}\`;"
    echo "CREATE USER '${MARIADB_USER}'@'%' IDENTIFIED BY '${MARIADB_PASSWORD}';"
    echo "GRANT ALL ON \`${MARIADB_DATABASE}\`.* TO '${MARIADB_USER}'@'%';"
  } > "$init"
  # The official image sources /docker-entrypoint-initdb.d/*.sh, giving them docker_process_sql;
  # here their SQL (one statement per line) is appended to the init file.
  docker_process_sql() { cat >> "$init"; }
  for f in /docker-entrypoint-initdb.d/*.sh; do
    if [ -e "$f" ]; then . "$f"; fi
  done
  chown mysql:mysql "$init"
  chmod 600 "$init"
  set -- "$@" --init-file="$init"
fi
exec "$@" --user=mysql
