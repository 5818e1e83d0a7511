// Passkeys: create an account or sign in (navigator.credentials.create/get), no inline script.
// Each `.passkey-action` names its ceremony (data-passkey), its two JSON endpoints and the CSRF
// token, which goes in the X-CSRFToken header. Bytes travel as base64url both ways.
(function () {
  "use strict";

  function toBytes(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) { base64 += "="; }
    var raw = atob(base64), bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    return bytes.buffer;
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer), raw = "";
    for (var i = 0; i < bytes.length; i++) { raw += String.fromCharCode(bytes[i]); }
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function creationOptions(options) {
    var key = options.publicKey;
    key.challenge = toBytes(key.challenge);
    key.user.id = toBytes(key.user.id);
    (key.excludeCredentials || []).forEach(function (c) { c.id = toBytes(c.id); });
    return options;
  }

  function requestOptions(options) {
    var key = options.publicKey;
    key.challenge = toBytes(key.challenge);
    (key.allowCredentials || []).forEach(function (c) { c.id = toBytes(c.id); });
    return options;
  }

  function credentialJson(credential) {
    var r = credential.response, response = {clientDataJSON: toText(r.clientDataJSON)};
    if (r.attestationObject) { response.attestationObject = toText(r.attestationObject); }
    if (r.authenticatorData) { response.authenticatorData = toText(r.authenticatorData); }
    if (r.signature) { response.signature = toText(r.signature); }
    if (r.userHandle) { response.userHandle = toText(r.userHandle); }
    return {id: credential.id, rawId: toText(credential.rawId), type: credential.type, response: response};
  }

  function post(url, csrf, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json"},
      body: JSON.stringify(body || {})
    }).then(function (answer) {
      return answer.json().catch(function () { return {}; }).then(function (data) {
        if (answer.ok) { return data; }
        if (answer.status === 429) { throw new Error("Too many sign-in attempts from your network. Please wait a few minutes and try again."); }
        throw new Error(data.error || "The server could not finish this (" + answer.status + "). Please try again.");
      });
    });
  }

  function browserError(error, creating) {
    if (error && error.name === "NotAllowedError") {
      return creating ? "No passkey was made (it was cancelled or timed out). Nothing was saved."
                      : "No passkey was used (it was cancelled, timed out, or none for this site is on this device).";
    }
    if (error && error.name === "InvalidStateError") { return "This device already holds a passkey for this account."; }
    if (error && error.name === "SecurityError") { return "Passkeys do not work on this address. Open the site at its own address."; }
    return (error && error.message) || "Something went wrong. Please try again.";
  }

  function run(box) {
    var creating = box.dataset.passkey === "register";
    var message = box.querySelector(".passkey-message");
    var button = box.querySelector("button");
    message.textContent = creating ? "Follow your device’s prompt to make a passkey…" : "Follow your device’s prompt…";
    button.disabled = true;
    post(box.dataset.begin, box.dataset.csrf).then(function (data) {
      return creating ? navigator.credentials.create(creationOptions(data.options))
                      : navigator.credentials.get(requestOptions(data.options));
    }).then(function (credential) {
      return post(box.dataset.finish, box.dataset.csrf, credentialJson(credential));
    }).then(function (data) {
      message.textContent = creating ? "Passkey saved." : "Signed in.";
      window.location.assign(data.redirect);
    }).catch(function (error) {
      message.textContent = browserError(error, creating);
      message.classList.add("error-text");
      button.disabled = false;
    });
  }

  function start() {
    var supported = !!(window.PublicKeyCredential && navigator.credentials);
    document.querySelectorAll(".passkey-nojs").forEach(function (note) {
      note.textContent = supported ? "" : "This browser cannot use passkeys. Sign in with a source instead.";
      note.hidden = supported;
    });
    document.querySelectorAll(".passkey-action").forEach(function (box) {
      var button = box.querySelector("button");
      if (supported && button) { button.hidden = false; }
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest(".passkey-action button");
    if (button) { run(button.closest(".passkey-action")); }
  });
  document.addEventListener("DOMContentLoaded", start);
  document.addEventListener("htmx:afterSettle", start);
})();
