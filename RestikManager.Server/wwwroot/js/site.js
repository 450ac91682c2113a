// restic-manager: the little the pages need beyond HTML and htmx. No inline script anywhere (the CSP forbids it).
(function () {
  'use strict';

  // Times are written in UTC; shown in the browser's time zone, with the UTC time on hover.
  const format = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  function localTimes(root) {
    root.querySelectorAll('time[datetime]:not([data-local])').forEach(function (el) {
      const at = new Date(el.getAttribute('datetime'));
      if (isNaN(at)) return;
      el.title = el.textContent.trim();
      el.textContent = format.format(at);
      el.setAttribute('data-local', '');
    });
  }

  // A form with data-confirm asks first (destructive actions).
  document.addEventListener('submit', function (e) {
    const form = e.target;
    const question = form.getAttribute('data-confirm') || (e.submitter && e.submitter.getAttribute('data-confirm'));
    if (question && !window.confirm(question)) e.preventDefault();
  }, true);

  // Copy buttons: <button data-copy="#id"> copies that element's text.
  document.addEventListener('click', function (e) {
    const button = e.target.closest('button[data-copy]');
    if (!button) return;
    const source = document.querySelector(button.getAttribute('data-copy'));
    if (source && navigator.clipboard) {
      navigator.clipboard.writeText(source.textContent.trim()).then(function () { button.textContent = 'Copied'; });
    }
  });

  document.addEventListener('DOMContentLoaded', function () { localTimes(document); });
  // After a live swap (an outerHTML swap replaces the element the event names, so look at the whole page).
  document.addEventListener('htmx:afterSettle', function () { localTimes(document); });
})();
