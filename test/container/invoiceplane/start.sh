#!/bin/sh
# Start script of the test's InvoicePlane image (see Containerfile): the database settings the
# compose file passes as MYSQL_* variables (the password read from the Docker secret by the
# compose file's entrypoint) go into ipconfig.php the first time, then the command runs.
set -eu
cfg=/var/www/html/ipconfig.php
if [ ! -f "$cfg" ]; then
  # Values with a '|' are not supported by this stand-in (the compose file's passwords are hex).
  sed -e "s|^IP_URL=.*|IP_URL=${IP_URL:-}|" \
      -e "s|^DB_HOSTNAME=.*|DB_HOSTNAME=${MYSQL_HOST:-}|" \
      -e "s|^DB_USERNAME=.*|DB_USERNAME=${MYSQL_USER:-}|" \
      -e "s|^DB_PASSWORD=.*|DB_PASSWORD=${MYSQL_PASSWORD:-}|" \
      -e "s|^DB_DATABASE=.*|DB_DATABASE=${MYSQL_DB:-}|" \
      -e "s|^DB_PORT=.*|DB_PORT=${MYSQL_PORT:-3306}|" \
      /var/www/html/ipconfig.php.example > "$cfg"
fi
exec "$@"
