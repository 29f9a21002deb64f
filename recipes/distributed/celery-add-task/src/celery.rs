//! Celery's message protocol, version 2, for the one task of the recipe: the task message that
//! `add.delay(x, y)` puts on the wire, its parsing on the worker's side (with Python's argument
//! binding), and the result message of the `rpc://` backend. There is no Celery for Rust to
//! lean on; the protocol is small enough to write, and speaking it exactly lets Rust and Python
//! senders and workers share one queue.

use std::sync::OnceLock;
use std::time::Duration;

use anyhow::{Context, bail};
use futures_lite::StreamExt;
use lapin::message::Delivery;
use lapin::options::{BasicPublishOptions, BasicRejectOptions};
use lapin::types::{AMQPValue, FieldArray, FieldTable, LongString, ShortString};
use lapin::{BasicProperties, Channel, Consumer, PublisherConfirm};
use serde_json::{Map, Value, json};

/// The task's Celery name: the book's module `addTask`, function `add`.
pub const TASK_NAME: &str = "addTask.add";
const JSON: &str = "application/json";

/// An exception the task raises, sent back as Celery encodes it for JSON.
#[derive(Debug, PartialEq)]
pub struct TaskError {
    pub exc_type: &'static str,
    pub message: String,
}

impl TaskError {
    fn type_error(message: String) -> Self {
        Self {
            exc_type: "TypeError",
            message,
        }
    }
}

// ANCHOR: task_message
/// The AMQP properties and headers of a task message, field for field what Celery 5's
/// `add.delay(x, y)` puts on the wire (protocol 2): the routing metadata travels in headers so
/// a worker in any language can read it without decoding the body.
pub fn task_properties(id: &str, x: i64, y: i64, reply_to: &str) -> BasicProperties {
    let text = |value: &str| AMQPValue::LongString(LongString::from(value));
    let mut headers = FieldTable::default();
    headers
        .insert("lang".into(), text("py"))
        .insert("task".into(), text(TASK_NAME))
        .insert("id".into(), text(id))
        .insert("shadow".into(), AMQPValue::Void)
        .insert("eta".into(), AMQPValue::Void)
        .insert("expires".into(), AMQPValue::Void)
        .insert("group".into(), AMQPValue::Void)
        .insert("group_index".into(), AMQPValue::Void)
        .insert("retries".into(), AMQPValue::LongInt(0))
        .insert(
            "timelimit".into(),
            AMQPValue::FieldArray(FieldArray::from(vec![AMQPValue::Void, AMQPValue::Void])),
        )
        .insert("root_id".into(), text(id))
        .insert("parent_id".into(), AMQPValue::Void)
        .insert("argsrepr".into(), text(&format!("({x}, {y})")))
        .insert("kwargsrepr".into(), text("{}"))
        .insert("origin".into(), text(origin()))
        .insert("ignore_result".into(), AMQPValue::Boolean(false))
        .insert("replaced_task_nesting".into(), AMQPValue::LongInt(0))
        .insert("stamped_headers".into(), AMQPValue::Void)
        .insert(
            "stamps".into(),
            AMQPValue::FieldTable(FieldTable::default()),
        );
    BasicProperties::default()
        .with_content_type(JSON.into())
        .with_content_encoding("utf-8".into())
        .with_headers(headers)
        .with_delivery_mode(2) // persistent, as Celery sends tasks
        .with_priority(0)
        .with_correlation_id(id.into())
        .with_reply_to(reply_to.into())
}

/// The body: `[args, kwargs, embed]` in JSON; embed holds the workflow links (none here).
pub fn task_body(x: i64, y: i64) -> Vec<u8> {
    let embed = json!({"callbacks": null, "errbacks": null, "chain": null, "chord": null});
    json!([[x, y], {}, embed]).to_string().into_bytes()
}
// ANCHOR_END: task_message

