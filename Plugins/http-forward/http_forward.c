/*
 * http-forward — a ready-made Acuhook plugin in C: POSTs each event's JSON to a URL over HTTP(S)
 * with libcurl, signed with Standard Webhooks (HMAC-SHA256 through OpenSSL) or carrying a static
 * header. With the route filters and the dead-letter queue this makes Acuhook a relay from
 * Acumatica to anything, with retries.
 *
 * Configuration (a flat JSON object):
 *   "url"                  where to POST (required; http:// or https://)
 *   "secret"               a Standard Webhooks secret, whsec_<base64 key>: adds webhook-id,
 *                          webhook-timestamp and webhook-signature
 *   "header_name"          a static header instead of (or beside) the signature, e.g. Authorization
 *   "header_value"         its value, e.g. "Bearer …"
 *   "timeout_ms"           whole request (default 10000)
 *   "connect_timeout_ms"   connecting (default 5000)
 *   "ca_file"              CA certificates (PEM) to verify the server with, instead of the system's
 *   "insecure_skip_verify" true turns TLS verification off (default false; for tests only)
 *
 * Answers: 2xx → OK; 408, 429, 5xx, connection errors and timeouts → RETRY; any other status →
 * REJECT, with the status and the first 200 bytes of the answer in the message.
 * webhook-id is derived from the delivery id, event type and entity id, so a retried event keeps
 * its id and the receiver can deduplicate it. Thread-safe: one curl handle per call.
 */
#include <curl/curl.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "acuhook_plugin.h"

#define LITERAL(text) { text, sizeof(text) - 1 }
#define ANSWER_KEPT 200

static const acuhook_host_api *host_api;

typedef struct forwarder {
    char *url;
    unsigned char key[256];
    int key_len;            /* 0: no signature */
    char *header;           /* "Name: value", or NULL */
    long timeout_ms, connect_timeout_ms;
    char *ca_file;
    bool insecure;
} forwarder;

static acuhook_buffer copy_out(const char *text, size_t len) {
    acuhook_buffer buffer = { host_api->alloc(len), len };
    if (buffer.ptr) memcpy(buffer.ptr, text, len); else buffer.len = 0;
    return buffer;
}

/* The raw value of "key" in a flat JSON object: a string (with \" and \\ unescaped; other escapes
 * kept as written) or a bare word (number, true, false). Malloc'd; NULL when absent. */
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

static int32_t fail_create(forwarder *self, acuhook_buffer *out_error, const char *why) {
    *out_error = copy_out(why, strlen(why));
    free(self->url); free(self->header); free(self->ca_file); free(self);
    return 1;
}

static int32_t forward_create(acuhook_host_handle *host, acuhook_str config, void **out_instance, acuhook_buffer *out_error) {
    (void)host;
    forwarder *self = calloc(1, sizeof *self);
    if (!self) { *out_error = copy_out("out of memory", 13); return 1; }
    self->url = config_value(config, "url");
    if (!self->url || (strncmp(self->url, "http://", 7) != 0 && strncmp(self->url, "https://", 8) != 0)) {
        return fail_create(self, out_error, "http-forward needs config.url: the http:// or https:// URL to POST events to");
    }
    char *secret = config_value(config, "secret");
    if (secret) {
        const char *encoded = strncmp(secret, "whsec_", 6) == 0 ? secret + 6 : secret;
        size_t len = strlen(encoded);
        unsigned char decoded[sizeof self->key + 3];
        int n = (len % 4 == 0 && len / 4 * 3 <= sizeof decoded) ? EVP_DecodeBlock(decoded, (const unsigned char *)encoded, (int)len) : -1;
        if (n > 0) {
            while (len > 0 && encoded[len - 1] == '=') { len--; n--; }  /* EVP_DecodeBlock counts padding */
            memcpy(self->key, decoded, (size_t)n);
            self->key_len = n;
        }
        free(secret);
        if (self->key_len <= 0) return fail_create(self, out_error, "http-forward: config.secret must be whsec_<base64 key>");
    }
    char *name = config_value(config, "header_name"), *value = config_value(config, "header_value");
    if (name && value) {
        self->header = malloc(strlen(name) + strlen(value) + 3);
        if (self->header) sprintf(self->header, "%s: %s", name, value);
    }
    bool half = (name != NULL) != (value != NULL);
    free(name); free(value);
    if (half) return fail_create(self, out_error, "http-forward: config.header_name and config.header_value go together");
    char *number = config_value(config, "timeout_ms");
    self->timeout_ms = number ? atol(number) : 10000; free(number);
    number = config_value(config, "connect_timeout_ms");
    self->connect_timeout_ms = number ? atol(number) : 5000; free(number);
    self->ca_file = config_value(config, "ca_file");
    char *insecure = config_value(config, "insecure_skip_verify");
    self->insecure = insecure && strcmp(insecure, "true") == 0; free(insecure);
    *out_instance = self;
    return 0;
}

