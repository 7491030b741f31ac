/* Ankommen Dessau-Roßlau web chat: talks to /api/v1, renders every text as text (links are
   built as elements, never from HTML), keeps only the conversation number in localStorage. */
(function () {
  "use strict";
  var KEY = "ankommen.session", CURSOR = "ankommen.cursor", LANG = "ankommen.lang";
  var POLL_MS = 20000;
  var $ = function (id) { return document.getElementById(id); };
  var log = $("log"), form = $("form"), input = $("text"), picker = $("lang"), status = $("status");
  var ui = null, lang = "de", busy = false;
  var params = new URLSearchParams(location.search);
  if (params.get("embed")) document.body.classList.add("embedded");

  function store(key, value) {
    try { if (value === null) localStorage.removeItem(key); else localStorage.setItem(key, value); } catch (e) { /* private mode */ }
  }
  function stored(key) { try { return localStorage.getItem(key); } catch (e) { return null; } }
  var session = stored(KEY);

  function t(key) { return (ui && ui.texts[lang] && ui.texts[lang][key]) || ""; }

  function pickLanguage() {
    var codes = ui.languages.map(function (l) { return l.code; });
    var wanted = [params.get("lang"), stored(LANG)].concat(navigator.languages || [navigator.language]);
    for (var i = 0; i < wanted.length; i++) {
      var code = (wanted[i] || "").toLowerCase().split("-")[0];
      if (codes.indexOf(code) >= 0) return code;
    }
    return "de";
  }

  function applyLanguage(code) {
    lang = code;
    var info = ui.languages.filter(function (l) { return l.code === code; })[0];
    document.documentElement.lang = code;
    document.documentElement.dir = info && info.rtl ? "rtl" : "ltr";
    picker.value = code;
    $("lang-label").textContent = t("language");
    $("text-label").textContent = t("placeholder");
    input.placeholder = t("placeholder");
    $("send").textContent = t("send");
    $("q-events").textContent = t("events");
    $("q-person").textContent = t("person");
    $("q-privacy").textContent = t("privacy");
    $("q-privacy").href = "privacy?lang=" + encodeURIComponent(code);
    $("q-forget").textContent = t("forget");
    $("q-letter").textContent = t("letter");
    $("q-letter").setAttribute("aria-label", t("letter_label"));
  }

  var URL_RE = /(https?:\/\/[^\s<>"']+)/g;
  function addText(node, text) {
    var last = 0, match;
    URL_RE.lastIndex = 0;
    while ((match = URL_RE.exec(text)) !== null) {
      var url = match[0].replace(/[.,;:!?)\]»]+$/, "");
      node.appendChild(document.createTextNode(text.slice(last, match.index)));
      var a = document.createElement("a");
      a.href = url; a.textContent = url; a.target = "_blank"; a.rel = "noopener noreferrer";
      node.appendChild(a);
      last = match.index + url.length;
      URL_RE.lastIndex = last;
    }
    node.appendChild(document.createTextNode(text.slice(last)));
  }

  function bubble(kind, text) {
    var div = document.createElement("div");
    div.className = "msg " + kind;
    div.setAttribute("dir", "auto");
    addText(div, text);
    log.appendChild(div);
    log.scrollTop = log.scrollHeight;
    return div;
  }

  function showReply(reply) {
    var div = bubble(reply.kind === "team" ? "team" : "bot", reply.text);
    var email = null;
    if (reply.ask_email) {
      var label = document.createElement("label");
      label.className = "email";
      label.textContent = t("email");
      email = document.createElement("input");
      email.type = "email"; email.autocomplete = "email"; email.maxLength = 254;
      label.appendChild(email);
      div.appendChild(label);
    }
    if (reply.links && reply.links.length) {
      var links = document.createElement("div");
      links.className = "buttons";
      reply.links.forEach(function (l) {
        var a = document.createElement("a");
        a.className = "choice"; a.href = l.url; a.textContent = l.label; a.setAttribute("download", "");
        links.appendChild(a);
      });
      div.appendChild(links);
    }
    if (!reply.buttons || !reply.buttons.length) return;
    var row = document.createElement("div");
    row.className = "buttons";
    reply.buttons.forEach(function (b) {
      var button = document.createElement("button");
      button.type = "button"; button.className = "choice"; button.textContent = b.label;
      button.addEventListener("click", function () {
        if (email && email.value && !email.checkValidity()) { say(t("bad_email")); email.focus(); return; }
        Array.prototype.forEach.call(row.children, function (c) { c.disabled = true; });
        act(b.action, email ? email.value.trim() : null);
      });
      row.appendChild(button);
    });
    div.appendChild(row);
  }

  function say(text) { bubble("bot", text); }

  function handle(body) {
    if (body.session) { session = body.session; store(KEY, session); }
    if (body.forgotten) { session = null; store(KEY, null); store(CURSOR, null); }
    (body.replies || []).forEach(showReply);
    if (body.cursor !== undefined) store(CURSOR, String(body.cursor));
    status.textContent = "";
  }

  function failure(response) {
    if (response.status === 429) return say(t("limited"));
    return response.json().then(function (body) {
      if (body.error === "unknown-session") { session = null; store(KEY, null); }
      if (body.error === "invalid-email") return say(t("bad_email"));
      say(body.error === "unknown-action" || body.error === "unknown-session" ? t("stale") : t("error"));
    }, function () { say(t("error")); });
  }

  function post(path, payload) {
    var form = payload instanceof FormData;
    busy = true;
    return fetch(path, {
      method: "POST", headers: form ? {} : { "Content-Type": "application/json" },
      body: form ? payload : JSON.stringify(payload), credentials: "omit"
    }).then(function (response) {
      return response.ok ? response.json().then(handle) : failure(response);
    }, function () { say(t("error")); }).then(function () { busy = false; status.textContent = ""; });
  }

  function send(text, echo) {
    if (echo) bubble("user", text);
    return post("api/v1/message", { text: text, lang: lang, session: session || null });
  }

  function act(token, email) {
    if (!session) return say(t("stale"));
    var payload = { session: session, action: token };
    if (email) payload.email = email;
    return post("api/v1/action", payload);
  }

  function upload(file) {
    var data = new FormData();
    data.append("session", session || "");
    data.append("lang", lang);
    data.append("file", file, file.name);
    bubble("user", "📄 " + file.name);
    status.textContent = t("reading");
    return post("api/v1/letter", data);
  }

  function poll() {
    if (!session || busy || document.hidden) return;
    var after = stored(CURSOR) || "0";
    fetch("api/v1/session/" + encodeURIComponent(session) + "?after=" + encodeURIComponent(after), { credentials: "omit" })
      .then(function (response) {
        if (response.ok) return response.json().then(handle);
        if (response.status === 404) { session = null; store(KEY, null); }
      }, function () { /* offline: try again later */ });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(text, true);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  picker.addEventListener("change", function () {
    store(LANG, picker.value);
    applyLanguage(picker.value);
  });
  $("q-events").addEventListener("click", function () { send("/events", false); });
  $("q-person").addEventListener("click", function () { send("/human", false); });
  $("q-forget").addEventListener("click", function () { send("/forget", false); });
  $("q-letter").addEventListener("click", function () { $("file").click(); });
  $("file").addEventListener("change", function () {
    var file = this.files && this.files[0];
    this.value = "";
    if (file) upload(file);
  });

  fetch("api/v1/ui", { credentials: "omit" }).then(function (r) { return r.json(); }).then(function (data) {
    ui = data;
    ui.languages.forEach(function (l) {
      var option = document.createElement("option");
      option.value = l.code; option.textContent = l.name;
      picker.appendChild(option);
    });
    applyLanguage(pickLanguage());
    say("👋 " + t("welcome") + "\n\n" + t("intro"));
    poll();
    setInterval(poll, POLL_MS);
    document.addEventListener("visibilitychange", poll);
    document.body.setAttribute("data-ready", "1");
    input.focus();
  });
})();
