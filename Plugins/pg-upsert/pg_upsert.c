/*
 * pg-upsert — a batch handler in C on libpq: mirrors Acumatica customers into a PostgreSQL table
 * with one multi-row INSERT … ON CONFLICT per batch (ABI 1.1 `handle_batch`; one event per call
 * through `handle` without `batch:` in its settings).
 *
 * Configuration (a flat JSON object):
 *   "url"                   a libpq connection URI or string (required), e.g.
 *                           "postgresql://crm@db.internal/crm?sslmode=require"
 *   "table"                 the table (default "acuhook_customers"; lower-case letters, digits and
 *                           underscores, at most 48), created with its ledger "<table>_events"
 *   "statement_timeout_ms"  longest one statement may run (default 10000)
 *
 * One row per customer: id (data.CustomerID, or the entity id), name, status, last_modified (from
 * data.CustomerName, data.Status, data.LastModifiedDateTime; Acumatica's {"value": …} unwrapped),
 * data (the event's data, jsonb), last_event, writes (how many events changed it), updated_at.
 * Within a batch the last event of a customer wins. `*.Deleted` events are skipped: a push
 * notification reports an update as a Deleted and an Inserted row, so deletes are not mirrored.
 *
 * Exactly once per event: the statement also inserts each event's key (delivery id, event type and
 * entity id) into the ledger, and writes only events whose key is new. A batch retried after its
 * commit went through (the answer was lost) therefore changes nothing. Prune the ledger by
 * `applied_at` once events can no longer be resent (Acuhook keeps delivery keys 3 days).
 *
 * One connection per instance, opened at the first call and kept; the host serialises calls (the
 * plugin is not thread-safe). When the database cannot be reached the whole batch answers RETRY
 * and the next call reconnects. When the statement fails otherwise, the events are written one at
 * a time: an event with bad data (SQLSTATE class 22 or 23) is rejected, the others go through.
 */
#include <postgresql/libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "acuhook_plugin.h"

static const acuhook_host_api *host_api;

typedef struct upserter {
    acuhook_host_handle *host;
    char *url;
    char table[49];
    long statement_timeout_ms;
    PGconn *conn; /* NULL until the first call */
} upserter;

static acuhook_buffer copy_out(const char *text) {
    size_t n = strlen(text);
    acuhook_buffer buffer = { host_api->alloc(n), n };
    if (buffer.ptr) memcpy(buffer.ptr, text, n); else buffer.len = 0;
    return buffer;
}

static void log_line(upserter *self, acuhook_log_level level, const char *text) {
    acuhook_str line = { text, strlen(text) };
    host_api->log(self->host, level, line);
}

/* The value of "key" in a flat JSON object: a string (\" and \\ unescaped) or a bare word.
 * Malloc'd; NULL when absent. */
static char *config_value(acuhook_str config, const char *key) {
    size_t key_len = strlen(key);
    for (size_t i = 0; i + key_len + 2 <= config.len; i++) {
        if (config.ptr[i] != '"' || memcmp(config.ptr + i + 1, key, key_len) != 0 || config.ptr[i + 1 + key_len] != '"') continue;
        size_t j = i + key_len + 2;
        while (j < config.len && (config.ptr[j] == ' ' || config.ptr[j] == ':' || config.ptr[j] == '\t')) j++;
        if (j >= config.len) return NULL;
        char *value = malloc(config.len - j + 1);
        if (!value) return NULL;
        size_t n = 0;
        if (config.ptr[j] == '"') {
            for (j++; j < config.len && config.ptr[j] != '"'; j++) {
                if (config.ptr[j] == '\\' && j + 1 < config.len && (config.ptr[j + 1] == '"' || config.ptr[j + 1] == '\\')) j++;
                value[n++] = config.ptr[j];
            }
        } else {
            while (j < config.len && config.ptr[j] != ',' && config.ptr[j] != '}' && config.ptr[j] != ' ') value[n++] = config.ptr[j++];
        }
        value[n] = 0;
        return value;
    }
    return NULL;
}

static int valid_table(const char *name) {
    size_t n = strlen(name);
    if (n == 0 || n > 48 || (name[0] >= '0' && name[0] <= '9')) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return 0;
    }
    return 1;
}