/* Keeps the first ANSWER_KEPT bytes of the answer's body. */
typedef struct answer { char text[ANSWER_KEPT + 1]; size_t len; } answer;

static size_t keep_answer(char *data, size_t size, size_t count, void *context) {
    answer *kept = context;
    size_t n = size * count, room = ANSWER_KEPT - kept->len;
    memcpy(kept->text + kept->len, data, n < room ? n : room);
    kept->len += n < room ? n : room;
    return n;
}

/* webhook-id: msg_ + the first 16 bytes of SHA-256(delivery id, event type, entity id), in hex. */
static void message_id(const acuhook_event *event, char out[4 + 33]) {
    EVP_MD_CTX *sha = EVP_MD_CTX_new();
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;
    EVP_DigestInit_ex(sha, EVP_sha256(), NULL);
    EVP_DigestUpdate(sha, event->delivery_id.ptr, event->delivery_id.len);
    EVP_DigestUpdate(sha, "\n", 1);
    EVP_DigestUpdate(sha, event->event_type.ptr, event->event_type.len);
    EVP_DigestUpdate(sha, "\n", 1);
    EVP_DigestUpdate(sha, event->entity_id.ptr, event->entity_id.len);
    EVP_DigestFinal_ex(sha, digest, &digest_len);
    EVP_MD_CTX_free(sha);
    strcpy(out, "msg_");
    for (int i = 0; i < 16; i++) sprintf(out + 4 + 2 * i, "%02x", digest[i]);
}

/* HMAC-SHA256(key, prefix || body) through OpenSSL's EVP_MAC; returns the MAC's length. */
static size_t sign(const forwarder *self, const char *prefix, size_t prefix_len, acuhook_str body, unsigned char mac[EVP_MAX_MD_SIZE]) {
    EVP_MAC *hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *context = hmac ? EVP_MAC_CTX_new(hmac) : NULL;
    OSSL_PARAM parameters[] = { OSSL_PARAM_construct_utf8_string("digest", "SHA256", 0), OSSL_PARAM_construct_end() };
    size_t mac_len = 0;
    if (context && EVP_MAC_init(context, self->key, (size_t)self->key_len, parameters)
        && EVP_MAC_update(context, (const unsigned char *)prefix, prefix_len)
        && EVP_MAC_update(context, (const unsigned char *)body.ptr, body.len)) {
        EVP_MAC_final(context, mac, &mac_len, EVP_MAX_MD_SIZE);
    }
    EVP_MAC_CTX_free(context);
    EVP_MAC_free(hmac);
    return mac_len;
}

static int32_t answer_with(acuhook_result *result, int32_t status, const char *text) {
    result->message = copy_out(text, strlen(text));
    return status;
}

