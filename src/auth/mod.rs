//! Sign-up, sign-in, sessions and password reset (spec section 2).

pub mod access;
pub mod live_sessions;
pub mod password;
pub mod payload;
pub mod rate_limit;
pub mod reset;
pub mod secrets;
pub mod sessions;
pub mod signin;
pub mod signup;
pub mod social;
pub mod tokens;
pub mod verification;
pub mod verified_tokens;
