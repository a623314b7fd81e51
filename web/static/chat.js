// Makes a conversation page live: new messages arrive over a WebSocket and the reply form
// posts without reloading. Without JavaScript the page still works (post, then reload).
(function () {
  "use strict";
  // The inbox: when one of the user's conversations gets a message, reload the list.
  var inbox = document.querySelector("[data-live-inbox]");
  if (inbox && window.WebSocket && window.fetch && window.DOMParser) {
    var inboxRetry = 500;
    var refresh = function () {
      fetch("/conversations", { credentials: "same-origin" })
        .then(function (r) { return r.text(); })
        .then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          var fresh = doc.getElementById("inbox-list");
          var list = document.getElementById("inbox-list");
          if (fresh && list) list.innerHTML = fresh.innerHTML;
        });
    };
    var connectInbox = function () {
      var scheme = location.protocol === "https:" ? "wss://" : "ws://";
      var ws = new WebSocket(scheme + location.host + "/conversations/live");
      ws.onopen = function () {
        // After a reconnect, what arrived meanwhile.
        if (inboxRetry > 500 || inbox.hasAttribute("data-was-live")) refresh();
        inboxRetry = 500;
        inbox.setAttribute("data-live", "1");
        inbox.setAttribute("data-was-live", "1");
      };
      ws.onmessage = refresh;
      ws.onclose = function () {
        inbox.removeAttribute("data-live");
        setTimeout(connectInbox, inboxRetry);
        inboxRetry = Math.min(inboxRetry * 2, 10000);
      };
    };
    connectInbox();
    return;
  }
  var root = document.querySelector(".conversation[data-conversation]");
  if (!root || !window.WebSocket || !window.fetch) return;
  var id = root.getAttribute("data-conversation");
  var csrf = root.getAttribute("data-csrf");
  var last = parseInt(root.getAttribute("data-last-seq"), 10) || 0;
  var list = document.getElementById("messages");
  var form = document.getElementById("reply");
  var status = document.getElementById("live-status");
  var retry = 500;
  var readTimer = null;

  function append(m) {
    if (m.seq <= last || document.getElementById("m" + m.seq)) return;
    last = m.seq;
    var empty = document.getElementById("no-messages");
    if (empty) empty.remove();
    var li = document.createElement("li");
    li.id = "m" + m.seq;
    li.setAttribute("data-seq", String(m.seq));
    li.setAttribute("data-testid", "message");
    if (String(m.sender_id) === root.getAttribute("data-viewer")) li.className = "mine";
    var small = document.createElement("small");
    var who = document.createElement("strong");
    who.textContent = m.sender_name || "";
    small.appendChild(who);
    small.appendChild(document.createTextNode(" · " + (m.time || "")));
    li.appendChild(small);
    if (m.reply_to_seq) {
      var quote = document.createElement("blockquote");
      quote.className = "reply-quote";
      quote.textContent = "↪ " + (m.reply_body || "…");
      li.appendChild(quote);
    }
    if (m.attachment) {
      var link = document.createElement("a");
      link.href = "/conversations/" + id + "/attachments/" + m.seq;
      var img = document.createElement("img");
      img.src = link.href + "?thumb=1";
      img.className = "attachment";
      img.alt = "";
      link.appendChild(img);
      li.appendChild(link);
    }
    var p = document.createElement("p");
    p.setAttribute("data-testid", "body");
    p.textContent = m.body;
    li.appendChild(p);
    li.appendChild(actions(m));
    list.appendChild(li);
    li.scrollIntoView({ block: "nearest" });
    markRead();
  }

  // The links the page itself gives a message: reply; edit and delete for one's own (a new
  // message is within its edit window); report for someone else's.
  function actions(m) {
    var label = function (k) { return root.getAttribute("data-l-" + k) || k; };
    var base = "/conversations/" + id + "/messages/" + m.seq;
    var box = document.createElement("div");
    box.className = "actions";
    var link = function (href, key, testid) {
      var a = document.createElement("a");
      a.href = href;
      a.textContent = label(key);
      a.setAttribute("data-testid", testid);
      box.appendChild(a);
      box.appendChild(document.createTextNode(" "));
    };
    var postForm = function (action) {
      var f = document.createElement("form");
      f.method = "post";
      f.action = action;
      f.className = "inline";
      var token = document.createElement("input");
      token.type = "hidden";
      token.name = "csrf";
      token.value = csrf;
      f.appendChild(token);
      return f;
    };
    var button = function (key, testid) {
      var b = document.createElement("button");
      b.type = "submit";
      b.className = "link";
      b.textContent = label(key);
      b.setAttribute("data-testid", testid);
      return b;
    };
    if (root.hasAttribute("data-can-post")) {
      link("/conversations/" + id + "?reply=" + m.seq + "#reply", "reply", "reply-link");
    }
    if (String(m.sender_id) === root.getAttribute("data-viewer")) {
      link(base + "/edit", "edit", "edit-link");
      var del = postForm(base + "/delete");
      del.appendChild(button("delete", "delete"));
      box.appendChild(del);
    } else {
      var details = document.createElement("details");
      details.className = "inline";
      var summary = document.createElement("summary");
      summary.textContent = label("report");
      summary.setAttribute("data-testid", "report-link");
      details.appendChild(summary);
      var rep = postForm(base + "/report");
      var reason = document.createElement("input");
      reason.name = "reason";
      reason.maxLength = 300;
      reason.placeholder = label("report-reason");
      rep.appendChild(reason);
      rep.appendChild(button("report-send", "report"));
      details.appendChild(rep);
      box.appendChild(details);
    }
    return box;
  }

  // An earlier message edited or deleted: its text changes in place.
  function update(m) {
    var li = document.getElementById("m" + m.seq);
    if (!li) return;
    var p = li.querySelector("p");
    if (!p) return;
    if (m.deleted_at) {
      p.textContent = root.getAttribute("data-deleted-text") || "";
      p.setAttribute("data-testid", "deleted");
      var actions = li.querySelector(".actions");
      if (actions) actions.remove();
    } else {
      p.textContent = m.body;
      var small = li.querySelector("small");
      if (small && !li.querySelector("[data-testid=edited]")) {
        var em = document.createElement("em");
        em.setAttribute("data-testid", "edited");
        em.textContent = root.getAttribute("data-edited-text") || "";
        small.appendChild(document.createTextNode(" · "));
        small.appendChild(em);
      }
    }
  }

  function markRead() {
    if (readTimer) return;
    readTimer = setTimeout(function () {
      readTimer = null;
      var body = new URLSearchParams({ csrf: csrf, seq: String(last) });
      fetch("/conversations/" + id + "/read", { method: "POST", body: body, credentials: "same-origin" });
    }, 300);
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var ws = new WebSocket(scheme + location.host + "/conversations/" + id + "/live?after=" + last);
    ws.onopen = function () { retry = 500; root.setAttribute("data-live", "1"); };
    ws.onmessage = function (e) {
      try {
        var m = JSON.parse(e.data);
        if (m.type === "message") append(m);
        else if (m.type === "update") update(m);
      } catch (_) { /* ignore a malformed frame */ }
    };
    ws.onclose = function () {
      root.removeAttribute("data-live");
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 10000);
    };
  }

  if (form) form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var text = form.elements["body"].value;
    if (!text.trim()) return;
    var button = form.querySelector("button");
    button.disabled = true;
    fetch(form.action, {
      method: "POST",
      body: new URLSearchParams(new FormData(form)),
      headers: { Accept: "application/json" },
      credentials: "same-origin"
    }).then(function (r) {
      if (r.status === 201) {
        return r.json().then(function (m) {
          form.elements["body"].value = "";
          status.textContent = "";
          // The socket delivers it too; whichever comes first shows it once.
          m.time = m.time || "";
          if (m.seq === last + 1) append(m);
        });
      }
      return r.json().then(function (e) {
        status.textContent = (e && e.error && e.error.message) || String(r.status);
      }, function () { status.textContent = String(r.status); });
    }).catch(function () {
      // Offline: keep the text; the button comes back for another try.
      status.textContent = "…";
    }).then(function () { button.disabled = false; });
  });

  connect();
})();
