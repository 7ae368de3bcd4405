// Small behaviours shared by every page. No framework: htmx does the server round trips.
(function () {
  "use strict";
  // A select marked data-autosubmit sends its form when changed (the language switch).
  document.addEventListener("change", function (ev) {
    if (ev.target.matches && ev.target.matches("select[data-autosubmit]")) {
      ev.target.form.submit();
    }
  });
  // A button marked data-print opens the browser's print dialog.
  document.addEventListener("click", function (ev) {
    const button = ev.target.closest && ev.target.closest("[data-print]");
    if (button) { ev.preventDefault(); window.print(); }
  });
  // Ctrl+Enter (or Cmd+Enter) submits the form the focus is in.
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
      const form = ev.target.closest && ev.target.closest("form");
      if (form) { ev.preventDefault(); form.requestSubmit(); }
    }
  });
})();
