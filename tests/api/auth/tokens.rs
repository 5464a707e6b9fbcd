//! Access tokens at the HTTP edge: 401 for anything but a valid token of a
//! live session; no token at all is 200 with UNAUTHENTICATED.

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use reqwest::StatusCode;
use serde_json::json;

use crate::support::{TestApp, expect_error, expect_ok};

const ME: &str = "{ me { id } }";

fn token_with(algorithm: Algorithm, secret: &[u8], claims: serde_json::Value) -> String {
    encode(
        &Header::new(algorithm),
        &claims,
        &EncodingKey::from_secret(secret),
    )
    .unwrap()
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_tokens_get_401_and_no_token_gets_200_unauthenticated() {
    let app = TestApp::spawn().await;
    let session = app.sign_up("tokens@example.com", "tokens").await;
    let (status, _, body) = app.post(Some(&session.access), ME, json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(expect_ok(&body)["me"]["id"], session.member_id.as_str());

    let (status, _, body) = app.post(None, ME, json!({})).await;
    assert_eq!(status, StatusCode::OK);
    expect_error(&body, "UNAUTHENTICATED");

    let secret = b"test-secret-test-secret-test-secret!";
    let sid = session.refresh.split('.').next().unwrap();
    let claims = |typ: &str, exp: i64| json!({ "sub": session.member_id, "sid": sid, "typ": typ, "iat": now() - 10, "exp": exp });
    let unsigned = {
        use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let payload = URL_SAFE_NO_PAD.encode(claims("access", now() + 600).to_string());
        format!("{header}.{payload}.")
    };
    let cases = [
        ("garbage", "not-a-jwt".to_owned()),
        (
            "expired",
            token_with(Algorithm::HS256, secret, claims("access", now() - 1)),
        ),
        (
            "other key",
            token_with(
                Algorithm::HS256,
                b"another-secret-another-secret-xxxx",
                claims("access", now() + 600),
            ),
        ),
        (
            "other algorithm",
            token_with(Algorithm::HS512, secret, claims("access", now() + 600)),
        ),
        (
            "other type",
            token_with(Algorithm::HS256, secret, claims("refresh", now() + 600)),
        ),
        ("alg none", unsigned),
        (
            "unknown session",
            token_with(
                Algorithm::HS256,
                secret,
                json!({ "sub": session.member_id, "sid": "0".repeat(32), "typ": "access", "iat": now(), "exp": now() + 600 }),
            ),
        ),
    ];
    for (name, token) in cases {
        let (status, _, body) = app.post(Some(&token), ME, json!({})).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{name}");
        expect_error(&body, "UNAUTHENTICATED");
    }
    // The same rules hold for public operations: a bad header is a 401 first.
    let (status, _, _) = app
        .post(
            Some("not-a-jwt"),
            "{ nicknameAvailable(nickName: \"abc\") }",
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_valid_token_of_the_right_shape_from_our_key_works() {
    // The control for the case above: a token we mint the same way, with the
    // real key and a live session, is accepted.
    let app = TestApp::spawn().await;
    let session = app.sign_up("control@example.com", "control").await;
    let sid = session.refresh.split('.').next().unwrap();
    let token = token_with(
        Algorithm::HS256,
        b"test-secret-test-secret-test-secret!",
        json!({ "sub": session.member_id, "sid": sid, "typ": "access", "iat": now(), "exp": now() + 600 }),
    );
    let (status, _, body) = app.post(Some(&token), ME, json!({})).await;
    assert_eq!(status, StatusCode::OK);
    expect_ok(&body);
}
