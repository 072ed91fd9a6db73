//! rust-audit — an example Acuhook plugin in Rust, to show that the C ABI is language-neutral.
//!
//! For every `SalesOrder.*` event it answers OK with `{"seen":N,"event":"<type>"}` as output and
//! emits one `Audit.Recorded` event; an order whose entity id starts with the configured
//! `reject_prefix` is rejected (dead-lettered) instead. Configuration (JSON):
//! `{"reject_prefix": "TEST-"}`. Thread-safe: its only state is an atomic counter.
//!
//! It has the batch entry of ABI 1.1 too (`handle_batch`, used when the plugin's configuration
//! says `batch:`): each event of the batch is handled as `handle` would, with its own status.
//!
//! The ABI structs below mirror `acuhook_plugin.h` (ABI 1.1) field for field, with `#[repr(C)]`.
//! No crate is needed.

use std::ffi::c_void;
use std::os::raw::c_char;
use std::sync::atomic::{AtomicU64, Ordering};

/// `acuhook_str`: borrowed UTF-8, not NUL-terminated.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct AcuhookStr {
    ptr: *const c_char,
    len: usize,
}

/// `acuhook_buffer`: memory from the host's `alloc`, freed by the host.
#[repr(C)]
pub struct AcuhookBuffer {
    ptr: *mut c_char,
    len: usize,
}

/// `acuhook_derived_event`.
#[repr(C)]
pub struct DerivedEvent {
    size: u32,
    event_type: AcuhookStr,
    entity_type: AcuhookStr,
    entity_id: AcuhookStr,
    data_json: AcuhookStr,
}

/// `acuhook_host_api`: the host's functions, valid for the life of the process.
#[repr(C)]
pub struct HostApi {
    size: u32,
    abi_major: u16,
    abi_minor: u16,
    log: Option<unsafe extern "C" fn(*mut c_void, i32, AcuhookStr)>,
    alloc: Option<unsafe extern "C" fn(usize) -> *mut c_char>,
    free: Option<unsafe extern "C" fn(*mut c_char)>,
    emit: Option<unsafe extern "C" fn(*mut c_void, *const DerivedEvent) -> i32>,
}

/// `acuhook_event`: borrowed for one call.
#[repr(C)]
pub struct Event {
    size: u32,
    attempt: u32,
    event_type: AcuhookStr,
    entity_type: AcuhookStr,
    entity_id: AcuhookStr,
    delivery_id: AcuhookStr,
    tenant: AcuhookStr,
    received_at_unix_ms: i64,
    json: AcuhookStr,
    call: *mut c_void,
}

/// `acuhook_result`: zeroed by the host, filled by the plugin.
#[repr(C)]
pub struct CallResult {
    size: u32,
    message: AcuhookBuffer,
    output: AcuhookBuffer,
    /// ABI 1.1: the event's status, written by `handle_batch`.
    status: i32,
}

type Create = unsafe extern "C" fn(*mut c_void, AcuhookStr, *mut *mut c_void, *mut AcuhookBuffer) -> i32;
type Handle = unsafe extern "C" fn(*mut c_void, *const Event, *mut CallResult) -> i32;
type Destroy = unsafe extern "C" fn(*mut c_void);
type HandleBatch = unsafe extern "C" fn(*mut c_void, *const *const Event, *const *mut CallResult, usize) -> i32;

/// `acuhook_plugin_descriptor`.
#[repr(C)]
pub struct Descriptor {
    size: u32,
    abi_major: u16,
    abi_minor: u16,
    name: AcuhookStr,
    version: AcuhookStr,
    subscriptions: *const AcuhookStr,
    subscription_count: usize,
    flags: u64,
    create: Option<Create>,
    handle: Option<Handle>,
    destroy: Option<Destroy>,
    /// ABI 1.1: several events in one call.
    handle_batch: Option<HandleBatch>,
}

const ABI_MAJOR: u16 = 1;
const ABI_MINOR: u16 = 1;
const STATUS_OK: i32 = 0;
const STATUS_REJECT: i32 = 2;
const LOG_INFO: i32 = 2;
const THREAD_SAFE: u64 = 1;

/// The descriptor and subscriptions hold only pointers to static data, never written.
struct Static<T>(T);
unsafe impl<T> Sync for Static<T> {}

const fn text(s: &'static str) -> AcuhookStr {
    AcuhookStr { ptr: s.as_ptr() as *const c_char, len: s.len() }
}

static SUBSCRIPTIONS: Static<[AcuhookStr; 1]> = Static([text("SalesOrder.*")]);
static DESCRIPTOR: Static<Descriptor> = Static(Descriptor {
    size: std::mem::size_of::<Descriptor>() as u32,
    abi_major: ABI_MAJOR,
    abi_minor: ABI_MINOR,
    name: text("rust-audit"),
    version: text("1.0.0"),
    subscriptions: &SUBSCRIPTIONS.0 as *const AcuhookStr,
    subscription_count: 1,
    flags: THREAD_SAFE,
    create: Some(create),
    handle: Some(handle),
    destroy: Some(destroy),
    handle_batch: Some(handle_batch),
});
static HOST: Static<std::sync::OnceLock<usize>> = Static(std::sync::OnceLock::new());

