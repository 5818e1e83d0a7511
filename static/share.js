// Copy buttons for the sharing panel: shown only where the browser can copy; without this
// script the link and the snippet are plain read-only fields to select and copy by hand.
(function () {
  if (!navigator.clipboard || !window.isSecureContext) return;
  function reveal() {
    document.querySelectorAll("button[data-copy][hidden]").forEach(function (b) { b.hidden = false; });
  }
  document.addEventListener("DOMContentLoaded", reveal);
  document.addEventListener("htmx:afterSettle", reveal);   // the panel appears after publishing
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy]");
    if (!button) return;
    var field = document.getElementById(button.getAttribute("data-copy"));
    var status = document.getElementById("share-status");
    navigator.clipboard.writeText(field.value).then(function () {
      status.textContent = "Copied.";
    }, function () {
      field.select();
      status.textContent = "Copy did not work here: the text is selected, copy it by hand.";
    });
  });
})();
