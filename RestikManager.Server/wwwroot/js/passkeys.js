// Passkeys (WebAuthn): add one on the account page, use one at the second step of signing in. A static file, as every
// script here (the Content-Security-Policy allows no inline script). The server gives the ceremony's options in
// WebAuthn's JSON form and verifies the answer; this only carries them between it and the authenticator.
(function () {
  'use strict';

  function antiforgery() {
    var field = document.querySelector('input[name=__RequestVerificationToken]');
    return field ? field.value : '';
  }

  async function post(url, body) {
    var response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'RequestVerificationToken': antiforgery() },
      body: JSON.stringify(body || {}),
      credentials: 'same-origin',
    });
    var answer = {};
    try { answer = await response.json(); } catch (e) { /* an empty answer */ }
    if (!response.ok) {
      throw new Error((answer.error && answer.error.message) || ('The server answered ' + response.status + '.'));
    }
    return answer;
  }

  function say(text) {
    var box = document.getElementById('passkey-error');
    // The role is given when there is something to say: an empty, hidden alert would still be one to assistive tools.
    if (box) { box.textContent = text; box.hidden = false; box.setAttribute('role', 'alert'); }
  }

  function supported() {
    if (window.PublicKeyCredential && PublicKeyCredential.parseCreationOptionsFromJSON) return true;
    say('This browser cannot use passkeys here (it needs WebAuthn with its JSON helpers, and HTTPS or localhost).');
    return false;
  }

  document.querySelectorAll('[data-passkey-register]').forEach(function (button) {
    button.addEventListener('click', async function () {
      if (!supported()) return;
      button.disabled = true;
      try {
        var start = await post('/account?handler=PasskeyOptions');
        var credential = await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(start.options) });
        var name = document.getElementById('passkey-name');
        var done = await post('/account?handler=PasskeyRegister', { token: start.token, name: name ? name.value : '', credential: credential.toJSON() });
        if (done.recoveryCodes) {
          var list = document.getElementById('passkey-recovery-codes');
          list.replaceChildren.apply(list, done.recoveryCodes.map(function (code) {
            var item = document.createElement('li');
            var text = document.createElement('code');
            text.textContent = code;
            item.appendChild(text);
            return item;
          }));
          list.hidden = false;
          say('The passkey is added. Keep these recovery codes somewhere safe: each signs you in once without it, and they are not shown again.');
          document.getElementById('passkey-error').classList.replace('error', 'notice');
        } else {
          location.assign('/account');
        }
      } catch (e) {
        say(e.message);
      } finally {
        button.disabled = false;
      }
    });
  });

  document.querySelectorAll('[data-passkey-signin]').forEach(function (button) {
    button.addEventListener('click', async function () {
      if (!supported()) return;
      button.disabled = true;
      try {
        var start = await post('/signin/second-factor?handler=PasskeyOptions');
        var credential = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(start.options) });
        var done = await post('/signin/second-factor?handler=Passkey', { token: start.token, credential: credential.toJSON() });
        location.assign(done.redirect);
      } catch (e) {
        say(e.message);
      } finally {
        button.disabled = false;
      }
    });
  });
})();
