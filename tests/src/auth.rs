//! Auth material generated at test time with the `nkeys` crate: operator, account and
//! user key pairs with their JWTs ([`Operator`], [`Account`], [`User`]), the nats-server
//! config for operator mode, `.creds` text, and plain nkey users ([`NkeyUser`]).
//!
//! ```no_run
//! # fn main() -> natrs_tests::Result<()> {
//! use natrs_tests::{Operator, ServerConfig};
//! let operator = Operator::new("test-op")?;
//! let account = operator.account("APP")?;
//! let alice = account.user("alice").allow_pub("orders.>").build()?;
//! let server = ServerConfig::new()
//!     .config(operator.server_config(&[&account]))
//!     .start()?;
//! let creds_path = alice.write_creds_file(server.dir())?; // <dir>/alice.creds
//! # Ok(()) }
//! ```

use std::path::{Path, PathBuf};
use std::time::Duration;

use nkeys::KeyPair;
use serde_json::{Value, json};

use crate::error::{HarnessError, Result};
use crate::jwt::{Claims, creds_text, sign_nonce, unix_now};

/// An operator: its key pair, its self-signed JWT, and a system account (`SYS`) it signed.
#[derive(Debug)]
pub struct Operator {
    key: KeyPair,
    name: String,
    jwt: String,
    system: Account,
}

impl Operator {
    /// A fresh operator named `name`, with a fresh system account.
    pub fn new(name: &str) -> Result<Operator> {
        let key = KeyPair::new_operator();
        let system = Account::signed_by(&key, "SYS", false)?;
        let nats = json!({
            "system_account": system.public_key(),
            "type": "operator",
            "version": 2,
        });
        let jwt = Claims::new(key.public_key(), name, nats).encode(&key)?;
        Ok(Operator {
            key,
            name: name.to_owned(),
            jwt,
            system,
        })
    }

    /// A fresh account named `name` signed by this operator, JetStream enabled without
    /// limits.
    pub fn account(&self, name: &str) -> Result<Account> {
        Account::signed_by(&self.key, name, true)
    }

    /// A fresh account signed by this operator with JetStream disabled.
    pub fn account_without_jetstream(&self, name: &str) -> Result<Account> {
        Account::signed_by(&self.key, name, false)
    }

    /// The operator's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The operator's JWT.
    pub fn jwt(&self) -> &str {
        &self.jwt
    }

    /// The operator's key pair.
    pub fn key_pair(&self) -> &KeyPair {
        &self.key
    }

    /// The operator's public key (`O...`).
    pub fn public_key(&self) -> String {
        self.key.public_key()
    }

    /// The system account.
    pub fn system_account(&self) -> &Account {
        &self.system
    }

    /// nats-server config for operator mode trusting this operator, with the system
    /// account and `accounts` preloaded into a memory resolver:
    ///
    /// ```text
    /// operator: <operator JWT>
    /// system_account: <SYS public key>
    /// resolver: MEMORY
    /// resolver_preload: { <account public key>: <account JWT>, ... }
    /// ```
    pub fn server_config(&self, accounts: &[&Account]) -> String {
        let mut config = format!(
            "operator: {}\nsystem_account: {}\nresolver: MEMORY\nresolver_preload: {{\n",
            self.jwt,
            self.system.public_key()
        );
        for account in std::iter::once(&self.system).chain(accounts.iter().copied()) {
            config.push_str(&format!("  {}: {}\n", account.public_key(), account.jwt()));
        }
        config.push_str("}\n");
        config
    }
}

/// An account: its key pair and its JWT (signed by an operator).
#[derive(Debug)]
pub struct Account {
    key: KeyPair,
    name: String,
    jwt: String,
}

impl Account {
    fn signed_by(operator: &KeyPair, name: &str, jetstream: bool) -> Result<Account> {
        let key = KeyPair::new_account();
        let mut limits = json!({
            "subs": -1, "data": -1, "payload": -1,
            "imports": -1, "exports": -1, "wildcards": true, "conn": -1, "leaf": -1,
        });
        if jetstream {
            for field in ["mem_storage", "disk_storage", "streams", "consumer"] {
                limits[field] = json!(-1);
            }
        }
        let nats = json!({
            "limits": limits,
            "default_permissions": {"pub": {}, "sub": {}},
            "type": "account",
            "version": 2,
        });
        let jwt = Claims::new(key.public_key(), name, nats).encode(operator)?;
        Ok(Account {
            key,
            name: name.to_owned(),
            jwt,
        })
    }

    /// A builder for a user of this account named `name`.
    pub fn user(&self, name: &str) -> UserBuilder<'_> {
        UserBuilder {
            account: self,
            name: name.to_owned(),
            expires: None,
            issued_at: None,
            pub_allow: Vec::new(),
            pub_deny: Vec::new(),
            sub_allow: Vec::new(),
            sub_deny: Vec::new(),
            bearer: false,
        }
    }

    /// The account's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The account's JWT.
    pub fn jwt(&self) -> &str {
        &self.jwt
    }

    /// The account's key pair.
    pub fn key_pair(&self) -> &KeyPair {
        &self.key
    }

    /// The account's public key (`A...`).
    pub fn public_key(&self) -> String {
        self.key.public_key()
    }
}

