"""Fan-out of chat events to open streams: in-process by default, Redis publish/subscribe across processes.

The interface is small on purpose::

    broker = broker_for(app)
    broker.publish("chat:conv:7", {"type": "message", "id": 12})
    with broker.subscribe(["chat:conv:7"]) as sub:
        event = sub.get(timeout=15)   # a dict, or None after the timeout / on shutdown
    broker.listeners("chat:conv:7")  # how many streams listen (across processes with Redis)

``shutdown()`` wakes every subscriber so streams end cleanly when the server stops.
"""
from __future__ import annotations

import json
import logging
import queue
import signal
import threading
import time
import weakref
from collections import defaultdict

log = logging.getLogger(__name__)

# Set when the process is stopping: every stream ends at its next wake-up.
STOPPING = threading.Event()
_SIGNAL_INSTALLED = False
_QUEUE_SIZE = 200
# Every open subscription of the process, so a shutdown can wake them at once.
_OPEN: weakref.WeakSet = weakref.WeakSet()
_WAKE = {"type": "__wake__"}


class Subscription:
    """One stream's mailbox; ``get`` blocks until an event, the timeout, or shutdown."""

    def __init__(self, broker, channels):
        self.broker = broker
        self.channels = list(channels)
        self.queue: queue.Queue = queue.Queue(maxsize=_QUEUE_SIZE)
        _OPEN.add(self)

    def deliver(self, event: dict):
        try:
            self.queue.put_nowait(event)
        except queue.Full:  # a stuck client loses events rather than holding up the sender
            log.warning("chat stream queue full; event dropped")

    def get(self, timeout: float) -> dict | None:
        if STOPPING.is_set():
            return None
        try:
            event = self.queue.get(timeout=max(timeout, 0))
        except queue.Empty:
            return None
        return None if event is _WAKE else event

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.broker.unsubscribe(self)
        return False


class LocalBroker:
    """Every stream of this process, by channel (one worker process, or a laptop)."""

    kind = "local"

    def __init__(self):
        self._lock = threading.Lock()
        self._subs: dict[str, set[Subscription]] = defaultdict(set)
        self._seen: dict[str, float] = {}

    def publish(self, channel: str, event: dict):
        with self._lock:
            targets = list(self._subs.get(channel, ()))
        for sub in targets:
            sub.deliver(event)

    def subscribe(self, channels) -> Subscription:
        sub = Subscription(self, channels)
        with self._lock:
            for ch in sub.channels:
                self._subs[ch].add(sub)
        return sub

    def unsubscribe(self, sub: Subscription):
        with self._lock:
            for ch in sub.channels:
                subs = self._subs.get(ch)
                if subs is not None:
                    subs.discard(sub)
                    if not subs:
                        del self._subs[ch]

    def listeners(self, channel: str) -> int:
        with self._lock:
            return len(self._subs.get(channel, ()))

    def mark_seen(self, key: str, seconds: int):
        """Remember for ``seconds`` that ``key`` was seen (kept out of the database: GETs write nothing)."""
        with self._lock:
            self._seen[key] = time.monotonic() + seconds

    def recently_seen(self, key: str) -> bool:
        with self._lock:
            return self._seen.get(key, 0) > time.monotonic()

    def close(self):
        pass


