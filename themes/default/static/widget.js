// Suivi widget: <script src="https://track.example.com/widget.js" data-suivi-token="…" async></script>
// Inserts an iframe showing the parcel's status and resizes it from the frame's own messages.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) { return; }
  var token = script.getAttribute("data-suivi-token");
  if (!token) { return; }
  var origin = new URL(script.src).origin;
  var frame = document.createElement("iframe");
  var lang = script.getAttribute("data-suivi-lang");
  frame.src = origin + "/embed/" + encodeURIComponent(token) + (lang ? "?lang=" + encodeURIComponent(lang) : "");
  frame.title = script.getAttribute("data-suivi-title") || "Suivi";
  frame.className = "suivi-widget";
  frame.setAttribute("referrerpolicy", "no-referrer");
  frame.setAttribute("loading", "lazy");
  frame.style.width = "100%";
  frame.style.border = "0";
  frame.style.height = "220px";
  window.addEventListener("message", function (event) {
    if (event.origin !== origin || event.source !== frame.contentWindow) { return; }
    var data = event.data || {};
    if (data.type === "suivi:resize" && typeof data.height === "number" && data.height > 0) {
      frame.style.height = Math.min(data.height, 4000) + "px";
    }
  });
  script.parentNode.insertBefore(frame, script.nextSibling);
})();
