#!/bin/sh
# git-dbsync's own database user, with the least privileges it needs, separate from InvoicePlane's
# (which has ALL on its database): reading the snapshot needs SELECT, LOCK TABLES, SHOW VIEW,
# TRIGGER, EVENT and EXECUTE on the database (without the last three the server silently hides
# triggers, events and routines); reading the binary log (only the tables that changed are read)
# needs REPLICATION SLAVE, which exists only globally.
#
# Run by the MariaDB image once, when it initialises an empty data folder: it SOURCES the
# non-executable *.sh files of /docker-entrypoint-initdb.d, which gives them its
# `docker_process_sql` function (so this file is not executable, sets no shell options and does
# not exit). A shell script rather than an .sql file because the password comes from the Docker
# secret file, which SQL cannot read. On an existing data folder it does not run: see
# docs/how-it-works/change-detection.md (Turning the binary log on: the dbsync user on an existing stack).
dbsync_password=$(cat /run/secrets/dbsync_db_password)
# Quote for an SQL string: a ' doubled, a \ escaped.
dbsync_quoted=$(printf '%s' "$dbsync_password" | sed -e "s/\\\\/\\\\\\\\/g" -e "s/'/''/g")
dbsync_database=${MARIADB_DATABASE:-invoiceplane}
# One statement per line (the test's stand-in image feeds these lines to --init-file).
docker_process_sql --database=mysql <<SQL
CREATE USER IF NOT EXISTS 'dbsync'@'%' IDENTIFIED BY '${dbsync_quoted}';
GRANT SELECT, LOCK TABLES, SHOW VIEW, TRIGGER, EVENT, EXECUTE ON \`${dbsync_database}\`.* TO 'dbsync'@'%';
GRANT REPLICATION SLAVE ON *.* TO 'dbsync'@'%';
SQL
unset dbsync_password dbsync_quoted dbsync_database
