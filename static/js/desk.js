// Small behaviours shared by every page. No framework: htmx does the server round trips.
(function () {
  "use strict";
  // Ctrl+Enter (or Cmd+Enter) submits the form the focus is in.
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
      const form = ev.target.closest && ev.target.closest("form");
      if (form) { ev.preventDefault(); form.requestSubmit(); }
    }
  });
})();
