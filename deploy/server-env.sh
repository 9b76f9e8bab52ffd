#!/bin/sh
# Run a command in FFN Lab's server environment: every NAME=value of deploy/server.env that the
# caller has not set is exported, then the command replaces this shell.
#   deploy/server-env.sh python -m streamlit run app.py
set -eu
file="$(dirname "$0")/server.env"
while IFS= read -r line || [ -n "$line" ]; do
  case "$line" in ''|'#'*) continue ;; esac
  name=${line%%=*}
  eval "already=\${$name+set}"
  [ -n "$already" ] || export "$line"
done < "$file"
exec "$@"
