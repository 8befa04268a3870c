// cchc's own page behaviour, loaded from a file: the Content-Security-Policy refuses inline scripts and on…= handlers.
(function () {
  "use strict";

  // A "back" link goes back in the browser's history when there is one, else to its own href.
  function goBack(event) {
    if (window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  }

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    if (target.closest("a[data-back]")) goBack(event);
  });
})();
