//! A fake SMTP server on loopback, for the tests: it speaks the protocol as the RFCs write it, not
//! as this server's client happens to use it, and records what it accepted. By document:
//!
//! - RFC 5321 (SMTP): the `220` greeting (§3.1, §4.2); multi-line replies, `250-` then `250 `
//!   (§4.2.1); EHLO/HELO (§4.1.1.1); MAIL FROM (§4.1.1.2), RCPT TO (§4.1.1.3), DATA answered
//!   `354` and ended by `<CRLF>.<CRLF>` (§4.1.1.4) with dot-unstuffing (§4.5.2); RSET (§4.1.1.5),
//!   NOOP (§4.1.1.9), QUIT answered `221` (§4.1.1.10); `503` for commands out of sequence and
//!   `554` for DATA with no recipient (§3.3, §4.1.4); `500` for an unknown verb (§4.2.4); verbs
//!   are case-insensitive (§2.4); a message is the server's only once it answered `250` to the
//!   end of DATA (§4.1.1.4, §6.1), so a refused message is not recorded.
//! - RFC 3207 (STARTTLS): advertised as an EHLO keyword (§2); the fake has no TLS, so a
//!   STARTTLS it advertised is answered `454 TLS not available due to temporary reason` (§4).
//! - RFC 4954 (AUTH): the `AUTH` keyword lists the mechanisms (§3); `AUTH mech [initial-response]`
//!   with `=` for an empty one, `334` challenges and base64 answers, `*` cancels with `501`
//!   (§4); `235` on success, `535 5.7.8` for bad credentials, `503` when already authenticated
//!   or inside a mail transaction, `504` for a mechanism not offered (§4, §6).
//!   PLAIN is RFC 4616 §2 (`[authzid] NUL authcid NUL passwd`). LOGIN has no RFC; its
//!   `Username:` / `Password:` challenges are draft-murchison-sasl-login-00.

#![allow(dead_code)]

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// How the server answers the end of DATA.
#[derive(Clone, Copy, Debug)]
pub enum EndOfData {
    Accept,
    /// A 4xx or 5xx reply (RFC 5321 §4.2.2, §4.2.3): the message is not taken.
    Reply(u16),
    /// No reply at all: the client is left waiting, as with a server that hung.
    Silent,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub starttls: bool,
    /// Mechanisms for the `AUTH` keyword; empty advertises no AUTH.
    pub auth: &'static [&'static str],
    pub accept_credentials: bool,
    pub end_of_data: EndOfData,
}

impl Default for Config {
    fn default() -> Self {
        Config { starttls: false, auth: &[], accept_credentials: true, end_of_data: EndOfData::Accept }
    }
}

/// One message the server answered `250` to.
#[derive(Clone, Debug)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    /// The mail data as the client meant it: dot-unstuffed, the final `.` line left out.
    pub data: Vec<u8>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Login {
    pub mechanism: String,
    pub user: String,
    pub pass: String,
}

#[derive(Default)]
struct Log {
    messages: Vec<Received>,
    logins: Vec<Login>,
    /// Every command line, for asserting what the client did (and did not) send.
    commands: Vec<String>,
}

pub struct FakeSmtp {
    pub addr: SocketAddr,
    log: Arc<Mutex<Log>>,
    task: tokio::task::JoinHandle<()>,
}

impl FakeSmtp {
    pub async fn start(config: Config) -> FakeSmtp {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the fake SMTP server");
        let addr = listener.local_addr().expect("the fake's address");
        let log = Arc::new(Mutex::new(Log::default()));
        let shared = log.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (config, log) = (config.clone(), shared.clone());
                // A session that breaks off is the client's business; the next one still works.
                tokio::spawn(async move { drop(session(stream, config, log).await) });
            }
        });
        FakeSmtp { addr, log, task }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn messages(&self) -> Vec<Received> {
        self.log.lock().unwrap().messages.clone()
    }

    pub fn logins(&self) -> Vec<Login> {
        self.log.lock().unwrap().logins.clone()
    }

    pub fn commands(&self) -> Vec<String> {
        self.log.lock().unwrap().commands.clone()
    }
}