/// Publishes the task message of `add.delay(x, y)` to `queue`'s exchange, its result to come
/// back on `reply_to`. The future owns its message, so a sender can keep many in flight: lapin
/// queues the frames on the first poll, and the future ends once they are written. It returns
/// the broker's confirmation to await (a confirmation that is already settled when the channel
/// does not confirm).
pub fn publish_task(
    channel: &Channel,
    queue: &str,
    (id, x, y): (&str, i64, i64),
    reply_to: &str,
) -> impl Future<Output = anyhow::Result<PublisherConfirm>> + use<> {
    let (body, properties) = (task_body(x, y), task_properties(id, x, y, reply_to));
    let (channel, queue) = (channel.clone(), ShortString::from(queue));
    async move {
        let options = BasicPublishOptions::default();
        channel
            .basic_publish(queue.clone(), queue, options, &body, properties)
            .await
            .context("cannot publish a task")
    }
}

/// Celery's `origin` header: which process sent the task (`gen<pid>@<host>` in Python), read
/// once per process.
fn origin() -> &'static str {
    static ORIGIN: OnceLock<String> = OnceLock::new();
    ORIGIN.get_or_init(|| {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|name| name.trim().to_owned())
            .unwrap_or_else(|_| "localhost".to_owned());
        format!("rust{}@{host}", std::process::id())
    })
}

/// A task message as the worker reads it.
#[derive(Debug)]
pub struct TaskMessage {
    pub id: String,
    pub args: Vec<Value>,
    pub kwargs: Map<String, Value>,
    reply_to: String,
    correlation_id: String,
    ignore_result: bool,
}

// ANCHOR: parse_task
/// Reads a delivery as a protocol 2 task message, or says why it is not one this worker can
/// run. Nothing in the message is executed: the task name only selects `add`.
pub fn parse_task(properties: &BasicProperties, body: &[u8]) -> Result<TaskMessage, String> {
    let content_type = properties.content_type().as_ref().map(|t| t.as_str());
    if content_type != Some(JSON) {
        return Err(format!(
            "content type {content_type:?} is not accepted (only {JSON})"
        ));
    }
    let empty = FieldTable::default();
    let headers = properties.headers().as_ref().unwrap_or(&empty);
    let task = header_text(headers, "task")
        .ok_or("no 'task' header: not a Celery protocol 2 task message")?;
    let id = header_text(headers, "id").ok_or("no 'id' header")?;
    if task != TASK_NAME {
        return Err(format!(
            "unregistered task '{task}' (this worker runs {TASK_NAME})"
        ));
    }
    if let Some(field) = ["eta", "expires"]
        .into_iter()
        .find(|f| header_set(headers, f))
    {
        return Err(format!(
            "task {id} uses '{field}', which this worker does not implement"
        ));
    }
    let body: Value =
        serde_json::from_slice(body).map_err(|error| format!("body is not JSON: {error}"))?;
    let Some([args, kwargs, embed]) = body.as_array().map(Vec::as_slice) else {
        return Err("body is not [args, kwargs, embed]".to_owned());
    };
    let (Some(args), Some(kwargs)) = (args.as_array(), kwargs.as_object()) else {
        return Err("body is not [args, kwargs, embed]".to_owned());
    };
    let links = ["callbacks", "errbacks", "chain", "chord"];
    if let Some(link) = links.into_iter().find(|link| !embed[*link].is_null()) {
        return Err(format!(
            "task {id} has a '{link}', which this worker does not implement"
        ));
    }
    let property = |value: &Option<ShortString>| value.as_ref().map(|v| v.as_str().to_owned());
    Ok(TaskMessage {
        reply_to: property(properties.reply_to()).unwrap_or_default(),
        correlation_id: property(properties.correlation_id()).unwrap_or_else(|| id.clone()),
        ignore_result: matches!(
            headers.inner().get("ignore_result"),
            Some(AMQPValue::Boolean(true))
        ),
        id,
        args: args.clone(),
        kwargs: kwargs.clone(),
    })
}
// ANCHOR_END: parse_task

