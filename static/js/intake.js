// Intake form: pick a resident from the look-up by keyboard, load their history and the
// group hint, and accept dropped files. The form posts normally; nothing here is required.
(function () {
  "use strict";
  const form = document.getElementById("intake-form");
  if (!form) return;
  const lookup = document.getElementById("lookup");
  const results = document.getElementById("lookup-results");
  const field = (name) => form.elements.namedItem(name);

  function load(target, url) {
    htmx.ajax("GET", url, { target: target, swap: "innerHTML" });
  }
  function refreshHint() {
    const category = field("category").value;
    const params = new URLSearchParams({ category: category, resident: field("resident").value,
                                         room: field("room").value });
    if (category) load("#group-hint", form.dataset.hintUrl + "?" + params);
    else document.getElementById("group-hint").innerHTML = "";
  }
  function pick(button) {
    field("resident").value = button.dataset.residentId;
    field("contact_name").value = button.dataset.name;
    if (button.dataset.phone) field("contact_phone").value = button.dataset.phone;
    field("room").value = button.dataset.unit;
    document.getElementById("picked").textContent = "✓ " + button.textContent.trim().replace(/\s+/g, " ");
    results.innerHTML = "";
    load("#history", form.dataset.historyUrl + "?resident=" + encodeURIComponent(button.dataset.residentId));
    refreshHint();
    field("description").focus();
  }
  results.addEventListener("click", (ev) => {
    const button = ev.target.closest("[data-resident-id]");
    if (button) pick(button);
  });
  lookup.addEventListener("keydown", (ev) => {
    const options = results.querySelectorAll("[data-resident-id]");
    if (ev.key === "Enter" && !ev.ctrlKey && !ev.metaKey) {
      ev.preventDefault();
      if (options.length) pick(options[0]);
      else field("contact_name").focus();
    } else if (ev.key === "ArrowDown" && options.length) {
      ev.preventDefault();
      options[0].focus();
    }
  });
  results.addEventListener("keydown", (ev) => {
    const current = ev.target.closest("[data-resident-id]");
    if (!current) return;
    if (ev.key === "ArrowDown" && current.nextElementSibling) { ev.preventDefault(); current.nextElementSibling.focus(); }
    if (ev.key === "ArrowUp") { ev.preventDefault(); (current.previousElementSibling || lookup).focus(); }
  });
  // A typed phone number with no registry match still fills the contact phone.
  lookup.addEventListener("change", () => {
    const digits = lookup.value.replace(/\D/g, "");
    if (digits.length >= 7 && !field("contact_phone").value) field("contact_phone").value = lookup.value.trim();
  });
  field("contact_phone").addEventListener("change", () => {
    if (!field("resident").value && field("contact_phone").value)
      load("#history", form.dataset.historyUrl + "?phone=" + encodeURIComponent(field("contact_phone").value));
  });
  field("category").addEventListener("change", refreshHint);
  field("room").addEventListener("change", refreshHint);
  document.getElementById("group-hint").addEventListener("click", (ev) => {
    const button = ev.target.closest("[data-link-group]");
    if (!button) return;
    field("group_lead").value = button.dataset.linkGroup;
    button.textContent = "✓";
    button.disabled = true;
  });
  // A room typed into the look-up where nobody is registered still fills the room field.
  results.addEventListener("htmx:afterSwap", () => {
    const hint = results.querySelector("[data-room]");
    if (hint && !field("resident").value && !field("room").value) {
      field("room").value = hint.dataset.room;
      field("room").dispatchEvent(new Event("change", { bubbles: true }));
    }
  });
  // One click sends the form once; the server also ignores the same form sent again.
  let sending = false;
  form.addEventListener("submit", (ev) => {
    if (sending) { ev.preventDefault(); return; }
    sending = true;
  });
  window.addEventListener("pageshow", () => { sending = false; });
  // Drag and drop onto the zone puts the files into the file input.
  const zone = document.getElementById("dropzone");
  const input = form.querySelector("input[type=file]");
  const list = document.getElementById("dropped");
  const show = () => { list.textContent = Array.from(input.files).map((f) => f.name).join(", "); };
  input.addEventListener("change", show);
  ["dragenter", "dragover"].forEach((t) => zone.addEventListener(t, (ev) => { ev.preventDefault(); zone.classList.add("bg-light"); }));
  ["dragleave", "drop"].forEach((t) => zone.addEventListener(t, () => zone.classList.remove("bg-light")));
  zone.addEventListener("drop", (ev) => {
    ev.preventDefault();
    if (ev.dataTransfer && ev.dataTransfer.files.length) { input.files = ev.dataTransfer.files; show(); }
  });
})();
