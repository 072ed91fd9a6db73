/*
 * acuhook_plugin.h — the Acuhook plugin C ABI, version 1.1.
 *
 * This header is the whole contract between the Acuhook host and a handler plugin. A plugin is a
 * shared library (`lib<Name>.so`) that exports exactly one symbol, `acuhook_plugin_entry`, and
 * links no host symbol: everything it may call on the host reaches it through the
 * `acuhook_host_api` table passed to that entry point.
 *
 * Conventions used throughout (after Envoy's dynamic-module abi.h and SQLite's sqlite3ext.h):
 *
 *  - Everything is prefixed `acuhook_` / `ACUHOOK_`.
 *  - Every struct starts with a `size` field holding `sizeof` the struct as its writer compiled
 *    it. Structs only ever grow at the end; a reader checks `size` before touching a field added
 *    in a later minor version.
 *  - Strings are `acuhook_str` — a pointer and a byte length, UTF-8, NOT NUL-terminated. A string
 *    with `len == 0` is empty; its `ptr` may then be NULL.
 *  - "Borrowed" means: owned by the caller, valid only until the called function returns. Copy
 *    anything you need to keep.
 *  - Memory a plugin hands to the host (result messages, output payloads, create errors) is
 *    allocated with `acuhook_host_api.alloc`; the host releases it. Never return `malloc`ed or
 *    static memory in those fields.
 *  - Version rules: a host loads a plugin only when the plugin's ABI major equals the host's.
 *    Minor versions add fields and host functions at the end of structs; a plugin built against a
 *    newer minor must check `acuhook_host_api.size` before calling a function the host may lack.
 *    Both sides accept any struct at least as large as the smallest layout of the minor version
 *    they negotiated (the lower of the two): `ACUHOOK_*_SIZE_1_0`, `ACUHOOK_*_SIZE_1_1`.
 *  - Arrays of structs cross the boundary only as arrays of pointers (`const acuhook_event *const
 *    *events`), so a struct that grows in a later minor never changes an array's stride.
 *
 * History: 1.0 — one event per call. 1.1 — `acuhook_plugin_descriptor.handle_batch` (several
 * events in one call) and `acuhook_result.status` (each event's status in a batch).
 *
 * Threading: the host calls `acuhook_plugin_entry`, `create` and `destroy` from one thread at a
 * time. `handle` and `handle_batch` are called from the host's plugin thread pool — never from a
 * network event loop — concurrently on the same instance only if the descriptor sets
 * ACUHOOK_PLUGIN_THREAD_SAFE; otherwise the host serialises calls to the instance (not
 * necessarily on the same thread).
 */
#ifndef ACUHOOK_PLUGIN_H
#define ACUHOOK_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The ABI major version. A host refuses any plugin whose descriptor names another major. */
#define ACUHOOK_ABI_VERSION_MAJOR 1
/** The ABI minor version. Bumped when fields or host functions are appended. */
#define ACUHOOK_ABI_VERSION_MINOR 1

/** The name of the one symbol a plugin exports. */
#define ACUHOOK_PLUGIN_ENTRY_SYMBOL "acuhook_plugin_entry"

/**
 * A UTF-8 string or byte range: `len` bytes at `ptr`, not NUL-terminated.
 * Ownership is stated wherever an `acuhook_str` appears. `ptr` may be NULL only when `len` is 0.
 */
typedef struct acuhook_str {
    /** First byte, or NULL when `len` is 0. */
    const char *ptr;
    /** Number of bytes. */
    size_t len;
} acuhook_str;

/**
 * A byte buffer the plugin allocated with `acuhook_host_api.alloc` and gives to the host.
 * The host frees it with `acuhook_host_api.free` after reading it. `ptr == NULL` means "none".
 */
typedef struct acuhook_buffer {
    /** Start of the allocation, or NULL for none. Owned by the host once returned. */
    char *ptr;
    /** Number of meaningful bytes at `ptr`. */
    size_t len;
} acuhook_buffer;

/** Log levels for `acuhook_host_api.log`, mapped onto the host's logger. */
typedef enum acuhook_log_level {
    /** Finest detail, normally hidden. */
    ACUHOOK_LOG_TRACE = 0,
    /** Diagnostics for the plugin's author. */
    ACUHOOK_LOG_DEBUG = 1,
    /** Normal operation worth recording. */
    ACUHOOK_LOG_INFO = 2,
    /** Something unexpected that the plugin handled. */
    ACUHOOK_LOG_WARNING = 3,
    /** A failure the operator should look at. Values above 4 are logged as errors too. */
    ACUHOOK_LOG_ERROR = 4,
} acuhook_log_level;

/**
 * What `handle` reports about one event. Any other value returned by a plugin is treated by the
 * host as a failure (like a crash): it is retried and counts against the plugin's circuit breaker.
 */