/// The worker's reading of a delivery: the task message, or `None` when it is not one this
/// worker can run. Such a message is rejected without requeueing (a message no worker can read
/// would only bounce between workers forever), with the reason on stderr.
pub async fn read_task(delivery: &Delivery) -> anyhow::Result<Option<TaskMessage>> {
    match parse_task(&delivery.properties, &delivery.data) {
        Ok(message) => Ok(Some(message)),
        Err(reason) => {
            let tag = delivery.delivery_tag;
            eprintln!("Rejected message {tag}: {reason}; discarded");
            let discard = BasicRejectOptions { requeue: false };
            delivery.acker.reject(discard).await?;
            Ok(None)
        }
    }
}

fn header_text(headers: &FieldTable, key: &str) -> Option<String> {
    match headers.inner().get(key)? {
        AMQPValue::LongString(text) => String::from_utf8(text.as_bytes().to_vec()).ok(),
        AMQPValue::ShortString(text) => Some(text.as_str().to_owned()),
        _ => None,
    }
}

fn header_set(headers: &FieldTable, key: &str) -> bool {
    !matches!(headers.inner().get(key), None | Some(AMQPValue::Void))
}

/// The arguments of `add(x, y)` bound as Python binds them, positionally or by name, with
/// Python's `TypeError` for a wrong call. Integers only.
pub fn bind_arguments(args: &[Value], kwargs: &Map<String, Value>) -> Result<[i64; 2], TaskError> {
    const PARAMETERS: [&str; 2] = ["x", "y"];
    if args.len() > PARAMETERS.len() {
        return Err(TaskError::type_error(format!(
            "add() takes 2 positional arguments but {} were given",
            args.len()
        )));
    }
    if let Some(unknown) = kwargs
        .keys()
        .find(|key| !PARAMETERS.contains(&key.as_str()))
    {
        return Err(TaskError::type_error(format!(
            "add() got an unexpected keyword argument '{unknown}'"
        )));
    }
    let mut values = [0_i64; 2];
    for (i, name) in PARAMETERS.iter().enumerate() {
        let value = match (args.get(i), kwargs.get(*name)) {
            (Some(_), Some(_)) => {
                return Err(TaskError::type_error(format!(
                    "add() got multiple values for argument '{name}'"
                )));
            }
            (Some(value), None) | (None, Some(value)) => value,
            (None, None) => {
                return Err(TaskError::type_error(format!(
                    "add() missing required argument: '{name}'"
                )));
            }
        };
        values[i] = value.as_i64().ok_or_else(|| {
            TaskError::type_error(format!("add() takes integers, got {name}={value}"))
        })?;
    }
    Ok(values)
}

// ANCHOR: result_body
/// The result message of Celery's `rpc://` backend: the task's state, its return value (or the
/// exception as type, arguments and module), sent to the `reply_to` queue.
fn result_body(task_id: &str, outcome: &Result<i64, TaskError>) -> Vec<u8> {
    let (status, result) = match outcome {
        Ok(sum) => ("SUCCESS", json!(sum)),
        Err(error) => (
            "FAILURE",
            json!({"exc_type": error.exc_type, "exc_message": [error.message],
                   "exc_module": "builtins"}),
        ),
    };
    let done = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.6f+00:00");
    json!({"status": status, "result": result, "traceback": null, "children": [],
           "date_done": done.to_string(), "task_id": task_id})
    .to_string()
    .into_bytes()
}

/// Sends the task's outcome through the default exchange straight to the queue named in its
/// `reply_to`, tagged with its `correlation_id`; `None` when the sender wants no result. The
/// future owns the message: lapin queues its frames on the first poll, and the future ends
/// once they are written.
pub fn send_result(
    channel: &Channel,
    message: &TaskMessage,
    outcome: &Result<i64, TaskError>,
) -> Option<impl Future<Output = anyhow::Result<()>> + use<>> {
    if message.reply_to.is_empty() || message.ignore_result {
        return None;
    }
    let properties = BasicProperties::default()
        .with_content_type(JSON.into())
        .with_content_encoding("utf-8".into())
        .with_correlation_id(message.correlation_id.as_str().into())
        .with_delivery_mode(1); // the rpc:// backend's results are transient
    let body = result_body(&message.id, outcome);
    let (channel, id) = (channel.clone(), message.id.clone());
    let reply_to = ShortString::from(message.reply_to.as_str());
    Some(async move {
        let options = BasicPublishOptions::default();
        channel
            .basic_publish("".into(), reply_to, options, &body, properties)
            .await
            .with_context(|| format!("cannot send the result of task {id}"))?;
        Ok(())
    })
}
// ANCHOR_END: result_body

