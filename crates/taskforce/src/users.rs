//! `taskforce user …` and `taskforce token create`: accounts for the first administrator and for
//! scripts. The command line acts as the system (its operator already holds the server and its
//! database) and every change it makes is audited.

use crate::DatabaseArgs;
use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use rand::RngCore;
use std::process::ExitCode;
use std::sync::Arc;
use taskforce_app::{Actor, App, SystemClock};
use taskforce_domain::identity::TokenScope;
use taskforce_domain::structure::{MemberInput, Membership, Role};
use taskforce_store::{Create, Store};

const CLI: Actor = Actor::System("cli");

#[derive(Subcommand)]
pub enum UserCommand {
    /// Add a member with a sign-in account (the member is created if the e-mail is new to the task force).
    Add(AddArgs),
    /// Disable an account and end its sessions.
    Disable(EmailArgs),
    /// List every account as CSV: email, task force, organization, organization kind, roles.
    List(DatabaseArgs),
}

#[derive(Args)]
pub struct AddArgs {
    #[command(flatten)]
    db: DatabaseArgs,
    /// The sign-in e-mail address.
    #[arg(long)]
    email: String,
    /// The person's name.
    #[arg(long)]
    name: String,
    /// The task force, by name or id.
    #[arg(long)]
    task_force: String,
    /// The organization, by name or id.
    #[arg(long)]
    organization: String,
    /// A role in that organization (repeat for several), e.g. administrator.
    #[arg(long = "role", required = true, value_parser = parse_role)]
    roles: Vec<Role>,
    /// The initial password; when left out a strong one is made and printed once.
    #[arg(long)]
    password: Option<String>,
    /// Make a temporary account that stops working after this many days.
    #[arg(long, value_name = "DAYS")]
    expires: Option<i64>,
}

#[derive(Args)]
pub struct EmailArgs {
    #[command(flatten)]
    db: DatabaseArgs,
    #[arg(long)]
    email: String,
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Create a personal access token for a member; the token is printed once.
    Create(TokenArgs),
}

#[derive(Args)]
pub struct TokenArgs {
    #[command(flatten)]
    db: DatabaseArgs,
    /// The member's sign-in e-mail.
    #[arg(long)]
    user: String,
    #[arg(long, value_enum)]
    scope: Scope,
    /// Days until the token expires (1 to 366).
    #[arg(long, value_name = "DAYS")]
    expires: Option<i64>,
    /// A name to recognise the token by.
    #[arg(long, default_value = "command line")]
    name: String,
}

#[derive(Clone, Copy, ValueEnum)]
enum Scope {
    Read,
    Write,
}

fn parse_role(text: &str) -> Result<Role, String> {
    Role::from_code(text).ok_or_else(|| {
        let all: Vec<&str> = Role::ALL.iter().map(|r| r.code()).collect();
        format!("unknown role {text:?}; one of: {}", all.join(", "))
    })
}

async fn open(db: &DatabaseArgs) -> Result<App> {
    let (url, is_default) = crate::database_url(db.database.as_deref())?;
    let create = if is_default {
        Create::IfMissing
    } else {
        Create::Never
    };
    let store = Store::open(&url, create).await?;
    store.migrate().await?;
    let mut seed = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut seed);
    Ok(App::new(store, Arc::new(SystemClock), seed))
}

fn strong_password() -> String {
    let mut bytes = [0u8; 15];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    // 24 characters from a 32-letter alphabet: 120 bits.
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut out = String::new();
    for (i, b) in bytes.iter().cycle().take(24).enumerate() {
        if i > 0 && i % 6 == 0 {
            out.push('-');
        }
        let index = usize::from(*b ^ (i as u8).wrapping_mul(37)) % ALPHABET.len();
        out.push(char::from(ALPHABET[index]));
    }
    out
}

