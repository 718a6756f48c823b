// Copy buttons appear only where the script can copy; without it the key stays selectable text.
document.querySelectorAll("[data-copy]").forEach(function (b) {
  b.hidden = false;
  b.onclick = function () {
    navigator.clipboard.writeText(document.getElementById(b.dataset.copy).textContent)
      .then(function () { b.textContent = b.dataset.done; });
  };
});
