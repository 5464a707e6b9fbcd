//! A real SMTP listener (mailin-embedded) that keeps what it receives, so
//! tests can read the mail the service sent.

use std::{
    net::{IpAddr, TcpListener},
    sync::{Arc, Mutex},
    time::Duration,
};

use mailin_embedded::{Handler, Response, Server, response};

#[derive(Clone, Debug)]
pub struct ReceivedMail {
    pub to: Vec<String>,
    pub subject: String,
    pub body: String,
}

#[derive(Clone, Default)]
struct Collector {
    inbox: Arc<Mutex<Vec<ReceivedMail>>>,
    recipients: Vec<String>,
    data: Vec<u8>,
}

impl Handler for Collector {
    fn mail(&mut self, _ip: IpAddr, _domain: &str, _from: &str) -> Response {
        self.recipients.clear();
        self.data.clear();
        response::OK
    }

    fn rcpt(&mut self, to: &str) -> Response {
        self.recipients
            .push(to.trim_matches(['<', '>']).to_lowercase());
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let parsed = mail_parser::MessageParser::default().parse(&self.data);
        let (subject, body) = parsed
            .map(|message| {
                (
                    message.subject().unwrap_or_default().to_owned(),
                    message.body_text(0).unwrap_or_default().into_owned(),
                )
            })
            .unwrap_or_default();
        self.inbox.lock().expect("inbox lock").push(ReceivedMail {
            to: std::mem::take(&mut self.recipients),
            subject,
            body,
        });
        response::OK
    }
}

pub struct MailSink {
    pub port: u16,
    inbox: Arc<Mutex<Vec<ReceivedMail>>>,
}

impl MailSink {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind SMTP listener");
        let port = listener.local_addr().expect("SMTP address").port();
        let collector = Collector::default();
        let inbox = collector.inbox.clone();
        let mut server = Server::new(collector);
        server
            .with_name("mail.test")
            // lettre keeps idle connections in its pool: each holds a thread here.
            .with_num_threads(32)
            .with_tcp_listener(listener);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        Self { port, inbox }
    }

    /// Every mail received for `to` so far.
    pub fn mails_to(&self, to: &str) -> Vec<ReceivedMail> {
        let to = to.to_lowercase();
        self.inbox
            .lock()
            .expect("inbox lock")
            .iter()
            .filter(|mail| mail.to.contains(&to))
            .cloned()
            .collect()
    }

    /// Waits (up to 10 s) for the `n`-th mail (1-based) to `to`.
    pub async fn wait_for(&self, to: &str, n: usize) -> ReceivedMail {
        self.wait_for_where(to, n, |_| true).await
    }

    /// Waits (up to 10 s) for the `n`-th mail (1-based) to `to` that
    /// `matches`, so that other mail sent meanwhile (invitations are mailed
    /// in the background) does not count.
    pub async fn wait_for_where(
        &self,
        to: &str,
        n: usize,
        matches: impl Fn(&ReceivedMail) -> bool,
    ) -> ReceivedMail {
        for _ in 0..200 {
            let mails: Vec<ReceivedMail> = self
                .mails_to(to)
                .into_iter()
                .filter(|m| matches(m))
                .collect();
            if mails.len() >= n {
                return mails[n - 1].clone();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no mail #{n} to {to} arrived");
    }
}
