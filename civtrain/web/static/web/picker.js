// Type-ahead pickers (#11 item 3). An <input data-picker="URL"> is a plain text box that
// submits what is typed (a code); here it becomes a combobox: typing part of a name asks URL
// (&q=…) for matches {results: [{value, label, hint}]}, shown with their path; arrows move,
// Enter picks, Esc closes, a tap picks on a phone. The chosen value goes into a hidden input
// that takes over the box's name; the box shows the label (data-picker-label at first).
(function () {
  "use strict";
  var counter = 0;

  function enhance(box) {
    if (box.dataset.pickerReady) { return; }
    box.dataset.pickerReady = "1";
    counter += 1;
    var hidden = document.createElement("input");
    hidden.type = "hidden";
    hidden.name = box.name;
    hidden.value = box.value;
    box.removeAttribute("name");
    box.value = box.dataset.pickerLabel || box.value;
    box.after(hidden);
    var wrap = document.createElement("div");
    wrap.className = "picker";
    box.before(wrap);
    wrap.append(box, hidden);
    var menu = document.createElement("ul");
    menu.className = "picker-menu";
    menu.id = "picker-menu-" + counter;
    menu.setAttribute("role", "listbox");
    menu.hidden = true;
    wrap.append(menu);
    box.setAttribute("role", "combobox");
    box.setAttribute("aria-autocomplete", "list");
    box.setAttribute("aria-expanded", "false");
    box.setAttribute("aria-controls", menu.id);

    var results = [];
    var active = -1;
    var timer = null;
    var asked = 0;

    function close() {
      menu.hidden = true;
      box.setAttribute("aria-expanded", "false");
      box.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var options = menu.querySelectorAll("[role=option]");
      if (!options.length) { return; }
      active = (index + options.length) % options.length;
      options.forEach(function (o, i) { o.setAttribute("aria-selected", String(i === active)); });
      box.setAttribute("aria-activedescendant", options[active].id);
      options[active].scrollIntoView({ block: "nearest" });
    }

    function pick(index) {
      var chosen = results[index];
      if (!chosen) { return; }
      box.value = chosen.label;
      hidden.value = chosen.value;
      close();
      hidden.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function show(found) {
      box.removeAttribute("aria-busy");
      results = found;
      menu.replaceChildren();
      if (!found.length) {
        var empty = document.createElement("li");
        empty.className = "picker-empty";
        empty.textContent = box.dataset.pickerEmpty || "—";
        menu.append(empty);
      }
      found.forEach(function (r, i) {
        var li = document.createElement("li");
        li.className = "picker-option";
        li.id = menu.id + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.dataset.value = r.value;
        li.textContent = r.label;
        var hint = document.createElement("small");
        hint.textContent = r.hint;
        li.append(hint);
        // mousedown, not click: the box keeps the focus, so blur does not close us first.
        li.addEventListener("mousedown", function (event) { event.preventDefault(); pick(i); });
        menu.append(li);
      });
      menu.hidden = false;
      box.setAttribute("aria-expanded", "true");
      active = -1;
    }

    function search() {
      var url = box.dataset.picker;
      url += (url.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(box.value.trim());
      var ticket = ++asked;
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { results: [] }; })
        .then(function (data) {
          // Only the latest question's answer is shown, and only while the box has the focus.
          if (ticket === asked && document.activeElement === box) { show(data.results || []); }
        })
        .catch(function () { /* offline: the box still submits what was typed */ });
    }

    box.addEventListener("input", function () {
      hidden.value = box.value.trim(); // typed, not picked: a code or an exact name
      asked += 1; // an answer to what was typed before is no longer shown
      box.setAttribute("aria-busy", "true");
      clearTimeout(timer);
      timer = setTimeout(search, 200);
    });
    box.addEventListener("focus", function () {
      if (!box.value) { search(); }
    });
    box.addEventListener("blur", function () { clearTimeout(timer); asked += 1; close(); });
    box.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (menu.hidden) { search(); return; }
        highlight(active + (event.key === "ArrowDown" ? 1 : -1));
      } else if (event.key === "Enter" && !menu.hidden && active >= 0) {
        event.preventDefault(); // picks; a second Enter submits the form
        pick(active);
      } else if (event.key === "Escape" && !menu.hidden) {
        event.preventDefault();
        close();
      }
    });
  }

  function enhanceAll(root) {
    (root || document).querySelectorAll("input[data-picker]").forEach(enhance);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { enhanceAll(); });
  } else {
    enhanceAll();
  }
  // Forms htmx swaps in later (e.g. a session form) get their pickers too.
  document.addEventListener("htmx:load", function (event) { enhanceAll(event.target); });
})();
