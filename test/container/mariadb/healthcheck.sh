#!/bin/sh
# healthcheck.sh of the test's MariaDB stand-in image: healthy once the server answers a query as
# root over its socket and the application user exists (the official image's --connect and
# --innodb_initialized checks, which the compose file passes, are both covered by this).
mariadb --no-defaults --socket=/run/mysqld/mysqld.sock -uroot -N -e "SELECT 1 FROM mysql.global_priv WHERE User='${MARIADB_USER:-}' HAVING COUNT(*) > 0" 2>/dev/null | grep -q 1