typedef enum acuhook_status {
    /** Handled. The job is done. */
    ACUHOOK_STATUS_OK = 0,
    /** Transient failure (a downstream service is down…). Retried with backoff; counts as a failure
     *  for the circuit breaker. */
    ACUHOOK_STATUS_RETRY = 1,
    /** Permanent failure: the event itself is bad. Goes to the dead-letter queue at once with the
     *  result's message; never retried automatically; not a breaker failure. */
    ACUHOOK_STATUS_REJECT = 2,
    /** Not interested in this event. The job is done (marked skipped). */
    ACUHOOK_STATUS_SKIP = 3,
} acuhook_status;

/** What `emit` reports. */
typedef enum acuhook_emit_status {
    /** The host copied the derived event and will store and route it after `handle` returns OK. */
    ACUHOOK_EMIT_OK = 0,
    /** The event is malformed (empty type, type not `Entity.Action`, JSON not an object…). */
    ACUHOOK_EMIT_INVALID = 1,
    /** Refused: too many derived events for this event, or the derivation depth limit was
     *  reached (so a plugin cannot loop forever on its own events). */
    ACUHOOK_EMIT_REFUSED = 2,
    /** `call` is not a call in progress (used after `handle` or `handle_batch` returned, or NULL). */
    ACUHOOK_EMIT_NO_CALL = 3,
} acuhook_emit_status;

/** Descriptor flag: `handle` may run concurrently on one instance. Without it, calls are serialised. */
#define ACUHOOK_PLUGIN_THREAD_SAFE ((uint64_t)1 << 0)

/**
 * Opaque host-side handle for one plugin instance, given to `create`. Pass it to
 * `acuhook_host_api.log` so messages carry the plugin's name. Valid from `create` until
 * `destroy` returns; the host owns it.
 */
typedef struct acuhook_host_handle acuhook_host_handle;

/**
 * Opaque host-side handle for one event's call in progress, found in `acuhook_event.call`.
 * Valid only until that `handle` (or `handle_batch`) call returns; the host owns it. In a batch,
 * each event has its own, so a derived event is attributed to the event it was emitted for.
 */
typedef struct acuhook_call acuhook_call;

/**
 * A derived event a plugin asks the host to store and route, passed to `acuhook_host_api.emit`.
 * All fields are borrowed by the host for the duration of `emit`, which copies what it keeps.
 */
typedef struct acuhook_derived_event {
    /** sizeof(acuhook_derived_event) as the plugin compiled it. */
    uint32_t size;
    /** Event type, `Entity.Action` (e.g. `SalesOrder.LargeOrder`). Required. */
    acuhook_str event_type;
    /** Entity type; empty means "the part of event_type before the first dot". */
    acuhook_str entity_type;
    /** Entity id; empty means "the parent event's entity id". */
    acuhook_str entity_id;
    /** Event body: a JSON object (the `data` of the derived event). Empty means `{}`. */
    acuhook_str data_json;
} acuhook_derived_event;

/**
 * The table of host functions, passed to `acuhook_plugin_entry`. Append-only: new functions are
 * added at the end in later minor versions. The table and its functions stay valid for the
 * life of the process, so a plugin may keep the pointer.
 */
typedef struct acuhook_host_api {
    /** sizeof(acuhook_host_api) as the host compiled it. Check it before calling a function added
     *  after the minor version you need. */
    uint32_t size;
    /** The host's ABI major version (ACUHOOK_ABI_VERSION_MAJOR when it was built). */
    uint16_t abi_major;
    /** The host's ABI minor version. */
    uint16_t abi_minor;

    /**
     * Writes one line to the host's log, attributed to the plugin.
     * `host` is the handle from `create`, or NULL during `acuhook_plugin_entry` (then the line is
     * attributed to the file being loaded). `message` is borrowed; the host copies it.
     * Thread-safe: callable from any thread, at any time while the plugin is loaded.
     */
    void (*log)(acuhook_host_handle *host, acuhook_log_level level, acuhook_str message);

    /**
     * Allocates `len` bytes for a buffer the plugin will hand to the host (result message,
     * output, create error). Returns NULL when out of memory. Thread-safe.
     * The memory is released by the host once handed over, or by the plugin with `free` if it
     * decides not to hand it over.
     */
    char *(*alloc)(size_t len);

    /** Releases memory from `alloc`. NULL is a no-op. Thread-safe. */
    void (*free)(char *ptr);

    /**
     * Asks the host to store and route a derived event (e.g. `SalesOrder.LargeOrder`).
     * `call` is `acuhook_event.call` of the event being handled; `event` and everything it
     * points to are borrowed for the duration of this function. Call only from inside `handle`
     * or `handle_batch`, on the thread running it. Derived events are kept only if that event's
     * status is OK. The host accepts any `event->size` of at least ACUHOOK_DERIVED_EVENT_SIZE_1_0.
     */
    acuhook_emit_status (*emit)(acuhook_call *call, const acuhook_derived_event *event);
} acuhook_host_api;

