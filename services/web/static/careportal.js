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
