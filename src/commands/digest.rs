//! `kontra digest send|preview`: deliver pending alerts now, or show the digest that would go out.

use super::Ctx;
use crate::exit::{self, Failure};
use crate::notify::{Delivery, Notifier};
use chrono::Utc;
use clap::Subcommand;
use color_eyre::Result;
use color_eyre::eyre::WrapErr;

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

fn notifier(ctx: &Ctx) -> Result<Notifier> {
    Ok(Notifier::new(&ctx.config, &ctx.paths.config)?)
}

fn send(ctx: &Ctx, dry_run: bool) -> Result<u8> {
    if !dry_run {
        ctx.writable("kontra digest send")?;
    }
    if ctx.config.mail.is_none() && ctx.config.webhooks.is_empty() && !dry_run {
        return Err(Failure::new(
            exit::CONFIG,
            format!(
                "{}: no [mail] section and no [[webhooks]]: nothing to deliver with (see README, \"Mail and webhooks\")",
                ctx.paths.config.display()
            ),
        )
        .into());
    }
    let store = if dry_run {
        ctx.store_read("kontra digest send --dry-run")?
    } else {
        ctx.store("kontra digest send")?
    };
    let notifier = notifier(ctx)?;
    let now = Utc::now();
    if dry_run {
        let composed = notifier.compose(&store, now)?;
        let (messages, unroutable) = (composed.messages, composed.unroutable);
        if messages.is_empty() {
            println!("Nothing pending: no unsent alerts.");
        }
        for (i, (d, r)) in messages.iter().enumerate() {
            if i > 0 {
                println!("\n{}\n", "=".repeat(72));
            }
            println!("To: {}\nSubject: {}\n\n{}", d.recipient, r.subject, r.text);
        }
        if !unroutable.is_empty() {
            eprintln!(
                "kontra: alerts {unroutable:?} have no recipient: their owner is not in [[analysts]] and [mail] to is not set"
            );
        }
        if ctx.config.mail.is_none() {
            eprintln!("kontra: no [mail] section: a real run would send no mail");
        }
        return Ok(exit::OK);
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .wrap_err("cannot start the async runtime")?;
    let report = rt.block_on(notifier.run_digest(&store, now))?;
    for m in &report.messages {
        if m.outcome == Delivery::Delivered {
            println!(
                "sent to {}: {} ({} alerts, {})",
                m.recipient,
                m.subject,
                m.alert_ids.len(),
                m.message_id
            );
        }
    }
    let posted = report
        .webhooks
        .iter()
        .filter(|w| w.outcome.is_delivered())
        .count();
    if posted > 0 {
        println!("posted {posted} webhook messages");
    }
    if report.messages.is_empty() && report.webhooks.is_empty() && report.unroutable.is_empty() {
        println!("Nothing pending: no unsent alerts.");
    }
    for p in report.problems() {
        eprintln!("kontra: {p}");
    }
    Ok(if report.ok() {
        exit::OK
    } else {
        exit::UNAVAILABLE
    })
}

fn preview(ctx: &Ctx, owner: Option<&str>, html: bool) -> Result<u8> {
    let store = ctx.store_read("kontra digest preview")?;
    let notifier = notifier(ctx)?;
    let digests = notifier.preview(&store, Utc::now(), owner)?;
    for (i, (d, r)) in digests.iter().enumerate() {
        if html {
            if i > 0 {
                println!();
            }
            println!("<!-- To: {} | Subject: {} -->", d.recipient, r.subject);
            println!("{}", r.html);
        } else {
            if i > 0 {
                println!("\n{}\n", "=".repeat(72));
            }
            let to = if d.recipient.is_empty() {
                "(no recipient configured)"
            } else {
                d.recipient.as_str()
            };
            println!("To: {to}\nSubject: {}\n\n{}", r.subject, r.text);
        }
    }
    Ok(exit::OK)
}