fn host() -> &'static HostApi {
    unsafe { &*(*HOST.0.get().expect("entry point ran") as *const HostApi) }
}

/// One instance: its configuration and how many events it has seen.
struct Audit {
    reject_prefix: String,
    seen: AtomicU64,
}

unsafe fn borrowed(s: AcuhookStr) -> &'static str {
    if s.ptr.is_null() || s.len == 0 {
        return "";
    }
    std::str::from_utf8(std::slice::from_raw_parts(s.ptr as *const u8, s.len)).unwrap_or("")
}

/// Copies `text` into memory from the host's allocator (the host frees it).
fn buffer(text: &str) -> AcuhookBuffer {
    let ptr = unsafe { (host().alloc.expect("alloc"))(text.len()) };
    if ptr.is_null() {
        return AcuhookBuffer { ptr, len: 0 };
    }
    unsafe { std::ptr::copy_nonoverlapping(text.as_ptr(), ptr as *mut u8, text.len()) };
    AcuhookBuffer { ptr, len: text.len() }
}

/// The string value of `"key": "value"` in a flat JSON object (no escapes), if any.
fn string_value(json: &str, key: &str) -> Option<String> {
    let after = &json[json.find(&format!("\"{key}\""))? + key.len() + 2..];
    let start = after.find('"')? + 1;
    let end = start + after[start..].find('"')?;
    after[..start - 1].trim_matches(|c: char| c == ':' || c.is_whitespace()).is_empty().then(|| after[start..end].to_string())
}

unsafe extern "C" fn create(host_handle: *mut c_void, config: AcuhookStr, out: *mut *mut c_void, _error: *mut AcuhookBuffer) -> i32 {
    let reject_prefix = string_value(borrowed(config), "reject_prefix").unwrap_or_default();
    let message = format!("rust-audit ready (reject_prefix: {reject_prefix:?})");
    (host().log.expect("log"))(host_handle, LOG_INFO, AcuhookStr { ptr: message.as_ptr() as *const c_char, len: message.len() });
    *out = Box::into_raw(Box::new(Audit { reject_prefix, seen: AtomicU64::new(0) })) as *mut c_void;
    0
}

unsafe extern "C" fn handle(instance: *mut c_void, event: *const Event, result: *mut CallResult) -> i32 {
    audit_one(&*(instance as *const Audit), &*event, &mut *result)
}

/// ABI 1.1: every event of the batch as `handle` would do it, each status in its own result.
unsafe extern "C" fn handle_batch(instance: *mut c_void, events: *const *const Event, results: *const *mut CallResult, count: usize) -> i32 {
    let audit = &*(instance as *const Audit);
    let events = std::slice::from_raw_parts(events, count);
    let results = std::slice::from_raw_parts(results, count);
    for (&event, &result) in events.iter().zip(results) {
        (*result).status = audit_one(audit, &*event, &mut *result);
    }
    STATUS_OK
}

unsafe fn audit_one(audit: &Audit, event: &Event, result: &mut CallResult) -> i32 {
    let (event_type, entity_id) = (borrowed(event.event_type), borrowed(event.entity_id));
    if !audit.reject_prefix.is_empty() && entity_id.starts_with(&audit.reject_prefix) {
        result.message = buffer(&format!("{entity_id} is a test order (reject_prefix {})", audit.reject_prefix));
        return STATUS_REJECT;
    }
    let seen = audit.seen.fetch_add(1, Ordering::Relaxed) + 1;
    result.output = buffer(&format!("{{\"seen\":{seen},\"event\":\"{event_type}\"}}"));
    let data = format!("{{\"order\":\"{entity_id}\",\"attempt\":{}}}", event.attempt);
    let derived = DerivedEvent {
        size: std::mem::size_of::<DerivedEvent>() as u32,
        event_type: text("Audit.Recorded"),
        entity_type: AcuhookStr { ptr: std::ptr::null(), len: 0 },
        entity_id: event.entity_id,
        data_json: AcuhookStr { ptr: data.as_ptr() as *const c_char, len: data.len() },
    };
    (host().emit.expect("emit"))(event.call, &derived);
    STATUS_OK
}

unsafe extern "C" fn destroy(instance: *mut c_void) {
    drop(Box::from_raw(instance as *mut Audit));
}

/// The entry point: refuses a host of another ABI major, else returns the descriptor.
#[no_mangle]
pub unsafe extern "C" fn acuhook_plugin_entry(host_api: *const HostApi) -> *const Descriptor {
    if host_api.is_null() || (*host_api).abi_major != ABI_MAJOR {
        return std::ptr::null();
    }
    let _ = HOST.0.set(host_api as usize);
    &DESCRIPTOR.0
}
