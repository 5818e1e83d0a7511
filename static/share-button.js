// The public page's share button: the phone's share sheet where the browser has one, else the
// link copied to the clipboard with a visible status. Without this script (or without either
// way to share) the page shows its plain link instead.
(function () {
  var canShare = typeof navigator.share === "function";
  var canCopy = !!(navigator.clipboard && window.isSecureContext);
  if (!canShare && !canCopy) return;

  function copy(url, status) {
    if (!canCopy) {
      status.textContent = "Copy this link: " + url;
      return;
    }
    navigator.clipboard.writeText(url).then(function () {
      status.textContent = "Copied";
    }, function () {
      status.textContent = "Copy did not work here; the link is " + url;
    });
  }

  function ready() {
    document.querySelectorAll(".share-page").forEach(function (box) {
      var button = box.querySelector("button[data-share-url]");
      var status = box.querySelector("[role=status]");
      var link = box.querySelector(".share-link");
      if (!button) return;
      link.hidden = true;
      button.hidden = false;
      button.addEventListener("click", function () {
        var url = button.getAttribute("data-share-url");
        status.textContent = "";
        if (!canShare) {
          copy(url, status);
          return;
        }
        navigator.share({title: button.getAttribute("data-share-title"), url: url}).catch(function (error) {
          if (error && error.name === "AbortError") return;     // the sheet was closed: nothing to say
          copy(url, status);
        });
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
