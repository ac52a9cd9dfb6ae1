// Progressive enhancement only: every page works without JavaScript.
(function () {
  "use strict";

  // Move focus to the error summary after a failed submit, so screen readers hear it first.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
      // A form whose action has a #fragment: the browser scrolls there after this and drops the
      // focus, so the summary takes it back (and the reader sees it) once the page has loaded.
      if (window.location.hash) {
        window.addEventListener("load", function () { summary.focus(); summary.scrollIntoView(); });
      }
    }

    // Error-summary links focus the field itself (also the first input of a fieldset).
    document.querySelectorAll(".error-summary a[href^='#']").forEach(function (link) {
      link.addEventListener("click", function (ev) {
        var target = document.getElementById(link.getAttribute("href").slice(1));
        if (!target) { return; }
        var input = target.matches("input, select, textarea") ? target : target.querySelector("input, select, textarea");
        if (input) {
          ev.preventDefault();
          var group = target.closest(".form-group") || target;
          group.scrollIntoView();
          input.focus({ preventScroll: true });
        }
      });
    });

    // Character count: announces the remaining characters politely.
    document.querySelectorAll("[data-character-count]").forEach(function (group) {
      var area = group.querySelector("textarea, input");
      var status = group.querySelector("[data-character-count-status]");
      var max = parseInt(group.getAttribute("data-maxlength"), 10);
      if (!area || !status || !max) { return; }
      var timer = null;
      function update() {
        var left = max - area.value.length;
        status.textContent = left >= 0 ? "Du har " + left + " tecken kvar" : "Du har " + (-left) + " tecken för mycket";
        status.classList.toggle("character-count__status--over", left < 0);
      }
      area.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(update, 400); });
      update();
    });

    // Confirmation for destructive buttons marked data-confirm.
    document.querySelectorAll("[data-confirm]").forEach(function (button) {
      button.addEventListener("click", function (ev) {
        if (!window.confirm(button.getAttribute("data-confirm"))) { ev.preventDefault(); }
      });
    });
  });
})();
