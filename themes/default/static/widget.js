// Suivi widget: <script src="https://track.example.com/widget.js" data-suivi-token="…" async></script>
// Shows a plain link to the tracking page at once, and loads the status in a hidden iframe. Only
// when the frame itself says it loaded (so the browser let this page frame it, and the server
// answered) does the iframe replace the link; a refused or broken frame leaves the link in place.
(function () {
  "use strict";
  var LINK_TEXT = {
    fr: "Suivre mon colis",
    en: "Track my parcel",
    de: "Mein Paket verfolgen",
    es: "Seguir mi paquete",
    it: "Traccia il mio pacco",
    nl: "Mijn pakket volgen"
  };
  var GIVE_UP_MS = 10000;
  var script = document.currentScript;
  if (!script) { return; }
  var token = script.getAttribute("data-suivi-token");
  if (!token) { return; }
  var origin = new URL(script.src).origin;
  var lang = script.getAttribute("data-suivi-lang");
  var query = lang ? "?lang=" + encodeURIComponent(lang) : "";
  var pageLang = (lang || document.documentElement.lang || "").slice(0, 2).toLowerCase();
  var label = LINK_TEXT[pageLang] || LINK_TEXT.en;

  var link = document.createElement("a");
  link.className = "suivi-widget-link";
  link.href = origin + "/t/" + encodeURIComponent(token) + query;
  link.textContent = label;

  var frame = document.createElement("iframe");
  frame.src = origin + "/embed/" + encodeURIComponent(token) + query;
  frame.className = "suivi-widget";
  frame.setAttribute("referrerpolicy", "no-referrer");
  frame.style.display = "none";
  frame.style.width = "100%";
  frame.style.border = "0";
  frame.style.height = "220px";
  var titled = script.getAttribute("data-suivi-title");

  // Screen readers list frames by title: two widgets on one page must not share one.
  function uniqueTitle(title) {
    var taken = {};
    Array.prototype.forEach.call(document.querySelectorAll("iframe.suivi-widget"), function (other) {
      if (other !== frame) { taken[other.title] = true; }
    });
    var candidate = title;
    for (var n = 2; taken[candidate]; n++) { candidate = title + " (" + n + ")"; }
    return candidate;
  }

  var loaded = false;
  window.addEventListener("message", function (event) {
    if (event.origin !== origin || event.source !== frame.contentWindow) { return; }
    var data = event.data || {};
    if (data.type === "suivi:loaded" && !loaded && frame.parentNode) {
      loaded = true;
      if (!titled && typeof data.title === "string" && data.title) {
        frame.title = uniqueTitle(data.title.slice(0, 200));
      }
      frame.style.display = "block";
      link.parentNode.removeChild(link);
    } else if (data.type === "suivi:resize" && typeof data.height === "number" && data.height > 0) {
      frame.style.height = Math.min(data.height, 4000) + "px";
    }
  });
  script.parentNode.insertBefore(link, script.nextSibling);
  frame.title = uniqueTitle(titled || label);
  link.parentNode.insertBefore(frame, link.nextSibling);
  window.setTimeout(function () {
    if (!loaded && frame.parentNode) { frame.parentNode.removeChild(frame); }
  }, GIVE_UP_MS);
})();
