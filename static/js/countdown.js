// Live countdown to a deadline: <span data-countdown="ISO time" data-label-left=… data-label-over=…>
(function () {
  "use strict";
  const pad = (n) => String(n).padStart(2, "0");
  function tick() {
    document.querySelectorAll("[data-countdown]").forEach((el) => {
      const due = new Date(el.dataset.countdown);
      const ms = due - new Date();
      const s = Math.floor(Math.abs(ms) / 1000);
      const text = (s >= 3600 ? Math.floor(s / 3600) + ":" : "") + pad(Math.floor((s % 3600) / 60)) + ":" + pad(s % 60);
      el.textContent = ms >= 0 ? text + " " + el.dataset.labelLeft : text + " " + el.dataset.labelOver;
      el.classList.toggle("overdue", ms < 0);
      el.classList.toggle("due-soon", ms >= 0 && ms < 3 * 60 * 1000);
    });
  }
  tick();
  setInterval(tick, 1000);
})();
