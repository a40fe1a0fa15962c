// Careportal: small enhancements on top of pages that work without script.
// The eye button beside a password field shows what was typed (Salem's manual describes it).
(function () {
  'use strict';
  document.querySelectorAll('[data-show-password]').forEach(function (button) {
    var input = document.getElementById(button.getAttribute('data-show-password'));
    if (!input) { return; }
    button.hidden = false;
    button.addEventListener('click', function () {
      var show = input.type === 'password';
      input.type = show ? 'text' : 'password';
      button.setAttribute('aria-pressed', show ? 'true' : 'false');
      button.querySelector('.show-password__text').textContent = show ? 'Verberg wachtwoord' : 'Toon wachtwoord';
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
  function schedule() {
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    warnTimer = setTimeout(function () {
      warning.hidden = false;
      warning.querySelector('button').focus();
    }, Math.max(0, seconds - 120) * 1000);
    endTimer = setTimeout(function () {
      window.location.href = '/inloggen?verlopen=1';
    }, seconds * 1000);
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
