/*
 * Starts reveal.js for a k8slab deck (loaded last by slides/_build/<lang>/index.html).
 *
 * Why a separate file rather than an inline script: the deck stays plain static
 * files that open from disk, and the same settings serve every language.
 * It also keeps the language switch (bottom-left corner) pointing at the part
 * of the talk on screen: both languages share the same section ids, so
 * "../fr/index.html#/pods" lands on the French "pods" part.
 */
(function () {
  "use strict";

  Reveal.initialize({
    hash: true,            // the URL names the current part: #/pods
    slideNumber: "c/t",
    width: 1280,
    height: 800,
    margin: 0.04,
    center: false,
    transition: "slide",
    plugins: [RevealHighlight, RevealNotes],
  });

  var link = document.getElementById("k8slab-lang");

  function syncLanguageLink() {
    var part = Reveal.getCurrentSlide();
    // Climb to the top-level <section>: its id is the same in every language.
    while (part && part.parentElement && part.parentElement.tagName === "SECTION") {
      part = part.parentElement;
    }
    if (link && part && part.id) {
      link.href = link.getAttribute("data-base") + "#/" + part.id;
    }
  }

  Reveal.on("ready", syncLanguageLink);
  Reveal.on("slidechanged", syncLanguageLink);

  // Served by Jupyter (Binder, `./run lab`) as <base>/files/slides/_build/..., a
  // relative notebook link would download the raw .ipynb. Point it at
  // <base>/lab/tree/notebooks/... instead, so the notebook opens in JupyterLab.
  var marker = "/files/";
  var at = location.pathname.indexOf(marker);
  if (location.protocol.indexOf("http") === 0 && at !== -1) {
    var filesRoot = location.pathname.slice(0, at + marker.length);
    var labRoot = location.pathname.slice(0, at) + "/lab/tree/";
    document.querySelectorAll("a.notebook").forEach(function (a) {
      var url = new URL(a.getAttribute("href"), location.href);
      if (url.pathname.indexOf(filesRoot) === 0) {
        a.href = labRoot + url.pathname.slice(filesRoot.length);
        a.target = "_blank";
      }
    });
  }
})();
