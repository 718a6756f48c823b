// A table wider than the window scrolls inside its region (tabindex="0" in the page, so a keyboard can scroll
// it); the region stays a tab stop only while there is something to scroll.
function scrollableRegions() {
  document.querySelectorAll(".scroll").forEach(function (region) {
    if (region.scrollWidth > region.clientWidth) region.tabIndex = 0; else region.removeAttribute("tabindex");
  });
}
document.addEventListener("DOMContentLoaded", scrollableRegions);
addEventListener("resize", scrollableRegions);
