/* The portal's own script: progressive enhancement only. Every page works without it; with it,
   htmx sends forms in place, and this file adds the session's CSRF token to those requests,
   shows upload progress, and keeps the keyboard focus where the person was. */
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  var lastFocus = null;

  document.addEventListener("htmx:configRequest", function (event) {
    var token = csrfToken();
    if (token) {
      event.detail.headers["X-CSRF-Token"] = token;
    }
  });

  // A form being sent: its buttons wait, its progress bar (uploads) appears.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var active = document.activeElement;
    lastFocus = active && active.id ? active.id : null;
    var form = event.target.closest("form");
    if (!form) {
      return;
    }
    form.setAttribute("aria-busy", "true");
    form.querySelectorAll("button").forEach(function (button) {
      button.disabled = true;
    });
    var progress = form.querySelector("progress");
    if (progress) {
      progress.hidden = false;
      progress.value = 0;
    }
  });

  document.addEventListener("htmx:xhr:progress", function (event) {
    var form = event.target.closest("form");
    var progress = form ? form.querySelector("progress") : null;
    if (progress && event.detail.lengthComputable && event.detail.total > 0) {
      progress.max = event.detail.total;
      progress.value = event.detail.loaded;
      var label = form.querySelector("[data-progress-label]");
      if (label) {
        label.textContent = Math.round((100 * event.detail.loaded) / event.detail.total) + "% sent";
      }
    }
  });

  // The request failed outright (the portal unreachable): the form is usable again.
  document.addEventListener("htmx:sendError", function (event) {
    var form = event.target.closest("form");
    if (form) {
      form.removeAttribute("aria-busy");
      form.querySelectorAll("button").forEach(function (button) {
        button.disabled = false;
      });
    }
  });

  // After a swap: the first message of a refusal gets the focus, else the control the person
  // used (by id), else the page's main region; the title follows the page.
  document.addEventListener("htmx:afterSettle", function () {
    var main = document.getElementById("main");
    if (!main) {
      return;
    }
    var title = main.getAttribute("data-title");
    if (title) {
      document.title = title;
      main.removeAttribute("data-title");
    }
    var error = main.querySelector(".field-error, .message.error");
    var target = null;
    if (error) {
      var control = error.id ? main.querySelector('[aria-describedby~="' + error.id + '"]') : null;
      target = control || error;
      if (!control) {
        error.setAttribute("tabindex", "-1");
      }
    } else if (lastFocus) {
      target = document.getElementById(lastFocus);
    }
    if (!target || target.disabled) {
      target = main.querySelector("[data-focus-after-update]") || main;
    }
    target.focus();
  });
})();
