//! Member values parsed once at the edge, so the core never handles an
//! unchecked string. Each failure names the input field and says why in Korean.

use crate::error::{AppError, AppResult};

/// An email address as the member typed it (trimmed); compared ignoring case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(field: &'static str, raw: &str) -> AppResult<Self> {
        let trimmed = raw.trim();
        if trimmed.chars().count() > 254 || !email_address::EmailAddress::is_valid(trimmed) {
            return Err(AppError::bad_input(
                field,
                "이메일 형식이 올바르지 않습니다.",
            ));
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form used for uniqueness and lookups.
    pub fn normalized(&self) -> String {
        self.0.to_lowercase()
    }
}

/// 2-19 letters (Hangul included) or digits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NickName(String);

impl NickName {
    pub fn parse(field: &'static str, raw: &str) -> AppResult<Self> {
        let raw = crate::text::name(raw);
        let length = raw.chars().count();
        let allowed = raw.chars().all(|c| c.is_alphabetic() || c.is_ascii_digit());
        if !(2..=19).contains(&length) || !allowed {
            return Err(AppError::bad_input(
                field,
                "닉네임은 2~19자의 한글, 영문, 숫자로 입력해 주세요.",
            ));
        }
        Ok(Self(raw))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// 1-30 characters, trimmed, no control characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserName(String);

impl UserName {
    pub fn parse(field: &'static str, raw: &str) -> AppResult<Self> {
        let trimmed = crate::text::name(raw);
        let length = trimmed.chars().count();
        if !(1..=30).contains(&length) || trimmed.chars().any(char::is_control) {
            return Err(AppError::bad_input(field, "이름은 1~30자로 입력해 주세요."));
        }
        Ok(Self(trimmed))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// 8-64 characters with at least one letter, one digit and one symbol.
pub struct Password(String);

impl Password {
    pub fn parse(field: &'static str, raw: &str) -> AppResult<Self> {
        let length = raw.chars().count();
        let has_letter = raw.chars().any(char::is_alphabetic);
        let has_digit = raw.chars().any(|c| c.is_ascii_digit());
        let has_symbol = raw
            .chars()
            .any(|c| !c.is_alphanumeric() && !c.is_whitespace() && !c.is_control());
        if !(8..=64).contains(&length) || !has_letter || !has_digit || !has_symbol {
            return Err(AppError::bad_input(
                field,
                "비밀번호는 8~64자로, 문자와 숫자와 기호를 하나 이상 넣어 주세요.",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_validated_and_compared_in_lower_case() {
        let email = Email::parse("email", "  Kim@Example.COM ").unwrap();
        assert_eq!(email.as_str(), "Kim@Example.COM");
        assert_eq!(email.normalized(), "kim@example.com");
        for bad in ["", "kim", "kim@", "@example.com", "a b@example.com"] {
            assert!(Email::parse("email", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn nicknames_are_2_to_19_letters_digits_or_hangul() {
        for good in [
            "우리",
            "kim123",
            "가계부지킴이",
            "a1",
            "abcdefghijklmnopqrs",
        ] {
            assert!(NickName::parse("nickName", good).is_ok(), "{good}");
        }
        for bad in ["a", "abcdefghijklmnopqrst", "kim!", "김 철수", "", "🙂🙂"] {
            assert!(NickName::parse("nickName", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn user_names_are_1_to_30_characters() {
        assert_eq!(
            UserName::parse("userName", " 김철수 ").unwrap().as_str(),
            "김철수"
        );
        assert!(UserName::parse("userName", "   ").is_err());
        assert!(UserName::parse("userName", &"가".repeat(31)).is_err());
        assert!(UserName::parse("userName", &"가".repeat(30)).is_ok());
    }

    #[test]
    fn passwords_need_length_letter_digit_and_symbol() {
        assert!(Password::parse("password", "abcd123!").is_ok());
        assert!(Password::parse("password", "비밀번호123!").is_ok());
        for bad in [
            "abc123!",
            "abcdefgh!",
            "12345678!",
            "abcd1234",
            &"a1!".repeat(22),
        ] {
            assert!(Password::parse("password", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn errors_name_the_field() {
        let Err(AppError::BadInput { field, .. }) = NickName::parse("input.nickName", "x") else {
            panic!("expected a bad input error");
        };
        assert_eq!(field, "input.nickName");
    }
}
