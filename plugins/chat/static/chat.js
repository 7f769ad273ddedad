// The chat's small behaviours, CSP-safe (no inline script, no eval; htmx's allowEval is off,
// so hx-trigger filters like keydown[key=='Enter'] cannot be used here).
(function () {
  "use strict";
  if (window.portalChat) { return; }
  window.portalChat = true;

  // Enter sends, Shift+Enter starts a new line (not while an IME is composing a word).
  document.addEventListener("keydown", function (event) {
    var el = event.target;
    if (event.key !== "Enter" || event.shiftKey || event.isComposing) { return; }
    if (!el.matches || !el.matches("textarea[data-chat-enter]") || !el.form) { return; }
    event.preventDefault();
    if (el.value.trim()) { el.form.requestSubmit(); }
  });

  function live(el) { return el && el.closest ? el.closest(".chat-live") : null; }

  // Ask every poller of a live area for news (the answer is 204 when nothing is new).
  function poll(area) {
    area.querySelectorAll("[data-chat-poller]").forEach(function (p) { htmx.trigger(p, "chat-poll"); });
  }

  // A stream that cannot be held (refused, 204/503, or the connection keeps failing):
  // poll every 3 s until it opens again. Any error also fetches what the gap missed.
  document.addEventListener("htmx:sseError", function (event) {
    var area = live(event.target);
    if (!area) { return; }
    var source = event.detail && event.detail.source;
    if (source && source.readyState === 2) { area.dataset.chatMode = "poll"; }
    poll(area);
  });
  document.addEventListener("htmx:sseOpen", function (event) {
    var area = live(event.target);
    if (area && area.dataset.chatMode === "poll") { area.dataset.chatMode = "sse"; poll(area); }
  });
  // A replayed message already on the page is not shown twice.
  document.addEventListener("htmx:sseBeforeMessage", function (event) {
    var id = event.detail && event.detail.lastEventId;
    if (id && document.getElementById("chat-msg-" + id)) { event.preventDefault(); }
  });
  window.setInterval(function () {
    document.querySelectorAll('.chat-live[data-chat-mode="poll"], .chat-live[data-chat-mode="poll-only"]').forEach(poll);
  }, 3000);

  // What a poll brought in has been seen: mark the conversation read (a POST).
  document.addEventListener("htmx:afterSwap", function (event) {
    var elt = event.detail && event.detail.requestConfig && event.detail.requestConfig.elt;
    if (!elt || !elt.matches || !elt.matches("[data-chat-poller]")) { return; }
    var area = live(elt) || elt.parentElement;
    if (area) { area.querySelectorAll("[data-chat-read]").forEach(function (m) { htmx.trigger(m, "chat-read"); }); }
  });

  // Keep the newest message in view.
  function toBottom() {
    document.querySelectorAll(".chat-log").forEach(function (log) { log.scrollTop = log.scrollHeight; });
  }
  document.addEventListener("htmx:afterSettle", toBottom);
  document.addEventListener("htmx:sseMessage", toBottom);
  document.addEventListener("DOMContentLoaded", toBottom);
})();
