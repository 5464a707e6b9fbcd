mod live_sessions;
mod reset;
mod sessions;
mod signin;
mod signup;
mod social;
mod tokens;