class RedisBroker(LocalBroker):
    """Redis publish/subscribe between processes; one listener thread per process fans out locally.

    A single Redis connection per process carries every channel this process's
    streams listen to, so 200 open widgets cost one Redis connection, not 200.
    """

    kind = "redis"

    def __init__(self, url: str):
        super().__init__()
        import redis

        self.url = url
        self.redis = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=1, health_check_interval=30)
        self._pubsub = None
        self._thread = None
        self._started = threading.Lock()
        self._closed = False
        # Channels Redis must deliver here; the listener thread applies changes.
        self._pending: queue.Queue = queue.Queue()

    def publish(self, channel: str, event: dict):
        try:
            self.redis.publish(channel, json.dumps(event))
        except Exception:
            # Redis down: the message is saved already; this process's streams still get it,
            # the others' widgets and inboxes find it by polling (the fallback) until Redis is back.
            log.exception("chat: Redis publish failed; delivering in this process only")
            super().publish(channel, event)

    def _ensure_listener(self):
        with self._started:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._listen, name="chat-redis-fanout", daemon=True)
                self._thread.start()

    def subscribe(self, channels) -> Subscription:
        sub = super().subscribe(channels)
        for ch in sub.channels:
            self._pending.put(("sub", ch))
        self._ensure_listener()
        # Wait until Redis confirms, so an event published right after is not missed.
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and not all(self._confirmed(ch) for ch in sub.channels):
            time.sleep(0.005)
        return sub

    def _confirmed(self, channel: str) -> bool:
        ps = self._pubsub
        return bool(ps is not None and channel.encode() in getattr(ps, "_chat_active", set()))

    def unsubscribe(self, sub: Subscription):
        super().unsubscribe(sub)
        for ch in sub.channels:
            if not self.listeners(ch):
                self._pending.put(("unsub", ch))

    def listeners(self, channel: str) -> int:
        """Streams listening on ``channel`` in every process (Redis PUBSUB NUMSUB)."""
        try:
            [(_, count)] = self.redis.pubsub_numsub(channel)
            return int(count)
        except Exception:
            return super().listeners(channel)

    def mark_seen(self, key: str, seconds: int):
        try:
            self.redis.set(f"chat:seen:{key}", "1", ex=seconds)
        except Exception:
            super().mark_seen(key, seconds)

    def recently_seen(self, key: str) -> bool:
        try:
            return bool(self.redis.exists(f"chat:seen:{key}"))
        except Exception:
            return super().recently_seen(key)

    def _listen(self):
        while not self._closed and not STOPPING.is_set():
            try:
                ps = self.redis.pubsub(ignore_subscribe_messages=False)
                ps._chat_active = set()
                self._pubsub = ps
                # After a reconnect, listen again to every channel still wanted here.
                with self._lock:
                    wanted = list(self._subs)
                if wanted:
                    ps.subscribe(*wanted)
                else:
                    ps.subscribe("chat:__keepalive__")
                while not self._closed and not STOPPING.is_set():
                    self._apply_pending(ps)
                    msg = ps.get_message(timeout=0.05)
                    if msg is None:
                        continue
                    kind, channel = msg["type"], msg["channel"]
                    if kind == "subscribe":
                        ps._chat_active.add(channel)
                    elif kind == "unsubscribe":
                        ps._chat_active.discard(channel)
                    elif kind == "message":
                        try:
                            event = json.loads(msg["data"])
                        except (TypeError, ValueError):
                            continue
                        LocalBroker.publish(self, channel.decode(), event)
                ps.close()
            except Exception:
                log.exception("chat: Redis fan-out lost its connection; reconnecting")
                self._pubsub = None
                time.sleep(0.5)

    def _apply_pending(self, ps):
        while True:
            try:
                op, ch = self._pending.get_nowait()
            except queue.Empty:
                return
            if op == "sub":
                ps.subscribe(ch)
            elif not LocalBroker.listeners(self, ch):
                ps.unsubscribe(ch)

    def close(self):
        self._closed = True
        try:
            self.redis.close()
        except Exception:
            pass


def broker_for(app):
    """The app's broker, made on first use (Redis when ``REDIS_URL`` is set)."""
    broker = app.extensions.get("chat_broker")
    if broker is None:
        url = app.config.get("CHAT_REDIS_URL", app.config.get("REDIS_URL"))
        broker = RedisBroker(url) if url else LocalBroker()
        app.extensions["chat_broker"] = broker
    return broker


def shutdown():
    """End every open stream of this process (server stopping)."""
    STOPPING.set()
    for sub in list(_OPEN):
        try:
            sub.queue.put_nowait(_WAKE)
        except queue.Full:
            pass


def install_signal_handler():
    """Make a graceful stop (SIGTERM, as gunicorn sends it) end the streams first.

    Installed once per process, only in the main thread and only when a server
    (gunicorn) already handles SIGTERM, so tests and CLI commands are untouched.
    """
    global _SIGNAL_INSTALLED
    if _SIGNAL_INSTALLED or threading.current_thread() is not threading.main_thread():
        return
    previous = signal.getsignal(signal.SIGTERM)
    if not callable(previous):
        return

    def _stop(signum, frame):
        shutdown()
        previous(signum, frame)

    signal.signal(signal.SIGTERM, _stop)
    _SIGNAL_INSTALLED = True
