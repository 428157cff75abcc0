// The review page's keyboard and view toggles. Everything works without it, by links and the form.
(function () {
  "use strict";
  function typing(el) {
    return el && (el.tagName === "TEXTAREA" || el.tagName === "SELECT" ||
      (el.tagName === "INPUT" && el.type !== "radio" && el.type !== "checkbox"));
  }
  function toggleZoom() {
    var btn = document.getElementById("zoom"), pair = document.getElementById("pair");
    if (!btn || !pair) return;
    var on = btn.getAttribute("aria-pressed") !== "true";
    btn.setAttribute("aria-pressed", on ? "true" : "false");
    pair.classList.toggle("zoomed", on);
    pair.querySelectorAll(".frame").forEach(function (frame) {
      var img = frame.querySelector("img.pic");
      img.src = on ? frame.dataset.full : frame.dataset.screen;
    });
  }
  function toggleMap() {
    var btn = document.getElementById("map"), overlay = document.querySelector(".overlay");
    if (!btn || !overlay) return;
    var on = btn.getAttribute("aria-pressed") !== "true";
    btn.setAttribute("aria-pressed", on ? "true" : "false");
    overlay.hidden = !on;
  }
  document.addEventListener("DOMContentLoaded", function () {
    var z = document.getElementById("zoom"), m = document.getElementById("map");
    if (z) z.addEventListener("click", toggleZoom);
    if (m) m.addEventListener("click", toggleMap);
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.altKey || ev.ctrlKey || ev.metaKey || typing(ev.target)) return;
    var go = null;
    if (ev.key === "ArrowRight" || ev.key === "n") go = document.getElementById("next");
    if (ev.key === "ArrowLeft" || ev.key === "p") go = document.getElementById("prev");
    if (go) { ev.preventDefault(); window.location.href = go.href; return; }
    if (ev.key === "z") { ev.preventDefault(); toggleZoom(); return; }
    if (ev.key === "d") { ev.preventDefault(); toggleMap(); return; }
    var radio = document.querySelector('input[type=radio][data-key="' + ev.key + '"]');
    if (radio) {
      ev.preventDefault();
      radio.checked = true;
      document.getElementById("record").focus();
    }
  });
})();