/// Builds a [`User`]: expiry, publish/subscribe permissions, bearer token.
#[derive(Debug)]
pub struct UserBuilder<'a> {
    account: &'a Account,
    name: String,
    expires: Option<i64>,
    issued_at: Option<i64>,
    pub_allow: Vec<String>,
    pub_deny: Vec<String>,
    sub_allow: Vec<String>,
    sub_deny: Vec<String>,
    bearer: bool,
}

impl UserBuilder<'_> {
    /// `exp` at `unix_seconds`.
    pub fn expires_at(mut self, unix_seconds: i64) -> Self {
        self.expires = Some(unix_seconds);
        self
    }

    /// `exp` `after` from now (rounded up to whole seconds).
    pub fn expires_in(mut self, after: Duration) -> Self {
        let secs = i64::try_from(after.as_secs() + u64::from(after.subsec_nanos() > 0))
            .unwrap_or(i64::MAX);
        self.expires = Some(unix_now().saturating_add(secs));
        self
    }

    /// Already expired: issued two minutes ago, expired one minute ago.
    pub fn expired(mut self) -> Self {
        let now = unix_now();
        self.issued_at = Some(now - 120);
        self.expires = Some(now - 60);
        self
    }

    /// Allows publishing to `subject` (once any is allowed, only those are).
    pub fn allow_pub(mut self, subject: &str) -> Self {
        self.pub_allow.push(subject.to_owned());
        self
    }

    /// Denies publishing to `subject`.
    pub fn deny_pub(mut self, subject: &str) -> Self {
        self.pub_deny.push(subject.to_owned());
        self
    }

    /// Allows subscribing to `subject` (once any is allowed, only those are).
    pub fn allow_sub(mut self, subject: &str) -> Self {
        self.sub_allow.push(subject.to_owned());
        self
    }

    /// Denies subscribing to `subject`.
    pub fn deny_sub(mut self, subject: &str) -> Self {
        self.sub_deny.push(subject.to_owned());
        self
    }

    /// A bearer token: the server does not ask for a nonce signature.
    pub fn bearer(mut self, on: bool) -> Self {
        self.bearer = on;
        self
    }

    /// Generates the user's key pair and signs its JWT with the account key.
    pub fn build(self) -> Result<User> {
        let key = KeyPair::new_user();
        let mut nats = json!({
            "pub": permission(&self.pub_allow, &self.pub_deny),
            "sub": permission(&self.sub_allow, &self.sub_deny),
            "subs": -1,
            "data": -1,
            "payload": -1,
            "type": "user",
            "version": 2,
        });
        if self.bearer {
            nats["bearer_token"] = json!(true);
        }
        let mut claims = Claims::new(key.public_key(), &self.name, nats);
        claims.expires = self.expires;
        if let Some(iat) = self.issued_at {
            claims.issued_at = iat;
        }
        let jwt = claims.encode(self.account.key_pair())?;
        Ok(User {
            key,
            name: self.name,
            jwt,
        })
    }
}

fn permission(allow: &[String], deny: &[String]) -> Value {
    let mut p = json!({});
    if !allow.is_empty() {
        p["allow"] = json!(allow);
    }
    if !deny.is_empty() {
        p["deny"] = json!(deny);
    }
    p
}

/// A user: its key pair and its JWT (signed by an account).
#[derive(Debug)]
pub struct User {
    key: KeyPair,
    name: String,
    jwt: String,
}

impl User {
    /// The user's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The user's JWT.
    pub fn jwt(&self) -> &str {
        &self.jwt
    }

    /// The user's key pair.
    pub fn key_pair(&self) -> &KeyPair {
        &self.key
    }

    /// The user's public key (`U...`).
    pub fn public_key(&self) -> String {
        self.key.public_key()
    }

    /// The user's seed (`SU...`).
    pub fn seed(&self) -> Result<String> {
        Ok(self.key.seed()?)
    }

    /// The `.creds` file text for this user.
    pub fn creds(&self) -> Result<String> {
        Ok(creds_text(&self.jwt, &self.seed()?))
    }

    /// Writes [`User::creds`] to `<dir>/<name>.creds` and returns the path.
    pub fn write_creds_file(&self, dir: &Path) -> Result<PathBuf> {
        let path = dir.join(format!("{}.creds", self.name));
        std::fs::write(&path, self.creds()?)
            .map_err(|e| HarnessError::io(format!("writing {}", path.display()), e))?;
        Ok(path)
    }

