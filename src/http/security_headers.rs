//! Headers every response carries: no MIME sniffing, no framing (against
//! clickjacking of GraphiQL), no referrer leaking a page's URL, and no
//! caching of answers that hold a member's data.

use axum::http::{HeaderName, HeaderValue, header};
use tower::{ServiceBuilder, layer::util::Stack};
use tower_http::set_header::SetResponseHeaderLayer;

type Set = SetResponseHeaderLayer<HeaderValue>;

/// The four headers, each kept when the handler set its own.
pub type Layers<L> = Stack<Set, Stack<Set, Stack<Set, Stack<Set, L>>>>;

pub fn add<L>(builder: ServiceBuilder<L>) -> ServiceBuilder<Layers<L>> {
    let set = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    builder
        .layer(set(header::CACHE_CONTROL, "no-store"))
        .layer(set(header::REFERRER_POLICY, "no-referrer"))
        .layer(set(header::X_FRAME_OPTIONS, "DENY"))
        .layer(set(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
}
