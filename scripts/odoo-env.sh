# Sourced by the project's scripts: finds Odoo 19 and PostgreSQL, links the addon under its
# technical name. Nothing here installs Odoo: it is a prerequisite (see README.rst).
# shellcheck shell=bash

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ADDON_NAME=economic_connector
PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
ODOO_DB_USER=${ODOO_DB_USER:-odoo}
export PGHOST PGPORT

die() {
    echo "ERROR: $*" >&2
    exit 2
}

# Odoo 19 is looked for, in order: $ODOO_BIN, odoo-bin / odoo on PATH, an odoo19 checkout next
# to the repository, /opt/odoo19.
find_odoo() {
    local candidate
    for candidate in "${ODOO_BIN:-}" "$(command -v odoo-bin 2>/dev/null)" "$(command -v odoo 2>/dev/null)" \
        "$REPO_ROOT/../odoo19/odoo-bin" "/opt/odoo19/odoo-bin"; do
        if [ -z "$candidate" ] || [ ! -x "$candidate" ]; then
            continue
        fi
        if "$candidate" --version 2>/dev/null | grep -q "Odoo Server 19\."; then
            ODOO_BIN=$candidate
            export ODOO_BIN
            return 0
        fi
    done
    die "Odoo 19 is needed and was not found. Install Odoo 19.0 and put odoo-bin on PATH, or set ODOO_BIN=/path/to/odoo-bin (see README.rst, Prerequisites)."
}

# The Python that runs Odoo (it has requests): $ODOO_PYTHON, else the interpreter odoo-bin
# runs with (its shebang, or the python a wrapper script execs), else python3.
find_odoo_python() {
    local candidate candidates=() first
    [ -n "${ODOO_PYTHON:-}" ] && candidates+=("$ODOO_PYTHON")
    first=$(head -n 1 "$ODOO_BIN" 2>/dev/null || true)
    case "$first" in
    "#!"*python*) candidates+=("$(echo "${first#\#!}" | awk '{ if ($1 ~ /env$/) print $2; else print $1 }')") ;;
    esac
    # one path a line, read as is (no word splitting or globbing of what the wrapper holds)
    while IFS= read -r candidate; do
        candidates+=("$candidate")
    done < <(grep -Eo '(^|[[:space:]])/[^[:space:]]*python[0-9.]*' "$ODOO_BIN" 2>/dev/null | tr -d ' \t' || true)
    candidates+=("$(dirname "$(readlink -f "$ODOO_BIN")")/.venv/bin/python" python3)
    for candidate in "${candidates[@]}"; do
        [ -n "$candidate" ] || continue
        if "$candidate" -c "import requests" >/dev/null 2>&1; then
            ODOO_PYTHON=$(command -v "$candidate")
            export ODOO_PYTHON
            return 0
        fi
    done
    die "No Python with 'requests' found for the pure tests; set ODOO_PYTHON=/path/to/python."
}

free_port() {
    "$ODOO_PYTHON" -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"
}

check_postgres() {
    command -v pg_isready >/dev/null 2>&1 || die "PostgreSQL client tools (pg_isready, psql) are needed."
    pg_isready -q -h "$PGHOST" -p "$PGPORT" || die "PostgreSQL does not answer on $PGHOST:$PGPORT."
    # Odoo refuses to run as the postgres superuser: use (and if needed create) a dedicated role.
    if ! psql -h "$PGHOST" -p "$PGPORT" -U "$ODOO_DB_USER" -d postgres -tAc "select 1" >/dev/null 2>&1; then
        psql -h "$PGHOST" -p "$PGPORT" -U postgres -d postgres -qc "CREATE ROLE $ODOO_DB_USER LOGIN CREATEDB" \
            || die "Cannot connect to PostgreSQL as '$ODOO_DB_USER' nor create that role."
    fi
}

# Odoo finds addons by directory name; the repository may be cloned under any name.
link_addon() {
    ADDONS_DIR=$(mktemp -d "${TMPDIR:-/tmp}/economic-addons.XXXXXX")
    ln -s "$REPO_ROOT" "$ADDONS_DIR/$ADDON_NAME"
    export ADDONS_DIR
}

odoo_run() {
    "$ODOO_BIN" --addons-path="$ADDONS_DIR" --db_host="$PGHOST" --db_port="$PGPORT" \
        --db_user="$ODOO_DB_USER" "$@"
}

# A subcommand (shell, i18n ...): only --addons-path may precede its name.
odoo_command() {
    local command=$1
    shift
    "$ODOO_BIN" --addons-path="$ADDONS_DIR" "$command" --db_host="$PGHOST" --db_port="$PGPORT" \
        --db_user="$ODOO_DB_USER" "$@"
}

drop_db() {
    dropdb -h "$PGHOST" -p "$PGPORT" -U "$ODOO_DB_USER" --if-exists "$1" >/dev/null 2>&1 || true
}
