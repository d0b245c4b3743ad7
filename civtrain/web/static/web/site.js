// Small page behaviours, bound by data attributes instead of inline handlers: the
// Content-Security-Policy allows no inline script (#8 item 14). Delegated from the
// document, so rows htmx swaps in later behave the same.
(function () {
  "use strict";

  // [data-percent] widths and [data-height] heights (px): sizes that depend on data, which
  // the policy forbids as style="" attributes (#17 item 6); set through the CSSOM, which it
  // allows. Deferred like every script here, this runs on the parsed page before the chart
  // scripts, and again on whatever htmx swaps in (progress bars that poll).
  function applySizes(root) {
    var nodes = Array.prototype.slice.call(root.querySelectorAll("[data-percent], [data-height]"));
    if (root.hasAttribute && (root.hasAttribute("data-percent") || root.hasAttribute("data-height"))) {
      nodes.push(root);
    }
    nodes.forEach(function (el) {
      var percent = el.getAttribute("data-percent");
      var height = el.getAttribute("data-height");
      if (percent !== null) { el.style.width = percent + "%"; }
      if (height !== null) { el.style.height = height + "px"; }
    });
  }
  applySizes(document);
  document.addEventListener("htmx:load", function (event) {
    if (event.target instanceof Element) { applySizes(event.target); }
  });

  // <select data-autosubmit>: submit its form on change (the language switch).
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el instanceof HTMLElement && el.hasAttribute("data-autosubmit") && el.form) {
      el.form.submit();
    }
  });

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) { return; }
    // <input type=checkbox data-check-all="NAME">: tick every enabled input[name=NAME].
    var all = target.closest("[data-check-all]");
    if (all instanceof HTMLInputElement) {
      var name = all.getAttribute("data-check-all");
      document.querySelectorAll("input[name='" + name + "']").forEach(function (c) {
        if (!c.disabled) { c.checked = all.checked; }
      });
    }
    // <button data-print>: the browser's print dialog (password slips).
    if (target.closest("[data-print]")) { window.print(); }
    // <button data-toggle-children aria-controls=ID>: open or close the subtree list ID.
    var toggle = target.closest("[data-toggle-children]");
    if (toggle) {
      var open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      var list = document.getElementById(toggle.getAttribute("aria-controls"));
      if (list) { list.classList.toggle("d-none", !open); }
      var icon = toggle.querySelector("i");
      if (icon) { icon.className = open ? "ti ti-chevron-down" : "ti ti-chevron-right"; }
    }
  });

  // <form data-confirm="…">: ask before submitting.
  // <form data-saved-filter>: save the list's filters as they are now (htmx has pushed them
  // into the address bar since the page was drawn).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.hasAttribute("data-confirm")) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    }
    if (form instanceof HTMLFormElement && form.hasAttribute("data-saved-filter")) {
      form.elements.namedItem("query").value = window.location.search.replace(/^\?/, "");
    }
  });
})();