    /// The nonce signature CONNECT's `sig` wants.
    pub fn sign_nonce(&self, nonce: &str) -> Result<String> {
        sign_nonce(&self.key, nonce)
    }

    /// A CONNECT body authenticating as this user against an INFO `nonce`.
    pub fn connect_json(&self, nonce: &str) -> Result<Value> {
        let mut connect = crate::raw_client::default_connect();
        connect["jwt"] = json!(self.jwt);
        connect["sig"] = json!(self.sign_nonce(nonce)?);
        Ok(connect)
    }
}

/// A plain nkey user (`authorization { users = [{nkey: U...}] }`), no JWT.
#[derive(Debug)]
pub struct NkeyUser {
    key: KeyPair,
}

impl NkeyUser {
    /// A fresh user key pair.
    pub fn new() -> NkeyUser {
        NkeyUser {
            key: KeyPair::new_user(),
        }
    }

    /// The key pair.
    pub fn key_pair(&self) -> &KeyPair {
        &self.key
    }

    /// The public key (`U...`), what the server config lists.
    pub fn public_key(&self) -> String {
        self.key.public_key()
    }

    /// The seed (`SU...`), what a client is given.
    pub fn seed(&self) -> Result<String> {
        Ok(self.key.seed()?)
    }

    /// The nonce signature CONNECT's `sig` wants.
    pub fn sign_nonce(&self, nonce: &str) -> Result<String> {
        sign_nonce(&self.key, nonce)
    }

    /// A CONNECT body authenticating as this user against an INFO `nonce`.
    pub fn connect_json(&self, nonce: &str) -> Result<Value> {
        let mut connect = crate::raw_client::default_connect();
        connect["nkey"] = json!(self.public_key());
        connect["sig"] = json!(self.sign_nonce(nonce)?);
        Ok(connect)
    }

    /// nats-server config letting exactly `users` in.
    pub fn server_config(users: &[&NkeyUser]) -> String {
        let entries: Vec<String> = users
            .iter()
            .map(|u| format!("    {{ nkey: {} }}", u.public_key()))
            .collect();
        format!(
            "authorization {{\n  users = [\n{}\n  ]\n}}\n",
            entries.join("\n")
        )
    }
}

impl Default for NkeyUser {
    fn default() -> Self {
        NkeyUser::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jwt::verify;

    #[test]
    fn chains_issuers() {
        let op = Operator::new("op").unwrap();
        let account = op.account("A").unwrap();
        let user = account
            .user("u")
            .allow_pub("a.>")
            .deny_sub("secret")
            .expires_in(Duration::from_millis(1500))
            .build()
            .unwrap();

        let op_claims = verify(op.jwt()).unwrap();
        assert_eq!(op_claims["iss"], op.public_key());
        assert_eq!(op_claims["sub"], op.public_key());
        assert_eq!(
            op_claims["nats"]["system_account"],
            op.system_account().public_key()
        );

        let acc_claims = verify(account.jwt()).unwrap();
        assert_eq!(acc_claims["iss"], op.public_key());
        assert_eq!(acc_claims["nats"]["limits"]["disk_storage"], -1);

        let user_claims = verify(user.jwt()).unwrap();
        assert_eq!(user_claims["iss"], account.public_key());
        assert_eq!(user_claims["sub"], user.public_key());
        assert_eq!(user_claims["nats"]["pub"]["allow"][0], "a.>");
        assert_eq!(user_claims["nats"]["sub"]["deny"][0], "secret");
        let exp = user_claims["exp"].as_i64().unwrap();
        let iat = user_claims["iat"].as_i64().unwrap();
        assert!((iat + 1..=iat + 3).contains(&exp), "iat {iat} exp {exp}");

        let expired = account.user("old").expired().build().unwrap();
        let claims = verify(expired.jwt()).unwrap();
        assert!(claims["exp"].as_i64().unwrap() < unix_now());

        let creds = user.creds().unwrap();
        assert!(creds.contains(user.jwt()));
        let dir = tempfile::tempdir().unwrap();
        let path = user.write_creds_file(dir.path()).unwrap();
        assert_eq!(path, dir.path().join("u.creds"));
        assert_eq!(std::fs::read_to_string(path).unwrap(), creds);
        assert!(creds.contains(&user.seed().unwrap()));

        let config = op.server_config(&[&account]);
        assert!(config.contains(&format!("{}: {}", account.public_key(), account.jwt())));
        assert!(config.contains("resolver: MEMORY"));
    }

    #[test]
    fn nkey_users_config() {
        let a = NkeyUser::new();
        let b = NkeyUser::new();
        let config = NkeyUser::server_config(&[&a, &b]);
        assert!(config.contains(&format!("{{ nkey: {} }}", a.public_key())));
        assert!(config.contains(&b.public_key()));
        assert!(a.seed().unwrap().starts_with("SU"));
        let connect = a.connect_json("nonce").unwrap();
        assert_eq!(connect["nkey"], a.public_key());
    }
}
