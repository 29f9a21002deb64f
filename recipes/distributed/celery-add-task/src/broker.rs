//! Broker plumbing the recipe needs but does not teach: connecting with clear errors (password
//! hidden), declaring the queues as Celery does, the worker's stop signal, and the worker
//! processes a plain run starts. Celery's kombu does all of this behind `Celery(broker=...)`.

use std::time::Duration;

use anyhow::{Context, bail};
use common::child::{Servers, self_command};
use futures_lite::StreamExt;
use lapin::message::Delivery;
use lapin::options::{
    BasicConsumeOptions, BasicQosOptions, ConfirmSelectOptions, ExchangeDeclareOptions,
    QueueBindOptions, QueueDeclareOptions,
};
use lapin::types::FieldTable;
use lapin::{Channel, Connection, ConnectionProperties, Consumer, ExchangeKind};
use tokio::signal::unix::{Signal, SignalKind, signal};

/// How long connecting to the broker may take before the run gives up.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The runtime lapin runs on (its `tokio` feature). One thread is plenty: lapin reads and
/// writes the socket on a thread of its own, and on 2 cores a multi-threaded runtime measured
/// no faster for a worker or a sender.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the tokio runtime")
}

/// Connects within [`CONNECT_TIMEOUT`], or fails with one line that names the broker (password
/// hidden) and `scripts/setup.sh`.
pub async fn connect(url: &str) -> anyhow::Result<Connection> {
    let hint = "is RabbitMQ running? scripts/setup.sh starts it";
    let shown = redact(url);
    let connecting = Connection::connect(url, ConnectionProperties::default());
    match tokio::time::timeout(CONNECT_TIMEOUT, connecting).await {
        Ok(Ok(connection)) => Ok(connection),
        // The broker answered and refused: the user, password or vhost is wrong.
        Ok(Err(error)) if error.is_amqp_error() => {
            bail!("the broker at {shown} refused the connection: {error}")
        }
        Ok(Err(error)) => bail!("cannot reach the broker at {shown}: {error} ({hint})"),
        Err(_) => bail!(
            "cannot reach the broker at {shown}: no answer within {}s ({hint})",
            CONNECT_TIMEOUT.as_secs()
        ),
    }
}

/// The URL with its password replaced by `***`, fit for messages and logs.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rsplit_once('@') {
        Some((userinfo, _)) if userinfo.contains(':') => {
            let user = userinfo.split(':').next().unwrap_or_default();
            let host_and_path = &rest[userinfo.len()..];
            format!("{scheme}://{user}:***{host_and_path}")
        }
        _ => url.to_owned(),
    }
}

/// Declares the task queue exactly as Celery does (a durable queue bound to a durable direct
/// exchange of the same name), so Python and Rust workers and senders can share it in any
/// start order: RabbitMQ refuses a second declaration with different properties.
pub async fn declare_task_queue(channel: &Channel, queue: &str) -> anyhow::Result<()> {
    let durable = ExchangeDeclareOptions {
        durable: true,
        ..Default::default()
    };
    let (no_arguments, direct) = (FieldTable::default, ExchangeKind::Direct);
    channel
        .exchange_declare(queue.into(), direct, durable, no_arguments())
        .await
        .with_context(|| format!("cannot declare exchange '{queue}'"))?;
    let durable = QueueDeclareOptions::durable();
    channel
        .queue_declare(queue.into(), durable, no_arguments())
        .await
        .with_context(|| format!("cannot declare queue '{queue}'"))?;
    let bind = QueueBindOptions::default();
    channel
        .queue_bind(
            queue.into(),
            queue.into(),
            queue.into(),
            bind,
            no_arguments(),
        )
        .await
        .with_context(|| format!("cannot bind queue '{queue}' to its exchange"))
}

/// The worker's side: at most `prefetch` unacknowledged tasks at once, then a consumer on the
/// task queue whose deliveries must be acknowledged.
pub async fn consume(channel: &Channel, queue: &str, prefetch: u16) -> anyhow::Result<Consumer> {
    channel
        .basic_qos(prefetch, BasicQosOptions::default())
        .await?;
    declare_task_queue(channel, queue).await?;
    let tag = format!("celery-add-task-{}", std::process::id());
    let options = BasicConsumeOptions::default();
    channel
        .basic_consume(queue.into(), tag.into(), options, FieldTable::default())
        .await
        .with_context(|| format!("cannot consume queue '{queue}'"))
}