/// A result as the sender reads it: the state, and the value or the error's text.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    Success(Value),
    Failure(String),
    /// PENDING, STARTED, RETRY: a state on the way, not the result.
    NotYet,
}

fn parse_result(body: &[u8]) -> anyhow::Result<Outcome> {
    let reply: Value = serde_json::from_slice(body).context("a result that is not JSON")?;
    let status = reply["status"]
        .as_str()
        .context("a result without a status")?;
    Ok(match status {
        "SUCCESS" => Outcome::Success(reply["result"].clone()),
        "FAILURE" | "REVOKED" | "REJECTED" => {
            let error = &reply["result"];
            let kind = error["exc_type"].as_str().unwrap_or(status);
            let message = match &error["exc_message"] {
                Value::Array(parts) => parts.iter().map(plain).collect::<Vec<_>>().join(", "),
                other => plain(other),
            };
            Outcome::Failure(format!("{kind}: {message}"))
        }
        _ => Outcome::NotYet,
    })
}

/// A JSON value as text, strings without their quotes.
fn plain(value: &Value) -> String {
    value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_owned)
}

/// A task's final result: the id of its task (the reply's `correlation_id`) and its outcome.
pub struct TaskResult {
    pub id: String,
    outcome: Outcome,
}

impl TaskResult {
    /// The integer the task returned, or an error naming the task and its failure.
    pub fn value(self) -> anyhow::Result<i64> {
        let id = self.id;
        match self.outcome {
            Outcome::Success(value) => value
                .as_i64()
                .with_context(|| format!("task {TASK_NAME}[{id}] returned {value}")),
            Outcome::Failure(error) => bail!("task {TASK_NAME}[{id}] failed: {error}"),
            Outcome::NotYet => bail!("task {TASK_NAME}[{id}] has no result yet"),
        }
    }
}

