// Security keys and passkeys (WebAuthn) for Taskforce's own pages; no dependencies.
//
// Each `form[data-passkey]` ("register" or "authenticate") has a button. Pressing it asks the
// form's `data-start` URL for the challenge (a JSON POST carrying the page's CSRF token from
// `data-csrf` in the X-CSRF-Token header), lets the browser talk to the key
// (navigator.credentials.create / get), puts the key's answer, as JSON, in the form's hidden
// `credential` field and submits the form as usual; the server answers with the next page.
// Progress and errors are told in the form's aria-live region. The sections stay hidden in a
// browser without WebAuthn (or without scripts), where the pages' code forms still work.
(function () {
  'use strict';

  if (!window.PublicKeyCredential || !navigator.credentials) return;

  /** base64url (with or without padding) to an ArrayBuffer. */
  function toBuffer(text) {
    const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
    const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
    const binary = atob(padded);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes.buffer;
  }

  /** An ArrayBuffer (or view) to base64url without padding. */
  function toText(buffer) {
    const bytes = buffer instanceof ArrayBuffer ? new Uint8Array(buffer) : new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    let binary = '';
    for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
    return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function withIds(list) {
    return (list || []).map((c) => Object.assign({}, c, { id: toBuffer(c.id) }));
  }

  function creationOptions(options) {
    const pk = Object.assign({}, options.publicKey);
    pk.challenge = toBuffer(pk.challenge);
    pk.user = Object.assign({}, pk.user, { id: toBuffer(pk.user.id) });
    if (pk.excludeCredentials) pk.excludeCredentials = withIds(pk.excludeCredentials);
    return pk;
  }

  function requestOptions(options) {
    const pk = Object.assign({}, options.publicKey);
    pk.challenge = toBuffer(pk.challenge);
    if (pk.allowCredentials) pk.allowCredentials = withIds(pk.allowCredentials);
    return pk;
  }

  function registrationAnswer(credential) {
    const r = credential.response;
    const answer = {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      response: {
        attestationObject: toText(r.attestationObject),
        clientDataJSON: toText(r.clientDataJSON),
      },
      extensions: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {},
    };
    if (typeof r.getTransports === 'function') answer.response.transports = r.getTransports();
    return answer;
  }

  function authenticationAnswer(credential) {
    const r = credential.response;
    return {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      response: {
        authenticatorData: toText(r.authenticatorData),
        clientDataJSON: toText(r.clientDataJSON),
        signature: toText(r.signature),
        userHandle: r.userHandle ? toText(r.userHandle) : null,
      },
      extensions: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {},
    };
  }

  /** Asks the server to start a ceremony; throws an Error with a message for people. */
  async function start(url, csrf, body) {
    let response;
    try {
      response = await fetch(url, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': csrf },
        body: JSON.stringify(body || {}),
      });
    } catch {
      throw new Error('The server could not be reached. Check your connection and try again.');
    }
    let data = null;
    try {
      data = await response.json();
    } catch {
      // not JSON: told below
    }
    if (!response.ok) {
      const fields = data && Array.isArray(data.fields) ? data.fields.map((f) => f.message) : [];
      const message = fields.length ? fields.join('; ') : (data && data.message) || `The server refused (${response.status}).`;
      throw new Error(message.charAt(0).toUpperCase() + message.slice(1));
    }
    if (!data || !data.publicKey) throw new Error('The server sent an answer this page cannot use. Reload the page and try again.');
    return data;
  }

  /** Words for what the browser reports. */
  function explain(error) {
    switch (error && error.name) {
      case 'NotAllowedError':
        return 'The security key did not answer in time, or the request was cancelled. Try again.';
      case 'InvalidStateError':
        return 'This security key is registered to your account already. Use another one.';
      case 'SecurityError':
        return 'Your browser refused to use a security key for this address. Open Taskforce at the address your administrator gave you.';
      case 'NotSupportedError':
        return 'This security key cannot be used here. Try another one.';
      case 'AbortError':
        return 'The request was cancelled. Try again.';
      default:
        return (error && error.message) || 'Something went wrong. Try again.';
    }
  }

  function wire(form) {
    const button = form.querySelector('[data-passkey-button]');
    const status = form.querySelector('[data-passkey-status]');
    const field = form.querySelector('input[name="credential"]');
    if (!button || !status || !field) return;
    const section = form.closest('[data-passkey-section]');
    if (section) section.hidden = false;
    const say = (text) => {
      status.textContent = text;
    };
    // Keys are bound to one address; elsewhere the browser would refuse them.
    const origin = form.dataset.origin;
    if (origin && origin !== window.location.origin) {
      button.disabled = true;
      say(`Security keys work only when Taskforce is opened at ${origin}.`);
      return;
    }

    async function run() {
      button.disabled = true;
      say('Waiting for your security key…');
      try {
        const csrf = form.dataset.csrf || '';
        if (form.dataset.passkey === 'register') {
          const name = form.querySelector('[data-passkey-name]');
          const options = await start(form.dataset.start, csrf, { name: name ? name.value : '' });
          const credential = await navigator.credentials.create({ publicKey: creationOptions(options) });
          if (!credential) throw new Error('No security key answered. Try again.');
          field.value = JSON.stringify(registrationAnswer(credential));
        } else {
          const options = await start(form.dataset.start, csrf, {});
          const credential = await navigator.credentials.get({ publicKey: requestOptions(options) });
          if (!credential) throw new Error('No security key answered. Try again.');
          field.value = JSON.stringify(authenticationAnswer(credential));
        }
        say('Checking…');
        form.submit();
      } catch (error) {
        say(explain(error));
        button.disabled = false;
      }
    }

    button.addEventListener('click', run);
    // Enter in the key's name field starts the ceremony rather than sending an empty answer.
    form.addEventListener('submit', (event) => {
      if (!field.value) {
        event.preventDefault();
        if (!button.disabled) run();
      }
    });
  }

  function init() {
    document.querySelectorAll('form[data-passkey]').forEach(wire);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