static int32_t upsert_create(acuhook_host_handle *host, acuhook_str config, void **out_instance, acuhook_buffer *out_error) {
    upserter *self = calloc(1, sizeof *self);
    if (!self) { *out_error = copy_out("out of memory"); return 1; }
    self->host = host;
    self->url = config_value(config, "url");
    char *table = config_value(config, "table");
    char *timeout = config_value(config, "statement_timeout_ms");
    const char *problem = NULL;
    if (!self->url || !*self->url) problem = "pg-upsert needs config.url: the PostgreSQL connection URI";
    else if (table && !valid_table(table)) problem = "pg-upsert: config.table must be lower-case letters, digits and underscores (at most 48)";
    if (!problem) {
        snprintf(self->table, sizeof self->table, "%s", table ? table : "acuhook_customers");
        self->statement_timeout_ms = timeout ? atol(timeout) : 10000;
        if (self->statement_timeout_ms <= 0) problem = "pg-upsert: config.statement_timeout_ms must be a positive number";
    }
    free(table);
    free(timeout);
    if (problem) {
        *out_error = copy_out(problem);
        free(self->url);
        free(self);
        return 1;
    }
    *out_instance = self;
    return 0;
}

static void upsert_destroy(void *instance) {
    upserter *self = instance;
    if (!self) return;
    if (self->conn) PQfinish(self->conn);
    free(self->url);
    free(self);
}

/* Runs a statement without parameters; 1 when it worked. */
static int run(PGconn *conn, const char *sql) {
    PGresult *result = PQexec(conn, sql);
    int ok = PQresultStatus(result) == PGRES_COMMAND_OK;
    PQclear(result);
    return ok;
}

/* A live connection with the session set up and the tables there, or NULL (`why` says why). */
static PGconn *connection(upserter *self, char *why, size_t why_size) {
    if (self->conn && PQstatus(self->conn) == CONNECTION_OK) return self->conn;
    if (self->conn) {
        PQreset(self->conn);
    } else {
        const char *keys[] = { "dbname", "connect_timeout", "application_name", NULL };
        const char *values[] = { self->url, "5", "acuhook-pg-upsert", NULL };
        self->conn = PQconnectdbParams(keys, values, 1);
    }
    if (!self->conn || PQstatus(self->conn) != CONNECTION_OK) {
        snprintf(why, why_size, "database unreachable: %s", self->conn ? PQerrorMessage(self->conn) : "out of memory");
        return NULL;
    }
    char sql[1024];
    snprintf(sql, sizeof sql, "SET statement_timeout = %ld", self->statement_timeout_ms);
    int ok = run(self->conn, sql);
    snprintf(sql, sizeof sql,
             "CREATE TABLE IF NOT EXISTS %s (id text PRIMARY KEY, name text, status text, last_modified text, "
             "data jsonb NOT NULL, last_event text NOT NULL, writes bigint NOT NULL DEFAULT 1, "
             "updated_at timestamptz NOT NULL DEFAULT now()); "
             "CREATE TABLE IF NOT EXISTS %s_events (event_key text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
             self->table, self->table);
    ok = ok && run(self->conn, sql);
    if (!ok) {
        snprintf(why, why_size, "cannot prepare the session: %s", PQerrorMessage(self->conn));
        PQfinish(self->conn);
        self->conn = NULL;
        return NULL;
    }
    log_line(self, ACUHOOK_LOG_INFO, "pg-upsert connected");
    return self->conn;
}

/* A string of the event's data: {"value": …} unwrapped. */
#define FIELD(name) \
    "CASE jsonb_typeof(doc->'data'->'" name "') WHEN 'object' THEN doc->'data'->'" name "'->>'value' " \
    "ELSE doc->'data'->>'" name "' END"

