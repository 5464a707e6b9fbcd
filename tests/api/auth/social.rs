//! Social sign-in against local OpenID Connect providers: an axum server on
//! loopback serving a JWKS, and RS256 ID tokens signed with test keys.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{Json, Router, extract::State, routing::get};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use rsa::{
    RsaPrivateKey, pkcs1::EncodeRsaPrivateKey, pkcs8::DecodePrivateKey, traits::PublicKeyParts,
};
use serde_json::{Value, json};
use uliga::{
    auth::social::pending::{PendingClaims, sign},
    config::Config,
};

use crate::support::{
    JWT_SECRET, PASSWORD, Session, TestApp, expect_error, expect_ok, session_from,
};

const KEY1: &str = include_str!("../../fixtures/oidc/key1.pem");
const KEY2: &str = include_str!("../../fixtures/oidc/key2.pem");
const KEY3: &str = include_str!("../../fixtures/oidc/key3.pem");
const GOOGLE_ISSUER: &str = "https://accounts.google.test";
const KAKAO_ISSUER: &str = "https://kauth.kakao.test";
const GOOGLE_CLIENT: &str = "google-client.apps.test";
const KAKAO_CLIENT: &str = "kakao-app-key";

const SOCIAL_SIGN_IN: &str = "mutation($provider: LoginType!, $idToken: String!, $nonce: String) {
  socialSignIn(provider: $provider, idToken: $idToken, nonce: $nonce) {
    auth { accessToken refreshToken me { id email socialAccounts } }
    pendingSignUp { token email name provider }
  }
}";
const COMPLETE: &str = "mutation($token: String!, $nick: String!) {
  completeSocialSignUp(pendingToken: $token, nickName: $nick) {
    accessToken refreshToken me { id email nickName loginType socialAccounts hasPassword }
  }
}";
const LINK: &str = "mutation($provider: LoginType!, $idToken: String!) {
  linkSocialAccount(provider: $provider, idToken: $idToken) { socialAccounts }
}";
const UNLINK: &str = "mutation($provider: LoginType!) {
  unlinkSocialAccount(provider: $provider) { socialAccounts }
}";

fn jwk(kid: &str, pem: &str) -> Value {
    let key = RsaPrivateKey::from_pkcs8_pem(pem).expect("a PKCS#8 key");
    json!({
        "kty": "RSA",
        "use": "sig",
        "alg": "RS256",
        "kid": kid,
        "n": URL_SAFE_NO_PAD.encode(key.n().to_bytes_be()),
        "e": URL_SAFE_NO_PAD.encode(key.e().to_bytes_be()),
    })
}

type JwksState = (Arc<Mutex<Vec<Value>>>, Arc<Mutex<u32>>);

/// A local OpenID provider: its JWKS can be changed (a key rotation).
struct Provider {
    issuer: &'static str,
    client: &'static str,
    url: String,
    keys: Arc<Mutex<Vec<Value>>>,
    fetches: Arc<Mutex<u32>>,
}

impl Provider {
    async fn start(issuer: &'static str, client: &'static str, keys: Vec<Value>) -> Self {
        let keys = Arc::new(Mutex::new(keys));
        let fetches = Arc::new(Mutex::new(0));
        let app = Router::new()
            .route(
                "/jwks",
                get(|State((keys, fetches)): State<JwksState>| async move {
                    *fetches.lock().unwrap() += 1;
                    Json(json!({ "keys": keys.lock().unwrap().clone() }))
                }),
            )
            .with_state((keys.clone(), fetches.clone()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/jwks", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self {
            issuer,
            client,
            url,
            keys,
            fetches,
        }
    }

    fn claims(&self, sub: &str, email: &str) -> Value {
        let now = chrono::Utc::now().timestamp();
        json!({
            "iss": self.issuer,
            "aud": self.client,
            "sub": sub,
            "email": email,
            "email_verified": true,
            "name": "홍길동",
            "iat": now,
            "exp": now + 600,
        })
    }

    fn token(&self, sub: &str, email: &str) -> String {
        sign_token("k1", KEY1, &self.claims(sub, email))
    }
}

fn sign_token(kid: &str, pem: &str, claims: &Value) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.into());
    let der = RsaPrivateKey::from_pkcs8_pem(pem)
        .expect("a PKCS#8 key")
        .to_pkcs1_der()
        .expect("a PKCS#1 key");
    let key = EncodingKey::from_rsa_der(der.as_bytes());
    encode(&header, claims, &key).expect("signed")
}