impl Drop for FakeSmtp {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn session(stream: TcpStream, config: Config, log: Arc<Mutex<Log>>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    let mut reply = async |text: &str| write.write_all(format!("{text}\r\n").as_bytes()).await;
    reply("220 fake.test ESMTP ready").await?;
    let (mut greeted, mut authenticated) = (false, false);
    let mut from: Option<String> = None;
    let mut to: Vec<String> = Vec::new();
    while let Some(line) = read_line(&mut read).await? {
        log.lock().unwrap().commands.push(line.clone());
        let (verb, arg) = line.split_once(' ').unwrap_or((&line, ""));
        match verb.to_ascii_uppercase().as_str() {
            "EHLO" => {
                // §4.1.4: EHLO resets the state as RSET does.
                (greeted, from) = (true, None);
                to.clear();
                let mut lines = vec!["fake.test greets you".to_string()];
                if config.starttls {
                    lines.push("STARTTLS".into());
                }
                if !config.auth.is_empty() {
                    lines.push(format!("AUTH {}", config.auth.join(" ")));
                }
                let last = lines.len() - 1;
                for (i, l) in lines.iter().enumerate() {
                    reply(&format!("250{}{l}", if i == last { ' ' } else { '-' })).await?;
                }
            }
            "HELO" => {
                (greeted, from) = (true, None);
                to.clear();
                reply("250 fake.test").await?;
            }
            "STARTTLS" if config.starttls => reply("454 TLS not available due to temporary reason").await?,
            "AUTH" if !config.auth.is_empty() => {
                if !greeted || authenticated || from.is_some() {
                    reply("503 Bad sequence of commands").await?;
                    continue;
                }
                let (mechanism, initial) = arg.split_once(' ').map_or((arg, None), |(m, i)| (m, Some(i)));
                let mechanism = mechanism.to_ascii_uppercase();
                if !config.auth.contains(&mechanism.as_str()) {
                    reply("504 5.5.4 Unrecognized authentication type").await?;
                    continue;
                }
                // Each answer is a challenge's response, decoded; None when the client cancelled.
                let mut answers = Vec::new();
                let challenges: &[&str] = if mechanism == "LOGIN" { &["Username:", "Password:"] } else { &[""] };
                let mut pending = initial.map(str::to_string);
                for challenge in challenges {
                    let answer = match pending.take() {
                        Some(a) => a,
                        None => {
                            reply(&format!("334 {}", B64.encode(challenge))).await?;
                            read_line(&mut read).await?.unwrap_or_default()
                        }
                    };
                    answers.push(if answer == "=" { Some(Vec::new()) } else if answer == "*" { None } else { B64.decode(answer.trim()).ok() });
                }
                let Some(answers) = answers.into_iter().collect::<Option<Vec<_>>>() else {
                    reply("501 5.5.2 Authentication cancelled or not base64").await?;
                    continue;
                };
                let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
                let (user, pass) = match mechanism.as_str() {
                    "LOGIN" => (text(&answers[0]), text(&answers[1])),
                    _ => match answers[0].split(|b| *b == 0).collect::<Vec<_>>()[..] {
                        [_authzid, user, pass] => (text(user), text(pass)),
                        _ => {
                            reply("501 5.5.2 PLAIN wants authzid NUL authcid NUL passwd").await?;
                            continue;
                        }
                    },
                };
                log.lock().unwrap().logins.push(Login { mechanism, user, pass });
                if config.accept_credentials {
                    authenticated = true;
                    reply("235 2.7.0 Authentication successful").await?;
                } else {
                    reply("535 5.7.8 Authentication credentials invalid").await?;
                }
            }
            "MAIL" if !greeted || from.is_some() => reply("503 Bad sequence of commands").await?,
            "MAIL" => match path(arg, "FROM:") {
                Some(p) => {
                    from = Some(p);
                    reply("250 OK").await?;
                }
                None => reply("501 Syntax: MAIL FROM:<address>").await?,
            },
            "RCPT" if from.is_none() => reply("503 Bad sequence of commands").await?,
            "RCPT" => match path(arg, "TO:").filter(|p| !p.is_empty()) {
                Some(p) => {
                    to.push(p);
                    reply("250 OK").await?;
                }
                None => reply("501 Syntax: RCPT TO:<address>").await?,
            },
            "DATA" if from.is_none() || to.is_empty() => reply("554 No valid recipients").await?,
            "DATA" => {
                reply("354 Start mail input; end with <CRLF>.<CRLF>").await?;
                let mut data = Vec::new();
                loop {
                    let mut raw = Vec::new();
                    if read.read_until(b'\n', &mut raw).await? == 0 {
                        return Ok(());
                    }
                    if raw == b".\r\n" {
                        break;
                    }
                    // §4.5.2: a leading period on any other line was doubled by the client.
                    data.extend_from_slice(if raw.starts_with(b".") { &raw[1..] } else { &raw });
                }
                let envelope = Received { from: from.take().unwrap_or_default(), to: std::mem::take(&mut to), data };
                match config.end_of_data {
                    EndOfData::Accept => {
                        let queued = {
                            let mut log = log.lock().unwrap();
                            log.messages.push(envelope);
                            log.messages.len()
                        };
                        reply(&format!("250 OK: queued as FAKE{queued}")).await?;
                    }
                    EndOfData::Reply(code) => reply(&format!("{code} Requested action not taken")).await?,
                    EndOfData::Silent => {
                        // Keep reading so the connection stays open until the client gives up.
                        while read_line(&mut read).await?.is_some() {}
                        return Ok(());
                    }
                }
            }
            "RSET" => {
                from = None;
                to.clear();
                reply("250 OK").await?;
            }
            "NOOP" => reply("250 OK").await?,
            "QUIT" => {
                reply("221 fake.test closing connection").await?;
                return Ok(());
            }
            _ => reply("500 Syntax error, command unrecognized").await?,
        }
    }
    Ok(())
}

/// One command line without its CRLF; None at the end of the stream.
async fn read_line(read: &mut BufReader<tokio::net::tcp::OwnedReadHalf>) -> std::io::Result<Option<String>> {
    let mut line = String::new();
    if read.read_line(&mut line).await? == 0 {
        return Ok(None);
    }
    Ok(Some(line.trim_end_matches(['\r', '\n']).to_string()))
}

/// The address inside `FROM:<…>` / `TO:<…>` (RFC 5321 §4.1.2); parameters after it are ignored.
fn path(arg: &str, keyword: &str) -> Option<String> {
    let rest = arg.get(..keyword.len()).filter(|k| k.eq_ignore_ascii_case(keyword)).map(|_| arg[keyword.len()..].trim_start())?;
    let inner = rest.strip_prefix('<')?;
    Some(inner[..inner.find('>')?].to_string())
}
