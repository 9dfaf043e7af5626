// Tells the embedding page that the widget showed up (with a title naming the parcel), then how
// tall it is, so its iframe replaces the fallback link and fits without a scrollbar.
(function () {
  "use strict";
  if (window.parent === window) { return; }
  window.parent.postMessage({ type: "suivi:loaded", title: document.title }, "*");
  var last = 0;
  function report() {
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height !== last) {
      last = height;
      window.parent.postMessage({ type: "suivi:resize", height: height }, "*");
    }
  }
  new ResizeObserver(report).observe(document.documentElement);
  document.addEventListener("htmx:afterSettle", report);
  report();
})();
