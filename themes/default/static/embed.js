// Tells the embedding page how tall the widget is, so its iframe fits without a scrollbar.
(function () {
  "use strict";
  if (window.parent === window) { return; }
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