static int32_t forward_handle(void *instance, const acuhook_event *event, acuhook_result *result) {
    forwarder *self = instance;
    CURL *curl = curl_easy_init();
    if (!curl) return answer_with(result, ACUHOOK_STATUS_RETRY, "curl_easy_init failed");
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    char line[512];
    if (self->key_len > 0) {
        char id[4 + 33];
        message_id(event, id);
        long long now = (long long)time(NULL);
        /* Signed content: <id>.<timestamp>.<body>. */
        char prefix[64];
        int prefix_len = snprintf(prefix, sizeof prefix, "%s.%lld.", id, now);
        unsigned char mac[EVP_MAX_MD_SIZE];
        size_t mac_len = sign(self, prefix, (size_t)prefix_len, event->json, mac);
        if (mac_len == 0) {
            curl_slist_free_all(headers);
            curl_easy_cleanup(curl);
            return answer_with(result, ACUHOOK_STATUS_RETRY, "HMAC-SHA256 through OpenSSL failed");
        }
        char signature[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
        EVP_EncodeBlock((unsigned char *)signature, mac, (int)mac_len);
        snprintf(line, sizeof line, "webhook-id: %s", id);
        headers = curl_slist_append(headers, line);
        snprintf(line, sizeof line, "webhook-timestamp: %lld", now);
        headers = curl_slist_append(headers, line);
        snprintf(line, sizeof line, "webhook-signature: v1,%s", signature);
        headers = curl_slist_append(headers, line);
    }
    if (self->header) headers = curl_slist_append(headers, self->header);
    answer kept = { {0}, 0 };
    char error[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(curl, CURLOPT_URL, self->url);
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, event->json.ptr);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)event->json.len);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, self->timeout_ms);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, self->connect_timeout_ms);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  /* no SIGALRM: calls run on many threads */
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, keep_answer);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &kept);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "acuhook-http-forward/1.0");
    if (self->ca_file) curl_easy_setopt(curl, CURLOPT_CAINFO, self->ca_file);
    if (self->insecure) {
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    CURLcode code = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);

    char text[ANSWER_KEPT + 128];
    if (code != CURLE_OK) {
        snprintf(text, sizeof text, "%s: %s", curl_easy_strerror(code), error[0] ? error : "no detail");
        return answer_with(result, ACUHOOK_STATUS_RETRY, text);
    }
    kept.text[kept.len] = 0;
    if (status >= 200 && status < 300) {
        int n = snprintf(text, sizeof text, "{\"status\":%ld}", status);
        result->output = copy_out(text, (size_t)n);
        return ACUHOOK_STATUS_OK;
    }
    snprintf(text, sizeof text, "HTTP %ld: %s", status, kept.text);
    bool transient = status == 408 || status == 429 || status >= 500;
    return answer_with(result, transient ? ACUHOOK_STATUS_RETRY : ACUHOOK_STATUS_REJECT, text);
}

static void forward_destroy(void *instance) {
    forwarder *self = instance;
    free(self->url); free(self->header); free(self->ca_file); free(self);
}

static const acuhook_str subscriptions[] = { LITERAL("*") };

static const acuhook_plugin_descriptor descriptor = {
    sizeof(acuhook_plugin_descriptor),
    ACUHOOK_ABI_VERSION_MAJOR,
    ACUHOOK_ABI_VERSION_MINOR,
    LITERAL("http-forward"),
    LITERAL("1.0.0"),
    subscriptions,
    sizeof subscriptions / sizeof subscriptions[0],
    ACUHOOK_PLUGIN_THREAD_SAFE,
    forward_create,
    forward_handle,
    forward_destroy,
};

ACUHOOK_EXPORT
const acuhook_plugin_descriptor *acuhook_plugin_entry(const acuhook_host_api *host) {
    if (host->abi_major != ACUHOOK_ABI_VERSION_MAJOR) return NULL;
    /* Not thread-safe, so here: the entry point runs once, on one thread, before any call. */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        acuhook_str why = LITERAL("http-forward: curl_global_init failed");
        host->log(NULL, ACUHOOK_LOG_ERROR, why);
        return NULL;
    }
    host_api = host;
    return &descriptor;
}
