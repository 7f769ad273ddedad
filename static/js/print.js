// Print buttons on invoices and packing slips (CSP forbids inline handlers).
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("[data-print]");
  if (button) { window.print(); }
});
