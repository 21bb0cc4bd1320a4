//! Access: signing staff in and out, sessions shared by every server process, the office
//! portal's embed sign-in, users, API keys, and the audit trail.

use super::credentials::{
    self, SignInGate, decoy_hash, hash_password, lock_after_failure, new_token, password_rule, sha256_hex, sign_in_gate,
    username_rule, verify_embed_token, verify_password,
};
use super::{ServiceError, ServiceResult, Services};
use crate::store::table;
use crate::store;
use crate::store::access::{ApiKeyRow, AuditEntry, UserRow};
use app::view::access::{AuditPage, AuditQuery, Caller, NewStaffUser, StaffUser, UserChange, actions};
use app::domain::params::date_param;

/// How long sessions last, and what the portal shares with us.
#[derive(Clone, Debug)]
pub struct AccessSettings {
    /// A session unused this long ends.
    pub idle_seconds: i64,
    /// A session ends this long after sign-in, used or not.
    pub lifetime_seconds: i64,
    /// The secret the office portal signs embed tokens with; empty turns embedding off.
    pub embed_secret: String,
    /// CSP frame-ancestors sources: the pages that may embed ours.
    pub frame_ancestors: String,
}

impl Default for AccessSettings {
    fn default() -> Self {
        AccessSettings { idle_seconds: 30 * 60, lifetime_seconds: 12 * 3600, embed_secret: String::new(), frame_ancestors: "'self'".into() }
    }
}

/// Who did something, for the audit trail and the openings they offered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub user_num: i64,
    pub name: String,
}

impl Actor {
    pub fn staff(caller: &Caller) -> Actor {
        Actor { user_num: caller.user_num, name: caller.username.clone() }
    }

    pub fn api_key(name: &str) -> Actor {
        Actor { user_num: 0, name: format!("API key {name}") }
    }

    /// The server's command line, run by whoever administers the machine.
    pub fn command_line() -> Actor {
        Actor { user_num: 0, name: "server command line".into() }
    }
}

/// What a sign-in attempt comes to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignIn {
    /// Signed in: the session token for the cookie.
    Signed { token: String, caller: Caller },
    /// Refused, with the message to show (the same whether or not the user exists).
    Refused(String),
}

const WRONG: &str = "The user name or password is not right.";

fn caller_of(user: &UserRow, embedded: bool, portal_origin: &str) -> Caller {
    Caller {
        user_num: user.user_num,
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        is_admin: user.is_admin,
        clinics: user.clinics.clone(),
        embedded,
        portal_origin: portal_origin.to_string(),
    }
}

fn staff_user(user: &UserRow) -> StaffUser {
    StaffUser {
        user_num: user.user_num,
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        is_admin: user.is_admin,
        is_disabled: user.is_disabled,
        clinics: user.clinics.clone(),
    }
}

/// Reads "1, 3" (or empty for every clinic) and checks each clinic exists.
async fn clinic_list(conn: &mut sqlx::AnyConnection, raw: &str) -> ServiceResult<Option<Vec<i64>>> {
    if raw.trim().is_empty() {
        return Ok(None);
    }
    let mut list = Vec::new();
    for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let n: i64 = part
            .parse()
            .map_err(|_| ServiceError::bad_request(format!("Clinics: `{part}` is not a ClinicNum. Write them like 1, 3.")))?;
        if !table::exists::<app::model::Clinic>(conn, n).await? {
            return Err(ServiceError::bad_request(format!("Clinics: clinic {n} does not exist.")));
        }
        if !list.contains(&n) {
            list.push(n);
        }
    }
    Ok(Some(list))
}

/// Refuses anyone but an administrator; `to_do` says what they tried ("manage users").
pub(super) fn require_admin(caller: &Caller, to_do: &str) -> ServiceResult<()> {
    if caller.is_admin {
        Ok(())
    } else {
        Err(ServiceError::Forbidden(format!("Only administrators can {to_do}. Ask one of them.")))
    }
}