/// The next final result on a reply queue, skipping the states on the way, waiting at most
/// `timeout` for each message. Results need no acknowledgement: a lost one shows as a timeout.
pub async fn next_result(
    replies: &mut Consumer,
    queue: &str,
    timeout: Duration,
) -> anyhow::Result<TaskResult> {
    loop {
        let Ok(next) = tokio::time::timeout(timeout, replies.next()).await else {
            bail!(
                "no result within {}s: is a worker consuming queue '{queue}'? start one with \
                 `celery-add-task worker`",
                timeout.as_secs()
            );
        };
        let delivery = next.context("the broker closed the reply queue")??;
        let id = delivery.properties.correlation_id().as_ref();
        let id = id.context("a result without a correlation id")?.to_string();
        let outcome = parse_result(&delivery.data)?;
        if outcome != Outcome::NotYet {
            return Ok(TaskResult { id, outcome });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn arguments_bind_like_python() {
        assert_eq!(
            bind_arguments(&[json!(5), json!(5)], &Map::new()),
            Ok([5, 5])
        );
        assert_eq!(
            bind_arguments(&[json!(2)], &map(json!({"y": 3}))),
            Ok([2, 3])
        );
        assert_eq!(
            bind_arguments(&[], &map(json!({"x": -4, "y": 3}))),
            Ok([-4, 3])
        );
    }

    #[test]
    fn a_wrong_call_is_pythons_type_error() {
        let error = |args: &[Value], kwargs: Value| {
            let error = bind_arguments(args, &map(kwargs)).unwrap_err();
            assert_eq!(error.exc_type, "TypeError");
            error.message
        };
        assert!(error(&[json!(1)], json!({})).contains("'y'"));
        assert!(error(&[json!(1), json!(2), json!(3)], json!({})).contains("3 were"));
        assert!(error(&[json!(1)], json!({"x": 2})).contains("multiple values"));
        assert!(error(&[json!(1), json!(2)], json!({"z": 2})).contains("'z'"));
        assert!(error(&[json!("a"), json!(2)], json!({})).contains("integers"));
    }

    #[test]
    fn a_sent_task_parses_back() {
        let properties = task_properties("id-1", 5, 7, "replies");
        let message = parse_task(&properties, &task_body(5, 7)).unwrap();
        assert_eq!(
            (message.id.as_str(), message.reply_to.as_str()),
            ("id-1", "replies")
        );
        assert_eq!(message.correlation_id, "id-1");
        assert!(!message.ignore_result);
        assert_eq!(bind_arguments(&message.args, &message.kwargs), Ok([5, 7]));
    }

    #[test]
    fn the_headers_are_celerys() {
        let properties = task_properties("id-2", 5, 5, "r");
        let headers = properties.headers().as_ref().unwrap();
        let fields: Vec<&str> = headers.inner().keys().map(|key| key.as_str()).collect();
        for field in [
            "lang",
            "task",
            "id",
            "root_id",
            "parent_id",
            "group",
            "retries",
        ] {
            assert!(fields.contains(&field), "{field} missing from {fields:?}");
        }
        assert_eq!(header_text(headers, "argsrepr").as_deref(), Some("(5, 5)"));
        assert_eq!(header_text(headers, "root_id").as_deref(), Some("id-2"));
        assert!(!header_set(headers, "eta"));
        let body: Value = serde_json::from_slice(&task_body(5, 5)).unwrap();
        assert_eq!(body[0], json!([5, 5]));
        assert_eq!(body[2]["chord"], Value::Null);
    }

    #[test]
    fn malformed_messages_are_refused_with_a_reason() {
        let good = task_properties("id-3", 1, 2, "r");
        let reason =
            |properties: &BasicProperties, body: &[u8]| parse_task(properties, body).unwrap_err();
        assert!(reason(&good, b"garbage").contains("not JSON"));
        assert!(reason(&good, b"[1, 2]").contains("[args, kwargs, embed]"));
        assert!(reason(&good, b"[[1], [], {}]").contains("[args, kwargs, embed]"));
        assert!(reason(&BasicProperties::default(), b"[]").contains("content type"));
        let plain = BasicProperties::default().with_content_type(JSON.into());
        assert!(reason(&plain, &task_body(1, 2)).contains("no 'task' header"));
        let mut headers = good.headers().clone().unwrap();
        headers.insert("task".into(), AMQPValue::LongString("os.system".into()));
        let other = good.clone().with_headers(headers);
        assert!(reason(&other, &task_body(1, 2)).contains("unregistered task 'os.system'"));
        let chained = br#"[[1, 2], {}, {"chain": [{"task": "x"}]}]"#;
        assert!(reason(&good, chained).contains("'chain'"));
    }

    #[test]
    fn results_round_trip_in_celerys_shape() {
        let body = result_body("id-4", &Ok(10));
        let reply: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(reply["task_id"], "id-4");
        assert_eq!(reply["children"], json!([]));
        assert_eq!(parse_result(&body).unwrap(), Outcome::Success(json!(10)));
        let failure = result_body("id-5", &Err(TaskError::type_error("bad".into())));
        let failure = parse_result(&failure).unwrap();
        assert_eq!(failure, Outcome::Failure("TypeError: bad".into()));
        let started = br#"{"status": "STARTED", "result": null}"#;
        assert_eq!(parse_result(started).unwrap(), Outcome::NotYet);
        let id = "id-5".to_owned();
        let error = TaskResult {
            id,
            outcome: failure,
        }
        .value()
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "task addTask.add[id-5] failed: TypeError: bad"
        );
    }
}
