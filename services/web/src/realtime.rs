//! Live delivery of new messages to open pages.
//!
//! Each process has a [`Hub`]: one broadcast channel per conversation that has open pages.
//! A message reaches the hubs once it is committed:
//! - with SQLite (one process), the handler that stored it publishes it;
//! - with PostgreSQL, the storing transaction sends `NOTIFY` ([`messaging::CHANNEL`]), and every
//!   process's [`listen`] task loads the message once and publishes it to its own hub, so a
//!   message posted through one server reaches the WebSocket clients of all of them.
//!
//! A client's connection ([`serve_socket`]) first subscribes, then sends what the database
//! holds after the client's last seen `seq`, then forwards live messages; any gap in the live
//! sequence (a lagging receiver, a notification lost while the listener reconnected) is
//! filled from the database. So a reconnecting client gets every message once, in order.

use axum::extract::ws::{Message as WsMessage, Utf8Bytes, WebSocket};
use ketnoi_db::Db;
use ketnoi_db::messaging::{self, Message};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

/// Messages a slow connection may fall behind before it re-reads from the database.
const CHANNEL_CAPACITY: usize = 256;
/// Messages read from the database per catch-up query.
const CATCH_UP_BATCH: i64 = 500;

/// The conversations with open pages in this process, and the open inboxes.
pub struct Hub {
    channels: Mutex<HashMap<i64, broadcast::Sender<Arc<Message>>>>,
    /// Ids of conversations with a new message, for open inbox pages (each checks whether
    /// its user takes part).
    inbox: broadcast::Sender<i64>,
}

impl Default for Hub {
    fn default() -> Self {
        Hub {
            channels: Mutex::default(),
            inbox: broadcast::channel(CHANNEL_CAPACITY).0,
        }
    }
}

impl Hub {
    /// The channels (a panic elsewhere leaves the map usable: it holds no invariant).
    fn channels(&self) -> std::sync::MutexGuard<'_, HashMap<i64, broadcast::Sender<Arc<Message>>>> {
        self.channels
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn subscribe_inbox(&self) -> broadcast::Receiver<i64> {
        self.inbox.subscribe()
    }

    pub fn inbox_listeners(&self) -> usize {
        self.inbox.receiver_count()
    }

    /// Tells open inboxes that a conversation has a new message.
    pub fn touch(&self, conversation_id: i64) {
        let _ = self.inbox.send(conversation_id);
    }

    pub fn subscribe(&self, conversation_id: i64) -> broadcast::Receiver<Arc<Message>> {
        let mut channels = self.channels();
        channels
            .entry(conversation_id)
            .or_insert_with(|| broadcast::channel(CHANNEL_CAPACITY).0)
            .subscribe()
    }

    /// Hands `m` to the open pages of its conversation in this process, and tells the open
    /// inboxes.
    pub fn publish(&self, m: Arc<Message>) {
        self.touch(m.conversation_id);
        let mut channels = self.channels();
        if let Some(tx) = channels.get(&m.conversation_id)
            && tx.send(m.clone()).is_err()
        {
            // Nobody listens any more.
            channels.remove(&m.conversation_id);
        }
    }

    /// Forgets a conversation's channel once its last page has closed.
    fn release(&self, conversation_id: i64) {
        let mut channels = self.channels();
        if channels
            .get(&conversation_id)
            .is_some_and(|tx| tx.receiver_count() == 0)
        {
            channels.remove(&conversation_id);
        }
    }

    /// Conversations with a channel in this process (closed pages release theirs).
    pub fn open_conversations(&self) -> usize {
        self.channels().len()
    }

    /// Open pages (live connections) of a conversation in this process.
    pub fn listeners(&self, conversation_id: i64) -> usize {
        self.channels()
            .get(&conversation_id)
            .map_or(0, broadcast::Sender::receiver_count)
    }
}

/// After a message is stored: with SQLite, publish it here; with PostgreSQL, [`listen`] does
/// (for every process, this one included).
pub fn stored(db: &Db, hub: &Hub, m: &Message) {
    if matches!(db, Db::Sqlite(_)) {
        hub.publish(Arc::new(m.clone()));
    }
}

/// PostgreSQL only: publishes every committed message to this process's hub. Reconnects
/// after a lost connection (messages notified meanwhile reach open pages through their gap
/// check, at the next message).
pub async fn listen(db: Db, hub: Arc<Hub>) {
    if !matches!(db, Db::Postgres(_)) {
        return;
    }
    loop {
        let mut listener = match messaging::Listener::connect(&db).await {
            Ok(Some(l)) => l,
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(error = %e, "message listener cannot connect; retrying");
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                continue;
            }
        };
        loop {
            match listener.recv().await {
                Ok(Some((conversation, seq))) => {
                    if hub.listeners(conversation) == 0 {
                        hub.touch(conversation);
                        continue;
                    }
                    match messaging::message(db.conn(), conversation, seq).await {
                        Ok(Some(m)) => hub.publish(Arc::new(m)),
                        Ok(None) => {}
                        Err(e) => tracing::warn!(error = %e, "loading a notified message failed"),
                    }
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "message listener lost its connection");
                    break;
                }
            }
        }
    }
}

