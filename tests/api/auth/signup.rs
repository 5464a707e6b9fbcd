//! Email-first sign-up (spec section 2).

use std::time::Duration;

use serde_json::json;

use crate::support::{TestApp, expect_error, expect_ok};

const SEND_CODE: &str = "mutation($email: String!) { sendVerificationCode(email: $email) { email expiresAt resendAfter } }";
const VERIFY: &str = "mutation($email: String!, $code: String!) { verifyEmail(email: $email, code: $code) { verificationToken expiresAt } }";
const SIGN_UP: &str = "mutation($input: SignUpInput!) { signUp(input: $input) { accessToken refreshToken me { id email nickName userName loginType } } }";
const EMAIL_STATUS: &str =
    "query($email: String!) { emailStatus(email: $email) { exists loginType } }";

fn sign_up_input(email: &str, token: &str) -> serde_json::Value {
    json!({ "input": {
        "email": email,
        "password": "abcd1234!",
        "userName": "김우리",
        "nickName": "우리가",
        "verificationToken": token,
    }})
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_member_signs_up_through_a_mailed_code_and_gets_a_private_ledger() {
    let app = TestApp::spawn().await;
    let email = "Kim@Example.com";

    let status = app.gql(EMAIL_STATUS, json!({ "email": email })).await;
    assert_eq!(
        expect_ok(&status)["emailStatus"],
        json!({ "exists": false, "loginType": null })
    );

    let sent = app.gql(SEND_CODE, json!({ "email": email })).await;
    assert_eq!(expect_ok(&sent)["sendVerificationCode"]["email"], email);
    let mail = app.mail.wait_for(email, 1).await;
    assert_eq!(mail.subject, "[우리가] 이메일 인증 코드");
    assert!(mail.body.contains("5분 안에"), "Korean body: {}", mail.body);
    let code = crate::support::extract_code(&mail.body);

    let verified = app
        .gql(VERIFY, json!({ "email": "kim@example.COM", "code": code }))
        .await;
    let token = expect_ok(&verified)["verifyEmail"]["verificationToken"]
        .as_str()
        .unwrap()
        .to_owned();

    let body = app.gql(SIGN_UP, sign_up_input(email, &token)).await;
    let payload = &expect_ok(&body)["signUp"];
    assert_eq!(payload["me"]["email"], email);
    assert_eq!(payload["me"]["loginType"], "EMAIL");
    let access = payload["accessToken"].as_str().unwrap();

    let (_, _, me) = app
        .post(
            Some(access),
            "{ me { nickName userName privateLedger { name relationship isPrivate myRole myColor } ledgers { name } } }",
            json!({}),
        )
        .await;
    let me = &expect_ok(&me)["me"];
    assert_eq!(me["nickName"], "우리가");
    assert_eq!(
        me["privateLedger"],
        json!({ "name": "김우리님의 가계부", "relationship": "개인", "isPrivate": true, "myRole": "ADMIN", "myColor": "gray" })
    );
    assert_eq!(me["ledgers"], json!([{ "name": "김우리님의 가계부" }]));

    let status = app
        .gql(EMAIL_STATUS, json!({ "email": "KIM@example.com" }))
        .await;
    assert_eq!(
        expect_ok(&status)["emailStatus"],
        json!({ "exists": true, "loginType": "EMAIL" })
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn five_wrong_codes_kill_the_code() {
    let app = TestApp::spawn().await;
    let email = "five@example.com";
    let code = app.request_code(email).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for attempt in 1..=5 {
        let body = app
            .gql(VERIFY, json!({ "email": email, "code": wrong }))
            .await;
        let error = expect_error(&body, "BAD_USER_INPUT");
        assert_eq!(error["extensions"]["field"], "code", "attempt {attempt}");
    }
    let body = app
        .gql(VERIFY, json!({ "email": email, "code": code }))
        .await;
    let error = expect_error(&body, "BAD_USER_INPUT");
    assert!(
        error["message"].as_str().unwrap().contains("너무 많이"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_code_is_refused_and_the_right_one_still_works() {
    let app = TestApp::spawn().await;
    let email = "retry@example.com";
    let code = app.request_code(email).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let body = app
        .gql(VERIFY, json!({ "email": email, "code": wrong }))
        .await;
    expect_error(&body, "BAD_USER_INPUT");
    let body = app
        .gql(VERIFY, json!({ "email": email, "code": code }))
        .await;
    expect_ok(&body);
    // A code works once.
    let body = app
        .gql(VERIFY, json!({ "email": email, "code": code }))
        .await;
    expect_error(&body, "BAD_USER_INPUT");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_code_is_refused() {
    let app = TestApp::spawn_with(|config| config.auth.code_ttl = Duration::from_secs(1)).await;
    let email = "late@example.com";
    let code = app.request_code(email).await;
    tokio::time::sleep(Duration::from_millis(1300)).await;
    let body = app
        .gql(VERIFY, json!({ "email": email, "code": code }))
        .await;
    let error = expect_error(&body, "BAD_USER_INPUT");
    assert!(
        error["message"].as_str().unwrap().contains("만료"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_code_too_soon_is_rate_limited_with_retry_after() {
    let app = TestApp::spawn().await;
    let email = "soon@example.com";
    app.request_code(email).await;
    let body = app.gql(SEND_CODE, json!({ "email": email })).await;
    let error = expect_error(&body, "RATE_LIMITED");
    let retry_after = error["extensions"]["retryAfter"].as_u64().unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert_eq!(app.mail.mails_to(email).len(), 1, "no second mail");
}

#[tokio::test(flavor = "multi_thread")]
async fn codes_are_limited_per_email_per_hour_and_per_address() {
    let app = TestApp::spawn_with(|config| {
        config.limits.code_resend = Duration::from_millis(1);
        config.limits.code_per_email_hour = 2;
        config.limits.code_per_address_hour = 3;
    })
    .await;
    for _ in 0..2 {
        let body = app
            .gql(SEND_CODE, json!({ "email": "hourly@example.com" }))
            .await;
        expect_ok(&body);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let body = app
        .gql(SEND_CODE, json!({ "email": "hourly@example.com" }))
        .await;
    expect_error(&body, "RATE_LIMITED");
    // Three attempts from this address so far: the fourth is refused.
    let body = app
        .gql(SEND_CODE, json!({ "email": "other@example.com" }))
        .await;
    let error = expect_error(&body, "RATE_LIMITED");
    assert!(error["extensions"]["retryAfter"].as_u64().unwrap() > 60);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_code_for_an_existing_account_is_a_conflict() {
    let app = TestApp::spawn().await;
    app.sign_up("taken@example.com", "taken").await;
    let body = app
        .gql(SEND_CODE, json!({ "email": "TAKEN@example.com" }))
        .await;
    expect_error(&body, "CONFLICT");
}

#[tokio::test(flavor = "multi_thread")]
async fn duplicate_email_and_nickname_are_conflicts_ignoring_case() {
    let app = TestApp::spawn().await;
    app.sign_up("first@example.com", "Woori").await;

    let available = app
        .gql(
            "query($n: String!) { nicknameAvailable(nickName: $n) }",
            json!({ "n": "woori" }),
        )
        .await;
    assert_eq!(expect_ok(&available)["nicknameAvailable"], false);
    let available = app
        .gql(
            "query($n: String!) { nicknameAvailable(nickName: $n) }",
            json!({ "n": "woori2" }),
        )
        .await;
    assert_eq!(expect_ok(&available)["nicknameAvailable"], true);

    let token = app.verification_token("second@example.com").await;
    let mut input = sign_up_input("second@example.com", &token);
    input["input"]["nickName"] = json!("WOORI");
    let body = app.gql(SIGN_UP, input).await;
    let error = expect_error(&body, "CONFLICT");
    assert_eq!(error["extensions"]["field"], "nickName");

    // The failed sign-up did not use the token up.
    let body = app
        .gql(SIGN_UP, sign_up_input("second@example.com", &token))
        .await;
    expect_ok(&body);
    // A successful one did.
    let body = app
        .gql(SIGN_UP, sign_up_input("second@example.com", &token))
        .await;
    expect_error(&body, "BAD_USER_INPUT");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_sign_up_with_the_same_email_is_a_conflict() {
    let app =
        TestApp::spawn_with(|config| config.limits.code_resend = Duration::from_millis(1)).await;
    // Two tokens verified before either is used: the second sign-up conflicts.
    let first = app.verification_token("twice@example.com").await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    let second = app.verification_token("twice@example.com").await;
    expect_ok(
        &app.gql(SIGN_UP, sign_up_input("twice@example.com", &first))
            .await,
    );
    let mut again = sign_up_input("TWICE@example.com", &second);
    again["input"]["nickName"] = json!("다른닉네임");
    let body = app.gql(SIGN_UP, again).await;
    assert_eq!(
        expect_error(&body, "CONFLICT")["extensions"]["field"],
        "email"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_fields_are_bad_input_naming_the_field() {
    let app = TestApp::spawn().await;
    let body = app.gql(SEND_CODE, json!({ "email": "not-an-email" })).await;
    assert_eq!(
        expect_error(&body, "BAD_USER_INPUT")["extensions"]["field"],
        "email"
    );

    let token = app.verification_token("fields@example.com").await;
    let cases = [
        ("email", json!("nope"), "input.email"),
        ("password", json!("short1!"), "input.password"),
        ("password", json!("nodigits!!"), "input.password"),
        ("password", json!("nosymbol123"), "input.password"),
        ("userName", json!("   "), "input.userName"),
        ("nickName", json!("x"), "input.nickName"),
        ("nickName", json!("공백 있음"), "input.nickName"),
        ("nickName", json!("abcdefghijklmnopqrst"), "input.nickName"),
    ];
    for (name, value, field) in cases {
        let mut input = sign_up_input("fields@example.com", &token);
        input["input"][name] = value.clone();
        let body = app.gql(SIGN_UP, input).await;
        let error = expect_error(&body, "BAD_USER_INPUT");
        assert_eq!(error["extensions"]["field"], field, "{name}={value}");
    }
    // None of those used the token up.
    let body = app
        .gql(SIGN_UP, sign_up_input("fields@example.com", &token))
        .await;
    expect_ok(&body);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_verification_token_is_bound_to_its_email_and_expires() {
    let app = TestApp::spawn_with(|config| config.auth.token_ttl = Duration::from_secs(1)).await;
    let token = app.verification_token("bound@example.com").await;
    let body = app
        .gql(SIGN_UP, sign_up_input("other@example.com", &token))
        .await;
    assert_eq!(
        expect_error(&body, "BAD_USER_INPUT")["extensions"]["field"],
        "input.verificationToken"
    );
    tokio::time::sleep(Duration::from_millis(1300)).await;
    let body = app
        .gql(SIGN_UP, sign_up_input("bound@example.com", &token))
        .await;
    expect_error(&body, "BAD_USER_INPUT");
}

#[tokio::test(flavor = "multi_thread")]
async fn lookups_are_rate_limited_per_address() {
    let app = TestApp::spawn_with(|config| config.limits.lookup_per_address_minute = 3).await;
    for _ in 0..3 {
        expect_ok(
            &app.gql(EMAIL_STATUS, json!({ "email": "a@example.com" }))
                .await,
        );
    }
    let body = app
        .gql(
            "query($n: String!) { nicknameAvailable(nickName: $n) }",
            json!({ "n": "abc" }),
        )
        .await;
    let error = expect_error(&body, "RATE_LIMITED");
    assert!(error["extensions"]["retryAfter"].as_u64().unwrap() <= 60);
}