/**
 * One event, as given to `handle`. The struct and every byte it points to are borrowed: owned by
 * the host and valid only until `handle` returns. Copy what you need to keep.
 */
typedef struct acuhook_event {
    /** sizeof(acuhook_event) as the host compiled it. */
    uint32_t size;
    /** Which attempt this is for this plugin, starting at 1. */
    uint32_t attempt;
    /** Event type, `Entity.Action` (e.g. `Customer.Updated`). Never empty. */
    acuhook_str event_type;
    /** Entity type (e.g. `Customer`). May be empty. */
    acuhook_str entity_type;
    /** Entity id (e.g. `CUST001`). May be empty. */
    acuhook_str entity_id;
    /** The delivery's idempotency key (sender's delivery id, or derived). May be empty. */
    acuhook_str delivery_id;
    /** The tenant / company the event belongs to. May be empty. */
    acuhook_str tenant;
    /** When Acuhook received the delivery, in milliseconds since the Unix epoch (UTC). */
    int64_t received_at_unix_ms;
    /** The whole normalised event as a JSON object (`eventType`, `entityType`, `entityId`,
     *  `data`, `changes`, `metadata`, …). */
    acuhook_str json;
    /** This call, for `acuhook_host_api.emit`. Valid only until `handle` returns. */
    acuhook_call *call;
} acuhook_event;

/** The initial `acuhook_result.status` of a batch call: a result the plugin leaves at this value
 *  counts as an invalid status (a failure, retried and judged by the breaker). */
#define ACUHOOK_STATUS_UNSET (-1)

/**
 * Filled in by `handle` or `handle_batch`. The host zeroes it, sets `size` (and, for a batch,
 * `status` to ACUHOOK_STATUS_UNSET) before the call. Both buffers are optional; when set they
 * must come from `acuhook_host_api.alloc` and the host takes ownership.
 */
typedef struct acuhook_result {
    /** sizeof(acuhook_result) as the host compiled it. Read-only for the plugin. */
    uint32_t size;
    /** A human-readable reason (shown in logs and the dead-letter queue). UTF-8. Optional. */
    acuhook_buffer message;
    /** Output bytes (e.g. a JSON document) kept with the job's history. Optional. */
    acuhook_buffer output;
    /** ABI 1.1. The event's acuhook_status, set by `handle_batch` for each event (`handle`
     *  returns its status instead; the host ignores this field after `handle`). Only a host of
     *  1.1 or later calls `handle_batch`, and its results always have this field, so
     *  `handle_batch` may write it without checking `size`. */
    int32_t status;
} acuhook_result;

/** The size of acuhook_result in ABI 1.0 (through `output`). */
#define ACUHOOK_RESULT_SIZE_1_0 (offsetof(acuhook_result, output) + sizeof(acuhook_buffer))

/**
 * What a plugin is and how to drive it. Returned by `acuhook_plugin_entry`; the descriptor and
 * every string it points to must stay valid and unchanged for the life of the process (static
 * storage is the natural choice). The host copies the strings at load.
 */
