// The candidate's sheet (issue #14 item 3): each answer is saved to the server as it is
// given; the time left is the server's (sent with the page and with every save) counted
// down here for display only; at zero the page submits. Leaving the page and pasting are
// reported as events for the organiser.
(function () {
  "use strict";
  var sheet = document.getElementById("exam-sheet");
  if (!sheet) return;
  var api = sheet.dataset.api;
  var status = document.getElementById("save-status");
  var clock = document.getElementById("time-left");
  var form = document.getElementById("submit-form");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var endsAt = Date.now() + Number(sheet.dataset.remaining) * 1000;
  var submitting = false;
  // The attempt's token (ADR 0029): the saves' credential, answered without the session.
  var token = sheet.dataset.token;
  // Saves with the token do not keep the sign-in alive; the page does, so that the final
  // submission still finds it (the shortest idle limit a city may set is 5 minutes).
  setInterval(function () { fetch("/api/v1/me", { credentials: "same-origin" }); }, 120 * 1000);

  function send(method, path, body) {
    var headers = { "Content-Type": "application/json", "X-CSRFToken": csrf };
    if (token && method === "PUT") headers["X-Attempt-Token"] = token;
    return fetch(api + path, {
      method: method,
      credentials: "same-origin",
      headers: headers,
      body: JSON.stringify(body || {}),
    });
  }

  function responseOf(card) {
    var kind = card.dataset.kind;
    var inputs = card.querySelectorAll("input, textarea");
    if (kind === "single") {
      var picked = card.querySelector("input:checked");
      return picked ? Number(picked.value) : null;
    }
    if (kind === "multiple") {
      return Array.prototype.filter.call(inputs, function (i) { return i.checked; })
        .map(function (i) { return Number(i.value); });
    }
    if (kind === "true_false") {
      var tf = card.querySelector("input:checked");
      return tf ? tf.value === "true" : null;
    }
    return inputs[0].value;
  }

  function save(card) {
    var question = card.dataset.question;
    send("PUT", "answers/" + question, { response: responseOf(card) })
      .then(function (r) {
        if (token && (r.status === 401 || r.status === 404)) {
          // the token ended (signed out elsewhere, the sign-in's lifetime): the session says
          // whether this page may still save
          token = "";
          return send("PUT", "answers/" + question, { response: responseOf(card) });
        }
        return r;
      })
      .then(function (r) {
        if (r.status === 409) { status.textContent = sheet.dataset.closedLabel; finish(); return null; }
        if (!r.ok) throw new Error(String(r.status));
        return r.json();
      })
      .then(function (body) {
        if (!body) return;
        endsAt = Date.now() + body.remaining_seconds * 1000;
        status.textContent = sheet.dataset.savedLabel + " " + new Date().toLocaleTimeString();
      })
      .catch(function () { status.textContent = sheet.dataset.failedLabel; });
  }

  var timers = {};
  sheet.addEventListener("change", function (e) {
    var card = e.target.closest(".question");
    if (card) save(card);
  });
  sheet.addEventListener("input", function (e) {
    var card = e.target.closest(".question");
    if (!card || (card.dataset.kind !== "fill" && card.dataset.kind !== "short")) return;
    clearTimeout(timers[card.dataset.question]);
    timers[card.dataset.question] = setTimeout(function () { save(card); }, 800);
  });
  sheet.addEventListener("paste", function (e) {
    var text = (e.clipboardData && e.clipboardData.getData("text")) || "";
    send("POST", "events", { kind: "paste", detail: text.length + " chars" });
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") send("POST", "events", { kind: "hidden" });
  });

  function finish() {
    if (submitting) return;
    submitting = true;
    form.submit();
  }
  form.addEventListener("submit", function (e) {
    if (submitting) return;
    var ask = document.getElementById("submit-attempt").dataset.confirm;
    if (!window.confirm(ask)) { e.preventDefault(); return; }
    submitting = true;
  });

  function tick() {
    var left = Math.max(0, Math.round((endsAt - Date.now()) / 1000));
    var m = Math.floor(left / 60), s = left % 60;
    clock.textContent = (m < 10 ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
    if (left === 0) { status.textContent = sheet.dataset.closedLabel; finish(); return; }
    setTimeout(tick, 1000);
  }
  tick();
})();
