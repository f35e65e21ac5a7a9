// Small enhancements only: every page works without this file.
(function () {
  "use strict";

  // The eye: a real button, added only when script runs, whose label says what it will do.
  function addEye(input) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "eye";
    button.setAttribute("aria-controls", input.id);
    function render() {
      var shown = input.type === "text";
      button.textContent = shown ? "Masquer le mot de passe" : "Afficher le mot de passe";
    }
    button.addEventListener("click", function () {
      input.type = input.type === "password" ? "text" : "password";
      render();
    });
    render();
    input.insertAdjacentElement("afterend", button);
  }

  // Signed-in pages: warn 2 minutes before the session ends, offer «Rester connecté»,
  // and leave the page when it has ended, so personal data does not stay on screen.
  function sessionClock(seconds) {
    var warning = document.getElementById("session-warning");
    if (!warning) { return; }
    var form = warning.querySelector("form");
    var full = parseInt(warning.getAttribute("data-full-seconds"), 10) || seconds;
    var timers = [];
    function start() {
      timers.forEach(clearTimeout);
      timers = [
        setTimeout(function () {
          warning.hidden = false;
          form.querySelector("button").focus();
        }, Math.max(0, seconds - 120) * 1000),
        setTimeout(function () { window.location.href = "/connexion"; }, seconds * 1000)
      ];
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin",
                           headers: { "HX-Request": "true" } })
        .then(function (response) {
          if (response.status === 204) { warning.hidden = true; seconds = full; start(); }
          else { form.submit(); }
        })
        .catch(function () { form.submit(); });
    });
    start();
  }

  // Once a form is sent, a live check still waiting must not race it: the page the person
  // asked for would be interrupted by the answer. Cancel them until the next page shows.
  var sending = false;
  document.addEventListener("submit", function () {
    sending = true;
    if (window.htmx) {
      document.querySelectorAll(".htmx-request").forEach(function (el) {
        window.htmx.trigger(el, "htmx:abort");
      });
    }
  }, true);
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (sending) { event.preventDefault(); }
  });
  window.addEventListener("pageshow", function () { sending = false; });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-eye]").forEach(addEye);
    // Browsers that ignore autofocus on a non-form element still land on the error summary.
    var summary = document.querySelector(".error-summary");
    if (summary && document.activeElement !== summary) { summary.focus(); }
    var seconds = parseInt(document.body.getAttribute("data-session-seconds"), 10);
    if (seconds > 0) { sessionClock(seconds); }
    if (document.body.hasAttribute("data-sw") && "serviceWorker" in navigator) {
      navigator.serviceWorker.register("/sw.js");
    }
  });
})();
