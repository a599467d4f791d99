//! `natrs context ls|show|select|save|rm`.

use crate::Global;
use crate::context::{self, Context, FIELDS, SECRET_FIELDS};
use crate::output::{print_json, table};
use anyhow::{Result, bail};
use clap::Subcommand;

/// The context commands.
#[derive(Debug, Subcommand)]
pub(crate) enum ContextCommand {
    /// List the contexts
    #[command(
        visible_alias = "list",
        after_help = "Example:\n  natrs context ls --json"
    )]
    Ls,
    /// Show a context (the selected one by default)
    #[command(after_help = "Example:\n  natrs context show prod")]
    Show {
        /// Context name
        name: Option<String>,
    },
    /// Select the context used by default
    #[command(after_help = "Example:\n  natrs context select prod")]
    Select {
        /// Context name
        name: String,
    },
    /// Create or update a context from the connection flags given
    #[command(
        visible_alias = "add",
        after_help = "Example:\n  natrs context save prod --server nats://a:4222,nats://b:4222 --creds ~/prod.creds --select"
    )]
    Save {
        /// Context name
        name: String,
        /// A description
        #[arg(long)]
        description: Option<String>,
        /// Also select it
        #[arg(long)]
        select: bool,
    },
    /// Remove a context
    #[command(after_help = "Example:\n  natrs context rm old --force")]
    Rm {
        /// Context name
        name: String,
        /// Don't ask
        #[arg(short = 'f', long)]
        force: bool,
    },
}

pub(crate) fn run(command: ContextCommand, global: &Global) -> Result<()> {
    match command {
        ContextCommand::Ls => ls(global),
        ContextCommand::Show { name } => {
            let name = match name.or(global.connect.context.clone()) {
                Some(name) => name,
                None => match context::selected()? {
                    Some(name) => name,
                    None => bail!("no context selected; name one"),
                },
            };
            show(&context::load(&name)?, global.json)
        }
        ContextCommand::Select { name } => {
            context::select(&name)?;
            eprintln!("Selected context {name:?}");
            Ok(())
        }
        ContextCommand::Save {
            name,
            description,
            select,
        } => save(&name, description, select, global),
        ContextCommand::Rm { name, force } => {
            super::confirm_or_force(force, &format!("Remove context {name:?}?"))?;
            context::remove(&name)?;
            eprintln!("Removed context {name:?}");
            Ok(())
        }
    }
}

fn ls(global: &Global) -> Result<()> {
    let selected = context::selected()?;
    let mut rows = Vec::new();
    for name in context::names()? {
        let ctx = context::load(&name)?;
        rows.push((
            name.clone(),
            ctx.get("description").unwrap_or("").to_string(),
            ctx.get("url").unwrap_or("").to_string(),
            selected.as_deref() == Some(name.as_str()),
        ));
    }
    if global.json {
        let list: Vec<_> = rows
            .iter()
            .map(|(name, description, url, selected)| {
                serde_json::json!({"name": name, "description": description, "url": url, "selected": selected})
            })
            .collect();
        return print_json(&list);
    }
    if rows.is_empty() {
        eprintln!("No contexts");
        return Ok(());
    }
    let mut t = table(["Name", "Description", "Servers"]);
    for (name, description, url, selected) in rows {
        let name = if selected { format!("{name}*") } else { name };
        t.add_row([name, description, url]);
    }
    println!("{t}");
    Ok(())
}

fn show(ctx: &Context, json: bool) -> Result<()> {
    if json {
        let mut fields = ctx.fields.clone();
        fields.insert(
            "name".to_string(),
            serde_json::Value::String(ctx.name.clone()),
        );
        return print_json(&fields);
    }
    let mut t = table(["Context", ctx.name.as_str()]);
    for field in FIELDS {
        if let Some(value) = ctx.get(field) {
            let value = if SECRET_FIELDS.contains(field) {
                "*********".to_string()
            } else {
                value.to_string()
            };
            t.add_row([field.to_string(), value]);
        }
    }
    if ctx.tls_first() {
        t.add_row(["tls_first", "true"]);
    }
    println!("{t}");
    Ok(())
}

fn save(name: &str, description: Option<String>, select: bool, global: &Global) -> Result<()> {
    let mut ctx = if context::exists(name)? {
        context::load(name)?
    } else {
        Context::new(name)?
    };
    let flags = &global.connect;
    let path = |p: &Option<std::path::PathBuf>| p.as_ref().map(|p| p.display().to_string());
    let updates: [(&str, Option<String>); 13] = [
        ("description", description),
        ("url", flags.server.clone()),
        ("user", flags.user.clone()),
        ("password", flags.password.clone()),
        ("token", flags.token.clone()),
        ("creds", path(&flags.creds)),
        ("nkey", path(&flags.nkey)),
        ("cert", path(&flags.tlscert)),
        ("key", path(&flags.tlskey)),
        ("ca", path(&flags.tlsca)),
        ("jetstream_domain", flags.js_domain.clone()),
        ("jetstream_api_prefix", flags.js_api_prefix.clone()),
        ("inbox_prefix", flags.inbox_prefix.clone()),
    ];
    for (field, value) in updates {
        if let Some(value) = value {
            ctx.set(field, &value);
        }
    }
    if flags.tlsfirst {
        ctx.set_tls_first(true);
    }
    let path = context::save(&ctx)?;
    if select {
        context::select(name)?;
    }
    eprintln!("Saved context {name:?} to {}", path.display());
    Ok(())
}