/* The statement for `count` events (4 parameters each: order, key, entity id, document). */
static char *statement(const char *table, size_t count) {
    size_t size = 4096 + count * 64;
    char *sql = malloc(size);
    if (!sql) return NULL;
    size_t n = (size_t)snprintf(sql, size, "WITH incoming(ord, event_key, entity_id, doc) AS (VALUES ");
    for (size_t i = 0; i < count; i++) {
        n += (size_t)snprintf(sql + n, size - n, "%s($%zu::int, $%zu::text, $%zu::text, $%zu::jsonb)", i ? ", " : "",
                              4 * i + 1, 4 * i + 2, 4 * i + 3, 4 * i + 4);
    }
    snprintf(sql + n, size - n,
             "), applied AS (INSERT INTO %s_events (event_key) SELECT event_key FROM incoming ON CONFLICT DO NOTHING RETURNING event_key), "
             "latest AS (SELECT DISTINCT ON (id) id, event_key, doc FROM (SELECT ord, event_key, doc, "
             "COALESCE(NULLIF(" FIELD("CustomerID") ", ''), NULLIF(entity_id, '')) AS id FROM incoming "
             "WHERE event_key IN (SELECT event_key FROM applied)) AS e ORDER BY id, ord DESC) "
             "INSERT INTO %s AS t (id, name, status, last_modified, data, last_event) "
             "SELECT id, " FIELD("CustomerName") ", " FIELD("Status") ", " FIELD("LastModifiedDateTime") ", "
             "COALESCE(doc->'data', '{}'::jsonb), event_key FROM latest "
             "ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, status = EXCLUDED.status, "
             "last_modified = EXCLUDED.last_modified, data = EXCLUDED.data, last_event = EXCLUDED.last_event, "
             "writes = t.writes + 1, updated_at = now()",
             table, table);
    return sql;
}

static char *copy_str(acuhook_str text) {
    char *copy = malloc(text.len + 1);
    if (!copy) return NULL;
    if (text.len) memcpy(copy, text.ptr, text.len);
    copy[text.len] = 0;
    return copy;
}

/* Writes `events` in one statement. Returns 1 when it committed; otherwise 0 with `why` set and
 * `*sqlstate` pointing at a static copy of the error's SQLSTATE ("" when there is none). */