impl Services {
    /// Writes one audit line on its own.
    pub async fn audit(&self, actor: &Actor, action: &str, detail: &str, clinic_num: i64) -> ServiceResult<()> {
        let mut tx = self.store.begin_write().await?;
        self.audit_in(&mut tx, actor, action, detail, clinic_num).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Writes one audit line inside the caller's transaction, so it stands or falls with the change.
    pub(super) async fn audit_in(
        &self,
        conn: &mut sqlx::AnyConnection,
        actor: &Actor,
        action: &str,
        detail: &str,
        clinic_num: i64,
    ) -> ServiceResult<()> {
        let prefs = store::office::preferences(conn).await?;
        let entry = AuditEntry {
            at: self.clock.now(&prefs),
            at_unix: self.clock.unix_now(),
            user_num: actor.user_num,
            username: &actor.name,
            action,
            detail,
            clinic_num,
        };
        store::access::insert_audit(conn, &entry).await?;
        Ok(())
    }

    pub async fn sign_in(&self, username: &str, password: &str) -> ServiceResult<SignIn> {
        let name: String = username.trim().to_lowercase().chars().take(100).collect();
        if name.is_empty() || password.is_empty() {
            return Ok(SignIn::Refused("Enter your user name and password.".into()));
        }
        let now = self.clock.unix_now();
        let (failures, last, locked) = {
            let mut conn = self.store.pool().acquire().await?;
            store::access::sign_in_attempts(&mut conn, &name).await?
        };
        match sign_in_gate(failures, last, locked, now) {
            SignInGate::Open => {}
            SignInGate::Wait(seconds) => {
                return Ok(SignIn::Refused(format!(
                    "Too many failed sign-ins for this user name. Wait {seconds} seconds, then try again."
                )));
            }
            SignInGate::Locked(seconds) => {
                return Ok(SignIn::Refused(format!(
                    "Too many failed sign-ins for this user name: it is locked for {} more minutes.",
                    (seconds + 59) / 60
                )));
            }
        }
        let user = {
            let mut conn = self.store.pool().acquire().await?;
            store::access::user_by_name(&mut conn, &name).await?
        };
        // The hash is checked even for unknown or disabled users, so timing tells nothing.
        let hash = user.as_ref().map_or(decoy_hash(), |u| u.password_hash.as_str()).to_string();
        let password = password.to_string();
        let matches = tokio::task::spawn_blocking(move || verify_password(&hash, &password)).await.unwrap_or(false);
        let user = user.filter(|u| matches && !u.is_disabled);
        let mut tx = self.store.begin_write().await?;
        let Some(user) = user else {
            let failures = failures + 1;
            let locked_until = lock_after_failure(failures, now);
            store::access::record_failed_sign_in(&mut tx, &name, failures, now, locked_until).await?;
            let actor = Actor { user_num: 0, name: name.clone() };
            self.audit_in(&mut tx, &actor, actions::SIGN_IN_FAILED, &format!("failure {failures} in a row"), 0).await?;
            tx.commit().await?;
            return Ok(SignIn::Refused(if locked_until > 0 {
                format!(
                    "Too many failed sign-ins for this user name: it is locked for {} minutes.",
                    credentials::LOCK_SECONDS / 60
                )
            } else {
                WRONG.into()
            }));
        };
        store::access::clear_sign_in_attempts(&mut tx, &name).await?;
        let token = new_token();
        store::access::insert_session(&mut tx, &sha256_hex(&token), user.user_num, now, false, "").await?;
        let caller = caller_of(&user, false, "");
        self.audit_in(&mut tx, &Actor::staff(&caller), actions::SIGN_IN, "", 0).await?;
        tx.commit().await?;
        Ok(SignIn::Signed { token, caller })
    }

    /// The signed-in user behind a session cookie, or None when the session has ended. A session
    /// ends when unused for the idle time, at its full lifetime, and when its user is disabled.
    pub async fn session_caller(&self, token: &str) -> ServiceResult<Option<Caller>> {
        if token.is_empty() || token.len() > 100 {
            return Ok(None);
        }
        let hash = sha256_hex(token);
        let now = self.clock.unix_now();
        let session = {
            let mut conn = self.store.pool().acquire().await?;
            store::access::session(&mut conn, &hash).await?
        };
        let Some(s) = session else { return Ok(None) };
        let a = &self.access;
        // A password change or a disabled account deletes the user's sessions outright.
        let alive = !s.user.is_disabled && now - s.last_seen <= a.idle_seconds && now - s.created_at <= a.lifetime_seconds;
        if !alive {
            let mut tx = self.store.begin_write().await?;
            store::access::delete_session(&mut tx, &hash).await?;
            tx.commit().await?;
            return Ok(None);
        }
        // Written at most once a minute, so reading pages does not mean writing on each request.
        if now - s.last_seen >= 60 {
            let mut tx = self.store.begin_write().await?;
            store::access::touch_session(&mut tx, &hash, now).await?;
            tx.commit().await?;
        }
        Ok(Some(caller_of(&s.user, s.embedded, &s.portal_origin)))
    }

    pub async fn sign_out(&self, token: &str, caller: Option<&Caller>) -> ServiceResult<()> {
        let mut tx = self.store.begin_write().await?;
        store::access::delete_session(&mut tx, &sha256_hex(token)).await?;
        if let Some(c) = caller {
            self.audit_in(&mut tx, &Actor::staff(c), actions::SIGN_OUT, "", 0).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Exchanges a portal's embed token for a session. Refusals say why in the log only: the
    /// page shown is the sign-in page.
    pub async fn embed_sign_in(&self, token: &str) -> ServiceResult<Result<(String, Caller), String>> {
        let now = self.clock.unix_now();
        let claims = match verify_embed_token(&self.access.embed_secret, token, now) {
            Ok(c) => c,
            Err(e) => return Ok(Err(format!("embed token refused: {e}"))),
        };
        if !credentials::origin_allowed(&self.access.frame_ancestors, &claims.origin) {
            return Ok(Err(format!("embed token refused: {} is not on the frame-ancestors allow-list", claims.origin)));
        }
        let mut tx = self.store.begin_write().await?;
        if !store::access::use_embed_nonce(&mut tx, &claims.nonce, claims.exp, now).await? {
            return Ok(Err("embed token refused: it was used before".into()));
        }
        let Some(user) = store::access::user_by_name(&mut tx, &claims.sub.to_lowercase()).await?.filter(|u| !u.is_disabled) else {
            tx.commit().await?;
            return Ok(Err("embed token refused: no such active user".into()));
        };
        let session = new_token();
        store::access::insert_session(&mut tx, &sha256_hex(&session), user.user_num, now, true, &claims.origin).await?;
        let caller = caller_of(&user, true, &claims.origin);
        self.audit_in(&mut tx, &Actor::staff(&caller), actions::EMBED_SIGN_IN, &format!("from {}", claims.origin), 0).await?;
        tx.commit().await?;
        Ok(Ok((session, caller)))
    }

    pub async fn users(&self, caller: &Caller) -> ServiceResult<Vec<StaffUser>> {
        require_admin(caller, "manage users")?;
        let mut conn = self.store.pool().acquire().await?;
        Ok(store::access::users(&mut conn).await?.iter().map(staff_user).collect())
    }

    /// Adds a staff user: from the Users page (`caller`, who must be an administrator), or from
    /// `server user add` (no caller).
    pub async fn add_user(&self, actor: &Actor, caller: Option<&Caller>, new: NewStaffUser) -> ServiceResult<StaffUser> {
        if let Some(c) = caller {
            require_admin(c, "manage users")?;
        }
        let username = username_rule(&new.username).map_err(ServiceError::BadRequest)?;
        password_rule(&new.password).map_err(ServiceError::BadRequest)?;
        let password = new.password.clone();
        let hash = tokio::task::spawn_blocking(move || hash_password(&password))
            .await
            .map_err(|e| ServiceError::bad_request(e.to_string()))?
            .map_err(ServiceError::BadRequest)?;
        let mut tx = self.store.begin_write().await?;
        let clinics = clinic_list(&mut tx, &new.clinics).await?;
        if store::access::user_by_name(&mut tx, &username).await?.is_some() {
            return Err(ServiceError::Conflict(format!("There is already a user named {username}.")));
        }
        let display = new.display_name.trim().chars().take(100).collect::<String>();
        let row = store::access::NewUser {
            username: &username,
            display_name: &display,
            password_hash: &hash,
            is_admin: new.is_admin,
            clinics: &clinics,
            now: self.clock.unix_now(),
        };
        let num = store::access::insert_user(&mut tx, &row).await?;
        let detail = format!(
            "{username}{}{}",
            if new.is_admin { ", administrator" } else { "" },
            clinics.as_ref().map(|c| format!(", clinics {}", store::access::clinics_text(&Some(c.clone())))).unwrap_or_default()
        );
        self.audit_in(&mut tx, actor, actions::USER_ADDED, &detail, 0).await?;
        let user = store::access::user_by_num(&mut tx, num).await?.ok_or_else(|| ServiceError::not_found("The new user could not be read back."))?;
        tx.commit().await?;
        Ok(staff_user(&user))
    }

    pub async fn change_user(&self, actor: &Actor, caller: Option<&Caller>, user_num: i64, change: UserChange) -> ServiceResult<StaffUser> {
        if let Some(c) = caller {
            require_admin(c, "manage users")?;
        }
        let new_hash = match &change {
            UserChange::ResetPassword(p) => {
                password_rule(p).map_err(ServiceError::BadRequest)?;
                let p = p.clone();
                Some(
                    tokio::task::spawn_blocking(move || hash_password(&p))
                        .await
                        .map_err(|e| ServiceError::bad_request(e.to_string()))?
                        .map_err(ServiceError::BadRequest)?,
                )
            }
            _ => None,
        };
        let mut tx = self.store.begin_write().await?;
        let user = store::access::user_by_num(&mut tx, user_num)
            .await?
            .ok_or_else(|| ServiceError::not_found(format!("User {user_num} does not exist.")))?;
        let (mut is_admin, mut is_disabled, mut clinics) = (user.is_admin, user.is_disabled, user.clinics.clone());
        let detail = match &change {
            UserChange::ResetPassword(_) => {
                store::access::set_password(&mut tx, user_num, new_hash.as_deref().unwrap_or_default(), self.clock.unix_now()).await?;
                store::access::delete_user_sessions(&mut tx, user_num).await?;
                format!("{}: password reset, signed out everywhere", user.username)
            }
            UserChange::Disable => {
                is_disabled = true;
                format!("{}: disabled", user.username)
            }
            UserChange::Enable => {
                is_disabled = false;
                format!("{}: enabled", user.username)
            }
            UserChange::SetAdmin(admin) => {
                is_admin = *admin;
                format!("{}: {}", user.username, if *admin { "made administrator" } else { "no longer administrator" })
            }
            UserChange::SetClinics(raw) => {
                clinics = clinic_list(&mut tx, raw).await?;
                format!("{}: clinics {}", user.username, clinics.as_ref().map_or("all".into(), |_| store::access::clinics_text(&clinics)))
            }
        };
        // The office always keeps one administrator who can sign in.
        if user.is_admin && !user.is_disabled && (!is_admin || is_disabled) && store::access::other_active_admins(&mut tx, user_num).await? == 0 {
            return Err(ServiceError::Conflict(format!("{} is the only active administrator; make someone else one first.", user.username)));
        }
        store::access::set_user_access(&mut tx, user_num, is_admin, is_disabled, &clinics).await?;
        if is_disabled {
            store::access::delete_user_sessions(&mut tx, user_num).await?;
        }
        self.audit_in(&mut tx, actor, actions::USER_CHANGED, &detail, 0).await?;
        let changed = store::access::user_by_num(&mut tx, user_num).await?.ok_or_else(|| ServiceError::not_found("The user could not be read back."))?;
        tx.commit().await?;
        Ok(staff_user(&changed))
    }

    /// Finds a user by name for the command line.
    pub async fn user_named(&self, username: &str) -> ServiceResult<Option<StaffUser>> {
        let mut conn = self.store.pool().acquire().await?;
        Ok(store::access::user_by_name(&mut conn, &username.trim().to_lowercase()).await?.as_ref().map(staff_user))
    }

    /// A new API key: returns the DeveloperKey/CustomerKey pair, shown once and stored hashed.
    pub async fn add_api_key(&self, actor: &Actor, name: &str, clinics: &str) -> ServiceResult<String> {
        let name = name.trim();
        if name.is_empty() || name.len() > 60 || name.contains('/') {
            return Err(ServiceError::bad_request("An API key's name is 1 to 60 characters, without a slash."));
        }
        let developer = format!("dev_{}", &new_token()[..20]);
        let customer = new_token();
        let pair = format!("{developer}/{customer}");
        let mut tx = self.store.begin_write().await?;
        let clinics = clinic_list(&mut tx, clinics).await?;
        if store::access::api_keys(&mut tx).await?.iter().any(|k| k.name == name) {
            return Err(ServiceError::Conflict(format!("There is already an API key named {name}.")));
        }
        store::access::insert_api_key(&mut tx, name, &developer, &sha256_hex(&pair), &clinics, self.clock.unix_now()).await?;
        self.audit_in(&mut tx, actor, actions::API_KEY_ADDED, name, 0).await?;
        tx.commit().await?;
        Ok(pair)
    }

    pub async fn revoke_api_key(&self, actor: &Actor, name: &str) -> ServiceResult<()> {
        let mut tx = self.store.begin_write().await?;
        if !store::access::revoke_api_key(&mut tx, name.trim(), self.clock.unix_now()).await? {
            return Err(ServiceError::not_found(format!("There is no live API key named {}.", name.trim())));
        }
        self.audit_in(&mut tx, actor, actions::API_KEY_REVOKED, name.trim(), 0).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn api_keys(&self) -> ServiceResult<Vec<ApiKeyRow>> {
        let mut conn = self.store.pool().acquire().await?;
        Ok(store::access::api_keys(&mut conn).await?)
    }

    /// The live stored key a presented `DeveloperKey/CustomerKey` pair belongs to.
    /// Counts one API request for `key` where every server process sees it; false when the key
    /// has used up `per_second` in this second.
    pub async fn shared_rate_allows(&self, key: &str, per_second: u32) -> ServiceResult<bool> {
        let mut conn = self.store.pool().acquire().await?;
        let n = store::access::count_api_request(&mut conn, key, self.clock.unix_now()).await?;
        Ok(n <= i64::from(per_second))
    }

    pub async fn stored_api_key(&self, pair: &str) -> ServiceResult<Option<ApiKeyRow>> {
        let mut conn = self.store.pool().acquire().await?;
        Ok(store::access::live_api_key(&mut conn, &sha256_hex(pair)).await?)
    }

    pub async fn audit_page(&self, caller: &Caller, q: &AuditQuery) -> ServiceResult<AuditPage> {
        require_admin(caller, "read the audit trail")?;
        let prefs = self.prefs().await?;
        let today = self.clock.today(&prefs);
        let from = match q.date_start.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(raw) => date_param("From", raw).map_err(ServiceError::BadRequest)?,
            None => today.add_days(-30),
        };
        let through = match q.date_through.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(raw) => date_param("Through", raw).map_err(ServiceError::BadRequest)?,
            None => today,
        };
        if from > through {
            return Err(ServiceError::bad_request(format!("The first day ({from}) is after the last day ({through}).")));
        }
        let before = match q.before.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(raw) => Some(raw.trim().parse::<i64>().map_err(|_| ServiceError::bad_request(format!("`{raw}` is not a page marker.")))?),
            None => None,
        };
        let filter = store::access::AuditFilter {
            username: q.user.clone().map(|u| u.trim().to_lowercase()).filter(|u| !u.is_empty()),
            action: q.action.clone().filter(|a| !a.trim().is_empty()),
            from: from.start(),
            to: through.add_days(1).start(),
            before,
            limit: 101,
        };
        let mut conn = self.store.pool().acquire().await?;
        let mut events = store::access::audit_events(&mut conn, &filter).await?;
        let older = (events.len() > 100).then(|| {
            events.truncate(100);
            events.last().map_or(0, |e| e.event_num)
        });
        let clinic_names = store::office::clinics(&mut conn)
            .await?
            .into_iter()
            .map(|c| (c.clinic_num, if c.description.is_empty() { c.abbr } else { c.description }))
            .collect();
        Ok(AuditPage { events, older, actions: actions::ALL.iter().map(|a| a.to_string()).collect(), clinic_names })
    }
}