pub async fn run_user(command: UserCommand) -> Result<ExitCode> {
    match command {
        UserCommand::Add(args) => {
            let app = open(&args.db).await?;
            let tf = app
                .task_forces(&CLI)
                .await?
                .into_iter()
                .find(|t| {
                    t.name.eq_ignore_ascii_case(args.task_force.trim())
                        || t.id.to_string() == args.task_force.trim()
                })
                .with_context(|| {
                    format!("task-force: no task force is named {:?}", args.task_force)
                })?;
            let organization = app
                .organizations(&CLI, tf.id)
                .await?
                .into_iter()
                .find(|o| {
                    o.name.eq_ignore_ascii_case(args.organization.trim())
                        || o.id.to_string() == args.organization.trim()
                })
                .with_context(|| {
                    format!(
                        "organization: {} has no organization named {:?}",
                        tf.name, args.organization
                    )
                })?;
            let email = args.email.trim().to_lowercase();
            let existing = app
                .members(&CLI, tf.id)
                .await?
                .into_iter()
                .find(|m| m.email == email);
            let member = match existing {
                Some(member) => {
                    let mut input = MemberInput::from(&member);
                    match input
                        .memberships
                        .iter_mut()
                        .find(|m| m.organization_id == organization.id)
                    {
                        Some(m) => m.roles.extend(args.roles.iter().copied()),
                        None => input.memberships.push(Membership {
                            organization_id: organization.id,
                            roles: args.roles.clone(),
                        }),
                    }
                    app.update_member(&CLI, tf.id, member.id, member.version, input)
                        .await?
                }
                None => {
                    let input = MemberInput {
                        name: args.name.clone(),
                        email: email.clone(),
                        active: true,
                        memberships: vec![Membership {
                            organization_id: organization.id,
                            roles: args.roles.clone(),
                        }],
                        ..Default::default()
                    };
                    app.create_member(&CLI, tf.id, input).await?
                }
            };
            let generated = args.password.is_none();
            let password = args.password.clone().unwrap_or_else(strong_password);
            let expires_at = args
                .expires
                .map(|days| app.clock().now() + chrono::Duration::days(days));
            app.create_account(&CLI, tf.id, member.id, &password, expires_at)
                .await?;
            println!(
                "added {email} to {} ({}) as {}",
                tf.name,
                organization.name,
                args.roles
                    .iter()
                    .map(|r| r.code())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            if generated {
                println!("initial password (shown once): {password}");
            }
            println!("At first sign-in they set up a second factor: an authenticator app, or a security key or passkey.");
            Ok(ExitCode::SUCCESS)
        }
        UserCommand::Disable(args) => {
            let app = open(&args.db).await?;
            let Some(account) = app.account_by_email(&args.email).await? else {
                bail!("email: no account signs in as {:?}", args.email.trim());
            };
            app.set_account_disabled(&CLI, account.task_force_id, account.member_id, true)
                .await?;
            println!("disabled {} and ended its sessions", account.email);
            Ok(ExitCode::SUCCESS)
        }
        UserCommand::List(db) => {
            let app = open(&db).await?;
            let mut out = csv::Writer::from_writer(std::io::stdout());
            out.write_record([
                "email",
                "task force",
                "organization",
                "organization kind",
                "roles",
            ])?;
            let task_forces = app.task_forces(&CLI).await?;
            for account in app.all_accounts().await? {
                let tf = task_forces.iter().find(|t| t.id == account.task_force_id);
                let member = app
                    .member(&CLI, account.task_force_id, account.member_id)
                    .await?;
                let organizations = app.organizations(&CLI, account.task_force_id).await?;
                for m in &member.memberships {
                    let org = organizations.iter().find(|o| o.id == m.organization_id);
                    let roles: Vec<&str> = m.roles.iter().map(|r| r.code()).collect();
                    out.write_record([
                        account.email.as_str(),
                        tf.map_or("", |t| t.name.as_str()),
                        org.map_or("", |o| o.name.as_str()),
                        org.map_or("", |o| o.kind.code()),
                        roles.join(" ").as_str(),
                    ])?;
                }
            }
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub async fn run_token(command: TokenCommand) -> Result<ExitCode> {
    match command {
        TokenCommand::Create(args) => {
            let app = open(&args.db).await?;
            let owner = app
                .principal_for_email(&args.user, "cli")
                .await
                .map_err(|_| {
                    anyhow::anyhow!("user: no active account signs in as {:?}", args.user.trim())
                })?;
            let scope = match args.scope {
                Scope::Read => TokenScope::Read,
                Scope::Write => TokenScope::Write,
            };
            let (token, secret) = app
                .create_token(&CLI, &owner, &args.name, scope, args.expires)
                .await?;
            println!("{secret}");
            eprintln!(
                "token {:?} for {} ({}), {}; shown once, keep it secret",
                token.name,
                owner.email,
                scope.code(),
                token.expires_at.map_or_else(
                    || "never expires".to_owned(),
                    |e| format!("expires {}", e.format("%Y-%m-%d"))
                )
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
