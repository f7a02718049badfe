//! `kontra digest send|preview`: deliver pending alerts now, or show the digest that would go out.

use super::Ctx;
use crate::app::Access;
use crate::exit;
use clap::Subcommand;
use color_eyre::Result;

/// `kontra digest ...`
#[derive(Debug, Subcommand)]
pub enum DigestCommand {
    /// Send pending alerts now (one mail per recipient) and post pending webhooks.
    ///
    /// Exits with 7 when any message could not be delivered; undelivered alerts stay pending.
    Send {
        /// Print the mails that would go out; send and mark nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Show the digest for pending alerts without sending anything.
    Preview {
        /// Only this owner's alerts (analyst name as on the counterparties).
        #[arg(long)]
        owner: Option<String>,
        /// Print the HTML part instead of the plain text.
        #[arg(long)]
        html: bool,
    },
}

/// Runs a digest subcommand.
pub fn run(ctx: &Ctx, c: DigestCommand) -> Result<u8> {
    match c {
        DigestCommand::Send { dry_run } => send(ctx, dry_run),
        DigestCommand::Preview { owner, html } => preview(ctx, owner.as_deref(), html),
    }
}

fn send(ctx: &Ctx, dry_run: bool) -> Result<u8> {
    if dry_run {
        let api = ctx.api("kontra digest send --dry-run", Access::Read)?;
        let dry = api.digest_dry_run()?;
        if dry.mails.is_empty() {
            println!("Nothing pending: no unsent alerts.");
        }
        for (i, m) in dry.mails.iter().enumerate() {
            if i > 0 {
                println!("\n{}\n", "=".repeat(72));
            }
            println!("To: {}\nSubject: {}\n\n{}", m.recipient, m.subject, m.text);
        }
        let unroutable = &dry.unroutable;
        if !unroutable.is_empty() {
            eprintln!(
                "kontra: alerts {unroutable:?} have no recipient: their owner is not in [[analysts]] and [mail] to is not set"
            );
        }
        if dry.no_mail {
            eprintln!("kontra: no [mail] section: a real run would send no mail");
        }
        return Ok(exit::OK);
    }
    ctx.writable("kontra digest send")?;
    let api = ctx.api("kontra digest send", Access::Write)?;
    let sent = api.digest_send()?;
    for m in &sent.mails {
        println!(
            "sent to {}: {} ({} alerts, {})",
            m.recipient, m.subject, m.alerts, m.message_id
        );
    }
    if sent.posted > 0 {
        println!("posted {} webhook messages", sent.posted);
    }
    if sent.nothing_pending {
        println!("Nothing pending: no unsent alerts.");
    }
    for p in &sent.problems {
        eprintln!("kontra: {p}");
    }
    Ok(if sent.ok { exit::OK } else { exit::UNAVAILABLE })
}

fn preview(ctx: &Ctx, owner: Option<&str>, html: bool) -> Result<u8> {
    let api = ctx.api("kontra digest preview", Access::Read)?;
    let digests = api.digest_preview(owner.map(str::to_string))?;
    for (i, m) in digests.iter().enumerate() {
        if html {
            if i > 0 {
                println!();
            }
            println!("<!-- To: {} | Subject: {} -->", m.recipient, m.subject);
            println!("{}", m.html);
        } else {
            if i > 0 {
                println!("\n{}\n", "=".repeat(72));
            }
            let to = if m.recipient.is_empty() {
                "(no recipient configured)"
            } else {
                m.recipient.as_str()
            };
            println!("To: {to}\nSubject: {}\n\n{}", m.subject, m.text);
        }
    }
    Ok(exit::OK)
}
