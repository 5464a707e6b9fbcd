//! The GraphiQL playground: a page that loads the bundle built from `web/`
//! (`npm ci --prefix web && npm run build --prefix web`) and serves that
//! bundle from `GRAPHIQL_ASSETS_DIR`, so that the page needs nothing beyond
//! this server. Without the built files the server still runs, and the page
//! says how to build them.

use std::path::Path;

use axum::{
    extract::{Path as UrlPath, State},
    http::{StatusCode, header},
    response::{Html, IntoResponse, Response},
};

use crate::app::AppState;

/// The bundle's entry points, as `web/build.mjs` names them.
const SCRIPT: &str = "playground.js";
const STYLESHEET: &str = "playground.css";

const PAGE: &str = r#"<!doctype html>
<html lang="ko">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>우리가 GraphQL</title>
<link rel="stylesheet" href="/graphiql/assets/playground.css">
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<script src="/graphiql/assets/playground.js"></script>
</body>
</html>
"#;

const NOT_BUILT: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>우리가 GraphQL: the playground is not built</title>
</head>
<body>
<main id="graphiql">
<h1>The GraphiQL playground is not built</h1>
<p>The API itself works: <code>POST /graphql</code>, and WebSockets on <code>/graphql</code>.</p>
<p>The playground's scripts come from the npm registry and are built once, from the repository's root:</p>
<pre>npm ci --prefix web &amp;&amp; npm run build --prefix web</pre>
<p>The server looks for them in <code>GRAPHIQL_ASSETS_DIR</code> (default <code>web/dist</code>,
relative to the directory it runs in) on every request: reload this page once they are built.</p>
</main>
</body>
</html>
"#;

/// `/` and `/graphiql`.
pub async fn page(State(state): State<AppState>) -> Html<&'static str> {
    let dir = &state.services.config.api.graphiql_assets_dir;
    if is_built(dir).await {
        Html(PAGE)
    } else {
        Html(NOT_BUILT)
    }
}

async fn is_built(dir: &Path) -> bool {
    for name in [SCRIPT, STYLESHEET] {
        if !tokio::fs::try_exists(dir.join(name)).await.unwrap_or(false) {
            return false;
        }
    }
    true
}

/// `/graphiql/assets/{file}`: a file of the built bundle, by plain name only
/// (no directories, nothing hidden).
pub async fn asset(State(state): State<AppState>, UrlPath(file): UrlPath<String>) -> Response {
    let Some(content_type) = content_type(&file) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let path = state.services.config.api.graphiql_assets_dir.join(&file);
    match tokio::fs::read(&path).await {
        Ok(bytes) => ([(header::CONTENT_TYPE, content_type)], bytes).into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

/// The content type of a bundle file, or `None` for a name that is not one.
fn content_type(file: &str) -> Option<&'static str> {
    let plain = !file.is_empty()
        && !file.starts_with('.')
        && file
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if !plain {
        return None;
    }
    let extension = file.rsplit_once('.')?.1;
    Some(match extension {
        "js" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "map" => "application/json",
        "svg" => "image/svg+xml",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::content_type;

    #[test]
    fn only_plain_bundle_names_are_served() {
        assert_eq!(
            content_type("playground.js"),
            Some("text/javascript; charset=utf-8")
        );
        assert_eq!(
            content_type("playground.css"),
            Some("text/css; charset=utf-8")
        );
        for name in [
            "",
            ".env",
            "../Cargo.toml",
            "a/b.js",
            "x.rs",
            "noextension",
            "a%2fb.js",
        ] {
            assert_eq!(content_type(name), None, "{name}");
        }
    }
}