/// What a page receives for each message (JSON text frame).
#[derive(serde::Serialize)]
pub struct Frame<'a> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(flatten)]
    pub message: &'a Message,
    /// The time as shown on the page (Asia/Ho_Chi_Minh, `HH:MM dd/mm`).
    pub time: String,
}

pub fn frame(m: &Message) -> String {
    frame_of("message", m)
}

/// A frame of `kind`: `message` (new) or `update` (an earlier message edited or deleted).
fn frame_of(kind: &'static str, m: &Message) -> String {
    let frame = Frame {
        kind,
        message: m,
        time: ketnoi_domain::time::format_hanoi_short(m.created_at),
    };
    serde_json::to_string(&frame).unwrap_or_default()
}

/// Serves one live connection to `conversation_id` for a client that has seen up to
/// `after` (see the module documentation).
pub async fn serve_socket(
    socket: WebSocket,
    db: Db,
    hub: Arc<Hub>,
    conversation_id: i64,
    after: i64,
) {
    let live = hub.subscribe(conversation_id);
    forward(socket, &db, live, conversation_id, after).await;
    // The receiver is dropped: forget the channel if it was the last.
    hub.release(conversation_id);
}

async fn forward(
    mut socket: WebSocket,
    db: &Db,
    mut live: broadcast::Receiver<Arc<Message>>,
    conversation_id: i64,
    after: i64,
) {
    let mut last = after;
    if catch_up(&mut socket, db, conversation_id, &mut last)
        .await
        .is_err()
    {
        return;
    }
    loop {
        tokio::select! {
            received = live.recv() => {
                let sent = match received {
                    Ok(m) if m.seq == last + 1 => {
                        last = m.seq;
                        send(&mut socket, &m).await
                    }
                    // An earlier message, edited or deleted since.
                    Ok(m) if m.seq <= last && (m.edited_at.is_some() || m.deleted_at.is_some()) => {
                        send_frame(&mut socket, frame_of("update", &m)).await
                    }
                    Ok(m) if m.seq <= last => Ok(()),
                    // A gap, or fallen behind the channel: the database has it all.
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {
                        catch_up(&mut socket, db, conversation_id, &mut last).await
                    }
                    Err(broadcast::error::RecvError::Closed) => Err(()),
                };
                if sent.is_err() {
                    return;
                }
            }
            incoming = socket.recv() => if closed(incoming) {
                return;
            },
        }
    }
}

/// Serves an open inbox page of `user_id`: a `{"type":"conversation","id":…}` frame when one
/// of the user's conversations has a new message (`{"type":"refresh"}` after falling behind).
pub async fn serve_inbox(mut socket: WebSocket, db: Db, hub: Arc<Hub>, user_id: i64) {
    let mut live = hub.subscribe_inbox();
    let mut allowed: HashMap<i64, bool> = HashMap::new();
    loop {
        tokio::select! {
            received = live.recv() => {
                let text = match received {
                    Ok(id) => {
                        let ok = match allowed.get(&id) {
                            Some(ok) => *ok,
                            None => {
                                let ok = matches!(
                                    messaging::get_for(db.conn(), id, user_id).await,
                                    Ok(Some(_))
                                );
                                *allowed.entry(id).or_insert(ok)
                            }
                        };
                        if !ok {
                            continue;
                        }
                        format!(r#"{{"type":"conversation","id":{id}}}"#)
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => r#"{"type":"refresh"}"#.to_owned(),
                    Err(broadcast::error::RecvError::Closed) => return,
                };
                if socket.send(WsMessage::Text(Utf8Bytes::from(text))).await.is_err() {
                    return;
                }
            }
            incoming = socket.recv() => if closed(incoming) {
                return;
            },
        }
    }
}

/// Whether what the page sent ends the connection (pages send nothing else of interest).
fn closed(incoming: Option<Result<WsMessage, axum::Error>>) -> bool {
    matches!(
        incoming,
        None | Some(Err(_)) | Some(Ok(WsMessage::Close(_)))
    )
}

async fn send(socket: &mut WebSocket, m: &Message) -> Result<(), ()> {
    send_frame(socket, frame(m)).await
}

async fn send_frame(socket: &mut WebSocket, frame: String) -> Result<(), ()> {
    socket
        .send(WsMessage::Text(Utf8Bytes::from(frame)))
        .await
        .map_err(|_| ())
}

async fn catch_up(
    socket: &mut WebSocket,
    db: &Db,
    conversation_id: i64,
    last: &mut i64,
) -> Result<(), ()> {
    loop {
        let batch = messaging::messages_after(db.conn(), conversation_id, *last, CATCH_UP_BATCH)
            .await
            .map_err(|e| tracing::warn!(error = %e, "catching up a live connection failed"))?;
        let n = batch.len();
        for m in batch {
            *last = m.seq;
            send(socket, &m).await?;
        }
        if n < CATCH_UP_BATCH as usize {
            return Ok(());
        }
    }
}
