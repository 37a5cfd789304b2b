// Progressive enhancement only: every page works without this file.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});

// Show-password toggles: the button is hidden in the HTML, so without this file the
// password fields work as usual and no dead button shows.
document.querySelectorAll("[data-reveal]").forEach(function (button) {
  var input = document.getElementById(button.getAttribute("data-reveal"));
  if (!input) { return; }
  button.hidden = false;
  button.addEventListener("click", function () {
    var show = input.type === "password";
    input.type = show ? "text" : "password";
    button.textContent = button.getAttribute(show ? "data-hide" : "data-show");
    button.setAttribute("aria-pressed", show ? "true" : "false");
  });
});