/// The sender's side, as the `rpc://` backend sets it up: the task queue declared, publisher
/// confirms on if `confirm` (kombu's default is off), and a reply queue only this connection
/// reads (deleted when it closes), with a consumer on it that needs no acknowledgements.
/// Returns the channel, the reply queue's name and its consumer.
pub async fn sender(
    connection: &Connection,
    queue: &str,
    confirm: bool,
) -> anyhow::Result<(Channel, String, Consumer)> {
    let channel = connection.create_channel().await?;
    declare_task_queue(&channel, queue).await?;
    if confirm {
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await?;
    }
    let private = QueueDeclareOptions {
        exclusive: true,
        auto_delete: true,
        ..Default::default()
    };
    let reply_queue = channel
        .queue_declare("".into(), private, FieldTable::default())
        .await
        .context("cannot declare a reply queue")?;
    let no_ack = BasicConsumeOptions {
        no_ack: true,
        ..Default::default()
    };
    let name = reply_queue.name().clone();
    let replies = channel
        .basic_consume(name.clone(), "".into(), no_ack, FieldTable::default())
        .await
        .context("cannot consume the reply queue")?;
    Ok((channel, name.to_string(), replies))
}

/// The worker's next batch: the next delivery, then those the broker has already sent after
/// it, without waiting for more, at most `left` in all (`None`: no limit). `None` when a stop
/// signal comes first or nothing is left to run.
pub async fn next_batch(
    consumer: &mut Consumer,
    shutdown: &mut Shutdown,
    left: Option<u32>,
) -> anyhow::Result<Option<Vec<Delivery>>> {
    let most = left.unwrap_or(u32::MAX);
    if most == 0 {
        return Ok(None);
    }
    let lost = "lost the broker while waiting for tasks";
    let first = tokio::select! {
        _ = shutdown.requested() => return Ok(None),
        next = consumer.next() => next.context("the broker cancelled the consumer")?,
    };
    let mut batch = vec![first.context(lost)?];
    while batch.len() < most as usize {
        // Polled once: a delivery lapin has already received, or none.
        match futures_lite::future::poll_once(consumer.next()).await {
            Some(Some(delivery)) => batch.push(delivery.context(lost)?),
            Some(None) => bail!("the broker cancelled the consumer"),
            None => break,
        }
    }
    Ok(Some(batch))
}

/// SIGTERM or SIGINT, whichever comes first: the worker's stop request.
pub struct Shutdown {
    terminate: Signal,
    interrupt: Signal,
}

impl Shutdown {
    pub fn listen() -> anyhow::Result<Self> {
        Ok(Self {
            terminate: signal(SignalKind::terminate()).context("cannot handle SIGTERM")?,
            interrupt: signal(SignalKind::interrupt()).context("cannot handle SIGINT")?,
        })
    }

    pub async fn requested(&mut self) {
        tokio::select! {
            _ = self.terminate.recv() => {}
            _ = self.interrupt.recv() => {}
        }
    }
}

/// Starts this binary's `worker` as the server process `role`, with `options` (`--quiet`,
/// `--prefetch N`), and waits for its ready line, so tasks go to a worker that already
/// consumes.
pub fn start_worker(
    servers: &mut Servers,
    role: &str,
    (url, queue): (&str, &str),
    options: &[&str],
) -> anyhow::Result<()> {
    let mut args = vec!["worker", "--broker", url, "--queue", queue];
    args.extend(options);
    let ready = |line: &str| line.starts_with("Worker ") && line.contains(" ready: ");
    servers.spawn_ready(role, self_command(args)?, ready)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hidden() {
        assert_eq!(
            redact("amqp://guest:secret@host:5672/%2f"),
            "amqp://guest:***@host:5672/%2f"
        );
        assert_eq!(redact("amqp://guest@host//"), "amqp://guest@host//");
        assert_eq!(redact("amqp://host"), "amqp://host");
    }
}
