//! The client's address, for per-address rate limits.

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;

/// The peer address, or, behind our own nginx (`TRUST_PROXY_HEADERS`), the
/// address it reports in X-Real-IP or X-Forwarded-For.
pub fn client_addr(peer: SocketAddr, headers: &HeaderMap, trust_proxy_headers: bool) -> IpAddr {
    if trust_proxy_headers {
        let forwarded = headers
            .get("x-real-ip")
            .and_then(|value| value.to_str().ok())
            .or_else(|| {
                headers
                    .get("x-forwarded-for")
                    .and_then(|value| value.to_str().ok())
                    .and_then(|list| list.split(',').next())
            })
            .and_then(|value| value.trim().parse().ok());
        if let Some(address) = forwarded {
            return address;
        }
    }
    peer.ip()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_headers_count_only_when_trusted() {
        let peer: SocketAddr = "10.0.0.1:5000".parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "203.0.113.9, 10.0.0.1".parse().unwrap());
        assert_eq!(client_addr(peer, &headers, false), peer.ip());
        assert_eq!(client_addr(peer, &headers, true).to_string(), "203.0.113.9");
        headers.insert("x-real-ip", "198.51.100.4".parse().unwrap());
        assert_eq!(
            client_addr(peer, &headers, true).to_string(),
            "198.51.100.4"
        );
    }
}
