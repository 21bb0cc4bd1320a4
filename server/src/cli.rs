//! `server user …` and `server apikey …`: what an administrator does on the server's machine.

use crate::config::{ApiKeyCommand, UserCommand};
use crate::service::{Actor, Services};
use app::view::access::{NewStaffUser, UserChange};
use std::io::{BufRead, IsTerminal};

/// A password from the terminal (typed twice, not shown) or one line of standard input.
fn read_password(prompt: &str) -> Result<String, String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password(format!("{prompt}: ")).map_err(|e| e.to_string())?;
        let again = rpassword::prompt_password("The same password again: ").map_err(|e| e.to_string())?;
        if first != again {
            return Err("the two passwords are not the same".into());
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map_err(|e| e.to_string())?;
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    }
}

pub async fn user(services: &Services, action: UserCommand) -> Result<String, String> {
    let actor = Actor::command_line();
    match action {
        UserCommand::Add { name, admin, clinics, display_name } => {
            let password = read_password(&format!("Password for {name}"))?;
            let user = services
                .add_user(&actor, None, NewStaffUser { username: name, display_name, password, is_admin: admin, clinics })
                .await
                .map_err(|e| e.to_string())?;
            Ok(format!(
                "Added {}{}{}.",
                user.username,
                if user.is_admin { ", an administrator" } else { "" },
                user.clinics.map(|c| format!(", for clinics {c:?}")).unwrap_or_default()
            ))
        }
        UserCommand::Passwd { name } => {
            let user = services.user_named(&name).await.map_err(|e| e.to_string())?.ok_or_else(|| format!("there is no user named {name}"))?;
            let password = read_password(&format!("New password for {}", user.username))?;
            services.change_user(&actor, None, user.user_num, UserChange::ResetPassword(password)).await.map_err(|e| e.to_string())?;
            Ok(format!("Set a new password for {}; their sessions are signed out.", user.username))
        }
        UserCommand::List => {
            let mut conn = services.store.pool().acquire().await.map_err(|e| e.to_string())?;
            let users = crate::store::access::users(&mut conn).await.map_err(|e| e.to_string())?;
            if users.is_empty() {
                return Ok("No users yet. Add the first administrator with: server user add NAME --admin".into());
            }
            Ok(users
                .iter()
                .map(|u| {
                    format!(
                        "{}\t{}\t{}{}\t{}",
                        u.username,
                        if u.display_name.is_empty() { "-" } else { &u.display_name },
                        if u.is_admin { "admin" } else { "staff" },
                        if u.is_disabled { ", disabled" } else { "" },
                        u.clinics.as_ref().map_or("all clinics".into(), |c| format!("clinics {c:?}"))
                    )
                })
                .collect::<Vec<_>>()
                .join("\n"))
        }
    }
}

pub async fn apikey(services: &Services, action: ApiKeyCommand) -> Result<String, String> {
    let actor = Actor::command_line();
    match action {
        ApiKeyCommand::Add { name, clinics } => {
            let pair = services.add_api_key(&actor, &name, &clinics).await.map_err(|e| e.to_string())?;
            Ok(format!(
                "API key {name}: {pair}\nSend it as `Authorization: ODFHIR {pair}`. It is shown only now; only a hash is kept."
            ))
        }
        ApiKeyCommand::List => {
            let keys = services.api_keys().await.map_err(|e| e.to_string())?;
            if keys.is_empty() {
                return Ok("No API keys yet. Make one with: server apikey add NAME".into());
            }
            Ok(keys
                .iter()
                .map(|k| {
                    format!(
                        "{}\t{}\t{}\t{}",
                        k.name,
                        k.developer_key,
                        k.clinics.as_ref().map_or("all clinics".into(), |c| format!("clinics {c:?}")),
                        if k.revoked_at > 0 { "revoked" } else { "live" }
                    )
                })
                .collect::<Vec<_>>()
                .join("\n"))
        }
        ApiKeyCommand::Revoke { name } => {
            services.revoke_api_key(&actor, &name).await.map_err(|e| e.to_string())?;
            Ok(format!("Revoked the API key {name}: it no longer works."))
        }
    }
}

