mod reset;
mod sessions;
mod signin;
mod signup;
mod tokens;
