// Careportal: small enhancements on top of pages that work without script.
// The eye at the end of every password field shows what was typed ("Als u hierop klikt, ziet
// u wat u heeft ingetypt", Salem's FAQ). A toggle button: its name stays "Toon wachtwoord"
// and aria-pressed says whether the password shows. Made here, as it works only with script.
(function () {
  'use strict';
  var eye = '<svg class="show-password__icon" viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" focusable="false">'
    + '<path d="M12 5C6.5 5 2.7 9.1 1.5 12c1.2 2.9 5 7 10.5 7s9.3-4.1 10.5-7C21.3 9.1 17.5 5 12 5zm0 11.5a4.5 4.5 0 1 1 0-9 4.5 4.5 0 0 1 0 9zm0-2.5a2 2 0 1 0 0-4 2 2 0 0 0 0 4z"/>'
    + '<path class="show-password__slash" d="M3.3 2 2 3.3 20.7 22l1.3-1.3z"/></svg>';
  document.querySelectorAll('.password-input input[type="password"]').forEach(function (input) {
    var button = document.createElement('button');
    button.type = 'button';
    button.className = 'show-password';
    button.setAttribute('aria-pressed', 'false');
    button.setAttribute('aria-controls', input.id);
    button.innerHTML = eye + '<span class="visually-hidden">Toon wachtwoord</span>';
    input.insertAdjacentElement('afterend', button);
    button.addEventListener('click', function () {
      var show = input.type === 'password';
      input.type = show ? 'text' : 'password';
      button.setAttribute('aria-pressed', show ? 'true' : 'false');
    });
  });
}());

// Before the idle timeout ends the session, warn and offer to stay signed in. Without this
// script the session simply ends, and the next page asks to log in again.
(function () {
  'use strict';
  var seconds = parseInt(document.body.getAttribute('data-idle-seconds') || '', 10);
  var warning = document.getElementById('sessie-waarschuwing');
  if (!seconds || !warning) { return; }
  var form = warning.querySelector('[data-extend-session]');
  var warnTimer, endTimer;
  // At the end the page logs out on the server through the Uitloggen form, so the session
  // ends when the page says it does (the server alone would allow up to a minute more).
  function expire() {
    var logout = document.querySelector('form[action="/uitloggen"]');
    if (!logout) { window.location.href = '/inloggen?verlopen=1'; return; }
    var reason = document.createElement('input');
    reason.type = 'hidden';
    reason.name = 'verlopen';
    reason.value = '1';
    logout.appendChild(reason);
    logout.submit();
  }
  function schedule() {
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    warnTimer = setTimeout(function () {
      warning.hidden = false;
      warning.querySelector('button').focus();
    }, Math.max(0, seconds - 120) * 1000);
    endTimer = setTimeout(expire, seconds * 1000);
  }
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    fetch(form.action, { method: 'POST', body: new FormData(form), headers: { 'X-Careportal': 'verlengen' }, credentials: 'same-origin' })
      .then(function (response) {
        if (response.status === 204) {
          warning.hidden = true;
          schedule();
        } else {
          window.location.href = '/inloggen?verlopen=1';
        }
      })
      .catch(function () { form.submit(); });
  });
  schedule();
}());

// The name's menu: the name becomes a button that opens Mijn profiel and Uitloggen; Escape
// closes it and gives the focus back to the name, and so does a click elsewhere.
(function () {
  'use strict';
  var menu = document.querySelector('[data-user-menu]');
  if (!menu) { return; }
  var name = menu.querySelector('[data-user-menu-name]');
  var button = menu.querySelector('.user-menu__button');
  var list = menu.querySelector('.user-menu__list');
  name.hidden = true;
  button.hidden = false;
  list.classList.remove('user-menu__list--open');
  list.hidden = true;
  function set(open) {
    list.hidden = !open;
    button.setAttribute('aria-expanded', open ? 'true' : 'false');
  }
  button.addEventListener('click', function () { set(list.hidden); });
  document.addEventListener('keydown', function (event) {
    if (event.key === 'Escape' && !list.hidden) {
      set(false);
      button.focus();
    }
  });
  document.addEventListener('click', function (event) {
    if (!list.hidden && !menu.contains(event.target)) { set(false); }
  });
}());

// "Makkelijk lezen": a Voorlezen button under each report and message, with the browser's
// own Dutch voice. Pressed again, or another one pressed, it stops.
(function () {
  'use strict';
  if (!document.documentElement.classList.contains('easy-read') || !('speechSynthesis' in window)) { return; }
  var playing = null;
  function stop() {
    window.speechSynthesis.cancel();
    if (playing) { playing.setAttribute('aria-pressed', 'false'); }
    playing = null;
  }
  document.querySelectorAll('[data-read-aloud]').forEach(function (text) {
    var button = document.createElement('button');
    button.type = 'button';
    button.className = 'read-aloud';
    button.setAttribute('aria-pressed', 'false');
    button.innerHTML = '<span aria-hidden="true">🔊</span> Voorlezen';
    text.insertAdjacentElement('afterend', button);
    button.addEventListener('click', function () {
      var again = playing === button;
      stop();
      if (again) { return; }
      var utterance = new SpeechSynthesisUtterance(text.textContent);
      utterance.lang = 'nl-NL';
      utterance.onend = function () { if (playing === button) { stop(); } };
      playing = button;
      button.setAttribute('aria-pressed', 'true');
      window.speechSynthesis.speak(utterance);
    });
  });
}());
