// Small progressive enhancements; every page works without them.
'use strict';

// Live preview of the full IdP URL while the custom value is typed.
function previewIdpUrl() {
  document.querySelectorAll('input[data-preview]').forEach((input) => {
    const output = document.getElementById(input.dataset.preview);
    if (!output) return;
    const update = () => {
      output.textContent = input.dataset.base + (input.value.trim() || input.defaultValue);
    };
    input.addEventListener('input', update);
  });
}

// A click anywhere in a row of the applications list opens that application, as the
// name link does (the checkbox and links keep their own behaviour).
function clickableRows() {
  document.querySelectorAll('tr[data-href]').forEach((row) => {
    row.addEventListener('click', (event) => {
      if (event.target.closest('a, input, button, label')) return;
      window.location.assign(row.dataset.href);
    });
  });
}

// Closes an open Actions menu with Escape, returning focus to its button.
function closableMenus() {
  document.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape') return;
    document.querySelectorAll('details.menu[open]').forEach((menu) => {
      menu.removeAttribute('open');
      menu.querySelector('summary')?.focus();
    });
  });
}

document.addEventListener('DOMContentLoaded', () => {
  previewIdpUrl();
  clickableRows();
  closableMenus();
});
