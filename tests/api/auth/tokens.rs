//! Access tokens at the HTTP edge: 401 for anything but a valid token of a
//! live session; no token at all is 200 with UNAUTHENTICATED.

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use reqwest::StatusCode;
use serde_json::json;

use crate::support::{Session, TestApp, expect_error, expect_ok};

const ME: &str = "{ me { id } }";

fn token_with(algorithm: Algorithm, typ: &str, secret: &[u8], claims: serde_json::Value) -> String {
    let mut header = Header::new(algorithm);
    header.typ = Some(typ.to_owned());
    encode(&header, &claims, &EncodingKey::from_secret(secret)).unwrap()
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

const SECRET: &[u8] = b"test-secret-test-secret-test-secret!";
const TYPE: &str = "at+jwt";

/// Claims as the server issues them, with `changes` applied.
fn claims(session: &Session, changes: serde_json::Value) -> serde_json::Value {
    let sid = session.refresh.split('.').next().unwrap();
    let mut claims = json!({
        "iss": "uliga", "aud": "uliga-api", "sub": session.member_id, "sid": sid,
        "iat": now() - 10, "exp": now() + 600,
    });
    for (key, value) in changes.as_object().unwrap() {
        claims[key] = value.clone();
    }
    claims
}

/// RFC 8725's matrix: every token that is not exactly ours, current and of a
/// live session gets 401 (no token at all is 200 with UNAUTHENTICATED).
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

    let valid = claims(&session, json!({}));
    let unsigned = {
        use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"at+jwt"}"#);
        let payload = URL_SAFE_NO_PAD.encode(valid.to_string());
        format!("{header}.{payload}.")
    };
    let departed = app.sign_up("departed@example.com", "departed").await;
    expect_ok(
        &app.gql_as(
            &departed,
            "mutation($p: String!) { deleteAccount(password: $p) }",
            json!({ "p": crate::support::PASSWORD }),
        )
        .await,
    );
    let cases = [
        ("garbage", "not-a-jwt".to_owned()),
        ("alg none", unsigned),
        (
            "algorithm swap (HS512)",
            token_with(Algorithm::HS512, TYPE, SECRET, valid.clone()),
        ),
        (
            "other key",
            token_with(
                Algorithm::HS256,
                TYPE,
                b"another-secret-another-secret-xxxx",
                valid.clone(),
            ),
        ),
        (
            "wrong audience",
            token_with(
                Algorithm::HS256,
                TYPE,
                SECRET,
                claims(&session, json!({ "aud": "uliga-admin" })),
            ),
        ),
        (
            "no audience",
            token_with(Algorithm::HS256, TYPE, SECRET, {
                let mut c = valid.clone();
                c.as_object_mut().unwrap().remove("aud");
                c
            }),
        ),
        (
            "wrong issuer",
            token_with(
                Algorithm::HS256,
                TYPE,
                SECRET,
                claims(&session, json!({ "iss": "someone-else" })),
            ),
        ),
        (
            "wrong type",
            token_with(Algorithm::HS256, "JWT", SECRET, valid.clone()),
        ),
        (
            "expired beyond the leeway",
            token_with(
                Algorithm::HS256,
                TYPE,
                SECRET,
                claims(&session, json!({ "exp": now() - 60 })),
            ),
        ),
        ("a refresh token", session.refresh.clone()),
        (
            "unknown session",
            token_with(
                Algorithm::HS256,
                TYPE,
                SECRET,
                claims(&session, json!({ "sid": "0".repeat(32) })),
            ),
        ),
        ("a deleted member's token", departed.access.clone()),
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
    // The control for the cases above: a token we mint the same way, with the
    // real key and a live session, is accepted, also just after its expiry
    // (within the leeway for clock skew).
    let app = TestApp::spawn().await;
    let session = app.sign_up("control@example.com", "control").await;
    for exp in [now() + 600, now() - 2] {
        let token = token_with(
            Algorithm::HS256,
            TYPE,
            SECRET,
            claims(&session, json!({ "exp": exp })),
        );
        let (status, _, body) = app.post(Some(&token), ME, json!({})).await;
        assert_eq!(status, StatusCode::OK);
        expect_ok(&body);
    }
}
