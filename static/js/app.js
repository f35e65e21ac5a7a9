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

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-eye]").forEach(addEye);
    // Browsers that ignore autofocus on a non-form element still land on the error summary.
    var summary = document.querySelector(".error-summary");
    if (summary && document.activeElement !== summary) { summary.focus(); }
  });
})();