typedef struct acuhook_plugin_descriptor {
    /** sizeof(acuhook_plugin_descriptor) as the plugin compiled it. The host refuses a descriptor
     *  smaller than the layout of the minor both speak: ACUHOOK_PLUGIN_DESCRIPTOR_SIZE_1_0 for a
     *  plugin declaring minor 0, ACUHOOK_PLUGIN_DESCRIPTOR_SIZE_1_1 for minor 1 or later. */
    uint32_t size;
    /** ACUHOOK_ABI_VERSION_MAJOR the plugin was built against. Must equal the host's. */
    uint16_t abi_major;
    /** ACUHOOK_ABI_VERSION_MINOR the plugin was built against. */
    uint16_t abi_minor;
    /** Unique plugin name, e.g. `customer-sync`. Required, non-empty. */
    acuhook_str name;
    /** The plugin's own version, e.g. `1.2.0`. */
    acuhook_str version;
    /** Default event subscriptions: exact types (`Customer.Updated`) or patterns (`Customer.*`,
     *  `*.Deleted`, `*`). Used when the configuration names no `events`. May be NULL if count is 0. */
    const acuhook_str *subscriptions;
    /** Number of entries in `subscriptions`. */
    size_t subscription_count;
    /** Bitwise OR of ACUHOOK_PLUGIN_* flags. Unknown bits are ignored. */
    uint64_t flags;

    /**
     * Creates an instance from configuration.
     * `host`: handle for `log`, valid until `destroy` returns. `config_json`: the plugin's `config`
     * section as a JSON value (`{}` when absent), borrowed for this call.
     * On success store the instance in `*out_instance` (NULL is allowed if the plugin keeps no
     * state) and return 0. On failure return non-zero and optionally set `*out_error` to a
     * message allocated with `alloc`. Called once per instance, on one thread.
     * NULL is allowed: the plugin keeps no state and `handle` receives a NULL instance.
     */
    int32_t (*create)(acuhook_host_handle *host, acuhook_str config_json, void **out_instance,
                      acuhook_buffer *out_error);

    /**
     * Handles one event. `instance` is what `create` produced; `event` is borrowed for the call;
     * `result` is zeroed by the host and may be filled by the plugin. Returns an acuhook_status.
     * Runs on a host pool thread; concurrently only with ACUHOOK_PLUGIN_THREAD_SAFE. Should not
     * block for longer than the configured timeout: a call past it counts as a failure, and the
     * thread running it is not reused until the call returns.
     */
    int32_t (*handle)(void *instance, const acuhook_event *event, acuhook_result *result);

    /**
     * Destroys an instance: called once, after the last `handle` or `handle_batch` on it has
     * returned. NULL is allowed when there is nothing to release.
     */
    void (*destroy)(void *instance);

    /**
     * ABI 1.1. Optional: handles `count` events (1 or more) in one call, e.g. one multi-row
     * INSERT for all of them. NULL (or a descriptor declaring minor 0): the host calls `handle`
     * once per event. The host uses it only when the plugin's configuration asks for batches.
     *
     * `events[i]` and `results[i]` belong together; both arrays, the structs they point to and
     * every byte those point to are borrowed for the call. Events keep their own `call` handle
     * (emit for event i with `events[i]->call`) and their own `attempt`. The host zeroes every
     * result and sets its `status` to ACUHOOK_STATUS_UNSET; the plugin sets each `status` and,
     * optionally, each `message` and `output` (allocated with `alloc`; the host takes them).
     *
     * Returns ACUHOOK_STATUS_OK when every `results[i]->status` says how event i ended; any
     * other acuhook_status applies to every event of the batch (e.g. RETRY when the database is
     * unreachable: each event's own `message` is still read), and their derived events are
     * dropped. Events of one entity appear in the order they must be handled.
     *
     * Threading and time as for `handle`: a pool thread, concurrently on one instance only with
     * ACUHOOK_PLUGIN_THREAD_SAFE; the configured timeout bounds the whole batch.
     */
    int32_t (*handle_batch)(void *instance, const acuhook_event *const *events, acuhook_result *const *results,
                            size_t count);
} acuhook_plugin_descriptor;

/** The smallest descriptor size a host accepts from a 1.0 plugin (through `destroy`). */
#define ACUHOOK_PLUGIN_DESCRIPTOR_SIZE_1_0 \
    (offsetof(acuhook_plugin_descriptor, destroy) + sizeof(void (*)(void *)))

/** The smallest descriptor size a host accepts from a plugin declaring minor 1 or later
 *  (through `handle_batch`). */
#define ACUHOOK_PLUGIN_DESCRIPTOR_SIZE_1_1 \
    (offsetof(acuhook_plugin_descriptor, handle_batch) + sizeof(void *))

/** The smallest acuhook_derived_event the host accepts in `emit` (1.0's layout, through
 *  `data_json`). */
#define ACUHOOK_DERIVED_EVENT_SIZE_1_0 \
    (offsetof(acuhook_derived_event, data_json) + sizeof(acuhook_str))

/**
 * The entry point every plugin exports. Called once per loaded file, on one thread, before any
 * other function. `host` stays valid for the life of the process.
 * Return the plugin's descriptor, or NULL to refuse to load (log why through `host->log` with a
 * NULL handle), for example when `host->abi_major` differs from the plugin's.
 */
typedef const acuhook_plugin_descriptor *(*acuhook_plugin_entry_fn)(const acuhook_host_api *host);

#if !defined(__swift__)
/** Marks the entry point as exported even when the plugin is built with -fvisibility=hidden. */
#define ACUHOOK_EXPORT __attribute__((visibility("default")))

/**
 * The prototype of the entry point, for plugins written in C or C++: define it with
 * `ACUHOOK_EXPORT const acuhook_plugin_descriptor *acuhook_plugin_entry(const acuhook_host_api *host)`.
 * (Hidden from Swift, where plugins define it with `@_cdecl("acuhook_plugin_entry")`.)
 */
ACUHOOK_EXPORT const acuhook_plugin_descriptor *acuhook_plugin_entry(const acuhook_host_api *host);
#endif

#ifdef __cplusplus
}
#endif

#endif /* ACUHOOK_PLUGIN_H */
