/* Embed: <script src="https://…/widget.js" data-lang="de"></script> adds a chat bubble that
   opens the Ankommen chat in an iframe. Nothing is loaded until the bubble is pressed. */
(function () {
  "use strict";
  var LABELS = __LABELS__;
  var script = document.currentScript;
  var base = new URL(".", script.src);
  var lang = (script.getAttribute("data-lang") || document.documentElement.lang || "de").toLowerCase().split("-")[0];
  if (!LABELS[lang]) lang = "de";
  var rtl = lang === "ar" || lang === "fa";
  var side = rtl ? "left" : "right";
  var frame = null;
  var button = document.createElement("button");
  button.type = "button";
  button.textContent = "💬";
  button.setAttribute("aria-label", LABELS[lang].open);
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("data-ankommen", "bubble");
  var s = button.style;
  s.position = "fixed"; s.bottom = "1rem"; s[side] = "1rem"; s.zIndex = "2147483000";
  s.width = "3.5rem"; s.height = "3.5rem"; s.borderRadius = "50%"; s.border = "0";
  s.background = "#004b87"; s.color = "#fff"; s.fontSize = "1.6rem"; s.cursor = "pointer";
  s.boxShadow = "0 2px 8px rgba(0,0,0,.3)";

  function open() {
    if (!frame) {
      frame = document.createElement("iframe");
      frame.src = new URL("?embed=1&lang=" + encodeURIComponent(lang), base).href;
      frame.title = "Ankommen Dessau-Roßlau";
      frame.setAttribute("data-ankommen", "frame");
      var f = frame.style;
      f.position = "fixed"; f.bottom = "5rem"; f[side] = "1rem"; f.zIndex = "2147483000";
      f.width = "min(24rem, calc(100vw - 2rem))"; f.height = "min(36rem, calc(100vh - 6.5rem))";
      f.border = "1px solid #d5dbe1"; f.borderRadius = ".8rem"; f.background = "#fff";
      f.boxShadow = "0 4px 16px rgba(0,0,0,.25)";
      document.body.appendChild(frame);
    }
    frame.style.display = "block";
    button.setAttribute("aria-expanded", "true");
    button.setAttribute("aria-label", LABELS[lang].close);
    button.textContent = "✕";
    frame.focus();
  }
  function close() {
    if (frame) frame.style.display = "none";
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("aria-label", LABELS[lang].open);
    button.textContent = "💬";
  }
  button.addEventListener("click", function () {
    if (frame && frame.style.display !== "none") close(); else open();
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && frame && frame.style.display !== "none") { close(); button.focus(); }
  });
  document.body.appendChild(button);
})();
