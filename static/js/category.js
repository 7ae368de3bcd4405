// Category chooser: a search box above each grouped category <select> that narrows it to the
// categories whose name, pinyin or initials contain what is typed (电梯, dianti, dt), and a
// department field that follows the category's usual department until someone changes it.
// The <select> works on its own without this file.
(function () {
  "use strict";
  function norm(text) { return (text || "").toLowerCase().replace(/[\s/]+/g, " ").trim(); }

  function enhance(select) {
    const box = document.createElement("input");
    box.type = "search";
    box.className = "form-control form-control-sm mb-1";
    box.placeholder = select.dataset.filterLabel || "";
    box.setAttribute("aria-label", select.dataset.filterLabel || "");
    box.setAttribute("autocomplete", "off");
    box.dataset.categoryFilter = select.name;
    select.parentNode.insertBefore(box, select);
    const options = Array.from(select.querySelectorAll("option[data-search]"));

    function visible() { return options.filter((o) => !o.hidden); }
    function filter() {
      const words = norm(box.value).split(" ").filter(Boolean);
      options.forEach((o) => {
        const keys = o.dataset.search;
        o.hidden = !words.every((w) => keys.includes(w));
      });
      select.querySelectorAll("optgroup").forEach((g) => {
        g.hidden = !g.querySelector("option:not([hidden])");
      });
      const first = visible()[0];
      const current = select.selectedOptions[0];
      if (words.length && first && (!current || current.hidden || !current.value)) choose(first);
    }
    function choose(option) {
      select.value = option.value;
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }
    box.addEventListener("input", filter);
    box.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" && !ev.ctrlKey && !ev.metaKey) {
        ev.preventDefault();
        const first = visible()[0];
        if (first) choose(first);
        select.focus();
      } else if (ev.key === "Escape") {
        box.value = "";
        filter();
      }
    });

    // The department follows the category's usual one, until a person picks a department.
    const department = select.form && Array.from(select.form.elements).find(
      (el) => el.tagName === "SELECT" && /(^|-)department$/.test(el.name));
    if (department) {
      let touched = false;
      department.addEventListener("change", (ev) => { if (ev.isTrusted) touched = true; });
      select.addEventListener("change", () => {
        const proposed = select.selectedOptions[0] && select.selectedOptions[0].dataset.department;
        if (proposed && !touched) {
          department.value = proposed;
          department.dispatchEvent(new Event("change", { bubbles: true }));
        }
      });
    }
  }
  document.querySelectorAll("select[data-category-chooser]").forEach(enhance);
})();
