// Security keys (WebAuthn) for the second factor (#17 item 1): the browser half of the
// ceremonies whose server half is civtrain/accounts/webauthn.py. The card names the mode
// ("register" or "login") and the begin/finish addresses.
(function () {
  "use strict";

  function toBytes(b64url) {
    const b64 = b64url.replace(/-/g, "+").replace(/_/g, "/");
    const raw = atob(b64 + "===".slice((b64.length + 3) % 4));
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  }

  function toB64url(buffer) {
    let raw = "";
    new Uint8Array(buffer).forEach((b) => { raw += String.fromCharCode(b); });
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function csrfToken() {
    const field = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (field) return field.value;
    const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body || {}),
    });
    const data = await response.json();
    if (!response.ok) throw new Error((data.error && data.error.message) || response.statusText);
    return data;
  }

  function credentialJson(credential) {
    const r = credential.response;
    const out = {
      id: credential.id,
      rawId: toB64url(credential.rawId),
      type: credential.type,
      response: { clientDataJSON: toB64url(r.clientDataJSON) },
      clientExtensionResults: credential.getClientExtensionResults(),
    };
    if (r.attestationObject) {
      out.response.attestationObject = toB64url(r.attestationObject);
      if (r.getTransports) out.response.transports = r.getTransports();
    } else {
      out.response.authenticatorData = toB64url(r.authenticatorData);
      out.response.signature = toB64url(r.signature);
      if (r.userHandle) out.response.userHandle = toB64url(r.userHandle);
    }
    return out;
  }

  async function run(card) {
    const mode = card.dataset.mode;
    const options = await post(card.dataset.begin);
    options.challenge = toBytes(options.challenge);
    let credential;
    if (mode === "register") {
      options.user.id = toBytes(options.user.id);
      (options.excludeCredentials || []).forEach((c) => { c.id = toBytes(c.id); });
      credential = await navigator.credentials.create({ publicKey: options });
    } else {
      (options.allowCredentials || []).forEach((c) => { c.id = toBytes(c.id); });
      credential = await navigator.credentials.get({ publicKey: options });
    }
    const name = mode === "register" ? "安全密钥 " + new Date().toISOString().slice(0, 10) : "";
    const result = await post(card.dataset.finish + "?next=" + encodeURIComponent(card.dataset.next || ""),
      { credential: credentialJson(credential), name: name });
    window.location.assign(result.next || card.dataset.next || "/");
  }

  document.addEventListener("DOMContentLoaded", function () {
    const card = document.getElementById("webauthn-card");
    const button = document.getElementById("webauthn-button");
    const error = document.getElementById("webauthn-error");
    if (!card || !button || !card.dataset.mode) return;
    if (!window.PublicKeyCredential) {
      button.disabled = true;
      error.hidden = false;
      error.textContent = "此浏览器不支持安全密钥，请使用动态验证码。";
      return;
    }
    button.addEventListener("click", function () {
      error.hidden = true;
      button.disabled = true;
      run(card).catch(function (e) {
        error.hidden = false;
        error.textContent = "安全密钥验证未完成：" + e.message;
        button.disabled = false;
      });
    });
  });
})();
