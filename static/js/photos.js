// The complaint page's photo viewer: a thumbnail opens its full-size picture in a modal.
// Without JavaScript the thumbnail is a plain link to the same (permission-checked) picture.
(function () {
  const viewer = document.getElementById("photo-viewer");
  if (!viewer) return;
  const full = viewer.querySelector("[data-photo-full]");
  const link = viewer.querySelector("[data-photo-link]");
  viewer.addEventListener("show.bs.modal", function (event) {
    const tile = event.relatedTarget;
    if (!tile) return;
    full.src = tile.href;
    full.alt = tile.title;
    link.href = tile.href;
    link.textContent = tile.title;
  });
  viewer.addEventListener("hidden.bs.modal", function () {
    full.removeAttribute("src");
  });
})();
