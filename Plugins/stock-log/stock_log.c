/*
 * stock-log — an example Acuhook plugin written in plain C, to show that the ABI is
 * language-neutral. For every StockItem event it appends one tab-separated line to a file:
 *
 *   <received_at_unix_ms> \t <event_type> \t <tenant> \t <entity_id> \t <attempt>
 *
 * Configuration (JSON): {"path": "/var/log/acuhook/stock.tsv"}. Without `path`, lines go to the
 * host's log instead. Thread-safe: appends are serialised by a mutex.
 *
 * It has the batch entry of ABI 1.1 (`handle_batch`, used when the plugin's configuration says
 * `batch:`): the lines of a whole batch are written under one lock and flushed once.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "acuhook_plugin.h"

static const acuhook_host_api *host_api;

typedef struct stock_log {
    acuhook_host_handle *host;
    pthread_mutex_t lock;
    FILE *file; /* NULL: write to the host's log */
} stock_log;

static acuhook_buffer message(const char *text) {
    size_t n = strlen(text);
    acuhook_buffer buffer = { host_api->alloc(n), n };
    if (buffer.ptr) memcpy(buffer.ptr, text, n); else buffer.len = 0;
    return buffer;
}

/* Finds "path":"<value>" in a flat JSON object; no escapes are interpreted. */
static char *config_path(acuhook_str config) {
    const char *key = "\"path\"";
    size_t key_len = strlen(key);
    for (size_t i = 0; i + key_len <= config.len; i++) {
        if (memcmp(config.ptr + i, key, key_len) != 0) continue;
        size_t j = i + key_len;
        while (j < config.len && (config.ptr[j] == ' ' || config.ptr[j] == ':')) j++;
        if (j >= config.len || config.ptr[j] != '"') return NULL;
        size_t start = ++j;
        while (j < config.len && config.ptr[j] != '"') j++;
        if (j >= config.len) return NULL;
        char *path = malloc(j - start + 1);
        if (!path) return NULL;
        memcpy(path, config.ptr + start, j - start);
        path[j - start] = 0;
        return path;
    }
    return NULL;
}

static int32_t stock_create(acuhook_host_handle *host, acuhook_str config, void **out_instance,
                            acuhook_buffer *out_error) {
    stock_log *self = calloc(1, sizeof *self);
    if (!self) { *out_error = message("out of memory"); return 1; }
    self->host = host;
    pthread_mutex_init(&self->lock, NULL);
    char *path = config_path(config);
    if (path) {
        self->file = fopen(path, "a");
        if (!self->file) {
            char text[512];
            snprintf(text, sizeof text, "cannot open '%s' for appending", path);
            *out_error = message(text);
            free(path);
            pthread_mutex_destroy(&self->lock);
            free(self);
            return 1;
        }
        free(path);
    }
    *out_instance = self;
    return 0;
}

/* Formats the event's line into `line`; returns its length, or -1. */
static int format_line(const acuhook_event *event, char *line, size_t size) {
    return snprintf(line, size, "%lld\t%.*s\t%.*s\t%.*s\t%u",
                    (long long)event->received_at_unix_ms,
                    (int)event->event_type.len, event->event_type.ptr,
                    (int)event->tenant.len, event->tenant.ptr,
                    (int)event->entity_id.len, event->entity_id.ptr,
                    (unsigned)event->attempt);
}

static int32_t stock_handle(void *instance, const acuhook_event *event, acuhook_result *result) {
    stock_log *self = instance;
    char line[1024];
    int n = format_line(event, line, sizeof line);
    if (n < 0) { result->message = message("could not format the line"); return ACUHOOK_STATUS_REJECT; }
    if (!self->file) {
        acuhook_str text = { line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1 };
        host_api->log(self->host, ACUHOOK_LOG_INFO, text);
        return ACUHOOK_STATUS_OK;
    }
    pthread_mutex_lock(&self->lock);
    int failed = fprintf(self->file, "%s\n", line) < 0 || fflush(self->file) != 0;
    pthread_mutex_unlock(&self->lock);
    if (failed) { result->message = message("write to the stock log failed"); return ACUHOOK_STATUS_RETRY; }
    return ACUHOOK_STATUS_OK;
}

/* ABI 1.1: every event's line under one lock, one flush for the batch. A failed write makes the
 * whole batch RETRY (the lines already written may be written again on the retry: at least once). */
static int32_t stock_handle_batch(void *instance, const acuhook_event *const *events,
                                  acuhook_result *const *results, size_t count) {
    stock_log *self = instance;
    if (!self->file) {
        for (size_t i = 0; i < count; i++) results[i]->status = stock_handle(instance, events[i], results[i]);
        return ACUHOOK_STATUS_OK;
    }
    int failed = 0;
    pthread_mutex_lock(&self->lock);
    for (size_t i = 0; i < count; i++) {
        char line[1024];
        if (format_line(events[i], line, sizeof line) < 0) {
            results[i]->message = message("could not format the line");
            results[i]->status = ACUHOOK_STATUS_REJECT;
            continue;
        }
        failed = failed || fprintf(self->file, "%s\n", line) < 0;
        results[i]->status = ACUHOOK_STATUS_OK;
    }
    failed = fflush(self->file) != 0 || failed;
    pthread_mutex_unlock(&self->lock);
    if (failed) {
        for (size_t i = 0; i < count; i++) results[i]->message = message("write to the stock log failed");
        return ACUHOOK_STATUS_RETRY;
    }
    return ACUHOOK_STATUS_OK;
}

static void stock_destroy(void *instance) {
    stock_log *self = instance;
    if (!self) return;
    if (self->file) fclose(self->file);
    pthread_mutex_destroy(&self->lock);
    free(self);
}

/* A string literal as an acuhook_str. */
#define LITERAL(text) { text, sizeof(text) - 1 }

static const acuhook_str subscriptions[] = { LITERAL("StockItem.*") };

static const acuhook_plugin_descriptor descriptor = {
    sizeof(acuhook_plugin_descriptor),
    ACUHOOK_ABI_VERSION_MAJOR,
    ACUHOOK_ABI_VERSION_MINOR,
    LITERAL("stock-log"),
    LITERAL("1.0.0"),
    subscriptions,
    sizeof subscriptions / sizeof subscriptions[0],
    ACUHOOK_PLUGIN_THREAD_SAFE,
    stock_create,
    stock_handle,
    stock_destroy,
    stock_handle_batch,
};

ACUHOOK_EXPORT
const acuhook_plugin_descriptor *acuhook_plugin_entry(const acuhook_host_api *host) {
    if (host->abi_major != ACUHOOK_ABI_VERSION_MAJOR) {
        const char *why = "stock-log: unsupported host ABI major";
        acuhook_str text = { why, strlen(why) };
        host->log(NULL, ACUHOOK_LOG_ERROR, text);
        return NULL;
    }
    host_api = host;
    return &descriptor;
}
