//! Outgoing mail: SMTP through lettre, or the log when no SMTP server is
//! configured (local development), so a developer can still read the code.

mod templates;

use std::time::Duration;

use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, header::ContentType},
};

pub use templates::{Mail, invitation_mail, password_reset_mail, verification_code_mail};

use crate::{config::MailConfig, error::AppError};

const SEND_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone)]
pub struct Mailer {
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
}

impl Mailer {
    pub fn from_config(config: &MailConfig) -> anyhow::Result<Self> {
        let transport = match &config.smtp_url {
            Some(url) => Some(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)?
                    .timeout(Some(SEND_TIMEOUT))
                    .build(),
            ),
            None => {
                tracing::warn!("SMTP_URL is not set: mail is written to the log");
                None
            }
        };
        Ok(Self {
            transport,
            from: config.from.parse()?,
        })
    }

    pub async fn send(&self, to: &str, mail: Mail) -> Result<(), AppError> {
        let Some(transport) = &self.transport else {
            tracing::info!(to, subject = %mail.subject, body = %mail.body, "mail (no SMTP configured)");
            return Ok(());
        };
        let recipient: Mailbox = to
            .parse()
            .map_err(|_| AppError::bad_input("email", "이메일 형식이 올바르지 않습니다."))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(recipient)
            .subject(mail.subject)
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body)
            .map_err(AppError::internal)?;
        transport
            .send(message)
            .await
            .map_err(|error| AppError::Unavailable(format!("smtp: {error}")))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telemetry::CapturedLog;

    #[tokio::test]
    async fn without_smtp_the_mail_is_written_to_the_log() {
        let captured = CapturedLog::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        // The test runs on one thread, so the subscriber sees the send.
        let _log = tracing::subscriber::set_default(subscriber);
        let config = MailConfig {
            smtp_url: None,
            from: "우리가 <no-reply@uliga.example>".into(),
            app_base_url: "http://localhost".into(),
        };
        let mailer = Mailer::from_config(&config).expect("a mailer");
        let sent = mailer
            .send("reader@example.com", verification_code_mail("482913", 5))
            .await;
        assert!(sent.is_ok());
        let log = captured.text();
        assert!(log.contains("SMTP_URL is not set"), "{log}");
        for part in ["reader@example.com", "[우리가] 이메일 인증 코드", "482913"] {
            assert!(log.contains(part), "{part} is not in the log: {log}");
        }
    }
}
