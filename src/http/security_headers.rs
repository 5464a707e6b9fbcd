//! Headers every response carries: no MIME sniffing, no framing (against
//! clickjacking of GraphiQL), no referrer leaking a page's URL, and no
//! caching of answers that hold a member's data.

use axum::{
    http::{HeaderName, HeaderValue, header},
    response::Response,
};

const HEADERS: [(HeaderName, &str); 4] = [
    (header::CACHE_CONTROL, "no-store"),
    (header::REFERRER_POLICY, "no-referrer"),
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
];

/// Adds the four headers, each kept when the handler set its own. One
/// function over the response rather than a layer per header: each layer
/// was one more service cloned and one more future wrapped per request.
pub fn add(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in HEADERS {
        headers
            .entry(name)
            .or_insert_with(|| HeaderValue::from_static(value));
    }
    response
}
