// Small progressive enhancements; the portal works without this file.
// Confirm dialogs for destructive buttons (data-confirm), CSP-safe (no inline handlers).
document.addEventListener("submit", function (event) {
  var form = event.target;
  var message = form.getAttribute && form.getAttribute("data-confirm");
  if (message && !window.confirm(message)) { event.preventDefault(); event.stopPropagation(); }
}, true);
// Auto-submit selects marked data-autosubmit (language switch, filters).
document.addEventListener("change", function (event) {
  var el = event.target;
  if (el.matches && el.matches("select[data-autosubmit]") && el.form) { el.form.requestSubmit(); }
});