static int write_events(PGconn *conn, const char *table, const acuhook_event *const *events, size_t count, char *why,
                        size_t why_size, char *sqlstate) {
    char *sql = statement(table, count);
    const char **values = calloc(4 * count, sizeof *values);
    char *owned = calloc(count, 16);
    int ok = 0;
    sqlstate[0] = 0;
    if (!sql || !values || !owned) {
        snprintf(why, why_size, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < count; i++) {
        const acuhook_event *event = events[i];
        snprintf(owned + 16 * i, 16, "%zu", i);
        size_t key_len = event->delivery_id.len + event->event_type.len + event->entity_id.len + 3;
        char *key = malloc(key_len);
        if (key) {
            snprintf(key, key_len, "%.*s/%.*s/%.*s", (int)event->delivery_id.len, event->delivery_id.ptr,
                     (int)event->event_type.len, event->event_type.ptr, (int)event->entity_id.len, event->entity_id.ptr);
        }
        values[4 * i] = owned + 16 * i;
        values[4 * i + 1] = key;
        values[4 * i + 2] = copy_str(event->entity_id);
        values[4 * i + 3] = copy_str(event->json);
        if (!key || !values[4 * i + 2] || !values[4 * i + 3]) {
            snprintf(why, why_size, "out of memory");
            goto done;
        }
    }
    PGresult *result = PQexecParams(conn, sql, (int)(4 * count), NULL, values, NULL, NULL, 0);
    ok = PQresultStatus(result) == PGRES_COMMAND_OK;
    if (!ok) {
        const char *state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
        snprintf(sqlstate, 6, "%s", state ? state : "");
        snprintf(why, why_size, "upsert failed: %s", PQerrorMessage(conn));
    }
    PQclear(result);
done:
    if (values) {
        for (size_t i = 0; i < count; i++) {
            free((void *)values[4 * i + 1]);
            free((void *)values[4 * i + 2]);
            free((void *)values[4 * i + 3]);
        }
    }
    free(values);
    free(owned);
    free(sql);
    return ok;
}

static int is_delete(const acuhook_event *event) {
    const char *suffix = ".Deleted";
    size_t n = strlen(suffix);
    return event->event_type.len >= n && memcmp(event->event_type.ptr + event->event_type.len - n, suffix, n) == 0;
}

/* Every event's status into `statuses` (messages into `results`). */
static void upsert(upserter *self, const acuhook_event *const *events, acuhook_result *const *results, int32_t *statuses, size_t count) {
    char why[768];
    char sqlstate[6];
    const acuhook_event **writes = calloc(count ? count : 1, sizeof *writes);
    size_t *where = calloc(count ? count : 1, sizeof *where);
    if (!writes || !where) {
        for (size_t i = 0; i < count; i++) statuses[i] = ACUHOOK_STATUS_RETRY;
        free(writes);
        free(where);
        return;
    }
    size_t n = 0;
    for (size_t i = 0; i < count; i++) {
        statuses[i] = ACUHOOK_STATUS_SKIP;
        if (is_delete(events[i])) continue;
        writes[n] = events[i];
        where[n++] = i;
    }
    PGconn *conn = NULL;
    if (n > 0 && (conn = connection(self, why, sizeof why)) != NULL) {
        if (write_events(conn, self->table, writes, n, why, sizeof why, sqlstate)) {
            for (size_t k = 0; k < n; k++) statuses[where[k]] = ACUHOOK_STATUS_OK;
            n = 0;
        } else if (PQstatus(conn) == CONNECTION_OK && n > 1) {
            /* Not the connection: find the events at fault by writing them one at a time. */
            for (size_t k = 0; k < n; k++) {
                size_t i = where[k];
                if (write_events(conn, self->table, &writes[k], 1, why, sizeof why, sqlstate)) {
                    statuses[i] = ACUHOOK_STATUS_OK;
                    continue;
                }
                int bad_data = sqlstate[0] == '2' && (sqlstate[1] == '2' || sqlstate[1] == '3');
                statuses[i] = bad_data ? ACUHOOK_STATUS_REJECT : ACUHOOK_STATUS_RETRY;
                results[i]->message = copy_out(why);
                if (PQstatus(conn) != CONNECTION_OK) {
                    for (size_t rest = k + 1; rest < n; rest++) {
                        statuses[where[rest]] = ACUHOOK_STATUS_RETRY;
                        results[where[rest]]->message = copy_out(why);
                    }
                    break;
                }
            }
            n = 0;
        } else if (n == 1 && PQstatus(conn) == CONNECTION_OK) {
            int bad_data = sqlstate[0] == '2' && (sqlstate[1] == '2' || sqlstate[1] == '3');
            statuses[where[0]] = bad_data ? ACUHOOK_STATUS_REJECT : ACUHOOK_STATUS_RETRY;
            results[where[0]]->message = copy_out(why);
            n = 0;
        }
    }
    /* Whatever is left could not be written: the database is out of reach. */
    for (size_t k = 0; k < n; k++) {
        statuses[where[k]] = ACUHOOK_STATUS_RETRY;
        results[where[k]]->message = copy_out(why);
    }
    if (n > 0) log_line(self, ACUHOOK_LOG_WARNING, why);
    free(writes);
    free(where);
}

static int32_t upsert_handle(void *instance, const acuhook_event *event, acuhook_result *result) {
    int32_t status;
    upsert(instance, &event, &result, &status, 1);
    return status;
}

static int32_t upsert_handle_batch(void *instance, const acuhook_event *const *events, acuhook_result *const *results, size_t count) {
    int32_t *statuses = calloc(count ? count : 1, sizeof *statuses);
    if (!statuses) return ACUHOOK_STATUS_RETRY;
    upsert(instance, events, results, statuses, count);
    for (size_t i = 0; i < count; i++) results[i]->status = statuses[i];
    free(statuses);
    return ACUHOOK_STATUS_OK;
}

#define LITERAL(text) { text, sizeof(text) - 1 }

static const acuhook_str subscriptions[] = { LITERAL("Customer.*") };

static const acuhook_plugin_descriptor descriptor = {
    sizeof(acuhook_plugin_descriptor),
    ACUHOOK_ABI_VERSION_MAJOR,
    ACUHOOK_ABI_VERSION_MINOR,
    LITERAL("pg-upsert"),
    LITERAL("1.0.0"),
    subscriptions,
    1,
    0, /* not thread-safe: one connection, calls serialised by the host */
    upsert_create,
    upsert_handle,
    upsert_destroy,
    upsert_handle_batch,
};

ACUHOOK_EXPORT
const acuhook_plugin_descriptor *acuhook_plugin_entry(const acuhook_host_api *host) {
    if (host->abi_major != ACUHOOK_ABI_VERSION_MAJOR) {
        const char *why = "pg-upsert: unsupported host ABI major";
        acuhook_str text = { why, strlen(why) };
        host->log(NULL, ACUHOOK_LOG_ERROR, text);
        return NULL;
    }
    host_api = host;
    return &descriptor;
}