fn configure(config: &mut Config, google: Option<&Provider>, kakao: Option<&Provider>) {
    if let Some(google) = google {
        config.oidc.google.issuer = google.issuer.into();
        config.oidc.google.jwks_url = google.url.clone();
        config.oidc.google.client_ids = vec!["another-client".into(), google.client.into()];
    }
    if let Some(kakao) = kakao {
        config.oidc.kakao.issuer = kakao.issuer.into();
        config.oidc.kakao.jwks_url = kakao.url.clone();
        config.oidc.kakao.client_ids = vec![kakao.client.into()];
    }
}

async fn social(app: &TestApp, provider: &str, token: &str) -> Value {
    app.gql(
        SOCIAL_SIGN_IN,
        json!({ "provider": provider, "idToken": token }),
    )
    .await
}

/// Signs up a new member through a provider; the session.
async fn social_sign_up(app: &TestApp, provider: &str, token: &str, nick: &str) -> Session {
    let body = social(app, provider, token).await;
    let pending = expect_ok(&body)["socialSignIn"]["pendingSignUp"]["token"]
        .as_str()
        .expect("a pending sign-up")
        .to_owned();
    let body = app
        .gql(COMPLETE, json!({ "token": pending, "nick": nick }))
        .await;
    session_from(&expect_ok(&body)["completeSocialSignUp"])
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_person_signs_up_and_then_signs_in_and_bad_tokens_are_refused() {
    let google = Provider::start(GOOGLE_ISSUER, GOOGLE_CLIENT, vec![jwk("k1", KEY1)]).await;
    let app = TestApp::spawn_with(|config| configure(config, Some(&google), None)).await;
    app.sign_up("taken@example.com", "taken").await;

    // A new person: a pending sign-up with what the provider told us.
    let body = social(&app, "GOOGLE", &google.token("g-1", "New@Example.com")).await;
    let result = &expect_ok(&body)["socialSignIn"];
    assert!(result["auth"].is_null());
    let pending = &result["pendingSignUp"];
    assert_eq!(pending["email"], "New@Example.com");
    assert_eq!(pending["name"], "홍길동");
    assert_eq!(pending["provider"], "GOOGLE");
    let token = pending["token"].as_str().unwrap();
    // The pending token is no access token.
    let (status, _, _) = app.post(Some(token), "{ me { id } }", json!({})).await;
    assert_eq!(status, reqwest::StatusCode::UNAUTHORIZED);

    // A nickname already taken is a conflict; the token stays usable.
    let body = app
        .gql(COMPLETE, json!({ "token": token, "nick": "taken" }))
        .await;
    assert_eq!(
        expect_error(&body, "CONFLICT")["extensions"]["field"],
        "nickName"
    );
    let body = app
        .gql(COMPLETE, json!({ "token": token, "nick": "newbie" }))
        .await;
    let me = &expect_ok(&body)["completeSocialSignUp"]["me"];
    assert_eq!(me["loginType"], "GOOGLE");
    assert_eq!(me["socialAccounts"], json!(["GOOGLE"]));
    assert_eq!(me["hasPassword"], false);
    let member_id = me["id"].clone();
    let session = session_from(&expect_ok(&body)["completeSocialSignUp"]);
    let body = app
        .gql_as(&session, "{ me { privateLedger { name } } }", json!({}))
        .await;
    assert_eq!(
        expect_ok(&body)["me"]["privateLedger"]["name"],
        "홍길동님의 가계부"
    );

    // The same identity now signs in.
    let body = social(&app, "GOOGLE", &google.token("g-1", "New@Example.com")).await;
    let result = &expect_ok(&body)["socialSignIn"];
    assert!(result["pendingSignUp"].is_null());
    assert_eq!(result["auth"]["me"]["id"], member_id);

    // Refused tokens.
    let refuse = |body: Value| {
        assert_eq!(
            expect_error(&body, "BAD_USER_INPUT")["extensions"]["field"],
            "idToken"
        );
    };
    let mut expired = google.claims("g-1", "new@example.com");
    expired["exp"] = json!(chrono::Utc::now().timestamp() - 60);
    expired["iat"] = json!(chrono::Utc::now().timestamp() - 700);
    refuse(social(&app, "GOOGLE", &sign_token("k1", KEY1, &expired)).await);
    let mut wrong_aud = google.claims("g-1", "new@example.com");
    wrong_aud["aud"] = json!("someone-else");
    refuse(social(&app, "GOOGLE", &sign_token("k1", KEY1, &wrong_aud)).await);
    let mut wrong_iss = google.claims("g-1", "new@example.com");
    wrong_iss["iss"] = json!("https://evil.test");
    refuse(social(&app, "GOOGLE", &sign_token("k1", KEY1, &wrong_iss)).await);
    // Signed with another key under the known kid.
    let claims = google.claims("g-1", "new@example.com");
    refuse(social(&app, "GOOGLE", &sign_token("k1", KEY3, &claims)).await);
    // alg: none.
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","kid":"k1","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    refuse(social(&app, "GOOGLE", &format!("{header}.{payload}.")).await);
    // A token meant for another provider's issuer under Kakao, which is off.
    let body = social(&app, "KAKAO", &google.token("g-1", "new@example.com")).await;
    assert_eq!(
        expect_error(&body, "BAD_USER_INPUT")["extensions"]["field"],
        "provider"
    );
    // An unverified email.
    let mut unverified = google.claims("g-2", "other@example.com");
    unverified["email_verified"] = json!(false);
    refuse(social(&app, "GOOGLE", &sign_token("k1", KEY1, &unverified)).await);
    // The nonce, when the client sent one, must match.
    let mut with_nonce = google.claims("g-1", "new@example.com");
    with_nonce["nonce"] = json!("n-123");
    let token = sign_token("k1", KEY1, &with_nonce);
    let body = app
        .gql(
            SOCIAL_SIGN_IN,
            json!({ "provider": "GOOGLE", "idToken": token, "nonce": "n-999" }),
        )
        .await;
    refuse(body);
    let body = app
        .gql(
            SOCIAL_SIGN_IN,
            json!({ "provider": "GOOGLE", "idToken": token, "nonce": "n-123" }),
        )
        .await;
    assert_eq!(
        expect_ok(&body)["socialSignIn"]["auth"]["me"]["id"],
        member_id
    );

    // An expired pending token.
    let now = chrono::Utc::now().timestamp();
    let stale = sign(
        JWT_SECRET,
        &PendingClaims {
            iss: "uliga".into(),
            aud: "uliga-social-signup".into(),
            sub: "g-9".into(),
            provider: "GOOGLE".into(),
            email: "late@example.com".into(),
            name: None,
            iat: now - 700,
            exp: now - 100,
        },
    )
    .unwrap();
    let body = app
        .gql(COMPLETE, json!({ "token": stale, "nick": "latecomer" }))
        .await;
    assert_eq!(
        expect_error(&body, "BAD_USER_INPUT")["extensions"]["field"],
        "pendingToken"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_kid_after_a_key_rotation_refetches_the_keys() {
    let google = Provider::start(GOOGLE_ISSUER, GOOGLE_CLIENT, vec![jwk("k1", KEY1)]).await;
    let app = TestApp::spawn_with(|config| {
        configure(config, Some(&google), None);
        config.oidc.jwks_min_refetch = Duration::from_millis(300);
    })
    .await;
    social_sign_up(
        &app,
        "GOOGLE",
        &google.token("g-1", "rot@example.com"),
        "rotate",
    )
    .await;
    assert_eq!(*google.fetches.lock().unwrap(), 1);

    // The provider rotates to k2.
    *google.keys.lock().unwrap() = vec![jwk("k2", KEY2)];
    let rotated = sign_token("k2", KEY2, &google.claims("g-1", "rot@example.com"));
    tokio::time::sleep(Duration::from_millis(400)).await;
    let body = social(&app, "GOOGLE", &rotated).await;
    assert!(expect_ok(&body)["socialSignIn"]["auth"]["accessToken"].is_string());
    assert_eq!(*google.fetches.lock().unwrap(), 2);

    // Made-up kids do not refetch more often than the minimum interval.
    for kid in ["x1", "x2", "x3"] {
        let forged = sign_token(kid, KEY2, &google.claims("g-1", "rot@example.com"));
        expect_error(&social(&app, "GOOGLE", &forged).await, "BAD_USER_INPUT");
    }
    assert!(*google.fetches.lock().unwrap() <= 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_provider_whose_keys_cannot_be_fetched_is_unavailable() {
    let google = Provider::start(GOOGLE_ISSUER, GOOGLE_CLIENT, vec![jwk("k1", KEY1)]).await;
    // A port nobody listens on any more: the provider is down.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let app = TestApp::spawn_with(|config| {
        configure(config, Some(&google), None);
        config.oidc.google.jwks_url = format!("http://{closed}/jwks");
    })
    .await;
    let body = social(&app, "GOOGLE", &google.token("g-9", "down@example.com")).await;
    expect_error(&body, "UNAVAILABLE");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_existing_email_account_must_link_first() {
    let google = Provider::start(GOOGLE_ISSUER, GOOGLE_CLIENT, vec![jwk("k1", KEY1)]).await;
    let kakao = Provider::start(KAKAO_ISSUER, KAKAO_CLIENT, vec![jwk("k1", KEY1)]).await;
    let app = TestApp::spawn_with(|config| configure(config, Some(&google), Some(&kakao))).await;
    let password_member = app.sign_up("mine@example.com", "mine").await;

    let token = kakao.token("k-1", "MINE@example.com");
    let body = social(&app, "KAKAO", &token).await;
    assert_eq!(
        expect_error(&body, "CONFLICT")["extensions"]["field"],
        "idToken"
    );

    // Signed in with the password, the member links Kakao...
    let session = app.login_ok("mine@example.com").await;
    let body = app
        .gql_as(
            &session,
            LINK,
            json!({ "provider": "KAKAO", "idToken": token }),
        )
        .await;
    assert_eq!(
        expect_ok(&body)["linkSocialAccount"]["socialAccounts"],
        json!(["KAKAO"])
    );
    // ...and then signs in with it.
    let body = social(&app, "KAKAO", &token).await;
    assert_eq!(
        expect_ok(&body)["socialSignIn"]["auth"]["me"]["id"],
        json!(password_member.member_id)
    );
    // Another member cannot link the same Kakao account.
    let other = social_sign_up(
        &app,
        "GOOGLE",
        &google.token("g-5", "o@example.com"),
        "other",
    )
    .await;
    let body = app
        .gql_as(
            &other,
            LINK,
            json!({ "provider": "KAKAO", "idToken": token }),
        )
        .await;
    expect_error(&body, "CONFLICT");

    // With a password left, unlinking the only identity is allowed.
    let body = app
        .gql_as(&session, UNLINK, json!({ "provider": "KAKAO" }))
        .await;
    assert_eq!(
        expect_ok(&body)["unlinkSocialAccount"]["socialAccounts"],
        json!([])
    );
    expect_ok(&app.login("mine@example.com", PASSWORD).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_last_way_to_sign_in_cannot_be_unlinked() {
    let google = Provider::start(GOOGLE_ISSUER, GOOGLE_CLIENT, vec![jwk("k1", KEY1)]).await;
    let kakao = Provider::start(KAKAO_ISSUER, KAKAO_CLIENT, vec![jwk("g", KEY2)]).await;
    let app = TestApp::spawn_with(|config| configure(config, Some(&google), Some(&kakao))).await;
    let session = social_sign_up(
        &app,
        "GOOGLE",
        &google.token("g-1", "only@example.com"),
        "only",
    )
    .await;

    let body = app
        .gql_as(&session, UNLINK, json!({ "provider": "GOOGLE" }))
        .await;
    assert_eq!(
        expect_error(&body, "BAD_USER_INPUT")["extensions"]["field"],
        "provider"
    );

    let kakao_token = sign_token("g", KEY2, &kakao.claims("k-1", "only@example.com"));
    let body = app
        .gql_as(
            &session,
            LINK,
            json!({ "provider": "KAKAO", "idToken": kakao_token }),
        )
        .await;
    assert_eq!(
        expect_ok(&body)["linkSocialAccount"]["socialAccounts"],
        json!(["GOOGLE", "KAKAO"])
    );
    // Kakao remains: Google may go.
    let body = app
        .gql_as(&session, UNLINK, json!({ "provider": "GOOGLE" }))
        .await;
    assert_eq!(
        expect_ok(&body)["unlinkSocialAccount"]["socialAccounts"],
        json!(["KAKAO"])
    );
    let body = app
        .gql_as(&session, UNLINK, json!({ "provider": "KAKAO" }))
        .await;
    expect_error(&body, "BAD_USER_INPUT");
    let body = social(&app, "KAKAO", &kakao_token).await;
    assert!(expect_ok(&body)["socialSignIn"]["auth"]["accessToken"].is_string());
}
