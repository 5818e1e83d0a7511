/* The dashboard's few behaviours that need script; every action also works without it.
   - times: each <time data-local> is shown in the viewer's time zone (the UTC text stays
     as the fallback and as a tooltip);
   - unsaved text: an editor with text its owner has not saved keeps it when another action
     swaps the part of the page it sits in;
   - feedback: a new action clears the messages left next to other controls. */
(function () {
  "use strict";
  var format = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

  function localTimes(root) {
    root.querySelectorAll("time[data-local]").forEach(function (el) {
      var moment = new Date(el.getAttribute("datetime"));
      if (isNaN(moment.getTime())) { return; }
      el.title = el.textContent;
      el.textContent = format.format(moment);
      el.removeAttribute("data-local");
    });
  }

  var unsaved = [];

  function dirtyEditors(except) {
    var found = [];
    document.querySelectorAll("textarea[id], input[type=text][id]").forEach(function (el) {
      if (el.value !== el.defaultValue && !(except && except.contains(el))) {
        found.push({ id: el.id, value: el.value, focused: el === document.activeElement,
                     start: el.selectionStart, end: el.selectionEnd });
      }
    });
    return found;
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.requestConfig && event.detail.requestConfig.verb !== "get") {
      document.querySelectorAll(".feedback").forEach(function (slot) { slot.replaceChildren(); });
    }
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var source = event.detail.requestConfig && event.detail.requestConfig.elt;
    // The form that was sent saves its own text; every other editor keeps what was typed.
    unsaved = dirtyEditors(source ? source.closest("form") : null);
  });

  document.addEventListener("htmx:afterSettle", function () {
    unsaved.forEach(function (kept) {
      var el = document.getElementById(kept.id);
      if (!el || el.value === kept.value) { return; }
      el.value = kept.value;
      var box = el.closest("details");      // a line being written stays open to be seen
      if (box) { box.open = true; }
      if (kept.focused) {
        el.focus();
        el.setSelectionRange(kept.start, kept.end);
      }
    });
    unsaved = [];
  });

  document.addEventListener("htmx:load", function (event) { localTimes(event.detail.elt); });
  localTimes(document);
}());
