#!/bin/bash
# The official mysql image's first-start contract, on MariaDB: a data folder with root's password
# (MYSQL_ROOT_PASSWORD, for root@'%' too), MYSQL_DATABASE, and MYSQL_USER with MYSQL_PASSWORD owning it.
# The setup runs on a server without networking, so port 3306 opens only when the real one is ready.
set -euo pipefail

if [ "${1:0:1}" = '-' ]; then set -- mariadbd "$@"; fi
case "$1" in mysqld | mariadbd) ;; *) exec "$@" ;; esac

datadir=/var/lib/mysql
socket=/run/mysqld/mysqld.sock

quote() { printf "'%s'" "${1//\'/\'\'}"; }

if [ ! -d "$datadir/mysql" ]; then
  : "${MYSQL_ROOT_PASSWORD:?MYSQL_ROOT_PASSWORD must be set}"
  mariadb-install-db --user=mysql --datadir="$datadir" --skip-test-db \
    --auth-root-authentication-method=normal >/dev/null
  mariadbd --user=mysql --datadir="$datadir" --skip-networking --socket="$socket" &
  setup_pid=$!
  for _ in $(seq 1 300); do
    mariadb-admin --socket="$socket" -uroot ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  root=$(quote "$MYSQL_ROOT_PASSWORD")
  {
    echo "ALTER USER 'root'@'localhost' IDENTIFIED BY $root;"
    echo "CREATE USER 'root'@'%' IDENTIFIED BY $root;"
    echo "GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION;"
    if [ -n "${MYSQL_DATABASE:-}" ]; then
      echo "CREATE DATABASE IF NOT EXISTS \`${MYSQL_DATABASE}\`;"
    fi
    if [ -n "${MYSQL_USER:-}" ] && [ "$MYSQL_USER" != root ]; then
      echo "CREATE USER $(quote "$MYSQL_USER")@'%' IDENTIFIED BY $(quote "${MYSQL_PASSWORD:-}");"
      if [ -n "${MYSQL_DATABASE:-}" ]; then
        echo "GRANT ALL PRIVILEGES ON \`${MYSQL_DATABASE}\`.* TO $(quote "$MYSQL_USER")@'%';"
      fi
    fi
    echo 'FLUSH PRIVILEGES;'
  } | mariadb --socket="$socket" -uroot
  mariadb-admin --socket="$socket" -uroot "-p$MYSQL_ROOT_PASSWORD" shutdown
  wait "$setup_pid"
  echo 'MariaDB init process done. Ready for start up.'
fi

if [ "$(id -u)" = '0' ]; then set -- "$@" --user=mysql; fi
exec "$@" --datadir="$datadir" --socket="$socket" --bind-address=0.0.0.0 --port=3306