/// `server check`: the scheduling rules and the file's integrity. An opening may start up to
/// five minutes before the running server's close-out sweep gets to it.
pub async fn check(store: &crate::store::Store, clock: &crate::clock::OfficeClock) -> Result<String, String> {
    let prefs = {
        let mut conn = store.pool().acquire().await.map_err(|e| e.to_string())?;
        crate::store::office::preferences(&mut conn).await.map_err(|e| e.to_string())?
    };
    let settled_before = clock.now(&prefs).plus_minutes(-5);
    let broken = crate::store::invariants::broken(store, settled_before, &[]).await.map_err(|e| e.to_string())?;
    if broken.is_empty() {
        Ok("All rules hold: no double booking, one winner per minute of chair time (split openings included), no stale blockout, no pending offer on a closed or started opening, no text sent twice.".into())
    } else {
        Err(format!("{} rule(s) broken:\n{}", broken.len(), broken.join("\n")))
    }
}

/// `server backup FILE`: a consistent copy of a live SQLite database (`VACUUM INTO` reads one
/// snapshot while the server goes on writing). PostgreSQL is backed up with its own tools.
pub async fn backup(store: &crate::store::Store, file: &std::path::Path) -> Result<String, String> {
    if store.backend() != crate::store::Backend::Sqlite {
        return Err("backup copies SQLite databases; back PostgreSQL up with pg_dump (see the README)".into());
    }
    if file.exists() {
        return Err(format!("{} exists already; give a new file name", file.display()));
    }
    let target = file.to_str().ok_or_else(|| format!("{} is not a UTF-8 path", file.display()))?;
    let mut conn = store.pool().acquire().await.map_err(|e| e.to_string())?;
    // The copy's size as it grows, against the database's (with its log): about how far it is.
    let progress = crate::progress::Progress::start("backup", "bytes", store.disk_figure().map(|d| d.database_bytes));
    progress.stage(target);
    let copy = sqlx::query("VACUUM INTO $1").bind(target).execute(&mut *conn);
    tokio::pin!(copy);
    let copied = loop {
        tokio::select! {
            done = &mut copy => break done,
            _ = tokio::time::sleep(std::time::Duration::from_millis(200)) => {
                progress.set_position(std::fs::metadata(file).map(|m| m.len()).unwrap_or(0));
            }
        }
    };
    let size = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    if let Err(e) = copied {
        progress.finish("failed");
        return Err(format!("backup to {target} failed: {e}"));
    }
    // The copy is compacted, so smaller than the estimate: it is whole now.
    progress.set_total(size);
    progress.set_position(size);
    progress.finish("copied");
    // Patients' data: readable by the owner alone, whatever the umask.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600)).map_err(|e| format!("could not make {target} private: {e}"))?;
    }
    Ok(format!("Backed up to {target} ({size} bytes)."))
}

/// `server sync`: one pass, then the waiting writes, until none is due (or Open Dental stops
/// taking them).
pub async fn sync(services: &Services) -> Result<String, String> {
    if services.opendental.is_none() {
        return Err("Open Dental is not set up: set ASAP_OPENDENTAL_URL and ASAP_OPENDENTAL_KEY (see the README).".into());
    }
    let progress = crate::progress::Progress::start("sync", "rows", None);
    let report = crate::service::sync::pass_with_progress(services, &progress).await;
    progress.finish(if report.is_ok() { "read" } else { "stopped" });
    let report = report.map_err(|e| format!("The sync did not finish: {e}"))?;
    let mut written = crate::service::writeback::WritebackRound::default();
    loop {
        let round = crate::service::writeback::deliver_due(services).await.map_err(|e| e.to_string())?;
        written.delivered += round.delivered;
        written.refused += round.refused;
        written.later += round.later;
        if round.delivered + round.refused == 0 {
            break;
        }
    }
    let mut out = report.to_string();
    out.push_str(&format!(
        "\nWrites to Open Dental: {} delivered, {} refused (see the history and the audit trail), {} waiting to be tried again.",
        written.delivered, written.refused, written.later
    ));
    if written.later > 0 {
        return Err(out);
    }
    Ok(out)
}

/// `server ready`: GET /readyz on the server's own address (0.0.0.0 asks 127.0.0.1).
pub async fn ready(addr: std::net::SocketAddr) -> Result<(), String> {
    let mut addr = addr;
    if addr.ip().is_unspecified() {
        addr.set_ip(if addr.is_ipv4() { std::net::Ipv4Addr::LOCALHOST.into() } else { std::net::Ipv6Addr::LOCALHOST.into() });
    }
    let url = format!("http://{addr}/readyz");
    let client = reqwest::Client::builder().timeout(std::time::Duration::from_secs(5)).build().map_err(|e| e.to_string())?;
    let response = client.get(&url).send().await.map_err(|e| format!("{url}: {}", crate::with_causes(&e)))?;
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    if status.is_success() { Ok(()) } else { Err(format!("{url} answered {status}: {body}")) }
}
