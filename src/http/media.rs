//! GraphQL over HTTP content negotiation.

use axum::http::{HeaderMap, header};

pub const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
pub const JSON: &str = "application/json";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResponseMedia {
    /// The GraphQL over HTTP media type: request errors are HTTP 400.
    GraphqlResponseJson,
    /// Legacy `application/json`: every well-formed response is HTTP 200.
    Json,
}

impl ResponseMedia {
    pub fn content_type(self) -> &'static str {
        match self {
            Self::GraphqlResponseJson => "application/graphql-response+json; charset=utf-8",
            Self::Json => "application/json; charset=utf-8",
        }
    }
}

/// The media type to answer in, from `Accept`: the acceptable type with the
/// highest q (earlier wins a tie). No `Accept` means `application/json`;
/// `None` means nothing acceptable (406).
pub fn negotiate(headers: &HeaderMap) -> Option<ResponseMedia> {
    let Some(accept) = headers
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
    else {
        return Some(ResponseMedia::Json);
    };
    let mut best: Option<(f32, ResponseMedia)> = None;
    for item in accept.split(',') {
        let mut parts = item.split(';').map(str::trim);
        let media = parts.next().unwrap_or("");
        let quality = parts
            .filter_map(|param| param.strip_prefix("q="))
            .find_map(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        // Compared without case, in place: no lower-cased copy per request.
        let candidate = if media.eq_ignore_ascii_case(GRAPHQL_RESPONSE_JSON) {
            ResponseMedia::GraphqlResponseJson
        } else if [JSON, "application/*", "*/*"]
            .iter()
            .any(|json| media.eq_ignore_ascii_case(json))
        {
            ResponseMedia::Json
        } else {
            continue;
        };
        if quality > 0.0 && best.is_none_or(|(q, _)| quality > q) {
            best = Some((quality, candidate));
        }
    }
    best.map(|(_, media)| media)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, value.parse().unwrap());
        headers
    }

    #[test]
    fn negotiation_follows_accept() {
        assert_eq!(negotiate(&HeaderMap::new()), Some(ResponseMedia::Json));
        assert_eq!(
            negotiate(&accept(
                "application/graphql-response+json, application/json;q=0.9"
            )),
            Some(ResponseMedia::GraphqlResponseJson)
        );
        assert_eq!(
            negotiate(&accept(
                "application/json, application/graphql-response+json"
            )),
            Some(ResponseMedia::Json)
        );
        assert_eq!(negotiate(&accept("*/*")), Some(ResponseMedia::Json));
        assert_eq!(negotiate(&accept("text/html")), None);
    }

    #[test]
    fn media_types_match_without_case() {
        assert_eq!(
            negotiate(&accept("Application/GraphQL-Response+JSON")),
            Some(ResponseMedia::GraphqlResponseJson)
        );
        assert_eq!(
            negotiate(&accept("APPLICATION/JSON")),
            Some(ResponseMedia::Json)
        );
        assert_eq!(
            negotiate(&accept("Application/*")),
            Some(ResponseMedia::Json)
        );
    }
}
